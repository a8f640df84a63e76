"""Worker processes never outlive their parent, and what is named on the command line is read whatever
it is: a killed `validate` must not leave workers blocked on a FIFO; `<(...)` and /dev/stdin work
(issue 11, item 10)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, acorders_cmd, cart, envelope, write_carts, write_json

pytestmark = pytest.mark.skipif(
    not (hasattr(os, "fork") and hasattr(os, "mkfifo") and Path("/proc/self/stat").exists()),
    reason="needs fork, FIFOs and /proc",
)

MANY = 450  # past parallel.MIN_FILES: the files are checked by forked workers


def env(tmp_path: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith(("ACTIVECAMPAIGN_", "ACORDERS_"))}
    out["ACORDERS_CONFIG"] = str(tmp_path / "no-such-config.toml")
    out["ACORDERS_STATE_DIR"] = str(tmp_path / "state")
    out["PYTHONPATH"] = str(ROOT) + os.pathsep + out.get("PYTHONPATH", "")
    return out


def children_of(pid: int) -> set[int]:
    """Every process whose parent is ``pid``, and theirs, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie no one reaps is dead all the same


def blocked_opening(pid: int) -> bool:
    """In open() on a FIFO that has no writer."""
    try:
        wchan = Path(f"/proc/{pid}/wchan").read_text()
        call = Path(f"/proc/{pid}/syscall").read_text().split()[0]
    except OSError:
        return False
    return wchan == "wait_for_partner" or call in ("2", "257")  # open, openat on x86-64


@pytest.fixture
def reap() -> Iterator[set[int]]:
    """Pids this test made (by way of its subprocess): any still alive at the end are killed, by id."""
    pids: set[int] = set()
    yield pids
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def wait_for(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return False


def start_blocked(
    command: list[str], tmp_path: Path, reap: set[int]
) -> tuple[subprocess.Popen[bytes], set[int]]:
    """Start ``command``; return it and its workers once one of them is blocked opening the FIFO."""
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env(tmp_path))
    reap.add(proc.pid)
    workers: set[int] = set()

    def one_blocked() -> bool:
        workers.update(children_of(proc.pid))
        reap.update(workers)
        return any(blocked_opening(pid) for pid in workers)

    if not wait_for(one_blocked, 60):
        proc.kill()
        proc.wait()
        pytest.fail("no worker ever reached the FIFO")
    return proc, workers


def test_a_killed_validate_leaves_no_worker_blocked_on_a_fifo(tmp_path: Path, reap: set[int]) -> None:
    write_carts(tmp_path / "outbox", MANY)
    fifo = tmp_path / "slow.json"  # named on the command line: read, by a worker, and no one writes to it
    os.mkfifo(fifo)
    proc, workers = start_blocked(
        acorders_cmd("validate", str(tmp_path / "outbox"), str(fifo)), tmp_path, reap
    )
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert wait_for(lambda: not any(alive(pid) for pid in workers), 5), [p for p in workers if alive(p)]


POOL_WITHOUT_PRCTL = """
import os, sys
from acorders.validate import pool
pool._pdeathsig = lambda: False  # as on a system without prctl(PR_SET_PDEATHSIG)
def work(path):
    with open(path, "rb") as fh:  # blocks: no one writes to the FIFO
        return fh.read()
with pool.ForkPool(2, work) as p:
    print(list(p.map([sys.argv[1]] * 2)))
"""


def test_without_prctl_a_worker_still_ends_when_its_parent_is_killed(tmp_path: Path, reap: set[int]) -> None:
    fifo = tmp_path / "slow.json"
    os.mkfifo(fifo)
    script = [sys.executable, "-c", textwrap.dedent(POOL_WITHOUT_PRCTL), str(fifo)]
    proc, workers = start_blocked(script, tmp_path, reap)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert wait_for(lambda: not any(alive(pid) for pid in workers), 5), [p for p in workers if alive(p)]


def test_process_substitution_and_dev_stdin_are_read(tmp_path: Path) -> None:
    good = write_json(tmp_path / "cart.json", cart(1))
    command = " ".join(acorders_cmd("validate", "-o", "json", f"<(cat {good})", "/dev/stdin"))
    done = subprocess.run(
        ["bash", "-c", f"{command} < {good}"], capture_output=True, text=True, env=env(tmp_path), timeout=60
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["summary"]["valid"] == 2
    assert data["documents"][0]["source"].startswith("/dev/fd/")
    assert data["documents"][1]["source"] == "/dev/stdin"


def test_push_reads_process_substitution_and_moves_nothing_it_cannot(tmp_path: Path) -> None:
    text = json.dumps(envelope(cart(1)))
    pushed = tmp_path / "pushed"
    command = " ".join(
        acorders_cmd("push", "--sandbox", "-o", "json", f"<(echo '{text}')", "--move-pushed", str(pushed))
    )
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, env=env(tmp_path), timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert [r["action"] for r in json.loads(done.stdout)["results"]] == ["created"]
    assert "not a regular file; not moved" in done.stderr
    assert not pushed.exists() or not any(pushed.iterdir())
