"""Two pushes to one account never run at once on one machine, whatever their ledgers: real processes
against a sandbox that silently accepts duplicates, each run with its own --state-dir (or with its state
dir deleted under it)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from acorders.sandbox import Sandbox
from tests.helpers import acorders_cmd, records_per_checkout, sandbox, subprocess_env, write_carts

pytestmark = pytest.mark.slow

N = 30


def push(outbox: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        acorders_cmd("push", str(outbox), "--rate", "1000", "--workers", "2", "-o", "json", *extra),
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def env_for(sb: Sandbox, state: Path, tmp_path: Path) -> dict[str, str]:
    env = subprocess_env(sb, state, tmp_path)
    env["XDG_RUNTIME_DIR"] = str(tmp_path / "run")  # the account lock's home, shared by both runs
    (tmp_path / "run").mkdir(mode=0o700, exist_ok=True)
    return env


def test_two_runs_with_different_state_dirs_push_each_cart_once(tmp_path: Path) -> None:
    with sandbox(duplicates="accept", latency=0.05) as sb:
        outbox = tmp_path / "outbox"
        write_carts(outbox, N)
        first = push(outbox, env_for(sb, tmp_path / "state-a", tmp_path), "--wait", "60")
        second = push(outbox, env_for(sb, tmp_path / "state-b", tmp_path), "--wait", "60")
        reports = []
        for proc in (first, second):
            out, err = proc.communicate(timeout=90)
            assert proc.returncode == 0, err
            reports.append(json.loads(out))
        counts = records_per_checkout(sb)
    assert counts == {f"cart-{i:05d}": 1 for i in range(N)}, f"{sum(counts.values()) - N} duplicates"
    actions = sorted(r["action"] for rep in reports for r in rep["results"])
    assert actions.count("created") == N  # one run created them; the other found them by a look-up


def test_deleting_the_state_dir_mid_run_does_not_let_a_second_run_in(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with sandbox(duplicates="accept", latency=0.05) as sb:
        env = env_for(sb, state, tmp_path)
        outbox = tmp_path / "outbox"
        write_carts(outbox, N)
        first = push(outbox, env)
        deadline = time.monotonic() + 20
        while sb.count("POST", "/api/3/ecomOrders") == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        shutil.rmtree(state)  # the ledger and its lock file with it
        before = sb.count()
        second = subprocess.run(
            acorders_cmd("push", str(outbox), "--rate", "1000", "--wait", "0", "-o", "json"),
            env=env,
            text=True,
            capture_output=True,
            timeout=60,
        )
        first.communicate(timeout=90)
        counts = records_per_checkout(sb)
    assert second.returncode == 4, second.stderr
    assert "another acorders push" in second.stderr and sb.url in second.stderr
    assert "nothing was sent" in second.stderr
    assert before <= sb.count() and all(n == 1 for n in counts.values()), counts
