"""The sandbox's routes as plain functions: (method, path, query, parsed body) -> (status, JSON body).

No HTTP here, so the behaviour that mirrors ActiveCampaign (validation, string numbers, lower-cased
currency, cart states, duplicates) can be read and tested on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from typing import Any

from .fields import (
    CONNECTION_FIELDS,
    CONNECTION_REQUIRED,
    CUSTOMER_FIELDS,
    CUSTOMER_REQUIRED,
    DISCOUNT_FIELDS,
    DISCOUNT_REQUIRED,
    ORDER_FIELDS,
    ORDER_FILTERS,
    ORDER_REQUIRED,
    PRODUCT_FIELDS,
    PRODUCT_REQUIRED,
    check_fields,
    check_items,
    error,
    missing,
)
from .store import Record, Store

Response = tuple[int, dict[str, Any]]
CART, COMPLETED, RECOVERED = "2", "1", "3"


def not_found(kind: str, record_id: str) -> Response:
    return 404, {"message": f"No Result found for {kind} with id {record_id}"}


@dataclass
class SandboxConfig:
    """Knobs of the sandbox; may be changed while it runs (tests flip them)."""

    api_key: str = "sandbox"
    rate: float = 5.0  # requests/second (token bucket of max(1, rate) tokens); 0 disables
    latency: float = 0.0  # seconds added to every response
    strict: bool = False  # unknown connectionid/customerid: 422 (True) or created on first use (False)
    duplicates: str = "reject"  # "reject": 422 code "duplicate"; "accept": silently store another record
    fail_rate: float = 0.0  # probability of a 503 (HTML) instead of handling
    drop_after_commit: float = 0.0  # probability a POST/PUT is committed and the connection closed unanswered
    seed: int | None = None  # for the random knobs


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _paging(query: dict[str, str]) -> tuple[int, int]:
    """``limit`` (default 20, clamped to 100) and zero-based ``offset``."""
    limit_text, offset_text = query.get("limit", ""), query.get("offset", "")
    limit = int(limit_text) if limit_text.isascii() and limit_text.isdigit() and int(limit_text) > 0 else 20
    offset = int(offset_text) if offset_text.isascii() and offset_text.isdigit() else 0
    return min(limit, 100), offset


def _filters(query: dict[str, str], allowed: tuple[str, ...]) -> dict[str, str | None]:
    """``filters[field]=value`` for the fields the endpoint knows; others are ignored, as by the real API."""
    out: dict[str, str | None] = {}
    for key, value in query.items():
        m = re.fullmatch(r"filters\[(\w+)\]", key)
        if m and m.group(1) in allowed:
            out[m.group(1)] = value
    return out


class Api:
    """Routes over a Store; ``config`` is a callable so knobs changed while running take effect."""

    def __init__(self, store: Store, config: Callable[[], SandboxConfig]) -> None:
        self.store = store
        self.config = config
        lists = {
            "connection": ("connections", ("service", "externalid")),
            "customer": ("ecomCustomers", ("email", "connectionid", "externalid")),
            "order": ("ecomOrders", ORDER_FILTERS),
        }
        # (method, path pattern, key wrapping the request body or None, function)
        table: list[tuple[str, str, str | None, Callable[..., Response]]] = [
            ("GET", r"users/me", None, self.user_me),
            ("POST", r"ecomOrders", "ecomOrder", self.create_order),
            ("GET", r"ecomOrders/(\w+)", None, self.get_order),
            ("PUT", r"ecomOrders/(\w+)", "ecomOrder", self.update_order),
            ("DELETE", r"ecomOrders/(\w+)", None, self.delete_order),
            ("POST", r"ecomCustomers", "ecomCustomer", self.create_customer),
            (
                "GET",
                r"ecomCustomers/(\w+)",
                None,
                partial(self._get, "customer", "ecomCustomer", "EcomCustomer"),
            ),
            ("POST", r"connections", "connection", self.create_connection),
            ("GET", r"connections/(\w+)", None, partial(self._get, "connection", "connection", "Connection")),
            *[
                ("GET", path, None, partial(self._list, kind, path, allowed))
                for kind, (path, allowed) in lists.items()
            ],
        ]
        self.routes = [(m, re.compile(rf"/api/3/{p}/?"), key, f) for m, p, key, f in table]

    def handle(self, method: str, path: str, query: dict[str, str], body: Any) -> Response:
        """Dispatch one request atomically (the whole route runs in one store transaction).

        Routes with a body get the object under its key; a body that is not ``{key: {...}}`` gets 400
        ``{}``."""
        for route_method, pattern, key, func in self.routes:
            m = pattern.fullmatch(path)
            if m and route_method == method:
                if key is not None:
                    if not (isinstance(body, dict) and isinstance(body.get(key), dict)):
                        return 400, {}
                    body = body[key]
                with self.store.transaction():
                    return func(*m.groups(), query=query, data=body)
        return 404, {"message": "No Result found for route"}

    # -- users, connections, customers --------------------------------------------------------

    def user_me(self, *, query: dict[str, str], data: Any) -> Response:
        return 200, {"user": {"id": "1", "username": "sandbox", "email": "sandbox@example.com"}}

    def _list(
        self, kind: str, key: str, allowed: tuple[str, ...], *, query: dict[str, str], data: Any
    ) -> Response:
        limit, offset = _paging(query)
        descending = query.get("orders[id]", "").upper() == "DESC"
        rows, total = self.store.find(
            kind, _filters(query, allowed), limit=limit, offset=offset, descending=descending
        )
        return 200, {key: rows, "meta": {"total": str(total)}}

    def _get(
        self, kind: str, key: str, label: str, record_id: str, *, query: dict[str, str], data: Any
    ) -> Response:
        found = self.store.get(kind, record_id)
        return (200, {key: found}) if found else not_found(label, record_id)

    def create_connection(self, *, query: dict[str, str], data: dict[str, Any]) -> Response:
        clean, errors = check_fields(data, CONNECTION_FIELDS, CONNECTION_REQUIRED, "", update=False)
        if not errors and self.store.all(
            "connection", service=clean["service"], externalid=clean["externalid"]
        ):
            errors.append(
                error("duplicate", "externalid", "A connection with this service and externalid exists")
            )
        if errors:
            return 422, {"errors": errors}
        now = _now()
        row = self.store.insert(
            "connection",
            {
                **clean,
                "status": "1",
                "syncStatus": "0",
                "isInternal": "0",
                "createdDate": now,
                "updatedDate": now,
            },
        )
        return 201, {"connection": row}

    def create_customer(self, *, query: dict[str, str], data: dict[str, Any]) -> Response:
        clean, errors = check_fields(data, CUSTOMER_FIELDS, CUSTOMER_REQUIRED, "", update=False)
        if not errors:
            errors += self._reference_errors(clean["connectionid"], None)
            if self.store.all("customer", connectionid=clean["connectionid"], externalid=clean["externalid"]):
                errors.append(error("duplicate", "externalid", "A customer with this externalid exists"))
        if errors:
            return 422, {"errors": errors}
        self._ensure_references(clean["connectionid"], None, "")
        row = self.store.insert(
            "customer",
            {
                **clean,
                "acceptsMarketing": clean["acceptsMarketing"] or "0",
                "totalRevenue": "0",
                "totalOrders": "0",
            },
        )
        return 201, {"ecomCustomer": row}

    # -- references: strict (422) or lenient (created on first use) ---------------------------

    def _reference_errors(self, connectionid: str, customerid: str | None) -> list[dict[str, Any]]:
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

    def _ensure_references(self, connectionid: str, customerid: str | None, email: str) -> None:
        """Lenient mode: create the unknown connection / ecomCustomer with exactly the id that was used."""
        now = _now()
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
                    "createdDate": now,
                    "updatedDate": now,
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
                },
                record_id=customerid,
            )

    # -- orders and carts ---------------------------------------------------------------------

    def _duplicate_errors(self, order: Record, exclude: str | None) -> list[dict[str, Any]]:
        """An order is keyed by (connectionid, externalid), a cart by (connectionid, externalcheckoutid)."""
        if self.config().duplicates == "accept":
            return []
        field = "externalid" if order.get("externalid") else "externalcheckoutid"
        if not order.get(field):
            return []
        same = self.store.all("order", connectionid=order["connectionid"], **{field: order[field]})
        if any(r["id"] != exclude for r in same):
            return [
                error(
                    "duplicate",
                    field,
                    f"Duplicate {field}: an ecomOrder with {field} "
                    f"{order[field]} already exists for this connection",
                )
            ]
        return []

    def _order_response(self, order: Record) -> dict[str, Any]:
        return {
            "connections": [c for c in [self.store.get("connection", order["connectionid"])] if c],
            "ecomOrderProducts": self.store.all("product", orderid=order["id"]),
            "ecomOrderDiscounts": self.store.all("discount", orderid=order["id"]),
            "ecomOrder": order,
        }

    def _save_items(
        self, order_id: str, products: list[Record] | None, discounts: list[Record] | None
    ) -> None:
        """Replace the order's products/discounts wholesale (a None list is left alone)."""
        for kind, items in (("product", products), ("discount", discounts)):
            if items is None:
                continue
            for old in self.store.all(kind, orderid=order_id):
                self.store.delete(kind, old["id"])
            for item in items:
                self.store.insert(kind, {"orderid": order_id, **item})

    def _save_order(self, data: dict[str, Any], existing: Record | None) -> Response:
        """Create (``existing`` None) or partially update an order: validate, check, commit."""
        required: tuple[str, ...] = ORDER_REQUIRED
        if existing is None and missing(data.get("externalid")):
            required += ("externalcheckoutid", "abandonedDate")
        clean, errors = check_fields(data, ORDER_FIELDS, required, "", update=existing is not None)
        products, errs = check_items(data, "orderProducts", PRODUCT_FIELDS, PRODUCT_REQUIRED)
        discounts, errs2 = check_items(data, "orderDiscounts", DISCOUNT_FIELDS, DISCOUNT_REQUIRED)
        if errors or errs or errs2:
            return 422, {"errors": errors + errs + errs2}
        now = _now()
        if existing is None:
            order = {**clean, "state": COMPLETED if clean["externalid"] else CART, "createdDate": now}
        else:
            order = {**existing, **clean}
            if existing["state"] == CART and order.get("externalid"):
                order["state"] = RECOVERED
        order["updatedDate"] = now
        errors = self._reference_errors(order["connectionid"], order["customerid"])
        if existing is None or any(k in clean for k in ("externalid", "externalcheckoutid", "connectionid")):
            errors += self._duplicate_errors(order, None if existing is None else existing["id"])
        if errors:
            return 422, {"errors": errors}
        self._ensure_references(order["connectionid"], order["customerid"], order["email"])
        if existing is None:
            order = self.store.insert("order", order)
            self._save_items(order["id"], products or [], discounts or [])
            return 201, self._order_response(order)
        order = self.store.update("order", existing["id"], order)
        self._save_items(order["id"], products, discounts)
        return 200, self._order_response(order)

    def create_order(self, *, query: dict[str, str], data: dict[str, Any]) -> Response:
        return self._save_order(data, None)

    def get_order(self, record_id: str, *, query: dict[str, str], data: Any) -> Response:
        order = self.store.get("order", record_id)
        return (200, self._order_response(order)) if order else not_found("EcomOrder", record_id)

    def update_order(self, record_id: str, *, query: dict[str, str], data: dict[str, Any]) -> Response:
        existing = self.store.get("order", record_id)
        return self._save_order(data, existing) if existing else not_found("EcomOrder", record_id)

    def delete_order(self, record_id: str, *, query: dict[str, str], data: Any) -> Response:
        if not self.store.delete("order", record_id):
            return not_found("EcomOrder", record_id)
        self._save_items(record_id, [], [])
        return 200, {}
