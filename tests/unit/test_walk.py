"""acorders.load.sources: a directory walk reads regular files only and tells what it skips; what is
named on the command line is read whatever it is; a symbolic link loop is called a loop (issue 11,
items 10 and 18)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from acorders import load
from acorders.errors import UsageError

GOOD = b'{"ecomOrder": {"externalcheckoutid": "c-1", "email": "a@example.com"}}\n'

fifos = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


def write(path: Path, data: bytes = GOOD) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def walk(root: Path) -> tuple[list[str], list[str]]:
    """(the names of the sources, the lines told to on_skip)"""
    told: list[str] = []
    sources = load.collect_sources([str(root)], on_skip=told.append)
    return [os.path.relpath(s.name, root) for s in sources], told


@fifos
def test_a_walk_leaves_out_a_fifo_named_like_a_cart(tmp_path: Path) -> None:
    write(tmp_path / "a.json")
    os.mkfifo(tmp_path / "b.json")
    write(tmp_path / "c.json")
    sources = load.collect_sources([str(tmp_path)])  # no one to tell: skipped all the same
    assert [os.path.basename(s.name) for s in sources] == ["a.json", "c.json"]


@fifos
def test_a_walk_tells_what_it_skipped_and_why(tmp_path: Path) -> None:
    write(tmp_path / "a.json")
    (tmp_path / "sub").mkdir()
    os.mkfifo(tmp_path / "sub" / "pipe.ndjson")
    os.mkfifo(tmp_path / "notes.txt")  # not named like a cart: not a source, nothing to say
    names, told = walk(tmp_path)
    assert names == ["a.json"]
    assert told == [
        f"warning: skipped {tmp_path / 'sub' / 'pipe.ndjson'}: a named pipe (FIFO), not a regular file"
    ]


def test_broken_links_and_link_loops_in_a_folder_are_skipped_and_told(tmp_path: Path) -> None:
    write(tmp_path / "a.json")
    os.symlink(tmp_path / "nowhere.json", tmp_path / "broken.json")
    os.symlink(tmp_path / "loop.json", tmp_path / "loop.json")
    names, told = walk(tmp_path)
    assert names == ["a.json"]
    assert told == [
        f"warning: skipped {tmp_path / 'broken.json'}: a broken symbolic link, not a regular file",
        f"warning: skipped {tmp_path / 'loop.json'}: a symbolic link loop, not a regular file",
    ]


def test_a_link_to_a_file_is_read_and_a_link_to_a_folder_is_not_followed(tmp_path: Path) -> None:
    target = write(tmp_path / "elsewhere" / "real.json")
    write(tmp_path / "outbox" / "sub" / "x.json")
    os.symlink(target, tmp_path / "outbox" / "link.json")
    os.symlink(tmp_path / "outbox" / "sub", tmp_path / "outbox" / "again")  # a cycle, if followed
    names, told = walk(tmp_path / "outbox")
    assert names == ["link.json", os.path.join("sub", "x.json")]
    assert told == []


def test_a_deep_tree_is_walked_in_the_same_order_as_before(tmp_path: Path) -> None:
    deep = tmp_path
    for i in range(60):
        write(deep / f"{i:02d}.json")
        write(deep / f"z{i:02d}.yaml")
        deep = deep / f"d{i}"
    names, _ = walk(tmp_path)
    assert len(names) == 120
    assert names[:3] == ["00.json", "z00.yaml", os.path.join("d0", "01.json")]


@fifos
def test_a_fifo_named_on_the_command_line_is_a_source(tmp_path: Path) -> None:
    fifo = tmp_path / "cart.json"
    os.mkfifo(fifo)
    told: list[str] = []
    assert load.collect_sources([str(fifo)], on_skip=told.append) == [
        load.Source(str(fifo), str(fifo), "json")
    ]
    assert told == []


def test_a_symlink_loop_named_on_the_command_line_is_called_a_loop(tmp_path: Path) -> None:
    loop = tmp_path / "loop.json"
    os.symlink(loop, loop)
    with pytest.raises(UsageError) as raised:
        load.collect_sources([str(loop)])
    assert raised.value.message.startswith("symbolic link loop")
    assert str(loop) in raised.value.message
    assert "no such file" not in raised.value.message


def test_two_links_that_point_at_each_other_are_a_loop_too(tmp_path: Path) -> None:
    os.symlink(tmp_path / "b.json", tmp_path / "a.json")
    os.symlink(tmp_path / "a.json", tmp_path / "b.json")
    with pytest.raises(UsageError, match="symbolic link loop"):
        load.collect_sources([str(tmp_path / "a.json")])


def test_a_broken_link_named_on_the_command_line_says_so(tmp_path: Path) -> None:
    os.symlink(tmp_path / "nowhere.json", tmp_path / "broken.json")
    missing = tmp_path / "missing.json"
    with pytest.raises(UsageError) as raised:
        load.collect_sources([str(tmp_path / "broken.json"), str(missing)])
    assert raised.value.message == (
        f"broken symbolic link (its target does not exist): {tmp_path / 'broken.json'}; "
        f"no such file or directory: {missing}"
    )


def test_a_folder_that_cannot_be_listed_is_told_and_the_walk_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "a" / "1.json")
    write(tmp_path / "b" / "2.json")
    write(tmp_path / "c" / "3.json")
    real = os.scandir

    def scandir(path: str) -> object:
        if os.path.basename(path) == "b":
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    names, told = walk(tmp_path)
    assert names == [os.path.join("a", "1.json"), os.path.join("c", "3.json")]
    assert told == [f"warning: skipped the folder {tmp_path / 'b'}: cannot list it (Permission denied)"]
