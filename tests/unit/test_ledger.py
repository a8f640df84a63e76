"""The ledger: real SQLite files in tmp_path, the intent/settle protocol, history, forget, customers, the
lock."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acorders.errors import ConfigError, ExitStatus, LockTimeout
from acorders.push import ledger_file
from acorders.push.ledger import (
    DONE,
    LEDGER_NAME,
    PENDING,
    REJECTED,
    Key,
    Ledger,
    content_hash,
)

ACCOUNT = "http://127.0.0.1:9"
CART = Key(ACCOUNT, "1", "cart", "c-1")
ORDER = Key(ACCOUNT, "1", "order", "o-1")


@pytest.fixture
def ledger(tmp_path: Path):
    with Ledger.open(tmp_path / "state") as led:
        yield led


# --- content hash -------------------------------------------------------------------------------------


def test_content_hash_ignores_key_order() -> None:
    a = {"externalcheckoutid": "1", "totalPrice": 100, "orderProducts": [{"name": "x", "price": 1}]}
    b = {"orderProducts": [{"price": 1, "name": "x"}], "totalPrice": 100, "externalcheckoutid": "1"}
    assert content_hash(a) == content_hash(b)


def test_content_hash_changes_with_content() -> None:
    a = {"externalcheckoutid": "1", "totalPrice": 100}
    assert content_hash(a) != content_hash({**a, "totalPrice": 101})
    assert content_hash(a) != content_hash({**a, "totalPrice": "100"})  # type matters: what is sent differs
    assert content_hash({"orderProducts": [1, 2]}) != content_hash({"orderProducts": [2, 1]})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=6), json_values, max_size=6))
def test_content_hash_is_stable_under_reordering(order: dict) -> None:
    reordered = dict(reversed(list(order.items())))
    assert content_hash(order) == content_hash(reordered)
    assert len(content_hash(order)) == 32


# --- entries: intend, settle, get ---------------------------------------------------------------------


def test_open_creates_the_state_dir_and_file(tmp_path: Path) -> None:
    state = tmp_path / "a" / "b"
    with Ledger.open(state) as led:
        assert led.path == state / LEDGER_NAME
    assert (state / LEDGER_NAME).is_file()


def test_unknown_key_is_none(ledger: Ledger) -> None:
    assert ledger.get(CART) is None
    assert ledger.snapshot(ACCOUNT).get(CART) is None


def test_intend_then_settle(ledger: Ledger) -> None:
    ledger.intend(CART, None, "h1", "a.json:1")
    entry = ledger.get(CART)
    assert entry is not None
    assert (entry.state, entry.ac_id, entry.hash, entry.action) == (PENDING, None, "h1", None)
    ledger.settle(CART, state=DONE, action="created", ac_id="42", digest="h1", status=201, source="a.json:1")
    entry = ledger.get(CART)
    assert (entry.state, entry.ac_id, entry.hash, entry.action) == (DONE, "42", "h1", "created")
    view = ledger.snapshot(ACCOUNT)  # the bulk read push plans from sees the same entry
    assert view.get(CART) == entry
    assert ledger.snapshot("https://other.example").get(CART) is None


def test_settle_keeps_the_known_id_and_hash_when_not_given(ledger: Ledger) -> None:
    ledger.settle(CART, state=DONE, action="created", ac_id="42", digest="h1")
    ledger.intend(CART, "42", "h2", "a.json:1")  # an update is intended
    ledger.settle(CART, state=REJECTED, action="rejected", status=422, error="bad price")
    entry = ledger.get(CART)
    assert entry.ac_id == "42"  # a rejected update does not lose the record's id
    assert entry.hash == "h2"
    assert entry.state == REJECTED


def test_recovered_to_survives_later_settles(ledger: Ledger) -> None:
    ledger.settle(CART, state=DONE, action="recovered", ac_id="42", recovered_to="o-1")
    ledger.settle(CART, state=DONE, action="unchanged", ac_id="42")
    assert ledger.get(CART).recovered_to == "o-1"


def test_keys_are_per_account_connection_and_kind(ledger: Ledger) -> None:
    ledger.settle(CART, state=DONE, action="created", ac_id="1", digest="h")
    assert ledger.get(Key("http://127.0.0.1:10", "1", "cart", "c-1")) is None
    assert ledger.get(Key(ACCOUNT, "2", "cart", "c-1")) is None
    assert ledger.get(Key(ACCOUNT, "1", "order", "c-1")) is None
    assert ledger.get(Key(ACCOUNT, "1", "cart", "c-1")).ac_id == "1"


def test_entries_survive_reopening(tmp_path: Path) -> None:
    with Ledger.open(tmp_path) as led:
        led.intend(CART, None, "h1", "a.json:1")
    with Ledger.open(tmp_path) as led:
        entry = led.get(CART)
    assert entry is not None and entry.state == PENDING and entry.hash == "h1"


def test_an_intent_is_committed_before_the_request(tmp_path: Path) -> None:
    """Another connection (a later run after kill -9) sees the intent at once: no open transaction holds
    it."""
    with Ledger.open(tmp_path) as led:
        led.intend(CART, None, "h1", "a.json:1")
        other = sqlite3.connect(str(tmp_path / LEDGER_NAME))
        try:
            rows = other.execute("SELECT state, hash FROM entries WHERE ext = 'c-1'").fetchall()
        finally:
            other.close()
    assert rows == [(PENDING, "h1")]


def test_concurrent_writers_from_threads(ledger: Ledger) -> None:
    def work(n: int) -> None:
        for i in range(25):
            key = Key(ACCOUNT, "1", "cart", f"t{n}-{i}")
            ledger.intend(key, None, "h", "x")
            ledger.settle(key, state=DONE, action="created", ac_id=f"{n}-{i}", digest="h")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(list(ledger.history())) == 200
    assert all(
        ledger.get(Key(ACCOUNT, "1", "cart", f"t{n}-{i}")).state == DONE for n in range(8) for i in range(25)
    )


def test_unusable_state_dir_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError) as info:
        Ledger.open(blocker / "state")
    assert info.value.exit_status == ExitStatus.CONFIG
    assert "state-dir" in (info.value.hint or "").lower() or "ACORDERS_STATE_DIR" in (info.value.hint or "")


# --- history and forget -------------------------------------------------------------------------------


def test_history_lists_every_settle_in_order(ledger: Ledger) -> None:
    ledger.settle(CART, state=DONE, action="created", ac_id="42", digest="h1", status=201, source="a.json:1")
    ledger.settle(CART, state=DONE, action="updated", ac_id="42", digest="h2", status=200, source="a.json:1")
    ledger.settle(ORDER, state=DONE, action="recovered", ac_id="42", status=200, source="b.json:1")
    rows = list(ledger.history())
    assert [(r["kind"], r["ext"], r["action"], r["id"]) for r in rows] == [
        ("cart", "c-1", "created", "42"),
        ("cart", "c-1", "updated", "42"),
        ("order", "o-1", "recovered", "42"),
    ]
    assert rows[0]["status"] == 201 and rows[0]["source"] == "a.json:1" and rows[0]["account"] == ACCOUNT
    assert rows[0]["at"] <= rows[1]["at"] <= rows[2]["at"]


def test_history_since_and_account(ledger: Ledger) -> None:
    ledger.settle(CART, state=DONE, action="created", ac_id="1")
    cut = time.time()
    time.sleep(0.01)
    other = Key("http://127.0.0.1:10", "1", "cart", "c-2")
    ledger.settle(other, state=DONE, action="created", ac_id="2")
    assert [r["ext"] for r in ledger.history(since=cut)] == ["c-2"]
    assert [r["ext"] for r in ledger.history(account=ACCOUNT)] == ["c-1"]
    assert len(list(ledger.history())) == 2


def test_forget_filters(ledger: Ledger) -> None:
    keys = [
        Key(ACCOUNT, "1", "cart", "a"),
        Key(ACCOUNT, "1", "cart", "b"),
        Key(ACCOUNT, "2", "cart", "a"),
        Key(ACCOUNT, "1", "order", "a"),
        Key("http://127.0.0.1:10", "1", "cart", "a"),
    ]
    for k in keys:
        ledger.settle(k, state=DONE, action="created", ac_id="1")
    assert ledger.forget(kind="cart", ext="a", connection="1", account=ACCOUNT) == 1
    assert ledger.get(keys[0]) is None and ledger.get(keys[1]) is not None
    assert ledger.forget(kind="cart", ext="a") == 2  # every account and connection
    assert ledger.forget(kind="cart", ext="zzz") == 0
    assert ledger.forget() == 2  # everything left
    assert all(ledger.get(k) is None for k in keys)
    assert len(list(ledger.history())) == 5  # history is kept


# --- customers ----------------------------------------------------------------------------------------


def test_customers_are_remembered_case_insensitively_per_connection(ledger: Ledger) -> None:
    assert ledger.customer(ACCOUNT, "1", "a@example.com") is None
    ledger.remember_customer(ACCOUNT, "1", "Alice@Example.com", "7")
    assert ledger.customer(ACCOUNT, "1", "alice@example.com") == "7"
    assert ledger.customer(ACCOUNT, "1", "ALICE@EXAMPLE.COM") == "7"
    assert ledger.customer(ACCOUNT, "2", "alice@example.com") is None
    assert ledger.customer("http://127.0.0.1:10", "1", "alice@example.com") is None
    ledger.remember_customer(ACCOUNT, "1", "alice@example.com", "8")
    assert ledger.customer(ACCOUNT, "1", "alice@example.com") == "8"


# --- the lock (overlapping runs) ----------------------------------------------------------------------


def test_lock_is_exclusive_and_names_the_holder(tmp_path: Path) -> None:
    first = Ledger.open(tmp_path)
    second = Ledger.open(tmp_path)
    try:
        first.lock(0)
        started = time.monotonic()
        with pytest.raises(LockTimeout) as info:
            second.lock(0.3, sleep=0.05)
        waited = time.monotonic() - started
        assert 0.25 <= waited < 3
        assert info.value.exit_status == ExitStatus.TEMPORARY
        assert f"pid {os.getpid()}" in info.value.message
        assert "nothing was sent" in (info.value.hint or "")
        assert "--wait" in (info.value.hint or "")
    finally:
        first.close()
        second.close()


def test_lock_is_released_by_unlock_and_close(tmp_path: Path) -> None:
    first = Ledger.open(tmp_path)
    first.lock(0)
    first.unlock()
    with Ledger.open(tmp_path) as second:
        second.lock(0)
    first.lock(0)
    first.close()
    with Ledger.open(tmp_path) as third:
        third.lock(0)


def test_a_waiting_lock_gets_it_when_the_holder_lets_go(tmp_path: Path) -> None:
    holder = Ledger.open(tmp_path)
    holder.lock(0)
    timer = threading.Timer(0.2, holder.close)
    timer.start()
    try:
        with Ledger.open(tmp_path) as waiter:
            started = time.monotonic()
            waiter.lock(5, sleep=0.02)
            assert 0.1 < time.monotonic() - started < 4
    finally:
        timer.join()


# --- the content hash must never change: ledgers written by earlier versions keep theirs ------------------

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([1e-05, 1e16, 1e-4, 9.999e15, 5e-324, -0.0, 0.0001, 123.456])
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=500, deadline=None)
@given(order=st.dictionaries(st.text(max_size=8), _values, max_size=6))
def test_the_fast_canonical_form_is_byte_for_byte_the_ledgers(order: dict) -> None:
    """content_hash is computed with orjson where it writes what json.dumps writes; the text hashed must
    be exactly the one earlier versions hashed, or every cart of an existing ledger would look changed."""
    import json

    from acorders.models import canonical_bytes

    old = json.dumps(order, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    assert canonical_bytes(order) == old.encode("utf-8", "surrogatepass")


def test_content_hash_of_a_known_cart_is_pinned() -> None:
    """The hash of the reference cart, as every version since the first has written it."""
    import json

    cart = json.loads((Path(__file__).resolve().parents[2] / "samples" / "reference-cart.json").read_text())
    assert content_hash(cart["ecomOrder"]) == "c02685a3ba392aa3ead5b2b48ea557a7"


def test_set_up_waits_out_a_lock_that_sqlite_does_not_wait_for() -> None:
    """SQLite answers "database is locked" at once to one of two runs creating a fresh ledger; the
    set-up tries again until the other is done, and gives up only on other errors or past its time."""

    calls: list[int] = []

    def locked_twice() -> None:
        calls.append(1)
        if len(calls) <= 2:
            raise sqlite3.OperationalError("database is locked")

    ledger_file.when_unlocked(locked_twice, pause=0)
    assert len(calls) == 3

    def broken() -> None:
        raise sqlite3.OperationalError("disk I/O error")

    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        ledger_file.when_unlocked(broken, pause=0)

    def always_locked() -> None:
        raise sqlite3.OperationalError("database is locked")

    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        ledger_file.when_unlocked(always_locked, seconds=0.2, pause=0.01)
    assert 0.2 <= time.monotonic() - started < 5
