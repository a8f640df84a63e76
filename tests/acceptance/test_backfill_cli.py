"""`acorders push --historical`: a backfill of past orders that starts no automation (source 0 on every
create), newest first, limited by --since / --until, resumable through the ledger, estimated by --dry-run."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import pytest

from acorders.sandbox import Sandbox
from tests.helpers import cart, json_results, write_json

DATES = [
    "2024-03-01T10:00:00+00:00",
    "2025-06-01T10:00:00+00:00",
    "2023-01-15T10:00:00+00:00",
    "2025-01-01T10:00:00+00:00",
    "2024-11-30T10:00:00+00:00",
]


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """Five past orders (real-time source 1 in the files), in no particular order of date."""
    folder = tmp_path / "history"
    for i, when in enumerate(DATES):
        order = cart(i, externalid=f"order-{i}", externalCreatedDate=when, abandonedDate=None)
        write_json(folder / f"order-{i}.json", order)
    return folder


def posts(sb: Sandbox) -> list[dict[str, Any]]:
    return [r.body["ecomOrder"] for r in list(sb.requests) if r.method == "POST" and "ecomOrders" in r.path]


def backfill(run_cli, env, *args: str) -> tuple[int, str, str]:
    return run_cli(["push", "--historical", *args, "--rate", "1000", "--workers", "1"], env=env)


def test_historical_creates_with_source_0_newest_first(run_cli, env, sb, history: Path) -> None:
    code, out, err = backfill(run_cli, env, str(history), "-o", "json")
    assert code == 0, err
    sent = posts(sb)
    assert [str(o["source"]) for o in sent] == ["0"] * 5
    assert [o["externalCreatedDate"] for o in sent] == sorted(DATES, reverse=True)
    assert {str(o["source"]) for o in sb.store.orders()} == {"0"}


def test_since_and_until(run_cli, env, sb, history: Path) -> None:
    code, out, err = backfill(
        run_cli, env, str(history), "--since", "2024-01-01", "--until", "2025-01-01T12:00:00Z", "-o", "json"
    )
    assert code == 0, err
    assert sorted(o["externalid"] for o in posts(sb)) == ["order-0", "order-3", "order-4"]
    actions = collections.Counter(r["action"] for r in json_results(out)["results"])
    assert actions == {"created": 3, "ignored": 2}


def test_a_later_real_push_keeps_source_0(run_cli, env, sb, history: Path) -> None:
    backfill(run_cli, env, str(history))
    before = len(sb.requests)
    code, out, err = run_cli(["push", str(history), "--rate", "1000", "-o", "json"], env=env)
    assert code == 0, err
    assert {r["action"] for r in json_results(out)["results"]} == {"unchanged"}
    assert len(sb.requests) == before
    write_json(
        history / "order-1.json",
        cart(1, externalid="order-1", externalCreatedDate=DATES[1], abandonedDate=None, totalPrice="5"),
    )
    code, out, err = run_cli(["push", str(history), "--rate", "1000"], env=env)
    assert code == 0, err
    [put] = [r.body["ecomOrder"] for r in list(sb.requests)[before:] if r.method == "PUT"]
    assert str(put["source"]) == "0"


def test_interrupted_backfill_resumes(
    run_cli, env, sb, history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import acorders.api.client

    real = acorders.api.client.Client.create_order
    calls = {"n": 0}

    def create_then_ctrl_c(self: Any, order: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, order, **kw)

    monkeypatch.setattr(acorders.api.client.Client, "create_order", create_then_ctrl_c)
    code, _, err = backfill(run_cli, env, str(history))
    assert code == 130, err
    stored = len(sb.store.orders())
    assert 2 <= stored < 5
    monkeypatch.setattr(acorders.api.client.Client, "create_order", real)
    first = len(posts(sb))
    code, out, err = backfill(run_cli, env, str(history), "-o", "json")
    assert code == 0, err
    actions = collections.Counter(r["action"] for r in json_results(out)["results"])
    assert actions == {"unchanged": stored, "created": 5 - stored}
    assert collections.Counter(o["externalid"] for o in sb.store.orders()) == {
        f"order-{i}": 1 for i in range(5)
    }
    resumed = [o["externalCreatedDate"] for o in posts(sb)[first:]]
    assert resumed == sorted(resumed, reverse=True) and len(resumed) == 5 - stored


def test_dry_run_estimates_requests_and_time(run_cli, env, sb, history: Path) -> None:
    code, out, err = run_cli(["push", "--historical", "--dry-run", str(history), "--rate", "5"], env=env)
    assert code == 0, err
    assert "5 orders: 6 requests, ~2 s at 5 requests/s" in err
    assert len(sb.requests) == 0
