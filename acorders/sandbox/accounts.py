"""The sandbox's connections and ecomCustomers: create, update, delete, and the references orders make.

An order's ``connectionid``/``customerid`` are checked strictly (422) or, by default, created on first use
with exactly the id that was used. With ``documented`` on, each new email also gets the account-level
ecomCustomer row (connectionid "0") the document's list example shows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from .fields import (
    CONNECTION_FIELDS,
    CONNECTION_REQUIRED,
    CONNECTION_UPDATE_FIELDS,
    CUSTOMER_FIELDS,
    CUSTOMER_REQUIRED,
    check_fields,
    error,
)
from .knobs import SandboxConfig
from .records import Shaper
from .store import Record, Store

Response = tuple[int, dict[str, Any]]
Errors = list[dict[str, Any]]


def now() -> str:
    """The stored form of the current time (UTC, whole seconds); answered re-offset when documented."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def not_found(kind: str, record_id: str) -> Response:
    return 404, {"message": f"No Result found for {kind} with id {record_id}"}


class Accounts:
    """Routes of /connections and /ecomCustomers, and the reference checks orders use."""

    def __init__(self, store: Store, config: Callable[[], SandboxConfig], shaper: Shaper) -> None:
        self.store = store
        self.config = config
        self.shaper = shaper

    # -- connections --------------------------------------------------------------------------

    def _connection_errors(self, clean: Record, exclude: str | None) -> Errors:
        same = self.store.all("connection", service=clean["service"], externalid=clean["externalid"])
        if any(r["id"] != exclude for r in same):
            return [error("duplicate", "externalid", "A connection with this service and externalid exists")]
        return []

    def create_connection(self, *, query: dict[str, str], data: dict[str, Any]) -> Response:
        required = CONNECTION_REQUIRED + (("logoUrl", "linkUrl") if self.config().strict else ())
        clean, errors = check_fields(data, CONNECTION_FIELDS, required, "", update=False)
        if not errors:
            errors = self._connection_errors(clean, None)
        if errors:
            return 422, {"errors": errors}
        stamp = now()
        row = self.store.insert(
            "connection",
            {
                **clean,
                "status": "1",
                "syncStatus": "0",
                "isInternal": "0",
                "createdDate": stamp,
                "updatedDate": stamp,
            },
        )
        return (200 if self.config().documented else 201), {"connection": self.shaper.connection(row)}

    def update_connection(self, record_id: str, *, query: dict[str, str], data: dict[str, Any]) -> Response:
        existing = self.store.get("connection", record_id)
        if existing is None:
            return not_found("Connection", record_id)
        clean, errors = check_fields(data, CONNECTION_UPDATE_FIELDS, (), "", update=True)
        merged = {**existing, **clean, "updatedDate": now()}
        if not errors and ("service" in clean or "externalid" in clean):
            errors = self._connection_errors(merged, record_id)
        if errors:
            return 422, {"errors": errors}
        return 200, {"connection": self.shaper.connection(self.store.update("connection", record_id, merged))}

    # -- customers ----------------------------------------------------------------------------

    def _customer_errors(self, clean: Record, exclude: str | None) -> Errors:
        errors = self.reference_errors(clean["connectionid"], None)
        same = self.store.all("customer", connectionid=clean["connectionid"], externalid=clean["externalid"])
        if clean.get("externalid") is not None and any(r["id"] != exclude for r in same):
            errors.append(error("duplicate", "externalid", "A customer with this externalid exists"))
        return errors

    def create_customer(self, *, query: dict[str, str], data: dict[str, Any]) -> Response:
        clean, errors = check_fields(data, CUSTOMER_FIELDS, CUSTOMER_REQUIRED, "", update=False)
        if not errors:
            errors = self._customer_errors(clean, None)
        if errors:
            return 422, {"errors": errors}
        self.ensure_references(clean["connectionid"], None, "")
        row = self.store.insert(
            "customer",
            {
                **clean,
                "acceptsMarketing": clean["acceptsMarketing"] or "0",
                "totalRevenue": "0",
                "totalOrders": "0",
                "tstamp": now(),
            },
        )
        self._account_row(clean["email"])
        return 201, {"ecomCustomer": self.shaper.customer(row)}

    def update_customer(self, record_id: str, *, query: dict[str, str], data: dict[str, Any]) -> Response:
        existing = self.store.get("customer", record_id)
        if existing is None:
            return not_found("EcomCustomer", record_id)
        clean, errors = check_fields(data, CUSTOMER_FIELDS, (), "", update=True)
        merged = {**existing, **clean, "tstamp": now()}
        if not errors and ("connectionid" in clean or "externalid" in clean):
            errors = self._customer_errors(merged, record_id)
        if errors:
            return 422, {"errors": errors}
        self.ensure_references(merged["connectionid"], None, "")
        row = self.store.update("customer", record_id, merged)
        if merged.get("email"):
            self._account_row(merged["email"])
        return 200, {"ecomCustomer": self.shaper.customer(row)}

    def delete(self, kind: str, label: str, record_id: str, *, query: dict[str, str], data: Any) -> Response:
        """DELETE a connection or customer: 200 ``{}``; what refers to it stays, as a dangling id."""
        return (200, {}) if self.store.delete(kind, record_id) else not_found(label, record_id)

    def _account_row(self, email: str) -> None:
        if self.config().documented and email:
            self.store.add_account_customer(email, tstamp=now())

    # -- references: strict (422) or lenient (created on first use) ---------------------------

    def reference_errors(self, connectionid: str, customerid: str | None) -> Errors:
        if not self.config().strict:
            return []
        errors = []
        if self.store.get("connection", connectionid) is None:
            errors.append(error("field_invalid", "connectionid", f"No connection with id {connectionid}"))
        customer = None if customerid is None else self.store.get("customer", customerid)
        if customerid is not None and (customer is None or customer.get("connectionid") != connectionid):
            title = f"No customer {customerid} in connection {connectionid}"
            errors.append(error("field_invalid", "customerid", title))
        return errors

    def ensure_references(self, connectionid: str, customerid: str | None, email: str) -> None:
        """Lenient mode: create the unknown connection / ecomCustomer with exactly the id that was used."""
        stamp = now()
        if connectionid != "0" and self.store.get("connection", connectionid) is None:
            self.store.insert(
                "connection",
                {
                    "service": "sandbox",
                    "externalid": f"auto-{connectionid}",
                    "name": f"Sandbox {connectionid}",
                    "logoUrl": None,
                    "linkUrl": None,
                    "status": "1",
                    "syncStatus": "0",
                    "isInternal": "0",
                    "createdDate": stamp,
                    "updatedDate": stamp,
                },
                record_id=connectionid,
            )
        if customerid is not None and self.store.get("customer", customerid) is None:
            self.store.insert(
                "customer",
                {
                    "connectionid": connectionid,
                    "externalid": None,
                    "email": email,
                    "acceptsMarketing": "0",
                    "totalRevenue": "0",
                    "totalOrders": "0",
                    "tstamp": stamp,
                },
                record_id=customerid,
            )
            self._account_row(email)
