"""Plan: from the ledger alone to create, update, recover or unchanged. No request is made here.

Requests per cart (documented in README):
- unchanged since its last successful push: 0;
- changed: 1 (PUT);
- a cart becoming an order: 1 (PUT on the cart's record);
- new to this ledger: 1 POST, plus a look-up (lookup.py) so that a cart created by another tool, another
  machine or a lost ledger is updated rather than duplicated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from acorders.models import (
    Action,
    Document,
    Finding,
    PushResult,
    blank,
    connection_of,
    ids,
)
from acorders.push.ledger import DONE, EXPIRED, Entry, Key, Ledger, LedgerView, content_hash


class Plan(NamedTuple):
    step: str  # "create" | "update" | "recover" | "unchanged"
    key: Key  # the ledger entry the outcome is recorded under
    ac_id: str | None = None  # the record to PUT (update, recover)
    cart_key: Key | None = None  # recover: the cart's entry, marked as recovered
    # create: a pending intent with this content may have been committed already
    adopt_hash: str | None = None
    note: str | None = None


def keys_for(order: Mapping[str, Any], account: str) -> tuple[Key | None, Key | None]:
    """(order key by externalid, cart key by externalcheckoutid); either may be None."""
    connection = connection_of(order)
    checkout, ext = ids(order)
    order_key = Key(account, connection, "order", ext) if ext is not None else None
    cart_key = Key(account, connection, "cart", checkout) if checkout is not None else None
    return order_key, cart_key


def decide(order: Mapping[str, Any], account: str, ledger: Ledger | LedgerView | None, digest: str) -> Plan:
    """The ledger's view alone; no request is made here."""
    order_key, cart_key = keys_for(order, account)
    own_key = order_key or cart_key
    assert own_key is not None, "validated documents have externalid or externalcheckoutid"
    own = ledger.get(own_key) if ledger else None
    if own is not None and own.recovered_to and order_key is None:
        return Plan("unchanged", own_key, own.ac_id, note=already_an_order(own.recovered_to))
    if own is not None and own.state == EXPIRED:  # deleted by `expire`: only new content brings it back
        if own.hash == digest:
            return Plan("unchanged", own_key, None, note=EXPIRED_NOTE)
        return Plan("create", own_key)
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
        if cart is not None and cart.ac_id and cart.state != EXPIRED:
            return Plan("recover", order_key, cart.ac_id, cart_key=cart_key)
    return Plan("create", own_key, adopt_hash=_pending_hash(own))


EXPIRED_NOTE = (
    "expired: acorders expire deleted it from ActiveCampaign; sent again only if its content changes"
)


def already_an_order(externalid: str) -> str:
    """Why a cart is not sent again once it is an order: its content would downgrade the order."""
    return f"already an order: this cart became order {externalid}; the cart is not sent again"


def _pending_hash(entry: Entry | None) -> str | None:
    return entry.hash if entry is not None else None


def result_for(doc: Document, action: Action, **kwargs: Any) -> PushResult:
    """The result row of one document: its origin and ids, what was done, and what validate warned of."""
    checkout, ext = doc.key
    kwargs.setdefault("warnings", doc.warnings)
    return PushResult(doc.origin, checkout, ext, action, **kwargs)


def plan_only(docs: Iterable[Document], account: str, ledger: Ledger | None) -> Iterator[PushResult]:
    """--dry-run: what push would do, from the ledger alone; no network."""
    for doc in docs:
        order = doc.order
        assert order is not None
        p = decide(order, account, ledger, content_hash(order))
        notes = [Finding(None, p.note)] if p.note else []
        if blank(order.get("customerid")):
            notes.append(Finding("ecomOrder.customerid", "resolved at push time by email and connection"))
        yield result_for(doc, Action.PLANNED, id=p.ac_id, planned=p.step, errors=notes)
