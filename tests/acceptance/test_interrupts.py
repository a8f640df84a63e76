"""Ctrl-C and SIGTERM against a real `python -m acorders push`: one signal stops new requests and gives
those in flight a short grace; two stop at once; SIGTERM is handled like Ctrl-C (exit 143); and stdout is
always one complete JSON document (or whole NDJSON lines), whenever the signals land."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from acorders.push.ledger import DONE, PENDING, Ledger
from tests.helpers import acorders_cmd, ledger_rows, sandbox, subprocess_env, write_carts
from tests.trickle import TrickleServer

pytestmark = pytest.mark.slow

GRACE_S = 5.0  # what in-flight requests get after one Ctrl-C (acorders.push.send.GRACE_S)


def push(outbox: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        acorders_cmd("push", str(outbox), "--rate", "1000", *extra),
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_until(condition: Callable[[], bool], proc: subprocess.Popen[str], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the push never got that far"
        time.sleep(0.01)


def finish(proc: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"still running {timeout} s after the signal; stderr: {err[-2000:]}") from None


@pytest.fixture
def trickling(tmp_path: Path) -> Iterator[tuple[TrickleServer, dict[str, str], Path]]:
    """A server whose every POST trickles for two minutes, three carts to push to it, and their env."""
    server = TrickleServer(interval=0.5, padding=240)
    outbox = tmp_path / "outbox"
    write_carts(outbox, 3)
    with server:
        env = subprocess_env(server, tmp_path / "state", tmp_path)  # type: ignore[arg-type]  # has .url
        server.modes["POST"] = "trickle"
        yield server, env, outbox


def test_ctrl_c_once_sends_nothing_new_gives_in_flight_requests_a_grace_then_exits_130(
    trickling: tuple[TrickleServer, dict[str, str], Path], tmp_path: Path
) -> None:
    server, env, outbox = trickling
    proc = push(outbox, env, "--workers", "2", "-o", "json")
    wait_until(lambda: server.count("POST") == 2, proc)  # both workers wait on a trickling answer
    time.sleep(0.3)
    sent = server.count()
    proc.send_signal(signal.SIGINT)
    signalled = time.monotonic()
    out, err = finish(proc, timeout=GRACE_S + 15)
    took = time.monotonic() - signalled
    assert proc.returncode == 130, err
    assert GRACE_S - 0.5 < took < GRACE_S + 5, took  # the grace, then the report: not the two-minute trickle
    assert server.count() == sent, "a request was sent after Ctrl-C"
    report = json.loads(out)
    assert report["summary"]["stopped"] and "Ctrl-C" in report["summary"]["stopped"]
    assert sorted(r["action"] for r in report["results"]) == ["failed", "failed", "skipped"]
    failed = [r["errors"][0]["message"] for r in report["results"] if r["action"] == "failed"]
    assert all("may or may not have been applied" in m for m in failed), failed
    # the two carts in flight are left pending, for the next run to settle by a look-up
    rows = ledger_rows(tmp_path / "state")
    assert sorted(r["state"] for r in rows) == [PENDING, PENDING]
    assert "Traceback" not in err


def test_ctrl_c_twice_stops_at_once(
    trickling: tuple[TrickleServer, dict[str, str], Path], tmp_path: Path
) -> None:
    server, env, outbox = trickling
    proc = push(outbox, env, "--workers", "2", "-o", "json")
    wait_until(lambda: server.count("POST") == 2, proc)
    sent = server.count()
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    signalled = time.monotonic()
    out, err = finish(proc, timeout=10)
    assert proc.returncode == 130, err
    assert time.monotonic() - signalled < 3
    assert server.count() == sent
    report = json.loads(out)
    assert len(report["results"]) == 3 and report["summary"]["stopped"]
    assert sorted(r["state"] for r in ledger_rows(tmp_path / "state")) == [PENDING, PENDING]
    assert "Traceback" not in err


@pytest.mark.parametrize("output", ["json", "ndjson"])
def test_sigterm_is_handled_like_ctrl_c_and_exits_143(tmp_path: Path, output: str) -> None:
    state = tmp_path / "state"
    with sandbox(latency=0.05) as sb:
        env = subprocess_env(sb, state, tmp_path)
        outbox = tmp_path / "outbox"
        write_carts(outbox, 30)
        proc = push(outbox, env, "--workers", "2", "-o", output)
        wait_until(lambda: sb.count("POST", "/api/3/ecomOrders") > 0, proc)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        out, err = finish(proc, timeout=GRACE_S + 15)
    assert proc.returncode == 143, err
    if output == "json":
        report = json.loads(out)
        results, stopped = report["results"], report["summary"]["stopped"]
    else:
        results = [json.loads(line) for line in out.splitlines()]  # every line whole
        summary = json.loads(err.strip().splitlines()[-1])
        stopped = summary["summary"]["stopped"]
    assert len(results) == 30 and "SIGTERM" in stopped
    done = [r for r in results if r["action"] == "created"]
    assert 0 < len(done) < 30
    rows = {r["ext"]: r for r in ledger_rows(state)}
    assert all(rows[r["externalcheckoutid"]]["state"] == DONE for r in done)


def test_ctrl_c_while_waiting_for_the_ledger_still_writes_one_json_document(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with sandbox() as sb:
        env = subprocess_env(sb, state, tmp_path)
        outbox = tmp_path / "outbox"
        write_carts(outbox, 3)
        holder = Ledger.open(state)
        try:
            holder.lock(0)
            proc = push(outbox, env, "--wait", "60", "-o", "json")
            time.sleep(2.0)  # started, and waiting for the lock
            proc.send_signal(signal.SIGINT)
            out, err = finish(proc, timeout=10)
        finally:
            holder.close()
        assert sb.count() == 0
    assert proc.returncode == 130, err
    report = json.loads(out)
    assert report["results"] == [] and report["ok"] is False
    assert "Ctrl-C" in report["summary"]["stopped"]
