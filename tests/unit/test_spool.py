"""acorders.push.spool: stamps that tell a file changed, and moves that never replace a file, on one file
system, across file systems and where hard links are refused (issue 11, items 1 and 2)."""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from acorders.load import Source
from acorders.models import Action, Origin, PushResult
from acorders.push import spool


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def moved(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def refuse(monkeypatch: pytest.MonkeyPatch, name: str, code: int, when: Callable[[Any, Any], bool]) -> None:
    """os.<name>(src, dst) fails with ``code`` whenever ``when(src, dst)``."""
    real = getattr(os, name)

    def call(src: Any, dst: Any, *args: Any, **kwargs: Any) -> Any:
        if when(src, dst):
            raise OSError(code, os.strerror(code), str(src))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, name, call)


def across(src: Any, dst: Any) -> bool:
    return Path(src).parent.resolve() != Path(dst).parent.resolve()


# --- stamps -------------------------------------------------------------------------------------------


def test_a_stamp_changes_with_the_content_even_when_size_and_times_are_put_back(tmp_path: Path) -> None:
    path = write(tmp_path / "c.json", '{"n": 1111}')
    was = spool.stamp(str(path))
    st = path.stat()
    with path.open("r+") as fh:
        fh.write('{"n": 2222}')
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    now = spool.stamp(str(path))
    assert now is not None and was is not None
    assert (now.inode, now.size, now.mtime_ns) == (was.inode, was.size, was.mtime_ns)
    assert now != was


def test_a_stamp_of_an_untouched_file_is_the_same(tmp_path: Path) -> None:
    path = write(tmp_path / "c.json", "{}")
    assert spool.stamp(str(path)) == spool.stamp(str(path))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_gets_no_stamp_and_is_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "c.json"
    os.mkfifo(fifo)
    started = time.monotonic()
    assert spool.stamp(str(fifo)) is None  # opening it would have blocked, with no writer
    assert time.monotonic() - started < 1
    assert spool.stamps([Source(str(fifo), str(fifo), "json")]) == {str(fifo): None}


def test_stamps_leave_stdin_out_and_say_none_for_a_file_gone(tmp_path: Path) -> None:
    gone = str(tmp_path / "gone.json")
    assert spool.stamps([Source("<stdin>", None, None), Source(gone, gone, "json")]) == {gone: None}


# --- move_no_clobber ----------------------------------------------------------------------------------


def test_moves_of_same_named_files_never_replace_one_another(tmp_path: Path) -> None:
    done = tmp_path / "done"
    write(done / "cart.json", "yesterday")
    for i in range(12):
        spool.move_no_clobber(write(tmp_path / f"out{i}" / "cart.json", f"cart {i}"), done)
    contents = moved(done)
    assert sorted(contents.values()) == sorted(["yesterday", *(f"cart {i}" for i in range(12))])
    assert contents["cart.json"] == "yesterday"
    assert all(n.startswith("cart.") and n.endswith(".json") for n in contents)
    assert not list(tmp_path.glob("out*/*"))


def test_across_file_systems_a_move_copies_then_links_without_replacing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse(monkeypatch, "link", errno.EXDEV, across)
    refuse(monkeypatch, "rename", errno.EXDEV, across)
    done = tmp_path / "done"
    write(done / "cart.json", "yesterday")
    sources = [write(tmp_path / f"out{i}" / "cart.json", f"cart {i}") for i in range(5)]
    os.chmod(sources[0], 0o640)
    for path in sources:
        spool.move_no_clobber(path, done)
    contents = moved(done)
    assert sorted(contents.values()) == sorted(["yesterday", *(f"cart {i}" for i in range(5))])
    assert not any(p.exists() for p in sources)
    assert not [p for p in done.iterdir() if p.name.startswith(".")]  # no temporary file left
    [first] = [p for p in done.iterdir() if p.read_text() == "cart 0"]
    assert first.stat().st_mode & 0o777 == 0o640  # kept, as a rename would have


def test_across_file_systems_a_file_that_changes_as_it_is_copied_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse(monkeypatch, "link", errno.EXDEV, across)
    path = write(tmp_path / "out" / "cart.json", "as read")
    was = spool.stamp(str(path))
    write(path, "as written later")
    assert spool.move_no_clobber(path, tmp_path / "done", was) is None
    assert path.read_text() == "as written later"
    assert list((tmp_path / "done").iterdir()) == []


@pytest.mark.parametrize("code", [errno.EPERM, errno.EOPNOTSUPP])
def test_where_hard_links_are_refused_a_move_still_never_replaces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    refuse(monkeypatch, "link", code, lambda src, dst: True)
    done = tmp_path / "done"
    write(done / "cart.json", "yesterday")
    for i in range(5):
        spool.move_no_clobber(write(tmp_path / f"out{i}" / "cart.json", f"cart {i}"), done)
    assert sorted(moved(done).values()) == sorted(["yesterday", *(f"cart {i}" for i in range(5))])
    assert not list(tmp_path.glob("out*/*"))


def test_without_hard_links_and_across_file_systems_a_move_still_never_replaces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse(monkeypatch, "link", errno.EXDEV, across)
    refuse(monkeypatch, "link", errno.EPERM, lambda src, dst: not across(src, dst))
    done = tmp_path / "done"
    write(done / "cart.json", "yesterday")
    for i in range(3):
        spool.move_no_clobber(write(tmp_path / f"out{i}" / "cart.json", f"cart {i}"), done)
    assert sorted(moved(done).values()) == sorted(["yesterday", "cart 0", "cart 1", "cart 2"])


def test_a_file_replaced_between_the_check_and_the_link_is_not_moved(tmp_path: Path) -> None:
    path = write(tmp_path / "out" / "cart.json", "as read")
    was = spool.stamp(str(path))
    write(tmp_path / "out" / "new.json", "new")
    os.replace(tmp_path / "out" / "new.json", path)  # another inode under the same name
    assert spool.move_no_clobber(path, tmp_path / "done", was) is None
    assert path.read_text() == "new"
    assert list((tmp_path / "done").iterdir()) == []


def test_unique_names_go_on_past_any_number_of_collisions(tmp_path: Path) -> None:
    names = spool.candidates(tmp_path, "cart.json")
    first = [next(names).name for _ in range(5)]
    assert first[0] == "cart.json"
    assert len(set(first)) == 5
    assert first[2].endswith("-2.json") and first[4].endswith("-4.json")


# --- move_settled -------------------------------------------------------------------------------------


def settled(*paths: Path, action: Action = Action.CREATED) -> tuple[list[Source], list[PushResult]]:
    sources = [Source(str(p), str(p), "json") for p in paths]
    return sources, [PushResult(Origin(str(p), 1), None, None, action) for p in paths]


def test_only_files_still_as_read_are_moved_and_each_other_file_is_told(tmp_path: Path) -> None:
    out = tmp_path / "outbox"
    same, grown, gone = (write(out / f"{n}.json", n) for n in ("same", "grown", "gone"))
    sources, results = settled(same, grown, gone)
    read = spool.stamps(sources)
    with grown.open("a") as fh:
        fh.write(" and more")
    gone.unlink()
    moves = spool.move_settled(sources, results, tmp_path / "done", None, read)
    assert moves.lines == [
        f"moved {same} -> {tmp_path / 'done' / 'same.json'}",
        f"{grown}: changed during the push; left for the next run",
        f"{gone}: deleted during the push; nothing to move",
    ]
    assert not moves.failed
    assert grown.read_text() == "grown and more"


def test_a_file_without_a_stamp_is_never_moved(tmp_path: Path) -> None:
    sources, results = settled(write(tmp_path / "out" / "c.json", "{}"))
    moves = spool.move_settled(sources, results, tmp_path / "done", None, {})
    assert moves.lines == [f"{sources[0].name}: changed during the push; left for the next run"]
    assert not (tmp_path / "done").exists()


def test_a_move_that_fails_is_told_and_the_others_go_on(tmp_path: Path) -> None:
    good, bad = write(tmp_path / "out" / "good.json", "g"), write(tmp_path / "out" / "bad.json", "b")
    sources = [Source(str(p), str(p), "json") for p in (good, bad)]
    results = [
        PushResult(Origin(str(good), 1), None, None, Action.CREATED),
        PushResult(Origin(str(bad), 1), None, None, Action.INVALID),
    ]
    blocked = write(tmp_path / "done", "a file where the folder should be")
    moves = spool.move_settled(sources, results, blocked, tmp_path / "failed", spool.stamps(sources))
    assert moves.failed
    assert moves.lines[0].startswith(f"cannot move {good} to {blocked}: ")
    assert moves.lines[0].endswith("; left for the next run")
    assert moves.lines[1] == f"moved {bad} -> {tmp_path / 'failed' / 'bad.json'}"
    assert good.exists()


def test_a_source_that_cannot_be_unlinked_stays_only_where_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "out" / "cart.json", "c")
    real = os.unlink

    def unlink(target: Any, *args: Any, **kwargs: Any) -> None:
        if Path(target) == path:
            raise PermissionError(errno.EACCES, "Permission denied", str(target))
        real(target, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    with pytest.raises(PermissionError):
        spool.move_no_clobber(path, tmp_path / "done", spool.stamp(str(path)))
    assert path.read_text() == "c"
    assert list((tmp_path / "done").iterdir()) == []  # not in two places: the next run moves it once
