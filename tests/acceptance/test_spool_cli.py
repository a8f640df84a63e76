"""Spool mode under a shop exporter that keeps writing: a file is moved only if it is still exactly what
was read, and a move never replaces another file (issue 11, items 1 and 2)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import acorders.push.runner
from acorders.sandbox import Sandbox
from tests.helpers import KEY, account_env, cart, envelope, json_results, write_json, write_ndjson

CHANGED = "changed during the push; left for the next run"


@pytest.fixture
def push(run_cli, sb: Sandbox, tmp_path: Path) -> Callable[..., tuple[int, str, str]]:
    def run(*args: str) -> tuple[int, str, str]:
        env = account_env(sb, tmp_path / "state", KEY)
        return run_cli(["push", *args, "--rate", "1000"], env=env)

    return run


@pytest.fixture
def during_push(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], None]], None]:
    """during_push(change): ``change()`` runs once, in the next push, after the carts were sent and
    before the files are moved, as an exporter writing into the outbox would."""

    def install(change: Callable[[], None]) -> None:
        real = acorders.push.runner.run_push
        changes = [change]

        def run_push(*args: Any, **kwargs: Any) -> Any:
            outcome = real(*args, **kwargs)
            while changes:
                changes.pop()()
            return outcome

        monkeypatch.setattr(acorders.push.runner, "run_push", run_push)

    return install


def spool_args(tmp_path: Path) -> tuple[str, ...]:
    return ("--move-pushed", str(tmp_path / "pushed"), "--move-failed", str(tmp_path / "failed"))


def moved_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- item 1: only what was read is moved ----------------------------------------------------------------


def test_a_file_appended_to_during_the_push_stays_for_the_next_run(
    push, during_push, sb: Sandbox, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    growing = write_ndjson(outbox / "export.ndjson", [cart(1)])
    steady = write_json(outbox / "steady.json", cart(2))

    def append() -> None:
        with growing.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(cart(3)) + "\n")

    during_push(append)
    code, out, err = push(str(outbox), *spool_args(tmp_path))
    assert code == 0, err
    assert growing.is_file() and len(growing.read_text().splitlines()) == 2  # nothing lost
    assert f"{growing}: {CHANGED}" in err
    assert moved_names(tmp_path / "pushed") == ["steady.json"] and not steady.exists()

    code, out, err = push(str(outbox), *spool_args(tmp_path), "-o", "json")  # the next run sends the rest
    assert code == 0, err
    assert sorted(r["action"] for r in json_results(out)["results"]) == ["created", "unchanged"]
    assert moved_names(tmp_path / "pushed") == ["export.ndjson", "steady.json"]
    assert len((tmp_path / "pushed" / "export.ndjson").read_text().splitlines()) == 2
    assert sorted(str(o["externalcheckoutid"]) for o in sb.store.orders()) == [
        "cart-00001",
        "cart-00002",
        "cart-00003",
    ]


def test_a_file_replaced_during_the_push_stays_for_the_next_run(push, during_push, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    target = write_json(outbox / "cart.json", cart(1))

    def replace() -> None:  # the usual exporter: write beside, rename over
        write_json(outbox / ".cart.json.tmp", cart(1, totalPrice=1))
        os.replace(outbox / ".cart.json.tmp", target)

    during_push(replace)
    code, _, err = push(str(outbox), *spool_args(tmp_path))
    assert code == 0, err
    assert json.loads(target.read_text())["ecomOrder"]["totalPrice"] == 1  # the new content is still there
    assert f"{target}: {CHANGED}" in err
    assert moved_names(tmp_path / "pushed") == []


def test_a_file_rewritten_in_place_with_the_same_size_and_time_stays(
    push, during_push, tmp_path: Path
) -> None:
    """Neither inode, size nor modification time tell: only the content does."""
    outbox = tmp_path / "outbox"
    target = write_json(outbox / "cart.json", cart(1, totalPrice=1111))
    before = target.stat()

    def rewrite() -> None:
        text = target.read_text().replace("1111", "2222")
        with target.open("r+", encoding="utf-8") as fh:
            fh.write(text)
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))

    during_push(rewrite)
    code, _, err = push(str(outbox), *spool_args(tmp_path))
    assert code == 0, err
    assert "2222" in target.read_text() and target.stat().st_ino == before.st_ino
    assert f"{target}: {CHANGED}" in err
    assert moved_names(tmp_path / "pushed") == []


def test_a_file_deleted_during_the_push_is_reported_and_the_others_still_move(
    push, during_push, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    files = [write_json(outbox / f"{c}.json", cart(i)) for i, c in enumerate("abc")]
    invalid = write_json(outbox / "d.json", cart(9, email="not an email"))
    during_push(lambda: (files[1].unlink(), invalid.unlink()))
    code, _, err = push(str(outbox), *spool_args(tmp_path))
    assert code == 1, err  # d.json was invalid: deleting it does not change that
    assert f"{files[1]}: deleted during the push; nothing to move" in err
    assert f"{invalid}: deleted during the push; nothing to move" in err
    assert moved_names(tmp_path / "pushed") == ["a.json", "c.json"]
    assert "Traceback" not in err and "unexpected" not in err


# --- item 2: a move never replaces a file ---------------------------------------------------------------


@pytest.mark.parametrize("where", ["pushed", "failed"])
def test_same_named_files_from_five_folders_all_survive_the_move(push, tmp_path: Path, where: str) -> None:
    outbox = tmp_path / "outbox"
    bad = {"email": "not an email"} if where == "failed" else {}
    for i, sub in enumerate("abcde"):
        write_json(outbox / sub / "cart.json", cart(i, **bad))
    code, _, err = push(str(outbox), *spool_args(tmp_path))
    assert code == (1 if bad else 0), err
    landed = list((tmp_path / where).iterdir())
    assert len(landed) == 5, moved_names(tmp_path / where)
    checkouts = sorted(json.loads(p.read_text())["ecomOrder"]["externalcheckoutid"] for p in landed)
    assert checkouts == [f"cart-{i:05d}" for i in range(5)]
    assert not any(p.is_file() for p in outbox.rglob("*"))
    assert err.count("moved ") == 5


def test_a_file_already_in_the_pushed_folder_is_never_replaced(push, tmp_path: Path) -> None:
    done = tmp_path / "pushed"
    keep = write_json(done / "cart.json", cart("kept-from-yesterday"))
    write_json(tmp_path / "outbox" / "cart.json", cart(1))
    code, _, err = push(str(tmp_path / "outbox"), *spool_args(tmp_path))
    assert code == 0, err
    assert json.loads(keep.read_text()) == envelope(cart("kept-from-yesterday"))
    assert len(moved_names(done)) == 2


def _other_file_system(tmp_path: Path) -> Path | None:
    """A writable folder on another file system than ``tmp_path`` (/dev/shm is tmpfs), or None."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or not os.access(shm, os.W_OK) or shm.stat().st_dev == tmp_path.stat().st_dev:
        return None
    return shm


@pytest.fixture
def elsewhere(tmp_path: Path) -> Iterator[Path]:
    import shutil
    import tempfile

    shm = _other_file_system(tmp_path)
    if shm is None:
        pytest.skip("no second file system to move across")
    folder = Path(tempfile.mkdtemp(prefix="acorders-test-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_same_named_files_moved_across_file_systems_all_survive(
    push, tmp_path: Path, elsewhere: Path
) -> None:
    outbox = tmp_path / "outbox"
    keep = write_json(elsewhere / "pushed" / "cart.json", cart("kept-from-yesterday"))
    for i, sub in enumerate("abcde"):
        write_json(outbox / sub / "cart.json", cart(i))
    code, _, err = push(str(outbox), "--move-pushed", str(elsewhere / "pushed"))
    assert code == 0, err
    landed = sorted((elsewhere / "pushed").iterdir())
    assert len(landed) == 6, [p.name for p in landed]  # nothing replaced, no temporary file left
    checkouts = sorted(json.loads(p.read_text())["ecomOrder"]["externalcheckoutid"] for p in landed)
    assert checkouts == [f"cart-{i:05d}" for i in range(5)] + ["kept-from-yesterday"]
    assert json.loads(keep.read_text()) == envelope(cart("kept-from-yesterday"))
    assert not any(p.is_file() for p in outbox.rglob("*"))


def test_same_named_files_survive_a_move_where_rename_and_link_cross_devices(
    push, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on a machine without a second file system at hand: rename(2) and link(2) between two folders
    fail with EXDEV, as they do across file systems."""
    import errno

    real_rename, real_link = os.rename, os.link

    def cross(real: Callable[..., None]) -> Callable[..., None]:
        def call(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
            if Path(src).parent.resolve() != Path(dst).parent.resolve():
                raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(src))
            real(src, dst, *args, **kwargs)

        return call

    monkeypatch.setattr(os, "rename", cross(real_rename))
    monkeypatch.setattr(os, "link", cross(real_link))
    outbox = tmp_path / "outbox"
    for i, sub in enumerate("abcde"):
        write_json(outbox / sub / "cart.json", cart(i))
    code, _, err = push(str(outbox), *spool_args(tmp_path))
    assert code == 0, err
    assert len(moved_names(tmp_path / "pushed")) == 5, moved_names(tmp_path / "pushed")
    assert not any(p.is_file() for p in outbox.rglob("*"))


def test_a_move_that_fails_is_reported_per_file_and_the_run_exits_4(push, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    write_json(outbox / "good.json", cart(1))
    write_json(outbox / "bad.json", cart(2, email="not an email"))
    not_a_folder = tmp_path / "pushed"
    not_a_folder.write_text("a file where the folder should be")
    code, _, err = push(str(outbox), *spool_args(tmp_path))
    assert code == 4, err
    assert f"cannot move {outbox / 'good.json'} to {not_a_folder}" in err
    assert "left for the next run" in err
    assert (outbox / "good.json").is_file()
    assert moved_names(tmp_path / "failed") == ["bad.json"]  # the other move still happened
    assert "unexpected" not in err and "Traceback" not in err
