"""push when ActiveCampaign asks to wait longer than the run may spend: it stops sending, reports every
cart, exits 4 and names the wait; a rerun after the wait creates every cart once."""

from __future__ import annotations

from pathlib import Path

import pytest

from acorders.sandbox import Sandbox
from tests.helpers import KEY, account_env, actions, json_results, records_per_checkout, write_carts


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (429, "ActiveCampaign asked to wait 3600 s (HTTP 429, rate limited)"),
        (503, "ActiveCampaign asked to wait 3600 s; the account may be in maintenance"),
    ],
)
def test_a_wait_longer_than_the_run_may_spend_stops_it_with_exit_4(
    run_cli, sb: Sandbox, tmp_path: Path, status: int, said: str
) -> None:
    write_carts(tmp_path / "outbox", 6)
    env = account_env(sb, tmp_path / "state", KEY)
    sb.fail_next(1, status=status, retry_after=3600)
    code, out, err = run_cli(["push", str(tmp_path / "outbox"), "-o", "json", "--rate", "1000"], env=env)
    assert code == 4, err
    assert "Traceback" not in out + err
    data = json_results(out)
    assert data["summary"]["stopped"].startswith(said)  # the wait first, not "3 carts in a row failed"
    assert sum(actions(data).values()) == 6  # every cart is reported
    assert len(sb.requests) == 1  # nothing more was sent after the answer that asked to wait
    assert sb.store.orders() == []

    code, out, err = run_cli(["push", str(tmp_path / "outbox"), "--rate", "1000"], env=env)
    assert code == 0, err
    assert records_per_checkout(sb) == {f"cart-{i:05d}": 1 for i in range(6)}


def test_the_table_names_the_wait(run_cli, sb: Sandbox, tmp_path: Path) -> None:
    write_carts(tmp_path / "outbox", 2)
    sb.fail_next(1, status=503, retry_after=3600)
    code, out, err = run_cli(
        ["push", str(tmp_path / "outbox"), "--rate", "1000"], env=account_env(sb, tmp_path / "state", KEY)
    )
    assert code == 4, err
    assert "asked to wait 3600 s; the account may be in maintenance" in " ".join((out + err).split())
