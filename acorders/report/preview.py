"""What the abandoned-cart email would miss, and money as its customer reads it.

A cart without ``imageUrl`` or ``orderUrl`` passes the schema, yet the email it starts shows an empty
image box and no way back to the shop: users of the existing integrations find out from their customers.
``preview_findings`` says so first, as warnings (validate's exit codes stay). ``money`` formats integer
minor units by the currency's ISO 4217 exponent (acorders.currency, the table convert uses too).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from acorders.currency import exponent_of
from acorders.models import Finding, Severity

# The email's cart block shows the start of a product description and cuts the rest. How much is not
# documented: 100 characters is an assumption, kept in this one constant until someone measures it.
DESCRIPTION_SHOWN = 100

SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "¥",
    "INR": "₹",
    "KRW": "₩",
    "ILS": "₪",
    "VND": "₫",
    "NGN": "₦",
    "PHP": "₱",
    "UAH": "₴",
    "TRY": "₺",
    "BRL": "R$",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "MXN": "MX$",
    "HKD": "HK$",
}


def amount(value: Any) -> int | None:
    """An amount of the cart as an int (the schema allows 4900 and "4900"); None if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and value.isascii():
        return int(value)
    return None


def money(value: Any, currency: Any) -> str:
    """Minor units as the customer reads them: 4999 USD is $49.99, 1500 JPY is ¥1,500, 1234 KWD is
    KWD 1.234. A value that is not an amount is shown as it is (the schema finding says why)."""
    units = amount(value)
    code = currency.upper() if isinstance(currency, str) else ""
    if units is None:
        return "" if value is None else str(value)
    exponent = exponent_of(code) if code else 2
    number = Decimal(units).scaleb(-exponent)
    text = f"{number:,.{exponent}f}"
    symbol = SYMBOLS.get(code)
    if symbol is not None:
        return f"{symbol}{text}"
    return f"{code} {text}" if code else text


def shown_description(text: str) -> tuple[str, bool]:
    """The description as the email shows it, and whether it was cut."""
    if len(text) <= DESCRIPTION_SHOWN:
        return text, False
    return text[:DESCRIPTION_SHOWN].rstrip() + "…", True


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _url(value: Any, path: str, missing: str, what: str) -> list[Finding]:
    """A missing or non-https URL, as the customer would meet it."""
    if value is None or value == "":
        return [Finding(path, missing, Severity.WARNING)]
    if not isinstance(value, str):
        return []  # the schema says what is wrong with it
    if urlsplit(value.strip()).scheme.lower() != "https":
        return [
            Finding(
                path,
                f"{what} is not https ({value[:80]}): mail clients block or flag it; use an https URL",
                Severity.WARNING,
            )
        ]
    return []


def _product(item: dict[str, Any], path: str) -> list[Finding]:
    name = item.get("name")
    label = f" of {name!r}" if isinstance(name, str) and name else ""
    out = _url(
        item.get("imageUrl"),
        _join(path, "imageUrl"),
        f"no imageUrl{label}: the email shows an empty image box; add the product image's https URL",
        "imageUrl",
    )
    out += _url(
        item.get("productUrl"),
        _join(path, "productUrl"),
        f"no productUrl{label}: the product's name and image link nowhere; add its page's https URL",
        "productUrl",
    )
    description = item.get("description")
    if isinstance(description, str) and shown_description(description)[1]:
        message = (
            f"description{label} is {len(description)} characters: the email cuts it after "
            f"{DESCRIPTION_SHOWN}; put what matters first or shorten it"
        )
        out.append(Finding(_join(path, "description"), message, Severity.WARNING))
    return out


def preview_findings(order: Any, prefix: str = "") -> list[Finding]:
    """What the customer would miss in the email this cart (or order) starts, as warnings."""
    if not isinstance(order, dict):
        return []
    out = _url(
        order.get("orderUrl"),
        _join(prefix, "orderUrl"),
        "no orderUrl: the email's \"Return to checkout\" button links nowhere; add the cart's checkout URL",
        "orderUrl",
    )
    products = order.get("orderProducts")
    if not isinstance(products, list) or not products:
        where = _join(prefix, "orderProducts")
        out.append(Finding(where, "no orderProducts: the email shows no items", Severity.WARNING))
        return out
    for i, item in enumerate(products):
        if isinstance(item, dict):
            out += _product(item, _join(prefix, f"orderProducts[{i}]"))
    return out
