"""An integer field written as a decimal (1.0) is named for what it is: an amount says cents, an id says
ids are integers, a count says whole number (issue 11, item 17: ``connectionid: 1.0`` said "cents")."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from acorders.models import Document, Finding, Origin, Severity
from acorders.validate import ValidateOptions, Validator
from tests.helpers import cart, envelope

NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)


def check(data: Any) -> Document:
    return Validator(ValidateOptions(now=NOW)).check(Document(Origin("t.json", 1), data))


def error_at(doc: Document, path: str) -> Finding:
    found = [f for f in doc.findings if f.severity is Severity.ERROR and f.path == path]
    assert len(found) == 1, doc.findings
    return found[0]


@pytest.mark.parametrize("field", ["connectionid", "customerid"])
def test_an_id_written_as_a_decimal_says_ids_are_integers(field: str) -> None:
    doc = check(envelope(cart(1, **{field: 1.0})))
    message = error_at(doc, f"ecomOrder.{field}").message
    assert "cents" not in message
    assert "ids are integers" in message and "write 1, not 1.0" in message


def test_a_count_written_as_a_decimal_says_whole_number() -> None:
    order = cart(1)
    order["orderProducts"][0]["quantity"] = 2.0
    message = error_at(check(envelope(order)), "ecomOrder.orderProducts[0].quantity").message
    assert "cents" not in message
    assert "whole number" in message and "write 2, not 2.0" in message


def test_an_amount_written_as_a_decimal_still_says_cents() -> None:
    order = cart(1, totalPrice=7900.0)
    message = error_at(check(envelope(order)), "ecomOrder.totalPrice").message
    assert "amounts are integer cents: write 7900" in message
