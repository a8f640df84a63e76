"""A cart's life after it was pushed: an order never downgraded by its cart again, `expire` of carts
nobody recovered, and `delete --email` for a customer who asks to be forgotten."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from acorders.sandbox import Sandbox
from tests.helpers import KEY, account_env, cart, json_results, sandbox, write_json


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with sandbox() as s:
        yield s


@pytest.fixture
def env(sb: Sandbox, tmp_path: Path) -> dict[str, str]:
    return account_env(sb, tmp_path / "state", KEY)


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
    """The order reached the ledger first (its cart never pushed): the cart pushed later sends nothing."""
    order = write_json(tmp_path / "order.json", as_order(cart(2), "order-2"))
    assert push(run_cli, env, order)[0]["action"] == "created"
    the_cart = write_json(tmp_path / "cart.json", cart(2))
    before = len(sb.requests)
    [result] = push(run_cli, env, the_cart)
    assert result["action"] == "unchanged"
    assert "already an order" in result["errors"][0]["message"]
    assert len(sb.requests) == before
    assert len(sb.store.orders(externalcheckoutid="cart-00002")) == 1
