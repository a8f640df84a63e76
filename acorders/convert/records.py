"""One source record + a map -> one ecomOrder (bare order object), or a reason to skip it.

A record that cannot be converted raises ConversionError (one error finding for it); a record that
must not be sent (a guest cart without an email, a cart still active) comes back as a Skip with the
reason, which the results show as a warning or an info.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from acorders.convert import dates
from acorders.convert.catalog import Catalog
from acorders.convert.codegen import CompiledList, CompiledMap, compiled
from acorders.convert.fields import Context
from acorders.convert.maps import ConvertMap
from acorders.errors import ConversionError
from acorders.models import Severity

_CURRENCY = re.compile(r"[A-Za-z]{3}\Z")


@dataclass(frozen=True)
class ConvertOptions:
    """What the user said beside the map (the CLI's --exponent, --round, --source-tz, ...)."""

    exponents: dict[str, int] = field(default_factory=dict)
    rounding: str | None = None  # "half-even", "half-up"; None: too many decimals is an error
    source_tz: str | None = None
    abandoned_after: timedelta = timedelta(hours=1)
    now: datetime | None = None  # for tests; None: the real clock
    cart_url: str | None = None  # "https://shop/cart/{id}" for platforms without a recovery link
    catalog: Catalog | None = None


class Skip(NamedTuple):
    """A record deliberately not converted, and why."""

    reason: str
    severity: Severity = Severity.WARNING


def record_id(record: Any, cmap: ConvertMap) -> str | None:
    """The source record's own id, for messages (``id`` in the map)."""
    value, _ = compiled(cmap).id(record)
    return None if value is None or isinstance(value, (dict, list)) else str(value)


def convert_record(
    record: Any, cmap: ConvertMap, opts: ConvertOptions, now: datetime
) -> dict[str, Any] | Skip:
    """The ecomOrder for ``record``; Skip for a record that must not be sent; ConversionError otherwise.
    The map is read through its compiled form (codegen.py), made once per map."""
    if not isinstance(record, dict):
        raise ConversionError(f"a {cmap.name} record is an object; found {type(record).__name__}")
    cm = compiled(cmap)
    ctx = Context(cmap, _currency(record, cm), opts.exponents, opts.rounding, opts.source_tz)
    email = cm.email(record, ctx) if cm.email is not None else None
    if email is None:
        return Skip("guest cart or order without an email: skipped (nothing to send it to)")
    order = cm.fill(record, ctx, email)
    order["currency"] = ctx.currency
    if cm.products is not None:
        order["orderProducts"] = _items(record, cm.products, ctx, opts.catalog)
    if cm.discounts is not None:
        discounts = _items(record, cm.discounts, ctx, None)
        if discounts:
            order["orderDiscounts"] = discounts
            order.setdefault("discountAmount", sum(d.get("discountAmount", 0) for d in discounts))
    return _cart_or_order(record, order, cm, opts, ctx, now)


def _cart_or_order(
    record: Any, order: dict[str, Any], cm: CompiledMap, opts: ConvertOptions, ctx: Context, now: datetime
) -> dict[str, Any] | Skip:
    """An order once completed; a cart otherwise, with abandonedDate from its last activity, and only
    after --abandoned-after of inactivity."""
    completed = cm.completed is not None and cm.completed(record)[0] is not None
    if completed or order.get("externalid"):
        order.pop("abandonedDate", None)
        return order
    order.pop("externalid", None)
    if "abandonedDate" not in order and cm.activity is not None:
        last = cm.activity(record, ctx)
        if last is not None:
            order["abandonedDate"] = last
    if "abandonedDate" in order:
        idle = now - dates.parse_instant(order["abandonedDate"])
        if idle < opts.abandoned_after:
            return Skip(
                f"not yet abandoned: last activity {order['abandonedDate']} is less than "
                f"{_show(opts.abandoned_after)} ago (--abandoned-after)",
                Severity.INFO,
            )
    if "orderUrl" not in order and opts.cart_url and order.get("externalcheckoutid"):
        order["orderUrl"] = opts.cart_url.replace("{id}", str(order["externalcheckoutid"]))
    return order


def _currency(record: Any, cm: CompiledMap) -> str:
    value, path = cm.currency(record)
    if value is None:
        raise ConversionError("no currency: the map's [money] currency path is blank in this record", path)
    if not isinstance(value, str) or not _CURRENCY.match(value.strip()):
        raise ConversionError(f"currency {value!r} is not a three-letter ISO 4217 code", path)
    return value.strip().upper()


def _items(record: Any, spec: CompiledList, ctx: Context, catalog: Catalog | None) -> list[dict[str, Any]]:
    items = spec.items(record)
    if len(items) == 1 and isinstance(items[0], list):
        items = items[0]
    for index, item in enumerate(items):
        if item.__class__ is not dict and not isinstance(item, dict):
            raise ConversionError(
                f"expected an object, found {type(item).__name__}", f"{spec.shown}[{index}]"
            )
    return spec.fill(items, ctx, catalog)


def _show(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def clock(opts: ConvertOptions) -> datetime:
    return (opts.now or datetime.now(timezone.utc)).astimezone(timezone.utc)
