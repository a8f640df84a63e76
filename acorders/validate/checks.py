"""Checks beyond the schema: each is behind a real complaint about existing integrations.

They are warnings (``--strict`` makes them errors): the API accepts such a cart, but it is probably not
what the shop meant. Every check reads only fields the schema already typed, and skips what it cannot know.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from acorders.models import Finding, Severity, is_cart
from acorders.validate.messages import whole_decimal_message

INTEGER_REFS = frozenset({"cents", "int32", "id"})


def order_warnings(
    order: Mapping[str, Any],
    prefix: str,
    fields: Mapping[str, Mapping[str, str]],
    now: datetime,
    known_fields_only: bool = False,
) -> list[Finding]:
    """``known_fields_only``: the caller already knows every field is documented (schema.compiled_closed)."""
    out = _field_pass(order, prefix, fields, known_fields_only)
    out += _total_mismatch(order, prefix)
    out += _dates(order, prefix, now)
    if order.get("source") in (0, "0") and is_cart(order):
        out.append(
            _warn(
                prefix,
                "source",
                "a cart with source 0 (historical) does not start the 'Abandons cart' automation; "
                "send source 1 for real-time carts",
            )
        )
    return out


def _field_pass(
    order: Mapping[str, Any],
    prefix: str,
    fields: Mapping[str, Mapping[str, str]],
    known_fields_only: bool = False,
) -> list[Finding]:
    """One pass over the order, its products and discounts: unknown fields (warnings), and integers written
    as decimals such as 49.0, which JSON Schema counts as integers but are a dollars-for-cents smell in an
    amount and a sign of a float-typed column in an id or a count (errors).
    This runs for every cart of every batch: an object with nothing to report costs one C-level comparison
    of its keys with the known names and a lookup per integer field; paths are built only for findings."""
    out: list[Finding] = []
    shapes = _shapes(fields)
    for key, kind in _OBJECTS:
        names, integers = shapes[kind]
        items = (order,) if key is None else order.get(key)
        if not isinstance(items, (list, tuple)):
            continue
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            if known_fields_only or item.keys() <= names:
                for name in integers:
                    if item.get(name).__class__ is float:
                        break
                else:
                    continue  # nothing to report: the common case
            _object_findings(
                out, prefix if key is None else _join(prefix, f"{key}[{i}]"), fields[kind], integers, item
            )
    return out


_OBJECTS = ((None, "order"), ("orderProducts", "orderProduct"), ("orderDiscounts", "orderDiscount"))
Shapes = dict[str, tuple[frozenset[str], tuple[str, ...]]]
_SHAPES: list[
    tuple[Mapping[str, Mapping[str, str]], Shapes]
] = []  # the last field table seen, and its shapes


def _shapes(fields: Mapping[str, Mapping[str, str]]) -> Shapes:
    """For each object kind: its field names, and those holding integers (cents, counts, ids). Worked out
    once per field table (a run has one), not once per cart."""
    if _SHAPES and _SHAPES[0][0] is fields:
        return _SHAPES[0][1]
    shapes = {
        kind: (frozenset(known), tuple(n for n, ref in known.items() if ref in INTEGER_REFS))
        for kind, known in fields.items()
    }
    _SHAPES[:] = [(fields, shapes)]
    return shapes


def _object_findings(
    out: list[Finding], path: str, known: Mapping[str, str], integers: tuple[str, ...], obj: Mapping[str, Any]
) -> None:
    for name in [n for n in obj if n not in known]:  # in the document's order
        nearest = nearest_field(name, known)
        hint = f"; did you mean {nearest!r}?" if nearest else " (the API ignores it)"
        out.append(_warn(path, name, f"unknown field {name!r}{hint}"))
    for name in integers:
        value = obj.get(name)
        if value.__class__ is float and value.is_integer():
            out.append(Finding(_join(path, name), whole_decimal_message(known[name], value)))


ENVELOPE = ("ecomOrder", "ecomCustomer")  # what README documents; push reads both


def envelope_warnings(
    data: Mapping[str, Any],
    order: Mapping[str, Any],
    fields: Mapping[str, Mapping[str, str]],
    known_fields_only: bool = False,
) -> list[Finding]:
    """Members of the envelope other than ecomOrder and ecomCustomer (the API ignores them), and an
    ecomCustomer whose fields push would not use as the shop meant. ``known_fields_only``: the closed
    schema found no undocumented field, so only the ecomCustomer is looked at."""
    out = []
    if not known_fields_only:
        out = [
            Finding(
                key,
                f"unknown top-level field {key!r}: the envelope holds only ecomOrder and ecomCustomer",
                Severity.WARNING,
            )
            for key in data
            if key not in ENVELOPE
        ]
    customer = data.get("ecomCustomer")
    if isinstance(customer, dict):
        out += customer_warnings(customer, order, fields["customer"])
    return out


def customer_warnings(
    customer: Mapping[str, Any], order: Mapping[str, Any], known: Mapping[str, str]
) -> list[Finding]:
    """Unknown fields of the ecomCustomer, and a connectionid or email that is not the order's: push
    resolves the customer by the order's, so a different one here is a mistake the API would not show."""
    out: list[Finding] = []
    for name in [n for n in customer if n not in known]:
        nearest = nearest_field(name, known)
        hint = f"; did you mean {nearest!r}?" if nearest else " (push ignores it)"
        out.append(_warn("ecomCustomer", name, f"unknown field {name!r}{hint}"))
    for name, same in (("connectionid", _same_id), ("email", _same_email)):
        mine, theirs = customer.get(name), order.get(name)
        if mine is not None and theirs is not None and not same(mine, theirs):
            message = (
                f"ecomCustomer.{name} {mine!r} is not ecomOrder.{name} {theirs!r}: push finds or creates "
                f"the customer by the order's {name}, and ignores this one"
            )
            out.append(_warn("ecomCustomer", name, message))
    return out


def _same_id(a: Any, b: Any) -> bool:
    return str(a) == str(b)


def _same_email(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.strip().casefold() == b.strip().casefold()


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _warn(prefix: str, name: str, message: str) -> Finding:
    return Finding(_join(prefix, name), message, Severity.WARNING)


def nearest_field(name: str, known: Any) -> str | None:
    """``abandoned_date`` -> ``abandonedDate``: same letters ignoring case and separators, else a close
    spelling."""
    squash = {k.lower().replace("_", "").replace("-", ""): k for k in known}
    exact = squash.get(name.lower().replace("_", "").replace("-", "").replace(" ", ""))
    if exact:
        return exact
    close = difflib.get_close_matches(name.lower(), list(squash), n=1, cutoff=0.75)
    return squash[close[0]] if close else None


def as_int(value: Any) -> int | None:
    """The API's int32 fields come as numbers or digit strings; None for anything else."""
    cls = value.__class__
    if cls is int:  # the common case first: this runs for every amount of every cart
        return value
    if cls is str:
        return int(value) if value.isdigit() and value.isascii() else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _total_mismatch(order: Mapping[str, Any], prefix: str) -> list[Finding]:
    """totalPrice must include products, shipping and tax, less discounts; checked when all are given."""
    get = order.get
    total, shipping, tax, discount = (
        as_int(get("totalPrice")),
        as_int(get("shippingAmount")),
        as_int(get("taxAmount")),
        as_int(get("discountAmount")),
    )
    products = get("orderProducts")
    if total is None or shipping is None or tax is None or discount is None or not products:
        return []
    if not isinstance(products, list):
        return []
    subtotal = 0
    for item in products:
        if not isinstance(item, dict):
            return []
        price, quantity = item.get("price"), item.get("quantity")
        if (
            price.__class__ is not int or quantity.__class__ is not int
        ):  # digit strings: the reference page's way
            price, quantity = as_int(price), as_int(quantity)
            if price is None or quantity is None:
                return []
        subtotal += price * quantity
    expected = subtotal + shipping + tax - discount
    if expected == total:
        return []
    return [
        _warn(
            prefix,
            "totalPrice",
            f"totalPrice {total} differs from products {subtotal} + shipping {shipping} "
            f"+ tax {tax} - discount {discount} = {expected} (all in cents)",
        )
    ]


def parse_datetime(value: Any) -> datetime | None:
    """An aware datetime from an RFC 3339 string, or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)  # Python 3.11 reads RFC 3339 as it is: the common case
    except ValueError:
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
        out.append(
            _warn(prefix, "abandonedDate", "abandonedDate is in the future; the API wants a past date")
        )
    created = parse_datetime(order.get("externalCreatedDate"))
    if created is not None and abandoned < created:
        out.append(
            _warn(
                prefix,
                "abandonedDate",
                "abandonedDate is before externalCreatedDate: a cart is abandoned after it is created",
            )
        )
    return out
