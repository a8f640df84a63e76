"""The sandbox's routes as plain functions: (method, path, query, parsed body) -> (status, JSON body).

No HTTP here, so the behaviour that mirrors ActiveCampaign (validation, string numbers, lower-cased
currency, cart states, duplicates, the document's record shapes) can be read and tested on its own.
Connections and customers live in ``accounts``, list paging and sorts in ``listing``, the answered shapes
in ``records``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from .accounts import Accounts, not_found, now
from .fields import (
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
from .knobs import SandboxConfig
from .listing import ORDER_DATE_FILTERS, ORDER_SORTS, page
from .records import Shaper, account_zone
from .store import Record, Store

__all__ = ["Api", "Response", "SandboxConfig"]

Response = tuple[int, dict[str, Any]]
CART, COMPLETED, RECOVERED = "2", "1", "3"
_CUSTOMER = ("email", "connectionid", "externalid")  # the documented list filters
_CONNECTION = ("service", "externalid")
USER = {
    "username": "sandbox",
    "firstName": "Sandbox",
    "lastName": "User",
    "email": "sandbox@example.com",
    "phone": "",
    "signature": None,
    "id": "1",
}


class Api:
    """Routes over a Store; ``config`` is a callable so knobs changed while running take effect."""

    def __init__(self, store: Store, config: Callable[[], SandboxConfig]) -> None:
        self.store = store
        self.config = config
        self.shaper = Shaper(store, config)
        self.accounts = Accounts(store, config, self.shaper)
        self.routes = [
            (m, re.compile(rf"/api/3/{p}/?" if p else r"/api/3/?"), key, f) for m, p, key, f in self._table()
        ]

    @property
    def base_url(self) -> str:
        """What ``links`` start with: the sandbox's URL once it listens ("" gives /api/3/... paths)."""
        return self.shaper.base_url

    @base_url.setter
    def base_url(self, value: str) -> None:
        self.shaper.base_url = value

    def _table(self) -> list[tuple[str, str, str | None, Callable[..., Response]]]:
        """(method, path pattern, key wrapping the request body or None, function)."""
        acc = self.accounts
        return [
            ("GET", r"", None, lambda *, query, data: (200, {})),  # clients check URL and key here
            ("GET", r"users/me", None, self.user_me),
            ("GET", r"ecomOrders", None, self.list_orders),
            ("POST", r"ecomOrders", "ecomOrder", self.create_order),
            ("GET", r"ecomOrders/(\w+)", None, self.get_order),
            ("PUT", r"ecomOrders/(\w+)", "ecomOrder", self.update_order),
            ("DELETE", r"ecomOrders/(\w+)", None, self.delete_order),
            ("GET", r"ecomOrders/(\w+)/orderProducts", None, self.order_products),
            ("GET", r"ecomOrderProducts", None, partial(self._list, "product", "ecomOrderProducts", ())),
            ("GET", r"ecomOrderProducts/(\w+)", None, partial(self._get, "product", "EcomOrderProduct")),
            ("GET", r"ecomCustomers", None, partial(self._list, "customer", "ecomCustomers", _CUSTOMER)),
            ("POST", r"ecomCustomers", "ecomCustomer", acc.create_customer),
            ("GET", r"ecomCustomers/(\w+)", None, partial(self._get, "customer", "EcomCustomer")),
            ("PUT", r"ecomCustomers/(\w+)", "ecomCustomer", acc.update_customer),
            ("DELETE", r"ecomCustomers/(\w+)", None, partial(acc.delete, "customer", "EcomCustomer")),
            ("GET", r"connections", None, partial(self._list, "connection", "connections", _CONNECTION)),
            ("POST", r"connections", "connection", acc.create_connection),
            ("GET", r"connections/(\w+)", None, partial(self._get, "connection", "Connection")),
            ("PUT", r"connections/(\w+)", "connection", acc.update_connection),
            ("DELETE", r"connections/(\w+)", None, partial(acc.delete, "connection", "Connection")),
        ]

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

    # -- users, lists, single records ---------------------------------------------------------

    def user_me(self, *, query: dict[str, str], data: Any) -> Response:
        links = {
            k: f"{self.base_url}/api/3/users/1/{k}"
            for k in ("lists", "userGroup", "dealGroupTotals", "dealGroupUsers", "configs")
        }
        return 200, {"user": {**USER, "links": links}}

    def _shape(self, kind: str, row: Record) -> Record:
        shapes: dict[str, Callable[[Record], Record]] = {
            "order": self.shaper.order,
            "product": self.shaper.product,
            "customer": self.shaper.customer,
            "connection": self.shaper.connection,
        }
        return shapes[kind](row)

    def _list(
        self, kind: str, key: str, allowed: tuple[str, ...], *, query: dict[str, str], data: Any
    ) -> Response:
        rows, total = page(self.store, kind, query, allowed=allowed)
        return 200, {key: [self._shape(kind, r) for r in rows], "meta": {"total": str(total)}}

    def _get(self, kind: str, label: str, record_id: str, *, query: dict[str, str], data: Any) -> Response:
        found = self.store.get(kind, record_id)
        key = label[0].lower() + label[1:]
        return (200, {key: self._shape(kind, found)}) if found else not_found(label, record_id)

    def list_orders(self, *, query: dict[str, str], data: Any) -> Response:
        """GET /ecomOrders with the documented filters (external_created_date too) and orders[...] sorts."""
        config = self.config()
        rows, total = page(
            self.store,
            "order",
            query,
            allowed=ORDER_FILTERS,
            sortable=ORDER_SORTS,
            date_filters=ORDER_DATE_FILTERS,
            zone=account_zone(config.zone) if config.documented else None,
        )
        return 200, {"ecomOrders": [self.shaper.order(r) for r in rows], "meta": {"total": str(total)}}

    def order_products(self, record_id: str, *, query: dict[str, str], data: Any) -> Response:
        """GET /ecomOrders/{id}/orderProducts: the order's products, paged like any list."""
        order = self.store.get("order", record_id)
        if order is None:
            return not_found("EcomOrder", record_id)
        rows, total = page(
            self.store, "product", {**query, "filters[orderid]": order["id"]}, allowed=("orderid",)
        )
        products = [self.shaper.product(r, order.get("connectionid")) for r in rows]
        return 200, {"ecomOrderProducts": products, "meta": {"total": str(total)}}

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

    def _save_items(
        self, order_id: str, products: list[Record] | None, discounts: list[Record] | None
    ) -> None:
        """Replace the order's products/discounts wholesale (a None list is left alone)."""
        stamp = now()
        for kind, items in (("product", products), ("discount", discounts)):
            if items is None:
                continue
            for old in self.store.all(kind, orderid=order_id):
                self.store.delete(kind, old["id"])
            for item in items:
                self.store.insert(
                    kind, {"orderid": order_id, **item, "createdDate": stamp, "updatedDate": stamp}
                )

    def _strict_errors(self, data: dict[str, Any], errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """--strict: abandonedDate whenever externalcheckoutid is sent, as the document says (the default
        lets an order, or an update, carrying a checkout id through without it)."""
        if not self.config().strict or missing(data.get("externalcheckoutid")):
            return []
        if not missing(data.get("abandonedDate")) or any(
            e["source"]["pointer"] == "/data/attributes/abandonedDate" for e in errors
        ):
            return []
        return [
            error(
                "field_missing",
                "abandonedDate",
                "The abandonedDate field is required with externalcheckoutid",
            )
        ]

    def _save_order(self, data: dict[str, Any], existing: Record | None) -> Response:
        """Create (``existing`` None) or partially update an order: validate, check, commit."""
        required: tuple[str, ...] = ORDER_REQUIRED if existing is None else ()
        if existing is None and missing(data.get("externalid")):
            required += ("externalcheckoutid", "abandonedDate")
        clean, errors = check_fields(data, ORDER_FIELDS, required, "", update=existing is not None)
        errors += self._strict_errors(data, errors)
        products, errs = check_items(data, "orderProducts", PRODUCT_FIELDS, PRODUCT_REQUIRED)
        discounts, errs2 = check_items(data, "orderDiscounts", DISCOUNT_FIELDS, DISCOUNT_REQUIRED)
        if errors or errs or errs2:
            return 422, {"errors": errors + errs + errs2}
        stamp = now()
        if existing is None:
            order = {**clean, "state": COMPLETED if clean["externalid"] else CART, "createdDate": stamp}
        else:
            order = {**existing, **clean}
            if existing["state"] == CART and order.get("externalid"):
                order["state"] = RECOVERED
        order["updatedDate"] = stamp
        errors = self.accounts.reference_errors(order["connectionid"], order["customerid"])
        if existing is None or any(k in clean for k in ("externalid", "externalcheckoutid", "connectionid")):
            errors += self._duplicate_errors(order, None if existing is None else existing["id"])
        if errors:
            return 422, {"errors": errors}
        self.accounts.ensure_references(order["connectionid"], order["customerid"], order["email"])
        if existing is None:
            order = self.store.insert("order", order)
            self._save_items(order["id"], products or [], discounts or [])
            return 201, self.shaper.order_answer(order)
        order = self.store.update("order", existing["id"], order)
        self._save_items(order["id"], products, discounts)
        return 200, self.shaper.order_answer(order)

    def create_order(self, *, query: dict[str, str], data: dict[str, Any]) -> Response:
        return self._save_order(data, None)

    def get_order(self, record_id: str, *, query: dict[str, str], data: Any) -> Response:
        order = self.store.get("order", record_id)
        return (200, self.shaper.order_answer(order)) if order else not_found("EcomOrder", record_id)

    def update_order(self, record_id: str, *, query: dict[str, str], data: dict[str, Any]) -> Response:
        existing = self.store.get("order", record_id)
        return self._save_order(data, existing) if existing else not_found("EcomOrder", record_id)

    def delete_order(self, record_id: str, *, query: dict[str, str], data: Any) -> Response:
        if not self.store.delete("order", record_id):
            return not_found("EcomOrder", record_id)
        self._save_items(record_id, [], [])
        return 200, {}
