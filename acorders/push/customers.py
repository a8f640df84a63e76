"""Customers: resolve the ids a shop doesn't know: customerid is the id of an ActiveCampaign ecomCustomer of
the
same connection (not a contact id, not the shop's user id).

One look-up per distinct (connection, email) per run, none for customers the ledger already knows; a
missing customer is created (externalid: the email, or ``ecomCustomer.externalid`` from the document's
envelope). Concurrent carts of the same customer wait for one resolution instead of racing to create two.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from acorders.errors import Rejected
from acorders.push.ledger import Ledger


def customer_hints(data: Any) -> Mapping[str, Any]:
    """The optional ``{"ecomOrder": ..., "ecomCustomer": {"externalid", "acceptsMarketing"}}`` envelope
    part."""
    if isinstance(data, dict) and isinstance(data.get("ecomCustomer"), dict):
        return data["ecomCustomer"]
    return {}


class CustomerResolver:
    def __init__(self, client: Any, ledger: Ledger | None, account: str) -> None:
        self.client = client
        self.ledger = ledger
        self.account = account
        self._known: dict[tuple[str, str], str] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()
        self.lookups = 0
        self.created = 0

    def resolve(self, connection: str, email: str, hints: Mapping[str, Any] | None = None) -> str:
        key = (connection, email.strip().lower())
        if key in self._known:
            return self._known[key]
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key in self._known:
                return self._known[key]
            ac_id = self.ledger.customer(self.account, *key) if self.ledger else None
            if ac_id is None:
                ac_id = self._find_or_create(connection, email.strip(), hints or {})
                if self.ledger:
                    self.ledger.remember_customer(self.account, connection, key[1], ac_id)
            self._known[key] = ac_id
            return ac_id

    def _find(self, connection: str, email: str) -> str | None:
        self.lookups += 1
        rows = self.client.find_customers(email=email, connectionid=connection)
        return str(rows[0]["id"]) if rows else None

    def _find_or_create(self, connection: str, email: str, hints: Mapping[str, Any]) -> str:
        found = self._find(connection, email)
        if found:
            return found
        try:
            record = self.client.create_customer(
                connectionid=connection,
                externalid=str(hints.get("externalid") or email),
                email=email,
                accepts_marketing=str(hints.get("acceptsMarketing", "0")) in ("1", "true", "True"),
            )
        except Rejected as exc:
            if not exc.duplicate:
                raise
            found = self._find(connection, email)  # created meanwhile, by us or someone else
            if found:
                return found
            raise
        self.created += 1
        return str(record["id"])
