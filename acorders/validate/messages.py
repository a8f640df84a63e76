"""Findings a person can act on: jsonschema-rs's errors reworded by what the field is.

``"49.99" does not match "^(0|[1-9]..."`` becomes "amounts are integer cents: send 4999". The schema
decides validity; this module only says it well. Which words fit is read from the field's ``$defs`` name
(``cents``, ``id``, ``currency``...), not hard-coded per field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from acorders.models import Finding, Severity, blank
from acorders.validate import schema

Fields = Mapping[str, Mapping[str, str]]  # object kind -> field name -> $defs name (schema.field_kinds)

CONNECTION_HINT = (
    "set connectionid in the file, or configure a default connection: --connection ID, "
    'ACTIVECAMPAIGN_CONNECTION_ID, or connection = "ID" in the profile (see `acorders connections list`)'
)
RESOLVED_AT_PUSH = (
    "customerid is missing: push looks up (or creates) the ecomCustomer for this email and connection"
)


def schema_findings(rs: Any, data: Any, fields: Fields) -> list[Finding]:
    """jsonschema-rs's errors for ``data``, reworded, each once."""
    out: list[Finding] = []
    for error in rs.iter_errors(data):
        finding = _finding(error, data, fields)
        if finding is not None and finding not in out:
            out.append(finding)
    return out


def _finding(error: Any, data: Any, fields: Fields) -> Finding | None:
    where = list(error.instance_path)
    kind = type(error.kind).__name__
    if kind == "Required":
        name = error.kind.property
        path = format_path([*where, name])
        if name == "customerid" and _has(data, where, "email"):
            return Finding(path, RESOLVED_AT_PUSH, Severity.INFO)
        if name == "connectionid":
            return Finding(path, f"required field connectionid is missing: {CONNECTION_HINT}")
        return Finding(path, f"required field {name} is missing")
    whole = kind in ("AnyOf", "OneOf", "If", "Not") or (kind == "Type" and not where)
    if whole and not where and not isinstance(data, dict):
        return Finding(None, f"a document must be an order object, not {_json_type(data)}")
    return Finding(format_path(where), _message(kind, error, where, fields))


def _message(kind: str, error: Any, where: list[Any], fields: Fields) -> str:
    value = error.instance
    ref = _ref_of(where, fields)
    if ref in ("cents", "int32", "id") and kind in ("Type", "Pattern", "Minimum", "Maximum"):
        return _integer_message(ref, value)
    if kind == "Enum" and ref == "currency":
        upper = value.upper() if isinstance(value, str) else None
        if upper is not None and upper in schema.currencies():
            return f"currency {value!r} must be upper case: {upper!r}"
        return f"{_show(value)} is not an ISO 4217 currency code (3 letters, e.g. USD, EUR, GBP)"
    if kind == "Enum" and ref == "source":
        return f"source must be 0 (historical sync) or 1 (real-time; starts automations), not {_show(value)}"
    if kind == "Format":
        return _format_message(error.kind.format, value)
    if kind == "MinLength" and value == "":
        return "must not be empty"
    if kind == "Type":
        return f"must be {_types(error.kind.types)}, not {_json_type(value)}"
    if kind == "Enum":
        options = ", ".join(_show(o) for o in error.kind.options)
        return f"{_show(value)} is not one of {options}"
    return str(error.message)


def _ref_of(where: list[Any], fields: Fields) -> str | None:
    """The $defs name of the field at ``where``: order fields, fields of a product or discount, or of the
    envelope's ecomCustomer."""
    names = [p for p in where if isinstance(p, str) and p != "ecomOrder"]
    if not names:
        return None
    last = names[-1]
    if len(names) >= 2 and names[-2] in ("orderProducts", "orderDiscounts") and isinstance(where[-2], int):
        kind = "orderProduct" if names[-2] == "orderProducts" else "orderDiscount"
        return fields[kind].get(last)
    if len(names) == 1:
        return fields["order"].get(last)
    if len(names) == 2 and names[0] == "ecomCustomer":
        return fields["customer"].get(last)
    return None


def _has(data: Any, where: list[Any], name: str) -> bool:
    node = data
    for part in where:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(node, dict) and not blank(node.get(name))


def format_path(parts: Iterable[Any]) -> str | None:
    """["ecomOrder", "orderProducts", 1, "price"] -> "ecomOrder.orderProducts[1].price"."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or None


_DECIMAL = re.compile(r"^\s*-?\d*\.\d+\s*$")


def whole_decimal_message(ref: str, value: float) -> str:
    """An integer field written as 1.0: the words depend on what the field is (amount, id or count)."""
    if ref == "cents":
        return f"amounts are integer cents: write {int(value)}, not the decimal {value}"
    if ref == "id":
        return f"ids are integers: write {int(value)}, not {value}"
    return f"must be a whole number: write {int(value)}, not {value}"


def _integer_message(ref: str, value: Any) -> str:
    if ref == "cents":
        if isinstance(value, float) and value.is_integer():
            return whole_decimal_message(ref, value)
        if isinstance(value, float) or (isinstance(value, str) and _DECIMAL.match(value)):
            try:
                cents = round(float(value) * 100)
                hint = f"; if {value} is {'dollars' if '.' in str(value) else 'an amount'}, send {cents}"
            except ValueError:
                hint = ""
            return f"amounts are integer cents (4999 for 49.99), not {_show(value)}{hint}"
        return (
            "amounts are integer cents from 0 to 2147483647, as a number or a string of digits, "
            f"not {_show(value)}"
        )
    what = "an id" if ref == "id" else "a whole number"
    return f"must be {what} from 0 to 2147483647 (a number or a string of digits), not {_show(value)}"


_FORMATS = {
    "date-time": "an RFC 3339 date-time with a UTC offset, e.g. 2016-09-13T17:41:39-04:00",
    "email": "an email address",
    "uri": "an absolute URL, e.g. https://example.com/cart/123",
}
_NO_OFFSET = re.compile(r"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(:\d\d(\.\d+)?)?$")


def _format_message(fmt: str, value: Any) -> str:
    expected = _FORMATS.get(fmt, f"a valid {fmt}")
    if fmt == "date-time" and isinstance(value, str) and _NO_OFFSET.match(value):
        return f"{_show(value)} has no UTC offset: write it as {expected}"
    return f"{_show(value)} is not {expected}"


def _show(value: Any) -> str:
    if value is None:
        return "null"
    text = (
        repr(value)
        if isinstance(value, str)
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )
    return text if len(text) <= 60 else text[:57] + "..."


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _types(types: Any) -> str:
    names = [str(t) for t in (types if isinstance(types, (list, tuple)) else [types])]
    return " or ".join(f"a{'n' if n[0] in 'aeiou' else ''} {n}" for n in names)
