"""Money: a decimal amount from a shop to integer minor units, by the currency's ISO 4217 exponent.

Decimal arithmetic only: ``float("19.99") * 100`` is 1998.9999999999998, the classic cents bug, so a
float from a JSON parser is turned back into the shortest text that names it (``repr``) before it is
read as a Decimal, and nothing on the way to the integer is ever a float.

The exponent is explicit and overridable (``--exponent CUR=N``): ActiveCampaign asks for "the lowest
unit of the currency", and its own plugins disagree for zero-decimal currencies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    InvalidOperation,
)
from typing import Any

from acorders.currency import DEFAULT_EXPONENT as DEFAULT_EXPONENT  # re-exported: the table lives below
from acorders.currency import EXPONENTS as EXPONENTS
from acorders.currency import exponent_of
from acorders.errors import ConversionError

INT32_MAX = 2**31 - 1

ROUNDINGS = {"half-even": ROUND_HALF_EVEN, "half-up": ROUND_HALF_UP}
# Scaling by the exponent in the default context rounds to 28 significant digits, so that
# 1.00000000000000000000000000001 USD became exactly 100 cents. In this one nothing is rounded but what a
# --round asks for.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)

_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)\Z")
_COMMA = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})*(?:,\d*)?\Z|[+-]?\d+(?:,\d*)?\Z")
_DOT_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?\Z")


MoneyError = ConversionError  # an amount that cannot become minor units exactly


def parse_amount(value: Any, decimal_mark: str = ".") -> Decimal:
    """A shop's amount as a Decimal: a string ("49.99", or "1.234,50" when the map says the decimal mark
    is ","), an int, or a float read as the shortest text that names it (49.99 -> "49.99")."""
    if isinstance(value, bool):
        raise MoneyError(f"amount {value!r} is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        text = repr(value)  # the shortest round-tripping text: 49.99, never 49.990000000000002
        if "e" in text or "n" in text:  # 1e+16, inf, nan
            raise MoneyError(f"amount {text} is not a plain decimal number")
        return Decimal(text)
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str):
        raise MoneyError(f"amount {value!r} is not a number")
    return _parse_text(value.strip(), decimal_mark)


def _parse_text(text: str, decimal_mark: str) -> Decimal:
    if decimal_mark == ",":
        if not _COMMA.match(text):
            raise MoneyError(f"amount {text!r} is not a decimal number written with ',' as decimal mark")
        text = text.replace(".", "").replace(",", ".")
    elif not _PLAIN.match(text):
        hint = (
            "; it looks written with ',' as decimal mark: set decimal = \",\" under [money] in the map"
            if _COMMA.match(text) and "," in text and not _DOT_GROUPED.match(text)
            else ""
        )
        raise MoneyError(f"amount {text!r} is not a plain decimal number (digits and one '.'){hint}")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the patterns admit only what Decimal reads
        raise MoneyError(f"amount {text!r} is not a number") from None


def to_minor(
    value: Any,
    currency: str,
    *,
    overrides: Mapping[str, int] | None = None,
    rounding: str | None = None,
    decimal_mark: str = ".",
) -> int:
    """``value`` in the currency's minor units, exactly: 49.99 USD -> 4999, 1500 JPY -> 1500,
    1.234 KWD -> 1234. More decimals than the exponent allows is an error unless ``rounding`` says how;
    negative amounts and amounts past int32 are errors (the API keeps int32 amounts >= 0)."""
    amount = parse_amount(value, decimal_mark)
    exponent = exponent_of(currency, overrides)
    scaled = amount.scaleb(exponent, _EXACT)
    whole = scaled.to_integral_value(rounding=ROUND_HALF_EVEN)
    if whole != scaled:
        if rounding is None:
            raise MoneyError(
                f"amount {_show(value)} {currency} has more than {exponent} decimal(s) "
                f"(the {currency} exponent); give --round half-even or --round half-up to round it, "
                f"or --exponent {currency}=N if the exponent is wrong"
            )
        whole = scaled.to_integral_value(rounding=ROUNDINGS[rounding])
    minor = int(whole)
    if minor < 0:
        raise MoneyError(f"amount {_show(value)} {currency} is negative; ActiveCampaign takes amounts >= 0")
    if minor > INT32_MAX:
        units = minor if minor < 10**30 else f"over 10^{whole.adjusted()}"  # int() refuses 4300+ digits
        raise MoneyError(
            f"amount {_show(value)} {currency} is {units} minor units, past the API's limit of {INT32_MAX}"
        )
    return minor


def plain_minor(text: str, currency: str, overrides: Mapping[str, int] | None = None) -> int | None:
    """``to_minor(text, currency, overrides=overrides)`` for the usual amount: plain decimal text
    ("49.99") with no more decimals than the exponent, >= 0 and within int32. None for anything else,
    which to_minor then reads (and says what is wrong with). One regex and two Decimal operations: a
    batch has several amounts per cart."""
    text = text.strip()
    if not _PLAIN.match(text):
        return None
    scaled = Decimal(text).scaleb(exponent_of(currency, overrides), _EXACT)
    whole = scaled.to_integral_value(rounding=ROUND_HALF_EVEN)
    if whole != scaled or not 0 <= whole <= INT32_MAX:
        return None
    return int(whole)


def minor_text(text: str, exponent: int) -> int | None:
    """``plain_minor`` for unsigned ASCII text ("49.99", "12.", ".5") with the exponent already looked up,
    in integer arithmetic: the digits are the minor units, so nothing is rounded and no Decimal is made
    (a converted cart has several amounts, and this is a quarter of plain_minor's cost). None for
    anything else: signs, other digits, more decimals than the exponent, more than int32's 10 digits (int()
    refuses a text of thousands)."""
    text = text.strip()
    whole, _, frac = text.partition(".")
    if len(frac) > exponent or not text.isascii():
        return None
    digits = whole + frac.ljust(exponent, "0")
    if not digits.isdigit() or not (whole or frac) or len(digits) > 10:
        return None
    minor = int(digits)
    return minor if minor <= INT32_MAX else None


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def parse_exponents(specs: list[str]) -> dict[str, int]:
    """--exponent CUR=N, repeated: {"KWD": 2}. Raises ValueError with a message for a person."""
    out: dict[str, int] = {}
    for spec in specs:
        code, sep, number = spec.partition("=")
        code = code.strip().upper()
        if not sep or not re.fullmatch(r"[A-Z]{3}", code) or not number.strip().isdigit():
            raise ValueError(f"--exponent {spec!r}: write CUR=N, e.g. --exponent KWD=3")
        exponent = int(number)
        if exponent > 6:
            raise ValueError(f"--exponent {spec!r}: no currency has more than 4 minor-unit digits")
        out[code] = exponent
    return out
