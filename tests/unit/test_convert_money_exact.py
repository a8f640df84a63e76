"""Review of issue 14's money shortcut (money.minor_text) and the Decimal path it stands in for: amounts no
shop writes (thousands of digits, more than Decimal's 28 significant digits) are still read exactly or
refused with a finding, and one such record never stops the batch."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from acorders.convert import Converter, ConvertOptions, load_map, money
from acorders.errors import ConversionError
from acorders.load import Source

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


def checkout(n: int) -> dict[str, object]:
    """A Shopify checkout abandoned long before NOW."""
    return {
        "token": f"t{n}",
        "email": f"buyer{n}@example.com",
        "created_at": "2024-01-01T00:00:00-05:00",
        "updated_at": "2024-01-01T00:05:00-05:00",
        "currency": "USD",
        "total_price": "10.30",
        "line_items": [{"product_id": 1, "title": "A", "quantity": 2, "price": "5.15"}],
    }


@pytest.mark.parametrize(
    "text",
    ["1.00000000000000000000000000001", "0.999999999999999999999999999999", "12.340000000000000000000000001"],
)
def test_an_amount_with_more_digits_than_decimal_s_precision_is_not_rounded(text: str) -> None:
    """Decimal's default context keeps 28 significant digits: scaleb rounded 1.00000000000000000000000000001
    to 100.000..., so to_minor took it as exactly 100 cents and sent $1.00 for an amount with 29 decimals.
    It has more decimals than USD has: the same error as 1.001, and no shortcut answers it either."""
    with pytest.raises(ConversionError, match="more than 2 decimal"):
        money.to_minor(text, "USD")
    assert money.plain_minor(text, "USD") is None
    assert money.minor_text(text, 2) is None


def test_long_but_exact_amounts_are_still_read() -> None:
    assert money.to_minor("1." + "0" * 40, "USD") == 100
    assert money.plain_minor("0" * 40 + "49.99", "USD") == 4999
    assert money.to_minor("0.0000000000000000000000000000005", "USD", rounding="half-up") == 0
    with pytest.raises(ConversionError, match="past the API's limit"):
        money.to_minor("1" * 40, "USD")


def test_an_amount_of_thousands_of_digits_is_refused_with_a_finding() -> None:
    """int() refuses to turn an int of more than 4300 digits into text: to_minor's own message raised
    ValueError instead of the MoneyError it was writing."""
    with pytest.raises(ConversionError, match="past the API's limit"):
        money.to_minor("9" * 5000, "USD")
    with pytest.raises(ConversionError, match="past the API's limit"):
        money.to_minor(int("9" * 4299), "USD")  # 4301 digits of minor units


def test_one_record_with_a_huge_amount_does_not_stop_the_batch(tmp_path: Path) -> None:
    """Before, the ValueError left convert_source: the batch stopped at that line with an internal error
    and the records after it were never converted."""
    records = [checkout(0), checkout(1), checkout(2)]
    records[1]["total_price"] = "1" * 5000
    path = tmp_path / "checkouts.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    converter = Converter(load_map("shopify"), ConvertOptions(now=NOW))
    docs = list(converter(Source(str(path), str(path), "ndjson")))
    assert [d.origin.line for d in docs] == [1, 2, 3]
    assert docs[0].data is not None and docs[2].data is not None
    assert docs[1].data is None
    [finding] = docs[1].findings
    assert finding.path == "total_price" and "past the API's limit" in finding.message
