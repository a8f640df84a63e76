"""The ledger failing under a push: a full disk, a busy database, damaged pages, and a POST answered 404.
Each stops (or reports) with a message that says what to do, never "internal error", and never loses
what a request already did. Real SQLite files; the disk fills for real (max_page_count), the API is a fake
or ``responses``."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import responses

from acorders.api.client import Client
from acorders.errors import ExitStatus, LedgerDamaged, LedgerError, RequestFailed, exit_status_for
from acorders.models import Action, Document, Origin
from acorders.push.ledger import DONE, PENDING, Key, Ledger
from acorders.push.send import Pusher
from tests.helpers import cart, envelope

ACCOUNT = "https://acct.api-us1.com"


def fill_the_disk(ledger: Ledger) -> None:
    """No page left for the ledger: what a full disk does to SQLite (SQLITE_FULL on the next write that
    needs space). Small rows fill the last pages to the brim."""
    db = getattr(ledger._db, "db", ledger._db)  # the sqlite3 connection itself
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
    for table in ("history", "entries"):
        for i in range(100_000):
            try:
                if table == "history":
                    db.execute(
                        "INSERT INTO history VALUES (0, '', '', '', ?, '', NULL, NULL, NULL, NULL)", (i,)
                    )
                else:
                    db.execute(
                        "INSERT INTO entries (account, connection, kind, ext, state, updated_at)"
                        " VALUES ('', '', '', ?, '', 0)",
                        (str(i),),
                    )
            except sqlite3.OperationalError as exc:
                assert "full" in str(exc)
                break


class FakeClient:
    """The API as the Pusher sees it: nothing to find; a create runs ``on_create`` (which may fill the
    disk) and then answers (or raises) what the test says."""

    def __init__(self, ledger: Ledger, answer: Any, *, fill: bool = True) -> None:
        self.ledger, self.answer, self.fill = ledger, answer, fill
        self.creates = 0

    def find_orders(self, **kwargs: Any) -> list[dict[str, Any]]:
        return []

    def create_order(self, body: dict[str, Any], *, lookup: Any) -> tuple[dict[str, Any], bool]:
        self.creates += 1
        if self.fill:
            fill_the_disk(self.ledger)
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer, False


def doc(i: int = 1) -> Document:
    return Document(Origin("carts.ndjson", i), envelope(cart(i)))


@pytest.fixture
def ledger(tmp_path: Path):
    with Ledger.open(tmp_path / "state") as led:
        yield led


def test_disk_full_while_recording_a_temporary_failure_stops_the_run_with_exit_4(ledger: Ledger) -> None:
    client = FakeClient(ledger, RequestFailed("ActiveCampaign answered 503 Service Unavailable", 503))
    pusher = Pusher(client, ledger, ACCOUNT, None)
    result = pusher.push_one(doc())  # before: sqlite3.OperationalError escaped
    assert result.action is Action.FAILED
    messages = " ".join(f.message for f in result.errors)
    assert "503 Service Unavailable" in messages and "not recorded in the ledger" in messages
    assert isinstance(pusher.stop, LedgerError)
    assert exit_status_for(pusher.stop) == ExitStatus.TEMPORARY
    assert "database or disk is full" in pusher.stop.message and "free" in (pusher.stop.hint or "")
    # the intent committed before the request is still there, for the next run to settle
    assert ledger.get(Key(ACCOUNT, "1", "cart", "cart-00001")).state == PENDING


def test_disk_full_after_a_create_still_reports_the_created_cart(ledger: Ledger) -> None:
    pusher = Pusher(FakeClient(ledger, {"id": "42", "connectionid": "1"}), ledger, ACCOUNT, None)
    result = pusher.push_one(doc())
    assert result.action is Action.CREATED and result.id == "42"  # what the request did is not lost
    assert "not recorded in the ledger" in result.errors[0].message
    assert isinstance(pusher.stop, LedgerError)
    entry = ledger.get(Key(ACCOUNT, "1", "cart", "cart-00001"))
    assert entry.state == PENDING  # the next run looks it up and adopts record 42, never creates another


def test_a_ledger_that_cannot_record_the_intent_sends_nothing(ledger: Ledger) -> None:
    client = FakeClient(ledger, {"id": "42"}, fill=False)
    fill_the_disk(ledger)
    pusher = Pusher(client, ledger, ACCOUNT, None)
    result = pusher.push_one(doc())
    assert client.creates == 0
    assert result.action is Action.FAILED and "not sent" in result.errors[0].message
    assert isinstance(pusher.stop, LedgerError)
    skipped = pusher.push_group([doc(2)])  # the run stops: the next carts are not even tried
    assert [r.action for r in skipped] == [Action.SKIPPED] and client.creates == 0


def test_a_post_answered_404_with_a_message_says_what_is_missing(ledger: Ledger) -> None:
    with responses.RequestsMock() as mock:
        mock.get(f"{ACCOUNT}/api/3/ecomOrders", json={"ecomOrders": [], "meta": {"total": "0"}})
        mock.post(
            f"{ACCOUNT}/api/3/ecomOrders",
            status=404,
            json={"message": "No Result found for Connection with id 1"},
        )
        with Client(ACCOUNT, "KEY-1234567890", sleep=lambda s: None) as client:
            result = Pusher(client, ledger, ACCOUNT, None).push_one(doc())
    message = result.errors[0].message
    assert "internal error" not in message  # before: "internal error: NotFound: No Result found ..."
    assert result.action is Action.REJECTED and result.status == 404
    assert "No Result found for Connection with id 1" in message and "connectionid" in message


def test_a_damaged_ledger_says_how_to_recover(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with Ledger.open(state) as led:
        for i in range(300):
            key = Key(ACCOUNT, "1", "cart", f"cart-{i:05d}")
            led.intend(key, None, "h" * 32, "carts.ndjson:1")
            led.settle(key, state=DONE, action="created", ac_id=str(i))
    damage(state / "ledger.sqlite3")
    with Ledger.open(state) as led, pytest.raises(LedgerDamaged) as info:
        led.snapshot(ACCOUNT)  # before: sqlite3.DatabaseError: database disk image is malformed
    assert info.value.exit_status == ExitStatus.CONFIG
    assert "damaged" in info.value.message and "malformed" in info.value.message
    hint = info.value.hint or ""
    assert "move it aside" in hint and str(state / "ledger.sqlite3") in hint and "look" in hint


def test_a_ledger_that_is_not_a_database_says_how_to_recover(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "ledger.sqlite3").write_bytes(os.urandom(8192))
    with pytest.raises(LedgerDamaged) as info:
        Ledger.open(state)
    assert info.value.exit_status == ExitStatus.CONFIG and "move it aside" in (info.value.hint or "")


def test_a_ledger_busy_for_longer_than_wait_is_a_clear_temporary_error(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with Ledger.open(state) as led:
        led.lock(0.5)  # --wait 0.5: also how long a statement waits for another program's write
        blocker = sqlite3.connect(str(state / "ledger.sqlite3"), isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(LedgerError) as info:
                led.intend(Key(ACCOUNT, "1", "cart", "c"), None, "h", "carts.ndjson:1")
        finally:
            blocker.close()
    assert info.value.exit_status == ExitStatus.TEMPORARY
    assert "busy" in info.value.message and "another program" in info.value.message
    assert "--wait" in (info.value.hint or "")


def damage(path: Path) -> None:
    """Garbage over the page headers of every page but the first (the file still opens)."""
    size = path.stat().st_size
    with open(path, "r+b") as f:
        for page in range(2, size // 4096):
            f.seek(page * 4096 + 8)
            f.write(b"\xff" * 64)
