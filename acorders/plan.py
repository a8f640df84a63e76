"""Plan: from the ledger (and, for carts it does not know, ActiveCampaign itself) to create, update, skip.

Requests per cart (documented in README):
- unchanged since its last successful push: 0 (decided from the ledger alone);
- changed: 1 (PUT);
- a cart becoming an order: 1 (PUT on the cart's record);
- new to this ledger: 1 POST, plus a look-up so that a cart created by another tool, another machine or a
  lost ledger is updated rather than duplicated, even on a server that silently accepts duplicates. The
  look-up is one ``GET /ecomOrders?filters[...]`` per cart, or, when the connection holds fewer pages of
  orders than there are new carts, one listing of the connection's orders (100 a page) for the whole run.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from typing import Any, NamedTuple

from acorders.ledger import DONE, Entry, Key, Ledger, LedgerView

PAGE = 100


class Plan(NamedTuple):
    step: str  # "create" | "update" | "recover" | "unchanged"
    key: Key  # the ledger entry the outcome is recorded under
    ac_id: str | None = None  # the record to PUT (update, recover)
    cart_key: Key | None = None  # recover: the cart's entry, marked as recovered
    adopt_hash: str | None = None  # create: a pending intent with this content may have been committed already
    note: str | None = None


def keys_for(order: Mapping[str, Any], account: str) -> tuple[Key | None, Key | None]:
    """(order key by externalid, cart key by externalcheckoutid); either may be None."""
    connection = str(order.get("connectionid", ""))
    ext = order.get("externalid")
    checkout = order.get("externalcheckoutid")
    order_key = Key(account, connection, "order", str(ext)) if ext not in (None, "") else None
    cart_key = Key(account, connection, "cart", str(checkout)) if checkout not in (None, "") else None
    return order_key, cart_key


def decide(order: Mapping[str, Any], account: str, ledger: Ledger | LedgerView | None, digest: str) -> Plan:
    """The ledger's view alone; no request is made here."""
    order_key, cart_key = keys_for(order, account)
    own_key = order_key or cart_key
    assert own_key is not None, "validated documents have externalid or externalcheckoutid"
    own = ledger.get(own_key) if ledger else None
    if own is not None and own.recovered_to and order_key is None:
        return Plan("unchanged", own_key, own.ac_id, note=f"this cart already became order {own.recovered_to}")
    if own is not None and own.ac_id:
        if own.state == DONE and own.hash == digest:
            return Plan("unchanged", own_key, own.ac_id)
        if order_key is not None and cart_key is not None and ledger is not None:
            cart = ledger.get(cart_key)
            if cart is not None and cart.ac_id == own.ac_id and not cart.recovered_to:  # a recovery cut short
                return Plan("recover", order_key, own.ac_id, cart_key=cart_key)
        return Plan("update", own_key, own.ac_id)
    if order_key is not None and cart_key is not None and ledger is not None:
        cart = ledger.get(cart_key)
        if cart is not None and cart.ac_id:
            return Plan("recover", order_key, cart.ac_id, cart_key=cart_key)
    return Plan("create", own_key, adopt_hash=_pending_hash(own))


def _pending_hash(entry: Entry | None) -> str | None:
    return entry.hash if entry is not None else None


class Remote:
    """Finds records this ledger does not know, with the fewest requests: a listing of the connection's
    orders when that is cheaper than one look-up per new cart, else exact-match filtered look-ups."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._index: dict[str, dict[tuple[str, str], dict[str, Any]] | None] = {}
        self._lock = threading.Lock()

    def prepare(self, new_per_connection: Mapping[str, int]) -> None:
        for connection, new in new_per_connection.items():
            if new <= 1:
                continue  # one look-up is as cheap as a listing
            records, total = self.client.list_orders(connectionid=connection, limit=PAGE, offset=0)
            pages = math.ceil(total / PAGE)
            if pages > new:
                continue  # per-cart look-ups are cheaper
            for page in range(1, pages):
                more, _ = self.client.list_orders(connectionid=connection, limit=PAGE, offset=page * PAGE)
                records.extend(more)
            index: dict[tuple[str, str], dict[str, Any]] = {}
            for record in records:
                if str(record.get("connectionid")) != connection:
                    continue
                for field in ("externalid", "externalcheckoutid"):
                    if record.get(field) not in (None, ""):
                        index.setdefault((field, str(record[field])), record)
            self._index[connection] = index

    def find(self, connection: str, field: str, value: str, *, fresh: bool = False) -> dict[str, Any] | None:
        """The record whose ``field`` equals ``value`` exactly, or None. ``fresh`` skips the run's index
        (to settle a write whose outcome is unknown)."""
        index = None if fresh else self._index.get(connection)
        if index is not None:
            return index.get((field, value))
        kwargs = {field: value}
        found = self.client.find_orders(connectionid=connection, **kwargs)
        return found[0] if found else None

    def learn(self, connection: str, record: Mapping[str, Any]) -> None:
        """Keep the index true after this run creates a record."""
        index = self._index.get(connection)
        if index is None:
            return
        with self._lock:
            for field in ("externalid", "externalcheckoutid"):
                if record.get(field) not in (None, ""):
                    index.setdefault((field, str(record[field])), dict(record))
