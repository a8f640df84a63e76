"""acorders.validate: the schema's verdict reworded into findings a person can act on, plus options.

Paths: the CLI reports a missing required field at the path of the field itself (``ecomOrder.email``), not
at its parent object as tests/negative/expected.json records it; where expected.json gives a parent path and
a "field" for a ``required`` keyword, the expected path is ``parent + "." + field``.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from acorders import load
from acorders.models import Document, Finding, Origin, Severity, ValidateSummary
from acorders.validate import ValidateOptions, Validator, run
from acorders.validate.messages import format_path
from tests.helpers import documents

NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)  # after every date used here
NEGATIVE_DIR = Path(__file__).resolve().parents[1] / "negative"
EXPECTED: dict[str, dict[str, Any]] = json.loads((NEGATIVE_DIR / "expected.json").read_text(encoding="utf-8"))
# missing customerid is not an error for acorders: push resolves the customer from the email (see below)
RESOLVED_AT_PUSH = {"missing-customerid.json"}


def check(data: Any, **options: Any) -> Document:
    options.setdefault("now", NOW)
    doc = Document(Origin("test.json", 1), data)
    return Validator(ValidateOptions(**options)).check(doc)


def envelope(order: dict[str, Any]) -> dict[str, Any]:
    return {"ecomOrder": order}


def errors(doc: Document) -> list[Finding]:
    return [f for f in doc.findings if f.severity is Severity.ERROR]


def at(doc: Document, path: str | None) -> list[Finding]:
    return [f for f in doc.findings if f.path == path]


def one_error(doc: Document, path: str | None) -> Finding:
    found = errors(doc)
    assert [f.path for f in found] == [path], doc.findings
    assert not doc.valid
    return found[0]


def expected_path(entry: dict[str, Any]) -> str | None:
    path, field = entry["path"], entry["field"]
    if entry["keyword"] == "required" and field:
        return f"{path}.{field}" if path else field
    return path


# --------------------------------------------------------------------------- samples and negative examples


def sample_documents() -> list[Document]:
    samples = Path(__file__).resolve().parents[2] / "samples"
    return list(documents(load.collect_sources([str(samples)])))


@pytest.mark.parametrize("doc", sample_documents(), ids=str)
def test_every_sample_is_valid_without_any_finding(doc: Document) -> None:
    # the real clock, as `acorders validate samples/` uses it
    Validator().check(doc)
    assert doc.data is not None
    assert doc.findings == []
    assert doc.valid


def test_samples_cover_every_format() -> None:
    sources = {Path(d.origin.source).suffix for d in sample_documents()}
    assert {".json", ".yaml", ".ndjson"} <= sources


def test_every_negative_file_has_an_expectation() -> None:
    files = {p.name for p in NEGATIVE_DIR.glob("*.json")} - {"expected.json"}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - RESOLVED_AT_PUSH))
def test_every_negative_file_is_invalid_at_its_expected_path(name: str) -> None:
    docs = list(documents(load.collect_sources([str(NEGATIVE_DIR / name)])))
    assert len(docs) == 1
    doc = Validator(ValidateOptions(now=NOW)).check(docs[0])
    assert doc.data is not None, "negative examples are valid JSON; only the schema rejects them"
    one_error(doc, expected_path(EXPECTED[name]))


def test_missing_customerid_with_email_is_info_and_valid() -> None:
    docs = list(documents(load.collect_sources([str(NEGATIVE_DIR / "missing-customerid.json")])))
    doc = Validator(ValidateOptions(now=NOW)).check(docs[0])
    assert doc.valid
    assert [(f.path, f.severity) for f in doc.findings] == [("ecomOrder.customerid", Severity.INFO)]
    assert "email" in doc.findings[0].message


def test_missing_customerid_without_email_is_an_error(cart_order: dict[str, Any]) -> None:
    del cart_order["customerid"], cart_order["email"]
    doc = check(envelope(cart_order))
    assert {f.path for f in errors(doc)} == {"ecomOrder.customerid", "ecomOrder.email"}


def test_missing_customerid_stays_info_under_strict(cart_order: dict[str, Any]) -> None:
    del cart_order["customerid"]
    doc = check(envelope(cart_order), strict=True)
    assert doc.valid
    assert [f.severity for f in doc.findings] == [Severity.INFO]


# --------------------------------------------------------------------------- messages


@pytest.mark.parametrize(
    ("field", "value", "cents"),
    [
        ("totalPrice", "49.99", "4999"),
        ("totalPrice", 49.5, "4950"),
        ("totalPrice", 91.11, "9111"),
        ("totalPrice", 19.99, "1999"),
        ("shippingAmount", "4.95", "495"),
        ("taxAmount", 0.07, "7"),
    ],
)
def test_decimal_amount_says_integer_cents_and_suggests_the_value(
    cart_order: dict[str, Any], field: str, value: Any, cents: str
) -> None:
    cart_order[field] = value
    finding = one_error(check(envelope(cart_order)), f"ecomOrder.{field}")
    assert "integer cents" in finding.message
    assert f"send {cents}" in finding.message


def test_decimal_product_price_points_at_the_product(cart_order: dict[str, Any]) -> None:
    cart_order["orderProducts"][1]["price"] = "30.00"
    finding = one_error(check(envelope(cart_order)), "ecomOrder.orderProducts[1].price")
    assert "integer cents" in finding.message and "send 3000" in finding.message


@pytest.mark.parametrize("value", ["$49.99", "-5", "4,900", "2147483648", 2147483648, -1])
def test_non_decimal_bad_amount_names_the_range(cart_order: dict[str, Any], value: Any) -> None:
    cart_order["totalPrice"] = value
    finding = one_error(check(envelope(cart_order)), "ecomOrder.totalPrice")
    assert "integer cents" in finding.message
    assert "2147483647" in finding.message
    assert "send" not in finding.message


def test_decimal_number_with_zero_fraction_is_also_an_error(cart_order: dict[str, Any]) -> None:
    doc = check(
        envelope(json.loads(json.dumps(cart_order).replace('"totalPrice": "9111"', '"totalPrice": 91.0')))
    )
    finding = one_error(doc, "ecomOrder.totalPrice")
    assert "integer cents" in finding.message


@pytest.mark.parametrize("value", [None, float("inf")], ids=["null", "1e400"])
def test_messages_say_null_not_none(cart_order: dict[str, Any], value: Any) -> None:
    cart_order["totalPrice"] = value
    finding = one_error(check(envelope(cart_order)), "ecomOrder.totalPrice")
    assert "None" not in finding.message


@pytest.mark.parametrize(("value", "upper"), [("usd", "USD"), ("eur", "EUR"), ("Gbp", "GBP")])
def test_lower_case_currency_suggests_upper_case(cart_order: dict[str, Any], value: str, upper: str) -> None:
    cart_order["currency"] = value
    finding = one_error(check(envelope(cart_order)), "ecomOrder.currency")
    assert "upper case" in finding.message
    assert repr(upper) in finding.message


@pytest.mark.parametrize("value", ["US", "XYZ", "usdd"])
def test_unknown_currency_is_not_told_to_use_upper_case(cart_order: dict[str, Any], value: str) -> None:
    cart_order["currency"] = value
    finding = one_error(check(envelope(cart_order)), "ecomOrder.currency")
    assert "ISO 4217" in finding.message
    assert "upper case" not in finding.message


@pytest.mark.parametrize("field", ["externalCreatedDate", "externalUpdatedDate", "abandonedDate"])
@pytest.mark.parametrize("value", ["2016-09-13T17:41:39", "2016-09-13 17:41:39", "2016-09-13T17:41:39.250"])
def test_date_without_offset_says_no_utc_offset(cart_order: dict[str, Any], field: str, value: str) -> None:
    cart_order[field] = value
    finding = one_error(check(envelope(cart_order)), f"ecomOrder.{field}")
    assert "no UTC offset" in finding.message
    assert value in finding.message


@pytest.mark.parametrize("value", ["2016-09-13", "13/09/2016 17:41", "yesterday"])
def test_other_bad_dates_say_rfc_3339(cart_order: dict[str, Any], value: str) -> None:
    cart_order["externalCreatedDate"] = value
    finding = one_error(check(envelope(cart_order)), "ecomOrder.externalCreatedDate")
    assert "RFC 3339" in finding.message
    assert "no UTC offset" not in finding.message


@pytest.mark.parametrize("value", [2, "2", -1, "one"])
def test_source_message(cart_order: dict[str, Any], value: Any) -> None:
    cart_order["source"] = value
    finding = one_error(check(envelope(cart_order)), "ecomOrder.source")
    assert "source must be 0" in finding.message and "or 1" in finding.message
    assert str(value) in finding.message


def test_missing_field_is_reported_at_the_field(cart_order: dict[str, Any]) -> None:
    del cart_order["currency"]
    del cart_order["orderProducts"][1]["quantity"]
    doc = check(envelope(cart_order))
    assert {f.path for f in errors(doc)} == {"ecomOrder.currency", "ecomOrder.orderProducts[1].quantity"}
    assert all("missing" in f.message for f in errors(doc))


@pytest.mark.parametrize(
    ("data", "kind"), [([], "an array"), ("cart", "a string"), (None, "null"), (42, "a number")]
)
def test_a_document_that_is_not_an_object(data: Any, kind: str) -> None:
    finding = one_error(check(data), None)
    assert "order object" in finding.message and kind in finding.message


def test_envelope_holding_a_non_object(cart_order: dict[str, Any]) -> None:
    finding = one_error(check({"ecomOrder": [cart_order]}), "ecomOrder")
    assert "object" in finding.message


# --------------------------------------------------------------------------- envelope and bare order


def test_bare_order_and_envelope_are_both_valid(cart_order: dict[str, Any]) -> None:
    assert check(copy.deepcopy(cart_order)).findings == []
    assert check(envelope(cart_order)).findings == []


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda o: o.__setitem__("currency", "usd"), "currency"),
        (lambda o: o["orderProducts"][0].__setitem__("price", "49.00"), "orderProducts[0].price"),
        (lambda o: o.pop("email"), "email"),
    ],
)
def test_bare_order_paths_have_no_ecomorder_prefix(
    cart_order: dict[str, Any], mutate: Any, path: str
) -> None:
    mutate(cart_order)
    one_error(check(copy.deepcopy(cart_order)), path)
    one_error(check(envelope(cart_order)), f"ecomOrder.{path}")


def test_unknown_field_warning_paths_follow_the_document_shape(cart_order: dict[str, Any]) -> None:
    cart_order["abandoned_date"] = cart_order["abandonedDate"]
    assert [f.path for f in check(copy.deepcopy(cart_order)).findings] == ["abandoned_date"]
    assert [f.path for f in check(envelope(cart_order)).findings] == ["ecomOrder.abandoned_date"]


def test_unknown_top_level_field_of_the_envelope_warns(cart_order: dict[str, Any]) -> None:
    doc = check({"ecomOrder": cart_order, "meta": {"shop": "x"}})
    assert doc.valid
    assert [(f.path, f.severity) for f in doc.findings] == [("meta", Severity.WARNING)]
    assert "ecomOrder" in doc.findings[0].message


# --------------------------------------------------------------------------- --strict


def test_strict_turns_warnings_into_errors(cart_order: dict[str, Any]) -> None:
    cart_order["totalprice"] = "1"
    cart_order["source"] = 0
    lenient = check(envelope(copy.deepcopy(cart_order)))
    assert lenient.valid
    assert {f.severity for f in lenient.findings} == {Severity.WARNING}
    strict = check(envelope(cart_order), strict=True)
    assert not strict.valid
    assert [(f.path, f.message) for f in strict.findings] == [(f.path, f.message) for f in lenient.findings]
    assert {f.severity for f in strict.findings} == {Severity.ERROR}


def test_strict_keeps_a_clean_document_valid(cart_order: dict[str, Any]) -> None:
    doc = check(envelope(cart_order), strict=True)
    assert doc.valid and doc.findings == []


# --------------------------------------------------------------------------- connectionid


def test_missing_connectionid_is_an_error_naming_the_connection_option(cart_order: dict[str, Any]) -> None:
    del cart_order["connectionid"]
    finding = one_error(check(envelope(cart_order)), "ecomOrder.connectionid")
    assert "--connection" in finding.message
    assert "ACTIVECAMPAIGN_CONNECTION_ID" in finding.message


@pytest.mark.parametrize("wrap", [True, False], ids=["envelope", "bare"])
def test_default_connection_fills_a_missing_connectionid(cart_order: dict[str, Any], wrap: bool) -> None:
    del cart_order["connectionid"]
    doc = check(envelope(cart_order) if wrap else cart_order, connection="1")
    assert doc.valid and doc.findings == []
    assert doc.order is not None and doc.order["connectionid"] == "1"


def test_default_connection_does_not_override_the_files(cart_order: dict[str, Any]) -> None:
    cart_order["connectionid"] = "7"
    doc = check(envelope(cart_order), connection="1")
    assert doc.order is not None and doc.order["connectionid"] == "7"


# --------------------------------------------------------------------------- documents that did not load


def test_a_document_that_did_not_load_is_left_as_it_is() -> None:
    failed = Document(Origin("bad.json"), None, [Finding(None, "not valid JSON: x")])
    doc = Validator(ValidateOptions(now=NOW, strict=True)).check(failed)
    assert doc.findings == [Finding(None, "not valid JSON: x")]
    assert not doc.valid


@pytest.mark.parametrize(
    "extra",
    [
        {1: "one"},
        {True: 1},
        {"email": b"a@example.com"},
        {"abandonedDate": datetime(2016, 9, 14, tzinfo=timezone.utc)},
    ],
    ids=["int-key", "bool-key", "bytes", "datetime"],
)
def test_check_never_raises_for_non_json_data(cart_order: dict[str, Any], extra: dict[Any, Any]) -> None:
    cart_order.update(extra)
    doc = check(envelope(cart_order))
    assert not doc.valid
    assert errors(doc)


# --------------------------------------------------------------------------- run, ValidateSummary,
# format_path


class RecordingReporter:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def start(self, total: int | None) -> None:
        self.calls.append(("start", total))

    def advance(self, n: int = 1) -> None:
        self.calls.append(("advance", n))

    def item(self, obj: Document) -> None:
        self.calls.append(("item", (str(obj.origin), obj.valid)))

    def finish(self, summary: ValidateSummary) -> None:
        self.calls.append(("finish", summary.as_dict()))


def test_run_streams_every_document_to_the_reporter(tmp_path: Path, cart_order: dict[str, Any]) -> None:
    good = tmp_path / "a.json"
    good.write_text(json.dumps(envelope(cart_order)))
    batch = tmp_path / "b.ndjson"
    second = dict(cart_order, externalcheckoutid="other", currency="usd")
    batch.write_text(json.dumps(cart_order | {"externalcheckoutid": "x2"}) + "\n" + json.dumps(second) + "\n")
    broken = tmp_path / "c.json"
    broken.write_text("{")
    sources = load.collect_sources([str(good), str(batch), str(broken)])
    reporter = RecordingReporter()
    summary = run(sources, Validator(ValidateOptions(now=NOW)), reporter)
    assert reporter.calls == [
        ("start", 3),
        ("item", (f"{good}:1", True)),
        ("advance", 1),
        ("item", (f"{batch}:1", True)),
        ("item", (f"{batch}:2", False)),
        ("advance", 1),
        ("item", (f"{broken}:1", False)),
        ("advance", 1),
        ("finish", {"documents": 4, "valid": 2, "invalid": 2, "warnings": 0, "files": 3}),
    ]
    assert not summary.ok


def test_summary_counts_warnings_and_validity(cart_order: dict[str, Any]) -> None:
    summary = ValidateSummary()
    validator = Validator(ValidateOptions(now=NOW))
    warned = dict(cart_order, colour="red", size="L", externalcheckoutid="w")
    for doc in [
        Document(Origin("a"), envelope(cart_order)),
        Document(Origin("b"), warned),
        Document(Origin("c"), []),
    ]:
        summary.add(validator.check(doc))
    assert summary.as_dict() == {"documents": 3, "valid": 2, "invalid": 1, "warnings": 2, "files": 0}
    assert not summary.ok
    assert ValidateSummary(documents=2, valid=2).ok


@pytest.mark.parametrize(
    ("parts", "path"),
    [
        (["ecomOrder", "orderProducts", 1, "price"], "ecomOrder.orderProducts[1].price"),
        (["email"], "email"),
        ([], None),
        (["orderDiscounts", 0], "orderDiscounts[0]"),
    ],
)
def test_format_path(parts: list[Any], path: str | None) -> None:
    assert format_path(parts) == path


def test_decimal_amount_in_a_json_file_is_caught_through_the_loader(tmp_path) -> None:
    """49.0 in an amount is caught whichever parser read the file."""
    from acorders import load
    from acorders.validate import Validator

    order = json.loads((Path(__file__).resolve().parents[2] / "samples" / "reference-cart.json").read_text())
    text = json.dumps(order).replace('"totalPrice": "9111"', '"totalPrice": 9111.0')
    path = tmp_path / "cart.json"
    path.write_text(text)
    [doc] = documents(load.collect_sources([str(path)]))
    Validator().check(doc)
    assert [(f.path, f.severity.value) for f in doc.findings] == [("ecomOrder.totalPrice", "error")]
