"""What the sandbox accepts in a record, field by field, and the 422 errors it answers otherwise.

Numbers as ints or digit strings, currency in any case (stored lower-case, as ActiveCampaign answers),
unknown fields dropped, as the real API ignores them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

INT32_MAX = 2**31 - 1

# field -> kind; kinds: str, int (non-negative int32 as int or digit string), flag (0/1), email, currency,
# date
ORDER_FIELDS: dict[str, str] = {
    "externalid": "str",
    "externalcheckoutid": "str",
    "source": "flag",
    "email": "email",
    "totalPrice": "int",
    "shippingAmount": "int",
    "taxAmount": "int",
    "discountAmount": "int",
    "currency": "currency",
    "connectionid": "int",
    "customerid": "int",
    "externalCreatedDate": "date",
    "externalUpdatedDate": "date",
    "abandonedDate": "date",
    "orderUrl": "str",
    "shippingMethod": "str",
    "orderNumber": "str",
}
ORDER_REQUIRED = ("email", "totalPrice", "currency", "connectionid", "customerid", "externalCreatedDate")
PRODUCT_FIELDS: dict[str, str] = {
    "externalid": "str",
    "name": "str",
    "price": "int",
    "quantity": "int",
    "category": "str",
    "sku": "str",
    "description": "str",
    "imageUrl": "str",
    "productUrl": "str",
}
PRODUCT_REQUIRED = ("externalid", "name", "price", "quantity")
DISCOUNT_FIELDS: dict[str, str] = {"name": "str", "type": "discount_type", "discountAmount": "int"}
DISCOUNT_REQUIRED = ("name", "type", "discountAmount")
CUSTOMER_FIELDS: dict[str, str] = {
    "connectionid": "int",
    "externalid": "str",
    "email": "email",
    "acceptsMarketing": "flag",
}
CUSTOMER_REQUIRED = ("connectionid", "externalid", "email")
CONNECTION_FIELDS: dict[str, str] = {
    "service": "str",
    "externalid": "str",
    "name": "str",
    "logoUrl": "str",
    "linkUrl": "str",
    "listId": "int",
}
CONNECTION_REQUIRED = ("service", "externalid", "name")  # --strict adds logoUrl and linkUrl, as documented
CONNECTION_UPDATE_FIELDS: dict[str, str] = {**CONNECTION_FIELDS, "status": "flag", "syncStatus": "flag"}
ORDER_FILTERS = ("connectionid", "externalid", "externalcheckoutid", "email", "customerid", "state")


def error(code: str, field: str, title: str) -> dict[str, Any]:
    """One entry of a 422 ``errors`` list, shaped like the real API's."""
    return {"title": title, "detail": "", "code": code, "source": {"pointer": f"/data/attributes/{field}"}}


def missing(value: Any) -> bool:
    """Absent, null and blank all count as missing."""
    return value is None or (isinstance(value, str) and value.strip() == "")


def _convert(kind: str, value: Any) -> str | None:
    """The stored (string) form of a field value, or None when it is invalid for its kind."""
    if isinstance(value, (bool, dict, list, float)):  # 49.99 is a cents bug, not a price
        return None
    text = str(value).strip()
    if kind == "str":
        return value if isinstance(value, str) else text
    if kind in ("int", "flag"):
        if (
            not (text.isascii() and text.isdigit())
            or int(text) > INT32_MAX
            or (kind == "flag" and int(text) > 1)
        ):
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
    data: dict[str, Any], fields: dict[str, str], required: tuple[str, ...], prefix: str, update: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validate and normalise known fields (unknown ones are dropped, as the real API ignores them)."""
    out: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for field, kind in fields.items():
        if field not in data and update:
            continue
        value = data.get(field)
        if missing(value):
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
        clean, errs = check_fields(item, fields, required, f"{key}/{i}/", update=False)
        out.append(clean)
        errors.extend(errs)
    return out, errors
