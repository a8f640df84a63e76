"""One field spec read from one source record: paths followed, then the value typed (text, money, date,
quantity). Every failure is a ConversionError that names the source path, so a finding points at the
shop's field, not at the converted text."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from acorders.convert import dates, money
from acorders.convert.maps import EACH, ConvertMap, FieldSpec
from acorders.errors import ConversionError


class Context(NamedTuple):
    """What typing a value needs beyond the spec: the record's currency and the run's options."""

    cmap: ConvertMap
    currency: str
    exponents: dict[str, int]
    rounding: str | None
    source_tz: str | None


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == [] or value == {}


def values(node: Any, path: Sequence[str]) -> list[Any]:
    """Every value at ``path`` under ``node``: one at most, or one per element past a ``[]``."""
    nodes = [node]
    for seg in path:
        found: list[Any] = []
        for item in nodes:
            if seg == EACH:
                if isinstance(item, list):
                    found.extend(item)
            elif isinstance(item, dict):
                if seg in item:
                    found.append(item[seg])
            elif isinstance(item, list) and seg.isdigit() and seg.isascii() and int(seg) < len(item):
                found.append(item[int(seg)])
        nodes = found
    return nodes


def show(path: Sequence[str]) -> str:
    return ".".join(path).replace(".[]", "[]")


def raw(node: Any, spec: FieldSpec) -> tuple[Any, str | None]:
    """The source value (or values, for sum and join) and the path it came from; (None, None) if blank."""
    if spec.when is not None and all(blank(v) for v in values(node, spec.when)):
        return None, None
    if spec.sum or spec.join is not None:
        found = [(v, show(p)) for p in spec.paths for v in values(node, p) if not blank(v)]
        if not found:
            return (spec.const, None) if spec.const is not None else (None, None)
        return [v for v, _ in found], found[0][1]
    for path in spec.paths:
        for value in values(node, path):
            if not blank(value):
                return value, show(path)
    return spec.const, None


def evaluate(node: Any, spec: FieldSpec, ctx: Context, where: str = "") -> Any:
    """The typed value of ``spec`` in ``node`` (None when blank). ``where`` prefixes paths in errors."""
    value, path = raw(node, spec)
    if value is None:
        return None
    at = f"{where}{path}" if path else where.rstrip(".") or None
    try:
        return _typed(node, spec, value, ctx)
    except ConversionError as exc:
        if exc.path is None:
            exc.path = at
        raise


def _typed(node: Any, spec: FieldSpec, value: Any, ctx: Context) -> Any:
    kind = spec.type
    if kind == "money":
        return _money(node, spec, value, ctx)
    if spec.join is not None:
        return spec.join.join(html.unescape(_string(v)) if kind == "text" else _string(v) for v in value)
    if kind == "string":
        return _string(value)
    if kind == "text":
        return html.unescape(_string(value))
    if kind == "date":
        return dates.to_rfc3339(value, spec.zone or ctx.source_tz or ctx.cmap.naive, ctx.cmap.formats)
    if kind == "epoch":
        return dates.to_rfc3339(value, None, epoch=True)
    if kind == "quantity":
        return quantity(value)
    return value not in (False, 0, "0", "false", "no", "")  # bool


def _string(value: Any) -> str:
    if value.__class__ is str:  # the usual case: one comparison
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an id a PHP export wrote as 123.0
    if isinstance(value, (dict, list)):
        raise ConversionError(f"expected a single value, found {type(value).__name__}")
    return str(value).strip()


def _money(node: Any, spec: FieldSpec, value: Any, ctx: Context) -> int:
    def minor(amount: Any) -> int:
        if spec.negate:
            amount = -money.parse_amount(amount, ctx.cmap.decimal)
        return money.to_minor(
            amount,
            ctx.currency,
            overrides=ctx.exponents,
            rounding=ctx.rounding,
            decimal_mark=ctx.cmap.decimal,
        )

    # a sum's const is one amount, not a list of them (summing "10" summed "1" and "0")
    total = sum(minor(v) for v in value) if spec.sum and isinstance(value, list) else minor(value)
    if spec.per is None:
        return total
    found = [v for v in values(node, spec.per) if not blank(v)]
    if not found:
        raise ConversionError(f"no {show(spec.per)} to divide the line total by")
    count = quantity(found[0])
    if count == 0:
        return 0
    unit, rest = divmod(total, count)
    if rest and ctx.rounding is None:
        raise ConversionError(
            f"line total {total} (minor units) is not a whole number of units times {count}; give --round "
            "half-even or --round half-up to round the unit price"
        )
    if rest:
        unit = money.to_minor(
            Decimal(total) / count, ctx.currency, overrides={ctx.currency: 0}, rounding=ctx.rounding
        )
    return unit


def quantity(value: Any) -> int:
    """A quantity as a whole number: 2, "2", 2.0 (Magento's qty is a float); 1.5 is an error."""
    if value.__class__ is int and value >= 0:  # the usual case (a bool is not of class int)
        return value
    try:
        amount = money.parse_amount(value)
    except ConversionError:
        raise ConversionError(f"quantity {value!r} is not a number") from None
    if amount != amount.to_integral_value() or amount < 0:
        raise ConversionError(f"quantity {value!r} is not a whole number of items")
    return int(amount)


def duration(text: str) -> timedelta:
    """--abandoned-after: "90s", "30m", "1h", "1d", "1h30m". Raises ValueError with a message."""
    import re

    parts = re.findall(r"(\d+)\s*([smhd])", text.strip().lower())
    if not parts or re.sub(r"\d+\s*[smhd]\s*", "", text.strip().lower()):
        raise ValueError(f"--abandoned-after {text!r}: write a duration such as 30m, 1h, 1h30m or 1d")
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    return timedelta(seconds=sum(int(n) * unit[u] for n, u in parts))
