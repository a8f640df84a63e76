"""Plan: what the ledger alone decides (no request), and Remote's choice between a listing and look-ups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from acorders.push import plan as planner
from acorders.push.ledger import DONE, PENDING, REJECTED, Key, Ledger
from acorders.push.lookup import Remote

ACCOUNT = "http://127.0.0.1:9"
CART = {"externalcheckoutid": "c-1", "connectionid": "1", "totalPrice": 100}
ORDER = {"externalcheckoutid": "c-1", "externalid": "o-1", "connectionid": "1", "totalPrice": 100}
CART_KEY = Key(ACCOUNT, "1", "cart", "c-1")
ORDER_KEY = Key(ACCOUNT, "1", "order", "o-1")


@pytest.fixture
def ledger(tmp_path: Path):
    with Ledger.open(tmp_path) as led:
        yield led


def test_keys_for() -> None:
    assert planner.keys_for(CART, ACCOUNT) == (None, CART_KEY)
    assert planner.keys_for(ORDER, ACCOUNT) == (ORDER_KEY, CART_KEY)
    assert planner.keys_for({"externalid": 5, "connectionid": 2}, ACCOUNT) == (
        Key(ACCOUNT, "2", "order", "5"),
        None,
    )
    assert planner.keys_for({"externalid": "", "externalcheckoutid": "x", "connectionid": 1}, ACCOUNT) == (
        None,
        Key(ACCOUNT, "1", "cart", "x"),
    )


def test_new_cart_is_created(ledger: Ledger) -> None:
    plan = planner.decide(CART, ACCOUNT, ledger, "h1")
    assert (plan.step, plan.key, plan.ac_id, plan.adopt_hash) == ("create", CART_KEY, None, None)


def test_without_a_ledger_everything_is_created() -> None:
    assert planner.decide(CART, ACCOUNT, None, "h1").step == "create"
    assert planner.decide(ORDER, ACCOUNT, None, "h1").step == "create"


def test_unchanged_when_done_with_the_same_hash(ledger: Ledger) -> None:
    ledger.settle(CART_KEY, state=DONE, action="created", ac_id="42", digest="h1")
    plan = planner.decide(CART, ACCOUNT, ledger, "h1")
    assert (plan.step, plan.ac_id, plan.note) == ("unchanged", "42", None)


def test_changed_content_is_an_update(ledger: Ledger) -> None:
    ledger.settle(CART_KEY, state=DONE, action="created", ac_id="42", digest="h1")
    plan = planner.decide(CART, ACCOUNT, ledger, "h2")
    assert (plan.step, plan.key, plan.ac_id) == ("update", CART_KEY, "42")


@pytest.mark.parametrize("state", [PENDING, REJECTED])
def test_same_hash_but_not_done_is_sent_again_as_update(ledger: Ledger, state: str) -> None:
    """An update whose outcome is unknown (killed, timed out) or rejected is not 'unchanged'."""
    ledger.settle(CART_KEY, state=DONE, action="created", ac_id="42", digest="h1")
    ledger.intend(CART_KEY, "42", "h2", "a.json:1")
    if state == REJECTED:
        ledger.settle(CART_KEY, state=REJECTED, action="rejected", status=422)
    plan = planner.decide(CART, ACCOUNT, ledger, "h2")
    assert (plan.step, plan.ac_id) == ("update", "42")


def test_pending_create_is_created_with_an_adopt_hash(ledger: Ledger) -> None:
    """Killed after the intent: the next run may find its own record and must not create a second."""
    ledger.intend(CART_KEY, None, "h1", "a.json:1")
    plan = planner.decide(CART, ACCOUNT, ledger, "h1")
    assert (plan.step, plan.key, plan.adopt_hash) == ("create", CART_KEY, "h1")


def test_order_of_a_pushed_cart_is_a_recovery(ledger: Ledger) -> None:
    ledger.settle(CART_KEY, state=DONE, action="created", ac_id="42", digest="h1")
    plan = planner.decide(ORDER, ACCOUNT, ledger, "h9")
    assert (plan.step, plan.key, plan.ac_id, plan.cart_key) == ("recover", ORDER_KEY, "42", CART_KEY)


def test_order_of_an_unknown_cart_is_created(ledger: Ledger) -> None:
    plan = planner.decide(ORDER, ACCOUNT, ledger, "h9")
    assert (plan.step, plan.key) == ("create", ORDER_KEY)


def test_order_of_a_cart_pushed_to_another_connection_is_not_a_recovery(ledger: Ledger) -> None:
    ledger.settle(Key(ACCOUNT, "2", "cart", "c-1"), state=DONE, action="created", ac_id="42", digest="h1")
    assert planner.decide(ORDER, ACCOUNT, ledger, "h9").step == "create"


def test_order_already_pushed_is_unchanged_or_updated(ledger: Ledger) -> None:
    ledger.settle(CART_KEY, state=DONE, action="recovered", ac_id="42", recovered_to="o-1")
    ledger.settle(ORDER_KEY, state=DONE, action="recovered", ac_id="42", digest="h9")
    assert planner.decide(ORDER, ACCOUNT, ledger, "h9").step == "unchanged"
    plan = planner.decide(ORDER, ACCOUNT, ledger, "h10")
    assert (plan.step, plan.key, plan.ac_id) == ("update", ORDER_KEY, "42")


def test_cart_that_became_an_order_is_left_alone(ledger: Ledger) -> None:
    """A cart document pushed again after its order: never overwrite the order with the old cart."""
    ledger.settle(CART_KEY, state=DONE, action="recovered", ac_id="42", digest="h1", recovered_to="o-1")
    plan = planner.decide({**CART, "totalPrice": 999}, ACCOUNT, ledger, "h-other")
    assert plan.step == "unchanged"
    assert plan.note and "o-1" in plan.note


# --- Remote ------------------------------------------------------------------------------------------


class FakeClient:
    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def list_orders(self, *, connectionid: str, limit: int, offset: int) -> tuple[list[dict], int]:
        self.calls.append(("list", {"connectionid": connectionid, "limit": limit, "offset": offset}))
        mine = [r for r in self.records if r["connectionid"] == connectionid]
        return [dict(r) for r in mine[offset : offset + limit]], len(mine)

    def find_orders(self, *, connectionid: str, **kwargs: str) -> list[dict]:
        self.calls.append(("find", {"connectionid": connectionid, **kwargs}))
        ((field, value),) = kwargs.items()
        return [dict(r) for r in self.records if r["connectionid"] == connectionid and r.get(field) == value]


def orders(n: int, connection: str = "1") -> list[dict[str, Any]]:
    return [
        {"id": str(i + 1), "connectionid": connection, "externalcheckoutid": f"c-{i}", "externalid": None}
        for i in range(n)
    ]


def test_remote_without_prepare_looks_up_each_cart() -> None:
    client = FakeClient(orders(3))
    remote = Remote(client)
    assert remote.find("1", "externalcheckoutid", "c-2")["id"] == "3"
    assert remote.find("1", "externalcheckoutid", "nope") is None
    assert [c[0] for c in client.calls] == ["find", "find"]


def test_prepare_lists_when_cheaper_than_lookups() -> None:
    client = FakeClient(orders(250))
    remote = Remote(client)
    remote.prepare({"1": 10})  # 3 pages < 10 look-ups
    assert [c for c in client.calls if c[0] == "list"] == [
        ("list", {"connectionid": "1", "limit": 100, "offset": 0}),
        ("list", {"connectionid": "1", "limit": 100, "offset": 100}),
        ("list", {"connectionid": "1", "limit": 100, "offset": 200}),
    ]
    client.calls.clear()
    assert remote.find("1", "externalcheckoutid", "c-249")["id"] == "250"
    assert remote.find("1", "externalcheckoutid", "c-999") is None
    assert client.calls == []  # answered from the index


def test_prepare_skips_the_listing_when_lookups_are_cheaper() -> None:
    client = FakeClient(orders(1000))
    remote = Remote(client)
    remote.prepare({"1": 3})  # 10 pages > 3 look-ups
    assert len(client.calls) == 1  # the first page only, to learn the total
    assert remote.find("1", "externalcheckoutid", "c-500")["id"] == "501"
    assert client.calls[-1][0] == "find"


def test_prepare_nothing_for_a_single_new_cart() -> None:
    client = FakeClient(orders(5))
    Remote(client).prepare({"1": 1, "2": 0})
    assert client.calls == []


def test_fresh_find_bypasses_the_index_and_learn_updates_it() -> None:
    client = FakeClient(orders(2))
    remote = Remote(client)
    remote.prepare({"1": 5})
    client.records.append({"id": "3", "connectionid": "1", "externalcheckoutid": "late", "externalid": None})
    assert remote.find("1", "externalcheckoutid", "late") is None  # the index is a snapshot
    assert remote.find("1", "externalcheckoutid", "late", fresh=True)["id"] == "3"
    remote.learn("1", {"id": "4", "connectionid": "1", "externalcheckoutid": "mine", "externalid": "o-4"})
    assert remote.find("1", "externalcheckoutid", "mine")["id"] == "4"
    assert remote.find("1", "externalid", "o-4")["id"] == "4"


def test_index_is_per_connection() -> None:
    client = FakeClient(
        [*orders(3, "1"), {"id": "9", "connectionid": "2", "externalcheckoutid": "c-0", "externalid": None}]
    )
    remote = Remote(client)
    remote.prepare({"1": 5})
    assert remote.find("1", "externalcheckoutid", "c-0")["id"] == "1"
    calls = len(client.calls)
    assert remote.find("2", "externalcheckoutid", "c-0")["id"] == "9"  # connection 2: not indexed, looked up
    assert len(client.calls) == calls + 1


def test_interrupted_recovery_is_planned_as_recovery(ledger: Ledger) -> None:
    ledger.settle(CART_KEY, state=DONE, action="created", ac_id="42", digest="h1")
    ledger.intend(ORDER_KEY, "42", "h9", "o.json:1")  # killed here
    plan = planner.decide(ORDER, ACCOUNT, ledger, "h9")
    assert (plan.step, plan.key, plan.ac_id, plan.cart_key) == ("recover", ORDER_KEY, "42", CART_KEY)
