"""Issue 14's speed bar: a converted cart without customerid (push resolves it) is checked by the fast
closed schema, with exactly the findings the full schema gives."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

import pytest

from acorders.convert import ConvertOptions, convert_record, load_map
from acorders.models import Document, Origin
from acorders.validate import ValidateOptions, Validator
from tests.helpers import cart, envelope
from tests.unit.test_convert_speed import checkout

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


class _Spy:
    """Counts the calls to the full schema validator."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, 0

    def is_valid(self, data: Any) -> bool:
        self.calls += 1
        return bool(self.inner.is_valid(data))

    def iter_errors(self, data: Any) -> Any:
        self.calls += 1
        return self.inner.iter_errors(data)


class _NeverClosed:
    """A closed schema that never passes: every document takes the full schema's path, as one without
    customerid did before."""

    def is_valid(self, data: Any) -> bool:
        return False


def _findings(doc_data: Any, closed: Any = None) -> tuple[list[tuple[Any, ...]], int]:
    validator = Validator(ValidateOptions(connection="1", now=NOW))
    spy = _Spy(validator._rs)
    validator.__dict__["_rs"] = spy
    if closed is not None:
        validator.__dict__["_closed"] = closed
    doc = validator.check(Document(Origin("f.json", 1), copy.deepcopy(doc_data)))
    return [(f.path, f.message, f.severity) for f in doc.findings], spy.calls


def _no_customer(**fields: Any) -> dict[str, Any]:
    order = cart(1, **fields)
    order.pop("customerid", None)
    return order


def test_converted_cart_without_customerid_takes_the_fast_check() -> None:
    """Before: the closed schema failed on the missing customerid, so every converted cart also ran the
    full schema twice (is_valid, then iter_errors for the info)."""
    converted = convert_record(checkout(1), load_map("shopify"), ConvertOptions(now=NOW), NOW)
    assert isinstance(converted, dict) and "customerid" not in converted
    found, calls = _findings(converted)
    assert calls == 0
    assert found == _findings(converted, _NeverClosed())[0]
    assert [f[0] for f in found] == ["customerid"]


@pytest.mark.parametrize(
    "data",
    [
        _no_customer(),
        envelope(_no_customer()),
        _no_customer(source=0),
        _no_customer(totalPrice=1),
        _no_customer(extra_field="x"),
        _no_customer(email="   "),
        _no_customer(email=None),
        _no_customer(totalPrice="4.99"),
        {**envelope(_no_customer()), "other": 1},
        cart(1),
    ],
)
def test_findings_without_customerid_are_the_full_schemas(data: dict[str, Any]) -> None:
    """Whatever the closed check says, the findings are those of the full schema's path."""
    assert _findings(data)[0] == _findings(data, _NeverClosed())[0]
