"""validate and push over outboxes that hold more than regular files: a FIFO named like a cart, a
symbolic link loop (issue 11, items 10 and 18). A walk that opened the FIFO would block forever."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import KEY, account_env, cart, envelope, json_results, sandbox, write_json

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")

UNBLOCK_AFTER = 5.0  # seconds: a reader still blocked on a FIFO by then gets an end of file


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    """outbox/stuck.json, a FIFO no one writes to. Should a reader open it anyway, a watchdog opens it for
    writing after UNBLOCK_AFTER seconds and closes it, so the test fails instead of hanging."""
    path = tmp_path / "outbox" / "stuck.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    done = threading.Event()

    def watchdog() -> None:
        if done.wait(UNBLOCK_AFTER):
            return
        while not done.is_set():
            with contextlib.suppress(OSError):  # opens only while a reader waits on it
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            time.sleep(0.05)

    thread = threading.Thread(target=watchdog, daemon=True)
    thread.start()
    yield path
    done.set()
    thread.join()


def test_validate_skips_a_fifo_in_a_folder_and_says_so(run_cli, fifo: Path) -> None:
    write_json(fifo.parent / "cart.json", cart(1))
    started = time.monotonic()
    code, out, err = run_cli(["validate", str(fifo.parent)])
    assert time.monotonic() - started < UNBLOCK_AFTER, "validate opened the FIFO"
    assert code == 0, err
    assert f"warning: skipped {fifo}: a named pipe (FIFO), not a regular file" in err
    assert "stuck.json" not in out


def test_push_skips_a_fifo_in_the_outbox_and_moves_the_rest(run_cli, fifo: Path, tmp_path: Path) -> None:
    write_json(fifo.parent / "cart.json", cart(1))
    with sandbox() as sb:
        started = time.monotonic()
        code, out, err = run_cli(
            [
                "push",
                str(fifo.parent),
                "--move-pushed",
                str(tmp_path / "pushed"),
                "--rate",
                "1000",
                "-o",
                "json",
            ],
            env=account_env(sb, tmp_path / "state", KEY),
        )
        assert time.monotonic() - started < UNBLOCK_AFTER, "push opened the FIFO, holding the ledger lock"
        assert code == 0, err
        assert [r["action"] for r in json_results(out)["results"]] == ["created"]
    assert f"warning: skipped {fifo}: a named pipe (FIFO), not a regular file" in err
    assert fifo.exists() and [p.name for p in (tmp_path / "pushed").iterdir()] == ["cart.json"]


def test_a_fifo_named_on_the_command_line_is_read(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "cart.json"
    os.mkfifo(path)

    def writer() -> None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(envelope(cart(1))))

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    code, out, err = run_cli(["validate", str(path), "-o", "json"])
    thread.join(timeout=5)
    assert code == 0, err
    data = json.loads(out)
    assert data["summary"]["valid"] == 1 and data["documents"][0]["source"] == str(path)


def test_a_symlink_loop_on_the_command_line_is_called_a_loop(run_cli, tmp_path: Path) -> None:
    loop = tmp_path / "cart.json"
    os.symlink(loop, loop)
    for command in ("validate", "push"):
        code, out, err = run_cli(
            [command, str(loop), "--sandbox"] if command == "push" else [command, str(loop)]
        )
        assert code == 2, err
        assert f"symbolic link loop (a link that leads back to itself): {loop}" in err
        assert "no such file" not in err and "Traceback" not in err
        assert out == ""
