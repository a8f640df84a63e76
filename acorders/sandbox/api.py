"""The sandbox's routes as plain functions: (method, path, query, parsed body) -> (status, JSON body).

No HTTP here, so the behaviour that mirrors ActiveCampaign (validation, string numbers, lower-cased
currency, cart states, duplicates) can be read and tested on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .store import Record, Store

Response = tuple[int, dict[str, Any]]
INT32_MAX = 2**31 - 1
CART, COMPLETED, RECOVERED = "2", "1", "3"


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


# field -> kind; kinds: str, int (non-negative int32 as int or digit string), flag (0/1), email, currency, date
ORDER_FIELDS: dict[str, str] = {
    "externalid": "str", "externalcheckoutid": "str", "source": "flag", "email": "email",
    "totalPrice": "int", "shippingAmount": "int", "taxAmount": "int", "discountAmount": "int",
    "currency": "currency", "connectionid": "int", "customerid": "int", "externalCreatedDate": "date",
    "externalUpdatedDate": "date", "abandonedDate": "date", "orderUrl": "str", "shippingMethod": "str",
    "orderNumber": "str",
}
ORDER_REQUIRED = ("email", "totalPrice", "currency", "connectionid", "customerid", "externalCreatedDate")
PRODUCT_FIELDS: dict[str, str] = {
    "externalid": "str", "name": "str", "price": "int", "quantity": "int", "category": "str",
    "sku": "str", "description": "str", "imageUrl": "str", "productUrl": "str",
}
PRODUCT_REQUIRED = ("externalid", "name", "price", "quantity")
DISCOUNT_FIELDS: dict[str, str] = {"name": "str", "type": "discount_type", "discountAmount": "int"}
DISCOUNT_REQUIRED = ("name", "type", "discountAmount")
CUSTOMER_FIELDS: dict[str, str] = {"connectionid": "int", "externalid": "str", "email": "email",
                                   "acceptsMarketing": "flag"}
CUSTOMER_REQUIRED = ("connectionid", "externalid", "email")
CONNECTION_FIELDS: dict[str, str] = {"service": "str", "externalid": "str", "name": "str", "logoUrl": "str",
                                     "linkUrl": "str"}
CONNECTION_REQUIRED = ("service", "externalid", "name")
ORDER_FILTERS = ("connectionid", "externalid", "externalcheckoutid", "email", "customerid", "state")


def error(code: str, field: str, title: str) -> dict[str, Any]:
    """One entry of a 422 ``errors`` list, shaped like the real API's."""
    return {"title": title, "detail": "", "code": code, "source": {"pointer": f"/data/attributes/{field}"}}


def unprocessable(errors: list[dict[str, Any]]) -> Response:
    return 422, {"errors": errors}


def not_found(kind: str, record_id: str) -> Response:
    return 404, {"message": f"No Result found for {kind} with id {record_id}"}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _convert(kind: str, value: Any) -> str | None:
    """The stored (string) form of a field value, or None when it is invalid for its kind."""
    if isinstance(value, bool) or isinstance(value, (dict, list, float)):
        return None
    text = str(value).strip()
    if kind == "str":
        return value if isinstance(value, str) else text
    if kind in ("int", "flag"):
        if not text.isdigit() or int(text) > INT32_MAX or (kind == "flag" and int(text) > 1):
            return None
        return str(int(text))
    if kind == "email":
        return text if re.fullmatch(r"[^@\s]+@[^@\s]+", text) else None
    if kind == "currency":
        return text.lower() if re.fullmatch(r"[A-Za-z]{3}", text) else None
    if kind == "discount_type":
        return text if text in ("order", "shipping") else None
    if kind == "date":
        try:
            datetime.fromisoformat(text)
        except ValueError:
            return None
        return text
    raise ValueError(kind)


def check_fields(
    data: dict[str, Any], fields: dict[str, str], required: tuple[str, ...], prefix: str, partial: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validate and normalise known fields (unknown ones are dropped, as the real API ignores them)."""
    out: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for field, kind in fields.items():
        if field not in data and partial:
            continue
        value = data.get(field)
        if _missing(value):
            if field in required:
                errors.append(error("field_missing", prefix + field, f"The {field} field is required"))
            else:
                out[field] = None
            continue
        converted = _convert(kind, value)
        if converted is None:
            errors.append(error("field_invalid", prefix + field, f"The {field} field is invalid"))
        else:
            out[field] = converted
    return out, errors


def check_items(
    data: dict[str, Any], key: str, fields: dict[str, str], required: tuple[str, ...]
) -> tuple[list[dict[str, Any]] | None, list[dict[str, Any]]]:
    """Validate ``orderProducts``/``orderDiscounts``; None means the key was not given."""
    items = data.get(key)
    if items is None:
        return None, []
    if not isinstance(items, list):
        return None, [error("field_invalid", key, f"The {key} field must be an array")]
    out: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append(error("field_invalid", f"{key}/{i}", f"{key}[{i}] must be an object"))
            continue
        clean, errs = check_fields(item, fields, required, f"{key}/{i}/", partial=False)
        out.append(clean)
        errors.extend(errs)
    return out, errors


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _paging(query: dict[str, str]) -> tuple[int, int]:
    """``limit`` (default 20, clamped to 100) and zero-based ``offset``."""
    limit_text, offset_text = query.get("limit", ""), query.get("offset", "")
    limit = int(limit_text) if limit_text.isdigit() and int(limit_text) > 0 else 20
    offset = int(offset_text) if offset_text.isdigit() else 0
    return min(limit, 100), offset


def _filters(query: dict[str, str], allowed: tuple[str, ...]) -> dict[str, str | None]:
    """``filters[field]=value`` for the fields the endpoint knows; others are ignored, as by the real API."""
    out: dict[str, str | None] = {}
    for key, value in query.items():
        m = re.fullmatch(r"filters\[(\w+)\]", key)
        if m and m.group(1) in allowed:
            out[m.group(1)] = value
    return out


def _wrapped(body: Any, key: str) -> dict[str, Any] | None:
    if isinstance(body, dict) and isinstance(body.get(key), dict):
        return body[key]
    return None


class Api:
    """Routes over a Store; ``config`` is a callable so knobs changed while running take effect."""

    def __init__(self, store: Store, config: Callable[[], SandboxConfig]) -> None:
        self.store = store
        self.config = config
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Response]]] = [
            (m, re.compile(rf"/api/3/{p}/?"), f)
            for m, p, f in [
                ("GET", r"users/me", self.user_me),
                ("GET", r"ecomOrders", self.list_orders),
                ("POST", r"ecomOrders", self.create_order),
                ("GET", r"ecomOrders/(\w+)", self.get_order),
                ("PUT", r"ecomOrders/(\w+)", self.update_order),
                ("DELETE", r"ecomOrders/(\w+)", self.delete_order),
                ("GET", r"ecomCustomers", self.list_customers),
                ("POST", r"ecomCustomers", self.create_customer),
                ("GET", r"ecomCustomers/(\w+)", self.get_customer),
                ("GET", r"connections", self.list_connections),
                ("POST", r"connections", self.create_connection),
                ("GET", r"connections/(\w+)", self.get_connection),
            ]
        ]

    def handle(self, method: str, path: str, query: dict[str, str], body: Any) -> Response:
        """Dispatch one request atomically (the whole route runs in one store transaction)."""
        for route_method, pattern, func in self.routes:
            m = pattern.fullmatch(path)
            if m and route_method == method:
                with self.store.transaction():
                    return func(*m.groups(), query=query, body=body)
        return 404, {"message": "No Result found for route"}

    # -- users, connections, customers --------------------------------------------------------

    def user_me(self, *, query: dict[str, str], body: Any) -> Response:
        return 200, {"user": {"id": "1", "username": "sandbox", "email": "sandbox@example.com"}}

    def _list(self, kind: str, key: str, query: dict[str, str], allowed: tuple[str, ...]) -> Response:
        limit, offset = _paging(query)
        descending = query.get("orders[id]", "").upper() == "DESC"
        rows, total = self.store.find(kind, _filters(query, allowed), limit=limit, offset=offset,
                                      descending=descending)
        return 200, {key: rows, "meta": {"total": str(total)}}

    def list_connections(self, *, query: dict[str, str], body: Any) -> Response:
        return self._list("connection", "connections", query, ("service", "externalid"))

    def get_connection(self, record_id: str, *, query: dict[str, str], body: Any) -> Response:
        found = self.store.get("connection", record_id)
        return (200, {"connection": found}) if found else not_found("Connection", record_id)

    def create_connection(self, *, query: dict[str, str], body: Any) -> Response:
        data = _wrapped(body, "connection")
        if data is None:
            return 400, {}
        clean, errors = check_fields(data, CONNECTION_FIELDS, CONNECTION_REQUIRED, "", partial=False)
        if not errors and self.store.all("connection", service=clean["service"], externalid=clean["externalid"]):
            errors.append(error("duplicate", "externalid", "A connection with this service and externalid exists"))
        if errors:
            return unprocessable(errors)
        now = _now()
        row = self.store.insert("connection", {**clean, "status": "1", "syncStatus": "0", "isInternal": "0",
                                               "createdDate": now, "updatedDate": now})
        return 201, {"connection": row}

    def list_customers(self, *, query: dict[str, str], body: Any) -> Response:
        return self._list("customer", "ecomCustomers", query, ("email", "connectionid", "externalid"))

    def get_customer(self, record_id: str, *, query: dict[str, str], body: Any) -> Response:
        found = self.store.get("customer", record_id)
        return (200, {"ecomCustomer": found}) if found else not_found("EcomCustomer", record_id)

    def create_customer(self, *, query: dict[str, str], body: Any) -> Response:
        data = _wrapped(body, "ecomCustomer")
        if data is None:
            return 400, {}
        clean, errors = check_fields(data, CUSTOMER_FIELDS, CUSTOMER_REQUIRED, "", partial=False)
        if not errors:
            errors += self._connection_errors(clean["connectionid"])
            if self.store.all("customer", connectionid=clean["connectionid"], externalid=clean["externalid"]):
                errors.append(error("duplicate", "externalid", "A customer with this externalid exists"))
        if errors:
            return unprocessable(errors)
        self._ensure_connection(clean["connectionid"])
        clean["acceptsMarketing"] = clean["acceptsMarketing"] or "0"
        row = self.store.insert("customer", {**clean, "totalRevenue": "0", "totalOrders": "0"})
        return 201, {"ecomCustomer": row}

    # -- references: strict (422) or lenient (created on first use) ---------------------------

    def _connection_errors(self, connectionid: str) -> list[dict[str, Any]]:
        if self.config().strict and self.store.get("connection", connectionid) is None:
            return [error("field_invalid", "connectionid", f"No connection with id {connectionid}")]
        return []

    def _customer_errors(self, connectionid: str, customerid: str) -> list[dict[str, Any]]:
        customer = self.store.get("customer", customerid)
        if self.config().strict and (customer is None or customer.get("connectionid") != connectionid):
            return [error("field_invalid", "customerid", f"No customer {customerid} in connection {connectionid}")]
        return []

    def _ensure_connection(self, connectionid: str) -> None:
        if connectionid != "0" and self.store.get("connection", connectionid) is None:
            now = _now()
            self.store.insert("connection", {
                "service": "sandbox", "externalid": f"auto-{connectionid}", "name": f"Sandbox {connectionid}",
                "logoUrl": None, "linkUrl": None, "status": "1", "syncStatus": "0", "isInternal": "0",
                "createdDate": now, "updatedDate": now}, record_id=connectionid)

    def _ensure_customer(self, order: Record) -> None:
        if self.store.get("customer", order["customerid"]) is None:
            self.store.insert("customer", {
                "connectionid": order["connectionid"], "externalid": None, "email": order["email"],
                "acceptsMarketing": "0", "totalRevenue": "0", "totalOrders": "0"}, record_id=order["customerid"])

    # -- orders and carts ---------------------------------------------------------------------

    def _duplicate_errors(self, order: Record, exclude: str | None) -> list[dict[str, Any]]:
        if self.config().duplicates == "accept":
            return []
        field = "externalid" if order.get("externalid") else "externalcheckoutid"
        if not order.get(field):
            return []
        same = self.store.all("order", connectionid=order["connectionid"], **{field: order[field]})
        if any(r["id"] != exclude for r in same):
            return [error("duplicate", field, f"Duplicate {field}: an ecomOrder with {field} "
                                              f"{order[field]} already exists for this connection")]
        return []

    def _order_response(self, order: Record) -> dict[str, Any]:
        return {
            "connections": [c for c in [self.store.get("connection", order["connectionid"])] if c],
            "ecomOrderProducts": self.store.all("product", orderid=order["id"]),
            "ecomOrderDiscounts": self.store.all("discount", orderid=order["id"]),
            "ecomOrder": order,
        }

    def _save_items(self, order_id: str, products: list[Record] | None, discounts: list[Record] | None) -> None:
        for kind, items in (("product", products), ("discount", discounts)):
            if items is None:
                continue
            for old in self.store.all(kind, orderid=order_id):
                self.store.delete(kind, old["id"])
            for item in items:
                self.store.insert(kind, {"orderid": order_id, **item})

    def _validate_order(self, data: dict[str, Any], partial: bool) -> tuple[Record, list[Record] | None,
                                                                           list[Record] | None, list[Record]]:
        required = ORDER_REQUIRED
        if not partial and _missing(data.get("externalid")):
            required += ("externalcheckoutid", "abandonedDate")
        clean, errors = check_fields(data, ORDER_FIELDS, required, "", partial)
        products, errs = check_items(data, "orderProducts", PRODUCT_FIELDS, PRODUCT_REQUIRED)
        errors += errs
        discounts, errs = check_items(data, "orderDiscounts", DISCOUNT_FIELDS, DISCOUNT_REQUIRED)
        return clean, products, discounts, errors + errs

    def _commit_order(self, order: Record, exclude: str | None, keys_changed: bool = True) -> Response | None:
        """Reference and duplicate checks, then lenient auto-creation; a Response only when refused."""
        errors = self._connection_errors(order["connectionid"])
        errors += self._customer_errors(order["connectionid"], order["customerid"])
        if keys_changed:
            errors += self._duplicate_errors(order, exclude)
        if errors:
            return unprocessable(errors)
        self._ensure_connection(order["connectionid"])
        self._ensure_customer(order)
        return None

    def create_order(self, *, query: dict[str, str], body: Any) -> Response:
        data = _wrapped(body, "ecomOrder")
        if data is None:
            return 400, {}
        clean, products, discounts, errors = self._validate_order(data, partial=False)
        if errors:
            return unprocessable(errors)
        now = _now()
        order = {**clean, "state": COMPLETED if clean["externalid"] else CART, "createdDate": now, "updatedDate": now}
        refused = self._commit_order(order, exclude=None)
        if refused:
            return refused
        order = self.store.insert("order", order)
        self._save_items(order["id"], products or [], discounts or [])
        return 201, self._order_response(order)

    def get_order(self, record_id: str, *, query: dict[str, str], body: Any) -> Response:
        order = self.store.get("order", record_id)
        return (200, self._order_response(order)) if order else not_found("EcomOrder", record_id)

    def update_order(self, record_id: str, *, query: dict[str, str], body: Any) -> Response:
        existing = self.store.get("order", record_id)
        if existing is None:
            return not_found("EcomOrder", record_id)
        data = _wrapped(body, "ecomOrder")
        if data is None:
            return 400, {}
        clean, products, discounts, errors = self._validate_order(data, partial=True)
        if errors:
            return unprocessable(errors)
        order = {**existing, **clean, "updatedDate": _now()}
        if existing["state"] == CART and order.get("externalid"):
            order["state"] = RECOVERED
        changed = any(k in clean for k in ("externalid", "externalcheckoutid", "connectionid"))
        refused = self._commit_order(order, exclude=record_id, keys_changed=changed)
        if refused:
            return refused
        order = self.store.update("order", record_id, order)
        self._save_items(record_id, products, discounts)
        return 200, self._order_response(order)

    def delete_order(self, record_id: str, *, query: dict[str, str], body: Any) -> Response:
        if not self.store.delete("order", record_id):
            return not_found("EcomOrder", record_id)
        self._save_items(record_id, [], [])
        return 200, {}

    def list_orders(self, *, query: dict[str, str], body: Any) -> Response:
        return self._list("order", "ecomOrders", query, ORDER_FILTERS)
