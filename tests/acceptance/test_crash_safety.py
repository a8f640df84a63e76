"""Crash safety and overlapping runs with real processes: `python -m acorders push` killed with SIGKILL at
random instants against the sandbox (latency 0.05 s, so requests are in flight), then re-run to completion.
Every cart must end as exactly one record, and the ledger must say it is done. Seeded, so a failure replays
with the same kill times (modulo scheduling)."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from acorders.push.ledger import DONE, Ledger
from acorders.sandbox import Sandbox
from tests.helpers import (
    acorders_cmd,
    ledger_rows,
    records_per_checkout,
    sandbox,
    subprocess_env,
    write_carts,
)

pytestmark = pytest.mark.slow

N = 30
ITERATIONS = 5
PUSH_ARGS = ["--rate", "1000", "-o", "json"]


def push_proc(outbox: Path, env: dict[str, str], *extra: str, workers: int = 2) -> subprocess.Popen[str]:
    return subprocess.Popen(
        acorders_cmd("push", str(outbox), *PUSH_ARGS, "--workers", str(workers), *extra),
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def run_to_completion(outbox: Path, env: dict[str, str], attempts: int = 3, workers: int = 8) -> dict:
    """Rerun until exit 0 (a rerun is always safe); returns the last JSON report."""
    for _ in range(attempts):
        proc = subprocess.run(
            acorders_cmd("push", str(outbox), *PUSH_ARGS, "--workers", str(workers)),
            env=env,
            text=True,
            capture_output=True,
            timeout=60,
        )
        if proc.returncode == 0:
            return json.loads(proc.stdout)
        assert proc.returncode == 4, (proc.returncode, proc.stderr)
    raise AssertionError(f"no clean run after {attempts} attempts: {proc.stderr}")


def wait_for_first_request(
    sb: Sandbox, before: int, proc: subprocess.Popen[str], timeout: float = 15
) -> None:
    deadline = time.monotonic() + timeout
    while sb.count() <= before and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)


def kill_at_random(
    sb: Sandbox, outbox: Path, env: dict[str, str], rng: random.Random, from_launch: bool, workers: int
) -> bool:
    """Start a push and SIGKILL it; True if it died while sending."""
    before = sb.count()
    proc = push_proc(outbox, env, workers=workers)
    try:
        if from_launch:
            time.sleep(rng.uniform(0.05, 1.5))
        else:
            wait_for_first_request(sb, before, proc)
            time.sleep(rng.uniform(0.0, 0.6))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.communicate(timeout=30)
    return proc.returncode == -signal.SIGKILL and sb.count() > before


def ids(start: int, n: int = N) -> set[str]:
    return {f"cart-{i:05d}" for i in range(start, start + n)}


@pytest.mark.parametrize(
    "duplicates, drop",
    [("reject", 0.0), ("accept", 0.0), ("reject", 0.3)],
    ids=["duplicates-rejected", "duplicates-accepted", "drop-after-commit"],
)
def test_kill_9_at_random_points_then_rerun(tmp_path: Path, duplicates: str, drop: float) -> None:
    rng = random.Random(f"crash-{duplicates}-{drop}")
    state = tmp_path / "state"  # one ledger for the whole test, as on a cron host
    mid_push = 0
    workers = 8 if drop else 2  # few workers stretch the push over the kill window; drops stretch it anyway
    with sandbox(
        duplicates=duplicates, latency=0.05, drop_after_commit=drop, seed=rng.randrange(2**32)
    ) as sb:
        env = subprocess_env(sb, state, tmp_path)
        for it in range(ITERATIONS):
            start = 1000 * (it + 1)
            outbox = tmp_path / f"outbox-{it}"
            write_carts(outbox, N, start=start)
            for kill in range(2 if it == 1 else 1):  # one iteration kills the rerun too
                mid_push += kill_at_random(
                    sb, outbox, env, rng, from_launch=(it + kill) % 2 == 0, workers=workers
                )
                counts = records_per_checkout(sb)
                assert all(n == 1 for n in counts.values()), f"a kill left a duplicate: {counts}"
            report = run_to_completion(outbox, env)
            assert {r["action"] for r in report["results"]} <= {"created", "unchanged", "updated"}

            counts = records_per_checkout(sb)
            assert {k: v for k, v in counts.items() if k in ids(start)} == {k: 1 for k in ids(start)}, it
            assert sum(counts.values()) == N * (it + 1)
            rows = {r["ext"]: r for r in ledger_rows(state)}
            for checkout in ids(start):
                assert rows[checkout]["state"] == DONE, rows[checkout]
            by_ext = {o["externalcheckoutid"]: o["id"] for o in sb.store.orders()}
            assert all(rows[c]["ac_id"] == by_ext[c] for c in ids(start))
        # and once more over everything: nothing left to do, zero requests
        before = sb.count()
        report = run_to_completion(tmp_path, env)
        assert {r["action"] for r in report["results"]} == {"unchanged"}
        assert len(report["results"]) == N * ITERATIONS
        assert sb.count() == before
    assert mid_push >= 1, "no kill landed while the push was sending; the test proved nothing"


def test_sigint_finishes_in_flight_requests_and_exits_130(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with sandbox(latency=0.05) as sb:
        env = subprocess_env(sb, state, tmp_path)
        outbox = tmp_path / "outbox"
        write_carts(outbox, N)
        proc = push_proc(outbox, env)
        wait_for_first_request(sb, 0, proc)
        time.sleep(0.3)  # the push needs >= 0.75 s (30 carts, 2 workers, 0.05 s latency): this is mid-push
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        report = json.loads(out)
        done = [r for r in report["results"] if r["action"] == "created"]
        assert 0 < len(done) < N
        assert {r["action"] for r in report["results"]} <= {"created", "skipped"}
        assert report["summary"]["stopped"]
        # every cart reported as created is in the ledger as done: nothing in flight was abandoned
        rows = {r["ext"]: r for r in ledger_rows(state)}
        assert all(rows[r["externalcheckoutid"]]["state"] == DONE for r in done)
        run_to_completion(outbox, env)
        assert records_per_checkout(sb) == {k: 1 for k in ids(0)}


@pytest.mark.parametrize("duplicates", ["accept", "reject"])
def test_two_concurrent_runs_push_each_cart_once(tmp_path: Path, duplicates: str) -> None:
    state = tmp_path / "state"
    with sandbox(duplicates=duplicates, latency=0.05) as sb:
        env = subprocess_env(sb, state, tmp_path)
        outbox = tmp_path / "outbox"
        write_carts(outbox, N)
        first = push_proc(outbox, env, "--wait", "60")
        second = push_proc(outbox, env, "--wait", "60")
        reports = []
        for proc in (first, second):
            out, err = proc.communicate(timeout=90)
            assert proc.returncode == 0, err
            reports.append(json.loads(out))
        assert records_per_checkout(sb) == {k: 1 for k in ids(0)}
        created = sum(r["action"] == "created" for rep in reports for r in rep["results"])
        unchanged = sum(r["action"] == "unchanged" for rep in reports for r in rep["results"])
        assert (created, unchanged) == (N, N)  # one run pushed, the other waited and found nothing to do
        assert sb.count("POST", "/api/3/ecomOrders") == N


def test_second_run_with_wait_0_exits_4_and_sends_nothing(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with sandbox() as sb:
        env = subprocess_env(sb, state, tmp_path)
        outbox = tmp_path / "outbox"
        write_carts(outbox, 3)
        holder = Ledger.open(state)
        try:
            holder.lock(0)
            proc = subprocess.run(
                acorders_cmd("push", str(outbox), "--wait", "0", *PUSH_ARGS),
                env=env,
                text=True,
                capture_output=True,
                timeout=60,
            )
        finally:
            holder.close()
        assert proc.returncode == 4
        assert "another acorders push" in proc.stderr and "nothing was sent" in proc.stderr
        assert sb.count() == 0
