"""Money: decimal amounts to integer minor units by ISO 4217 exponent, exactly, with no float on the path."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acorders.convert import money
from acorders.errors import ConversionError

INT32 = 2**31 - 1


@given(minor=st.integers(0, INT32), exponent=st.integers(0, 4))
def test_every_amount_and_exponent_round_trips_exactly(minor: int, exponent: int) -> None:
    text = str(Decimal(minor).scaleb(-exponent)) if exponent else str(minor)
    text = f"{Decimal(minor).scaleb(-exponent):.{exponent}f}"
    assert money.to_minor(text, "XTS", overrides={"XTS": exponent}) == minor


@given(minor=st.integers(0, INT32))
def test_a_float_from_a_json_parser_is_read_as_its_shortest_text(minor: int) -> None:
    value = float(f"{Decimal(minor).scaleb(-2):.2f}")  # what json.loads gives for 12.34
    assert money.to_minor(value, "USD") == minor


def test_the_classic_cents_bug_does_not_happen() -> None:
    assert float("19.99") * 100 != 1999  # the bug this module exists for
    assert money.to_minor("19.99", "USD") == 1999
    assert money.to_minor(19.99, "USD") == 1999
    assert money.to_minor(49.99, "EUR") == 4999


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("49.99", "USD", 4999),
        ("1500", "JPY", 1500),
        ("1500", "KRW", 1500),
        ("990", "CLP", 990),
        ("1.234", "KWD", 1234),
        ("1.234", "BHD", 1234),
        ("12.5", "OMR", 12500),
        ("0.001", "JOD", 1),
        ("7.250", "TND", 7250),
        ("5", "usd", 500),
        (3, "EUR", 300),
    ],
)
def test_iso_4217_exponents(amount: object, currency: str, minor: int) -> None:
    assert money.to_minor(amount, currency) == minor


def test_zero_decimal_currencies_are_never_multiplied_by_100() -> None:
    assert money.to_minor("1500", "JPY") == 1500
    with pytest.raises(ConversionError, match="more than 0 decimal"):
        money.to_minor("1500.50", "JPY")


def test_exponent_override_is_explicit() -> None:
    assert money.to_minor("1.23", "KWD", overrides=money.parse_exponents(["kwd=2"])) == 123
    assert money.to_minor("1500", "JPY", overrides={"JPY": 2}) == 150000
    with pytest.raises(ValueError, match="CUR=N"):
        money.parse_exponents(["KWD"])


def test_too_many_decimals_is_an_error_unless_rounding_is_asked_for() -> None:
    with pytest.raises(ConversionError, match="--round half-even or --round half-up"):
        money.to_minor("0.125", "USD")
    assert money.to_minor("0.125", "USD", rounding="half-even") == 12
    assert money.to_minor("0.125", "USD", rounding="half-up") == 13
    assert money.to_minor("0.135", "USD", rounding="half-even") == 14


def test_comma_decimal_mark_only_when_the_map_says_so() -> None:
    with pytest.raises(ConversionError, match='decimal = ","'):
        money.to_minor("1.234,50", "EUR")
    assert money.to_minor("1.234,50", "EUR", decimal_mark=",") == 123450
    assert money.to_minor("49,99", "EUR", decimal_mark=",") == 4999
    with pytest.raises(ConversionError):
        money.to_minor("1,234.50", "USD")


@pytest.mark.parametrize("bad", ["$5", "5 USD", "", "1e3", True, None, [], float("inf"), 1e20])
def test_what_is_not_a_plain_amount_is_an_error(bad: object) -> None:
    with pytest.raises(ConversionError):
        money.to_minor(bad, "USD")


def test_beyond_int32_and_negative_are_errors() -> None:
    assert money.to_minor("21474836.47", "USD") == INT32
    with pytest.raises(ConversionError, match="limit"):
        money.to_minor("21474836.48", "USD")
    with pytest.raises(ConversionError, match="negative"):
        money.to_minor("-1.00", "USD")


def test_no_float_arithmetic_in_the_money_module() -> None:
    """The path from text to minor units never makes a float: no float() call, no true division."""
    tree = ast.parse(Path(money.__file__).read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "float"]
    divisions = [n for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div)]
    assert not calls and not divisions
