"""Checks beyond the schema: each is behind a real complaint about existing integrations.

They are warnings (``--strict`` makes them errors): the API accepts such a cart, but it is probably not
what the shop meant. Every check reads only fields the schema already typed, and skips what it cannot know.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from acorders.models import Finding, Origin, Severity


def order_warnings(
    order: Mapping[str, Any], prefix: str, fields: Mapping[str, Mapping[str, str]], now: datetime
) -> list[Finding]:
    out = _unknown_fields(order, prefix, fields["order"])
    for key, kind in (("orderProducts", "orderProduct"), ("orderDiscounts", "orderDiscount")):
        items = order.get(key)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    out += _unknown_fields(item, _join(prefix, f"{key}[{i}]"), fields[kind])
    out += _total_mismatch(order, prefix)
    out += _dates(order, prefix, now)
    if is_cart(order) and order.get("source") in (0, "0"):
        out.append(
            _warn(
                prefix,
                "source",
                "a cart with source 0 (historical) does not start the 'Abandons cart' automation; "
                "send source 1 for real-time carts",
            )
        )
    return out


def envelope_warnings(data: Mapping[str, Any]) -> list[Finding]:
    if "ecomOrder" not in data:
        return []
    return [
        Finding(key, f"unknown top-level field {key!r}: the envelope holds only ecomOrder", Severity.WARNING)
        for key in data
        if key != "ecomOrder"
    ]


def is_cart(order: Mapping[str, Any]) -> bool:
    """A cart has a checkout id and no order id; the API then needs abandonedDate."""
    return order.get("externalid") in (None, "") and order.get("externalcheckoutid") not in (None, "")


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _warn(prefix: str, name: str, message: str) -> Finding:
    return Finding(_join(prefix, name), message, Severity.WARNING)


def _unknown_fields(obj: Mapping[str, Any], prefix: str, known: Mapping[str, str]) -> list[Finding]:
    out = []
    for name in obj:
        if name not in known:
            nearest = nearest_field(name, known)
            hint = f"; did you mean {nearest!r}?" if nearest else " (the API ignores it)"
            out.append(_warn(prefix, name, f"unknown field {name!r}{hint}"))
    return out


def nearest_field(name: str, known: Any) -> str | None:
    """``abandoned_date`` -> ``abandonedDate``: same letters ignoring case and separators, else a close spelling."""
    squash = {k.lower().replace("_", "").replace("-", ""): k for k in known}
    exact = squash.get(name.lower().replace("_", "").replace("-", "").replace(" ", ""))
    if exact:
        return exact
    close = difflib.get_close_matches(name.lower(), list(squash), n=1, cutoff=0.75)
    return squash[close[0]] if close else None


def as_int(value: Any) -> int | None:
    """The API's int32 fields come as numbers or digit strings; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and value.isascii():
        return int(value)
    return None


def _total_mismatch(order: Mapping[str, Any], prefix: str) -> list[Finding]:
    """totalPrice must include products, shipping and tax, less discounts; checked when all are given."""
    total = as_int(order.get("totalPrice"))
    parts = {k: as_int(order.get(k)) for k in ("shippingAmount", "taxAmount", "discountAmount")}
    products = order.get("orderProducts")
    if total is None or any(v is None for v in parts.values()) or not isinstance(products, list) or not products:
        return []
    subtotal = 0
    for item in products:
        if not isinstance(item, dict):
            return []
        price, quantity = as_int(item.get("price")), as_int(item.get("quantity"))
        if price is None or quantity is None:
            return []
        subtotal += price * quantity
    expected = subtotal + parts["shippingAmount"] + parts["taxAmount"] - parts["discountAmount"]  # type: ignore[operator]
    if expected == total:
        return []
    return [
        _warn(
            prefix,
            "totalPrice",
            f"totalPrice {total} differs from products {subtotal} + shipping {parts['shippingAmount']} "
            f"+ tax {parts['taxAmount']} - discount {parts['discountAmount']} = {expected} (all in cents)",
        )
    ]


def parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text.replace("t", "T", 1))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _dates(order: Mapping[str, Any], prefix: str, now: datetime) -> list[Finding]:
    abandoned = parse_datetime(order.get("abandonedDate"))
    if abandoned is None:
        return []
    out = []
    if abandoned > now:
        out.append(_warn(prefix, "abandonedDate", "abandonedDate is in the future; the API wants a past date"))
    created = parse_datetime(order.get("externalCreatedDate"))
    if created is not None and abandoned < created:
        out.append(
            _warn(prefix, "abandonedDate", "abandonedDate is before externalCreatedDate: a cart is abandoned after it is created")
        )
    return out


class BatchIds:
    """The same cart (or order) twice in one batch with different content: which one is meant?

    Carts are keyed by externalcheckoutid and orders by externalid, per connection, so a cart and the
    order it became may share a batch. Only a 64-bit hash of each key and content is kept, so a stream of
    millions of documents stays small in memory."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[int, Origin]] = {}

    def check(self, order: Mapping[str, Any], origin: Origin, prefix: str) -> list[Finding]:
        key = batch_key(order)
        if key is None:
            return []
        content = hash(json.dumps(order, sort_keys=True, default=str))
        khash = hash(key)
        first = self._seen.get(khash)
        if first is None:
            self._seen[khash] = (content, origin)
            return []
        if first[0] == content:
            return []
        field, value = key[1], key[2]
        return [
            _warn(
                prefix,
                field,
                f"{field} {value!r} is also at {first[1]} with different content; both would be sent and the last one wins",
            )
        ]


def batch_key(order: Mapping[str, Any]) -> tuple[str, str, str] | None:
    connection = str(order.get("connectionid", ""))
    if order.get("externalid") not in (None, ""):
        return (connection, "externalid", str(order["externalid"]))
    if order.get("externalcheckoutid") not in (None, ""):
        return (connection, "externalcheckoutid", str(order["externalcheckoutid"]))
    return None
