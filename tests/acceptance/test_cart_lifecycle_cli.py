"""A cart's life after it was pushed: an order never downgraded by its cart again, `expire` of carts
nobody recovered, and `delete --email` for a customer who asks to be forgotten."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import cart, json_results, write_json


def push(run_cli, env: dict[str, str], *paths: Path) -> list[dict[str, Any]]:
    code, out, err = run_cli(["push", *map(str, paths), "-o", "json", "--rate", "1000"], env=env)
    assert code == 0, err
    return json_results(out)["results"]


def as_order(order: dict[str, Any], ext: str) -> dict[str, Any]:
    out = dict(order, externalid=ext)
    out.pop("abandonedDate", None)
    return out


def test_cart_after_its_order_is_unchanged_without_a_request(run_cli, env, sb, tmp_path: Path) -> None:
    the_cart = write_json(tmp_path / "cart.json", cart(1))
    order = write_json(tmp_path / "order.json", as_order(cart(1), "order-1"))
    push(run_cli, env, the_cart)
    assert push(run_cli, env, order)[0]["action"] == "recovered"
    write_json(the_cart, cart(1, totalPrice="100"))  # the shop's stale cart, even changed
    before = len(sb.requests)
    [result] = push(run_cli, env, the_cart)
    assert result["action"] == "unchanged"
    assert "already an order" in result["errors"][0]["message"]
    assert len(sb.requests) == before
    assert [o["externalid"] for o in sb.store.orders(externalcheckoutid="cart-00001")] == ["order-1"]


def test_cart_after_an_order_created_with_its_checkout_id(run_cli, env, sb, tmp_path: Path) -> None:
    """The order reached the ledger first (its cart never pushed): the cart pushed later sends nothing.
    (The order keeps abandonedDate: the document lets the checkout id be sent only with it.)"""
    order = write_json(tmp_path / "order.json", dict(cart(2), externalid="order-2"))
    assert push(run_cli, env, order)[0]["action"] == "created"
    the_cart = write_json(tmp_path / "cart.json", cart(2))
    before = len(sb.requests)
    [result] = push(run_cli, env, the_cart)
    assert result["action"] == "unchanged"
    assert "already an order" in result["errors"][0]["message"]
    assert len(sb.requests) == before
    assert len(sb.store.orders(externalcheckoutid="cart-00002")) == 1


# --- expire ---------------------------------------------------------------------------------------------

OLD = "2020-01-01T10:00:00-05:00"


@pytest.fixture
def aged(run_cli, env, tmp_path: Path) -> Path:
    """cart-00001 and cart-00002 abandoned long ago, cart-00003 an hour ago, cart-00004 old but recovered."""
    from datetime import datetime, timedelta, timezone

    recent = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat(timespec="seconds")
    folder = tmp_path / "aged"
    for i, when in ((1, OLD), (2, OLD), (3, recent), (4, OLD)):
        write_json(folder / f"cart-{i}.json", cart(i, abandonedDate=when, externalCreatedDate=when))
    push(run_cli, env, folder)
    push(
        run_cli, env, write_json(tmp_path / "order-4.json", as_order(cart(4, externalCreatedDate=OLD), "o-4"))
    )
    return folder


def expire(run_cli, env, *args: str) -> tuple[int, str, str]:
    return run_cli(["expire", *args, "--rate", "1000"], env=env)


def test_expire_deletes_old_carts_still_carts(run_cli, env, sb, aged: Path) -> None:
    code, out, err = expire(run_cli, env, "--older-than", "30d", "-o", "json")
    assert code == 0, err
    data = json_results(out)
    assert sorted(r["ext"] for r in data["results"]) == ["cart-00001", "cart-00002"]
    assert {r["action"] for r in data["results"]} == {"expired"}
    left = sorted(str(o["externalcheckoutid"]) for o in sb.store.orders())
    assert left == ["cart-00003", "cart-00004"]
    assert sb.count("DELETE") == 2
    code, out, _ = run_cli(["history", "-o", "json"], env=env)
    assert sorted(r["ext"] for r in json.loads(out)["results"] if r["action"] == "expired") == [
        "cart-00001",
        "cart-00002",
    ]


def test_expire_dry_run_deletes_nothing(run_cli, env, sb, aged: Path) -> None:
    code, out, err = expire(run_cli, env, "--older-than", "30d", "--dry-run", "-o", "json")
    assert code == 0, err
    data = json_results(out)
    assert sorted(r["ext"] for r in data["results"]) == ["cart-00001", "cart-00002"]
    assert {r["action"] for r in data["results"]} == {"would expire"}
    assert sb.count("DELETE") == 0 and len(sb.store.orders()) == 4


def test_an_expired_cart_is_not_resurrected_unless_it_changes(run_cli, env, sb, aged: Path) -> None:
    expire(run_cli, env, "--older-than", "30d")
    before = len(sb.requests)
    results = {r["externalcheckoutid"]: r for r in push(run_cli, env, aged)}
    assert results["cart-00001"]["action"] == "unchanged"
    assert "expired" in results["cart-00001"]["errors"][0]["message"]
    assert len(sb.requests) == before
    write_json(aged / "cart-1.json", cart(1, abandonedDate=OLD, externalCreatedDate=OLD, totalPrice="1"))
    results = {r["externalcheckoutid"]: r for r in push(run_cli, env, aged)}
    assert results["cart-00001"]["action"] == "created"
    assert results["cart-00002"]["action"] == "unchanged"
    assert len(sb.store.orders(externalcheckoutid="cart-00001")) == 1


def test_expire_needs_a_duration(run_cli, env, sb) -> None:
    code, _, err = expire(run_cli, env, "--older-than", "soon")
    assert code == 2 and "30d" in err and "Traceback" not in err


# --- delete --email -------------------------------------------------------------------------------------


def test_delete_email_forgets_its_carts_orders_and_customers(run_cli, env, sb, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    write_json(folder / "a.json", cart(1, email="bob@example.com", customerid=None))
    write_json(folder / "b.json", as_order(cart(2, email="bob@example.com", customerid=None), "o-2"))
    write_json(folder / "c.json", cart(3, email="carol@example.com", customerid=None))
    push(run_cli, env, folder)
    other_tool = dict(cart(5, email="BOB@example.com"))
    from tests.seeding import foreign

    foreign(sb, other_tool)
    assert sb.store.customers(email="bob@example.com", connectionid="1")
    code, out, err = run_cli(["delete", "--email", "bob@example.com", "--dry-run", "-o", "json"], env=env)
    assert code == 0, err
    assert len(json_results(out)["results"]) == 4  # 3 orders and 1 ecomCustomer
    assert sb.count("DELETE") == 0
    code, out, err = run_cli(
        ["delete", "--email", "bob@example.com", "-o", "json", "--rate", "1000"], env=env
    )
    assert code == 0, err
    assert sb.count("DELETE") == 4
    left = sorted(str(o["externalcheckoutid"]) for o in sb.store.orders())
    assert left == ["cart-00003"]
    assert not sb.store.customers(email="bob@example.com", connectionid="1")
    assert sb.store.customers(email="carol@example.com", connectionid="1")
    code, out, _ = run_cli(["history", "-o", "json"], env=env)
    deleted = [r for r in json.loads(out)["results"] if r["action"] == "deleted"]
    assert {r["ext"] for r in deleted} >= {"cart-00001", "o-2"}
    from tests.helpers import ledger_rows

    assert sorted(r["ext"] for r in ledger_rows(Path(env["ACORDERS_STATE_DIR"]))) == ["cart-00003"]
    import sqlite3

    db = sqlite3.connect(str(Path(env["ACORDERS_STATE_DIR"]) / "ledger.sqlite3"))
    try:  # the bodies the ledger kept for verify hold the email: forgotten with their entries
        bodies = [row[0] for row in db.execute("SELECT body FROM sent")]
    finally:
        db.close()
    assert bodies and not any("bob@example.com" in b.lower() for b in bodies)


def test_delete_email_also_forgets_what_only_the_ledger_holds(run_cli, env, sb, tmp_path: Path) -> None:
    """A cart expired (gone from ActiveCampaign) still has its entry and the body last sent, with the
    email: delete --email forgets them too."""
    import sqlite3

    from tests.helpers import ledger_rows

    write_json(tmp_path / "old" / "a.json", cart(1, email="bob@example.com", abandonedDate=OLD))
    write_json(tmp_path / "old" / "b.json", cart(2, email="carol@example.com", abandonedDate=OLD))
    push(run_cli, env, tmp_path / "old")
    code, _, err = expire(run_cli, env, "--older-than", "30d")
    assert code == 0, err
    code, out, err = run_cli(
        ["delete", "--email", "Bob@Example.com", "-o", "json", "--rate", "1000"], env=env
    )
    assert code == 0, err
    assert [r["ext"] for r in json_results(out)["results"] if r["action"] == "forgotten"] == ["cart-00001"]
    state = Path(env["ACORDERS_STATE_DIR"])
    assert sorted(r["ext"] for r in ledger_rows(state)) == ["cart-00002"]
    db = sqlite3.connect(str(state / "ledger.sqlite3"))
    try:
        bodies = [row[0] for row in db.execute("SELECT body FROM sent")]
    finally:
        db.close()
    assert len(bodies) == 1 and "bob@" not in bodies[0].lower()
