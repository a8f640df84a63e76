"""End to end: ``acorders push`` against each of the sandbox's limiter shapes (token bucket, sliding window,
fixed window), with jittered latency, over real HTTP on 127.0.0.1: close to the limit, almost no 429s."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from acorders.sandbox.limiters import SHAPES
from tests.helpers import KEY, account_env, json_results, records_per_checkout, sandbox, write_carts

RATE = 20  # requests/s: the shapes are the same at 5/s, the test four times shorter
CARTS = 50


@pytest.mark.slow
@pytest.mark.parametrize("shape", SHAPES)
def test_push_paces_itself_to_each_sandbox_limiter(run_cli, tmp_path: Path, shape: str) -> None:
    write_carts(tmp_path / "outbox", CARTS)
    with sandbox(rate=RATE, limiter=shape, latency=0.03, jitter=0.01, seed=5) as sb:
        code, out, err = run_cli(
            ["push", str(tmp_path / "outbox"), "-o", "json", "--rate", str(RATE)],
            env=account_env(sb, tmp_path / "state", KEY),
        )
        seen = list(sb.requests)
        assert code == 0, err
        assert records_per_checkout(sb) == {f"cart-{i:05d}": 1 for i in range(CARTS)}
    statuses = Counter(r.status for r in seen)
    assert statuses[429] <= 0.02 * len(seen), statuses
    times = sorted(r.time for r in seen)
    per_second = (len(times) - 1) / (times[-1] - times[0])
    assert per_second >= 0.9 * RATE, per_second
    assert per_second <= RATE * 1.01, per_second
    assert json_results(out)["summary"]["rate_limited"] == statuses[429]
