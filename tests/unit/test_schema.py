"""The bundled JSON Schema (schemas/ecomOrder.schema.json), its samples and its negative examples.

Every document is checked with two independent validators: jsonschema-rs, which production uses
(``Draft202012Validator(schema, validate_formats=True)``), and the pure-Python jsonschema with its format
checker, as a second opinion. The negative examples in tests/negative/ and their expected.json are shared
with the CLI's tests.
"""

from __future__ import annotations

import copy
import json
import re
import string
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "schemas" / "ecomOrder.schema.json"
SAMPLES = ROOT / "samples"
NEGATIVE = ROOT / "tests" / "negative"
# shared/ sits beside the repository, for a developer and for CI alike; tests that read it skip without it.
REFERENCE = ROOT.parent / "shared" / "reference"

SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
RS = jsonschema_rs.Draft202012Validator(SCHEMA, validate_formats=True)
JS = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
VALIDATORS = ("jsonschema_rs", "jsonschema")

DEFS = SCHEMA["$defs"]
CURRENCIES: list[str] = DEFS["currency"]["enum"]
INT32_MAX = 2**31 - 1
REQUIRED_ORDER = ["email", "totalPrice", "currency", "connectionid", "customerid", "externalCreatedDate"]
REQUIRED_PRODUCT = ["externalid", "name", "price", "quantity"]
REQUIRED_DISCOUNT = ["name", "type", "discountAmount"]
MONEY_FIELDS = ["totalPrice", "shippingAmount", "taxAmount", "discountAmount"]
DATE_FIELDS = ["externalCreatedDate", "externalUpdatedDate", "abandonedDate"]
NOW = datetime.now(timezone.utc)


# --------------------------------------------------------------------------- helpers


class _Loader(yaml.SafeLoader):
    """Safe YAML loading that keeps unquoted timestamps as strings, as the CLI does: the schema checks
    them."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_documents(path: Path) -> list[Any]:
    """Every document in a sample file: one for .json, each YAML document, each non-blank NDJSON line."""
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return [json.loads(text)]
    if suffix in (".yaml", ".yml"):
        return list(yaml.load_all(text, Loader=_Loader))
    if suffix in (".ndjson", ".jsonl"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    raise AssertionError(f"{path.name}: unknown sample format {suffix!r}")


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.is_file() and not p.name.startswith("."))


def negative_files() -> list[Path]:
    return sorted(p for p in NEGATIVE.glob("*.json") if p.name != "expected.json")


EXPECTED: dict[str, dict[str, Any]] = json.loads((NEGATIVE / "expected.json").read_text(encoding="utf-8"))


def dotted(path: Any) -> str | None:
    """['ecomOrder', 'orderProducts', 0, 'price'] -> 'ecomOrder.orderProducts[0].price'; [] -> None."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or None


_REQUIRED_JS = re.compile(r"^'(?P<name>.*)' is a required property$")


def errors(validator: str, doc: Any) -> list[tuple[str | None, str, str | None]]:
    """(dotted instance path, failing keyword, field name) for every error one validator reports.

    The field name is the missing property for a ``required`` error, else the last name in the path."""
    out = []
    if validator == "jsonschema_rs":
        for e in RS.iter_errors(doc):
            path = list(e.instance_path)
            keyword = e.kind.name
            field = e.kind.as_dict()["property"] if keyword == "required" else _last_name(path)
            out.append((dotted(path), keyword, field))
    else:
        for e in JS.iter_errors(doc):
            path = list(e.absolute_path)
            keyword = str(e.validator)
            if keyword == "required":
                match = _REQUIRED_JS.match(e.message)
                assert match, e.message
                field = match["name"]
            else:
                field = _last_name(path)
            out.append((dotted(path), keyword, field))
    return out


def _last_name(path: list[Any]) -> str | None:
    names = [p for p in path if isinstance(p, str)]
    return names[-1] if names else None


def reference_cart() -> dict[str, Any]:
    return json.loads((SAMPLES / "reference-cart.json").read_text(encoding="utf-8"))


def with_value(path: list[Any], value: Any, doc: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of the reference cart (or ``doc``) with the field at ``path`` set to ``value``."""
    doc = copy.deepcopy(doc if doc is not None else reference_cart())
    target = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return doc


def walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


# --------------------------------------------------------------------------- the schema itself


def test_schema_passes_the_2020_12_metaschema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)
    assert jsonschema_rs.meta.is_valid(SCHEMA)


def test_schema_has_title_description_and_the_defs_code_depends_on() -> None:
    assert SCHEMA["title"].strip() and SCHEMA["description"].strip()
    assert set(DEFS) == {
        "order", "orderProduct", "orderDiscount", "int32", "cents", "id",
        "dateTime", "url", "email", "currency", "source", "customer",
    }  # fmt: skip


def test_top_level_is_an_if_then_else_on_the_envelope_and_never_any_of() -> None:
    assert SCHEMA["type"] == "object"
    assert SCHEMA["if"] == {"type": "object", "required": ["ecomOrder"]}
    assert SCHEMA["then"] == {
        "properties": {"ecomOrder": {"$ref": "#/$defs/order"}, "ecomCustomer": {"$ref": "#/$defs/customer"}}
    }
    assert SCHEMA["else"] == {"$ref": "#/$defs/order"}
    keywords = {key for key, _ in walk(SCHEMA)}
    # anyOf/oneOf make validators answer "not valid under any of the given schemas" instead of the field error
    assert not keywords & {"anyOf", "oneOf"}


def test_only_local_refs_and_unknown_fields_allowed() -> None:
    refs = [value for key, value in walk(SCHEMA) if key == "$ref"]
    assert refs and all(isinstance(r, str) and r.startswith("#/$defs/") for r in refs)
    for ref in refs:
        assert ref.removeprefix("#/$defs/") in DEFS, ref
    assert all(value is not False for key, value in walk(SCHEMA) if key == "additionalProperties")
    doc = with_value(["ecomOrder", "giftMessage"], "Happy birthday!")  # unknown fields are warnings elsewhere
    doc["ecomOrder"]["orderProducts"][0]["color"] = "red"
    assert RS.is_valid(doc) and JS.is_valid(doc)


def test_money_fields_are_cents_and_ids_are_int32() -> None:
    order, product, discount = (DEFS[k]["properties"] for k in ("order", "orderProduct", "orderDiscount"))
    for name in MONEY_FIELDS:
        assert order[name]["$ref"] == "#/$defs/cents", name
    assert product["price"]["$ref"] == discount["discountAmount"]["$ref"] == "#/$defs/cents"
    assert product["quantity"]["$ref"] == "#/$defs/int32"
    assert order["connectionid"]["$ref"] == order["customerid"]["$ref"] == "#/$defs/id"
    assert DEFS["cents"]["$ref"] == DEFS["id"]["$ref"] == "#/$defs/int32"
    assert "4999" in DEFS["cents"]["description"]


def test_currency_enum_is_sorted_upper_case_iso_4217() -> None:
    assert sorted(set(CURRENCIES)) == CURRENCIES
    assert all(re.fullmatch(r"[A-Z]{3}", c) for c in CURRENCIES)
    assert 170 <= len(CURRENCIES) <= 190
    for code in (
        "USD",
        "EUR",
        "GBP",
        "JPY",
        "CHF",
        "CAD",
        "AUD",
        "CNY",
        "INR",
        "BRL",
        "MXN",
        "SEK",
        "ZAR",
        "KWD",
    ):
        assert code in CURRENCIES, code
    for code in ("XYZ", "usd", "HRK", "DEM", "FRF"):  # not ISO, lower case, or withdrawn
        assert code not in CURRENCIES, code


# --------------------------------------------------------------------------- the documented fields

# Every field the reference page and the API notes (shared/reference/) document, by object kind.
DOCUMENTED = {
    "order": [
        "externalid", "externalcheckoutid", "source", "email", "orderProducts", "orderDiscounts", "orderUrl",
        "externalCreatedDate", "externalUpdatedDate", "abandonedDate", "shippingMethod", "totalPrice",
        "shippingAmount", "taxAmount", "discountAmount", "currency", "orderNumber", "connectionid", "customerid",
    ],
    "orderProduct": ["externalid", "name", "price", "quantity", "category", "sku", "description", "imageUrl", "productUrl"],
    "orderDiscount": ["name", "type", "discountAmount"],
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(DOCUMENTED))
def test_schema_documents_every_field(kind: str) -> None:
    properties = DEFS[kind]["properties"]
    missing = [name for name in DOCUMENTED[kind] if name not in properties]
    assert not missing, f"{kind} lacks {missing}"
    undocumented = [name for name, prop in properties.items() if not prop.get("description", "").strip()]
    assert not undocumented, f"{kind} fields without a description: {undocumented}"


def test_required_fields() -> None:
    assert sorted(DEFS["order"]["required"]) == sorted(REQUIRED_ORDER)
    assert sorted(DEFS["orderProduct"]["required"]) == sorted(REQUIRED_PRODUCT)
    assert sorted(DEFS["orderDiscount"]["required"]) == sorted(REQUIRED_DISCOUNT)


def _reference(name: str) -> str:
    path = REFERENCE / name
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    return path.read_text(encoding="utf-8")


def test_every_field_of_the_reference_page_is_in_the_schema() -> None:
    text = _reference("ecomorders-create-seed.txt")
    params = text[text.index("BODY PARAMS") :]
    found = set(re.findall(r"(?<![A-Za-z])ecomOrder\.([A-Za-z]+)(?:\.([A-Za-z]+))?", params))
    assert len(found) >= 20, found
    for parent, child in found:
        if child:
            assert parent == "orderProducts", (parent, child)
            assert child in DEFS["orderProduct"]["properties"], child
        else:
            assert parent in DEFS["order"]["properties"], parent


def test_every_field_of_the_api_notes_is_in_the_schema() -> None:
    text = _reference("activecampaign-api.md")
    section = text[text.index("- Fields") : text.index("- Dates:")]
    seen = {"order": set(), "orderProduct": set(), "orderDiscount": set()}
    kind = "order"
    for line in section.splitlines():
        names = re.findall(r"`([A-Za-z]+)`", line)
        if line.lstrip().startswith("- "):  # a new bullet; continuation lines belong to the bullet above
            first = names[0] if names else ""
            kind = {"orderProducts": "orderProduct", "orderDiscounts": "orderDiscount"}.get(first, "order")
            if kind != "order":
                seen["order"].add(first)
                names = names[1:]
        seen[kind].update(names)
    assert {"sku", "imageUrl"} <= seen["orderProduct"] and "type" in seen["orderDiscount"]
    assert {"shippingAmount", "taxAmount", "discountAmount", "orderNumber", "shippingMethod"} <= seen["order"]
    for kind, names in seen.items():
        missing = sorted(names - set(DEFS[kind]["properties"]))
        assert not missing, f"{kind} lacks {missing}"


def test_reference_cart_sample_is_the_reference_page_body() -> None:
    text = _reference("ecomorders-create-seed.txt")
    body = json.loads(text[text.index("{") : text.index("201 Created")])
    assert reference_cart() == body


# --------------------------------------------------------------------------- samples


def _sample_params() -> list[Any]:
    params = []
    for path in sample_files():
        for i, doc in enumerate(load_documents(path)):
            params.append(pytest.param(doc, id=f"{path.name}#{i + 1}"))
    return params


def test_the_samples_are_there() -> None:
    names = {p.name for p in sample_files()}
    assert {"reference-cart.json", "order-with-discounts.json", "cart.yaml", "batch.ndjson"} <= names
    assert len(load_documents(SAMPLES / "batch.ndjson")) == 5


@pytest.mark.parametrize("validator", VALIDATORS)
@pytest.mark.parametrize("doc", _sample_params())
def test_sample_is_valid(doc: Any, validator: str) -> None:
    assert errors(validator, doc) == []


@pytest.mark.parametrize("doc", _sample_params())
def test_the_closed_schema_accepts_every_sample(doc: Any) -> None:
    """Samples use documented fields only: the closed variant (which lets push skip the unknown-field
    scan) must agree with the schema on them, envelope or bare."""
    from acorders.validate.schema import compiled_closed

    assert compiled_closed().is_valid(doc)
    assert compiled_closed().is_valid(doc.get("ecomOrder", doc))


@pytest.mark.parametrize(
    "path",
    [["extra"], ["ecomOrder", "extra"], ["ecomOrder", "orderProducts", 0, "extra"]],
    ids=["envelope", "order", "product"],
)
def test_the_closed_schema_refuses_an_undocumented_field_anywhere(path: list[Any]) -> None:
    from acorders.validate.schema import compiled, compiled_closed

    doc = with_value(path, 1)
    assert compiled().is_valid(doc) and not compiled_closed().is_valid(doc)
    bare = doc.get("ecomOrder") if path[0] == "ecomOrder" else None
    if bare is not None:
        assert compiled().is_valid(bare) and not compiled_closed().is_valid(bare)


def test_the_closed_schema_refuses_an_undocumented_discount_field() -> None:
    from acorders.validate.schema import compiled, compiled_closed

    order = load_documents(SAMPLES / "order-with-discounts.json")[0]
    order = order.get("ecomOrder", order)
    assert compiled_closed().is_valid(order)
    order["orderDiscounts"][0]["extra"] = 1
    assert compiled().is_valid(order) and not compiled_closed().is_valid(order)


def _orders_of_samples() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sample_files():
        for doc in load_documents(path):
            out.append((path.name, doc.get("ecomOrder", doc)))
    return out


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_samples_are_realistic() -> None:
    for name, order in _orders_of_samples():
        assert str(order["connectionid"]) == "1", name
        assert order["email"].endswith("@example.com"), name
        assert order["currency"] in ("USD", "EUR"), name
        urls = [order.get("orderUrl")] + [
            p.get(k) for p in order.get("orderProducts", []) for k in ("imageUrl", "productUrl")
        ]
        assert all(u.startswith("https://example.com/") for u in urls if u is not None), name
        dates = {k: _when(order[k]) for k in DATE_FIELDS if k in order}
        assert all(d < NOW for d in dates.values()), name
        if "abandonedDate" in dates:
            assert dates["externalCreatedDate"] <= dates["abandonedDate"], name


def test_sample_totals_add_up() -> None:
    """totalPrice = sum(price * quantity) + shipping + tax - discount wherever the parts are given."""
    checked = 0
    for name, order in _orders_of_samples():
        parts = [order.get(k) for k in ("shippingAmount", "taxAmount", "discountAmount")]
        if any(p is None for p in parts):
            continue
        subtotal = sum(int(p["price"]) * int(p["quantity"]) for p in order["orderProducts"])
        shipping, tax, discount = (int(p) for p in parts)
        assert int(order["totalPrice"]) == subtotal + shipping + tax - discount, name
        if "orderDiscounts" in order:
            assert discount == sum(int(d["discountAmount"]) for d in order["orderDiscounts"]), name
        checked += 1
    assert checked >= 3


def test_order_with_discounts_sample() -> None:
    order = load_documents(SAMPLES / "order-with-discounts.json")[0]["ecomOrder"]
    assert order["externalid"] and "abandonedDate" not in order and order["source"] == 1
    assert 2 <= len(order["orderProducts"]) <= 3 and all(p.get("sku") for p in order["orderProducts"])
    assert order["orderDiscounts"] and {"shippingAmount", "taxAmount", "discountAmount"} <= set(order)
    money = [order[k] for k in MONEY_FIELDS] + [p["price"] for p in order["orderProducts"]]
    assert all(type(v) is int for v in money)


def test_yaml_cart_keeps_unquoted_timestamps_as_strings() -> None:
    text = (SAMPLES / "cart.yaml").read_text(encoding="utf-8")
    assert re.search(r"^abandonedDate: \d{4}-\d\d-\d\dT", text, re.MULTILINE), "the date must be unquoted"
    (cart,) = load_documents(SAMPLES / "cart.yaml")
    assert "ecomOrder" not in cart and cart["source"] == 1
    assert all(isinstance(cart[k], str) for k in DATE_FIELDS)
    # the plain safe loader would turn it into a datetime, which no JSON Schema validator accepts as a string
    assert not isinstance(yaml.safe_load(text)["abandonedDate"], str)


def test_batch_carts_are_distinct_real_time_carts() -> None:
    carts = load_documents(SAMPLES / "batch.ndjson")
    assert len({c["externalcheckoutid"] for c in carts}) == 5
    for cart in carts:
        assert cart["source"] == 1 and "externalid" not in cart and "abandonedDate" in cart
        assert 1 <= len(cart["orderProducts"]) <= 3


# --------------------------------------------------------------------------- negative examples


def test_expected_json_lists_every_negative_file() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in negative_files())
    for name, entry in EXPECTED.items():
        assert set(entry) >= {"path", "field"}, name
        assert entry["path"] is None or entry["path"].startswith("ecomOrder"), name


@pytest.mark.parametrize("validator", VALIDATORS)
@pytest.mark.parametrize("path", negative_files(), ids=lambda p: p.name)
def test_negative_example_is_rejected_at_the_expected_field(path: Path, validator: str) -> None:
    expected = EXPECTED[path.name]
    found = errors(validator, json.loads(path.read_text(encoding="utf-8")))
    assert found, f"{path.name} was accepted"
    # one kind of mistake per file: every error is at the offending field (or the object that lacks it)
    assert {p for p, _, _ in found} == {expected["path"]}, found
    assert (expected["path"], expected["keyword"], expected["field"]) in found, found


def test_not_an_object_is_a_json_string() -> None:
    assert isinstance(json.loads((NEGATIVE / "not-an-object.json").read_text(encoding="utf-8")), str)


# --------------------------------------------------------------------------- formats


def _rejects(validator: str, doc: Any, path: list[Any]) -> bool:
    found = errors(validator, doc)
    return bool(found) and all(p == dotted(path) and k == "format" for p, k, _ in found)


FORMAT_FIELDS = {
    "date-time": [["ecomOrder", k] for k in DATE_FIELDS],
    "email": [["ecomOrder", "email"]],
    "uri": [["ecomOrder", "orderUrl"], ["ecomOrder", "orderProducts", 0, "imageUrl"], ["ecomOrder", "orderProducts", 1, "productUrl"]],
}  # fmt: skip
FORMAT_GOOD = {
    "date-time": ["2016-09-13T17:41:39-04:00", "2016-09-13T21:41:39Z", "2016-09-13T17:41:39.123+05:30"],
    "email": ["alice@example.com", "alice.o'neil+carts@mail.example.co.uk"],
    "uri": [
        "https://example.com/products/pogo-stick.jpg",
        "https://example.com/checkout?cart=3246315233#pay",
    ],
}
FORMAT_BAD = {  # rejected by both validators
    "date-time": ["2016-09-13 17:41", "2016-09-13T17:41:39", "yesterday", "2016-09-13", "2016-02-30T10:00:00Z", "13/09/2016 17:41"],
    "email": ["alice", "alice.example.com", ""],
    "uri": ["not a url", "example.com/x", "//example.com/x.jpg", "https://example.com/pogo stick.jpg", "/products/pogo-stick"],
}  # fmt: skip
# jsonschema's own email check only looks for an "@"; production's jsonschema-rs is stricter.
FORMAT_BAD_RS_ONLY = {"email": ["alice@", "@example.com", "alice@@example.com", "alice smith@example.com"]}


def _format_cases(values: dict[str, list[str]]) -> list[Any]:
    return [
        pytest.param(fmt, path, value, id=f"{fmt}-{dotted(path)}-{value}")
        for fmt, vals in values.items()
        for path in FORMAT_FIELDS[fmt]
        for value in vals
    ]


def test_jsonschema_checks_every_format_the_schema_uses() -> None:
    used = {value for key, value in walk(SCHEMA) if key == "format"}
    assert used == set(FORMAT_FIELDS)
    missing = used - set(Draft202012Validator.FORMAT_CHECKER.checkers)
    assert not missing, f"jsonschema cannot check {missing}: install jsonschema[format] (uri needs rfc3987)"


@pytest.mark.parametrize("validator", VALIDATORS)
@pytest.mark.parametrize(("fmt", "path", "value"), _format_cases(FORMAT_GOOD))
def test_format_accepts_good_value(fmt: str, path: list[Any], value: str, validator: str) -> None:
    assert errors(validator, with_value(path, value)) == []


@pytest.mark.parametrize("validator", VALIDATORS)
@pytest.mark.parametrize(("fmt", "path", "value"), _format_cases(FORMAT_BAD))
def test_format_rejects_bad_value(fmt: str, path: list[Any], value: str, validator: str) -> None:
    assert _rejects(validator, with_value(path, value), path)


@pytest.mark.parametrize(("fmt", "path", "value"), _format_cases(FORMAT_BAD_RS_ONLY))
def test_production_validator_rejects_sloppy_email(fmt: str, path: list[Any], value: str) -> None:
    assert _rejects("jsonschema_rs", with_value(path, value), path)


# --------------------------------------------------------------------------- int32, cents, ids

INT32_FIELDS = [
    ["ecomOrder", "totalPrice"],
    ["ecomOrder", "orderProducts", 0, "price"],
    ["ecomOrder", "orderProducts", 0, "quantity"],
    ["ecomOrder", "connectionid"],
    ["ecomOrder", "customerid"],
    ["ecomOrder", "orderDiscounts", 0, "discountAmount"],
]
INT32_GOOD = [
    0,
    "0",
    1,
    4900,
    "4900",
    2147483647,
    "2147483647",
    4900.0,
]  # 4900.0 is an integer in JSON Schema
INT32_BAD = [
    -1,
    "-1",
    2147483648,
    "2147483648",
    49.5,
    "49.99",
    "007",
    "",
    " 1",
    "1 ",
    True,
    None,
    "+1",
    "1e3",
    "$49",
]


def _int32_doc(path: list[Any], value: Any) -> dict[str, Any]:
    doc = reference_cart()
    doc["ecomOrder"]["orderDiscounts"] = [{"name": "SPRING10", "type": "order", "discountAmount": "911"}]
    return with_value(path, value, doc)


@pytest.mark.parametrize("validator", VALIDATORS)
@pytest.mark.parametrize("path", INT32_FIELDS, ids=dotted)
@pytest.mark.parametrize("value", INT32_GOOD, ids=repr)
def test_int32_accepts(value: Any, path: list[Any], validator: str) -> None:
    assert errors(validator, _int32_doc(path, value)) == []


@pytest.mark.parametrize("validator", VALIDATORS)
@pytest.mark.parametrize("path", INT32_FIELDS, ids=dotted)
@pytest.mark.parametrize("value", INT32_BAD, ids=repr)
def test_int32_rejects(value: Any, path: list[Any], validator: str) -> None:
    found = errors(validator, _int32_doc(path, value))
    assert found and {p for p, _, _ in found} == {dotted(path)}


def test_int32_string_rejects_trailing_newline_in_production() -> None:
    # Python's re lets "$" match before a final newline, so only jsonschema-rs (production) catches this one.
    assert not RS.is_valid(with_value(["ecomOrder", "totalPrice"], "4900\n"))


def _int32_boundaries() -> list[int]:
    out = {0, 9, 10, 99, 100}
    for k in range(11):
        for delta in (-1, 0, 1):
            out.add(INT32_MAX + delta * 10**k)
            out.add(10**k + delta)
    return sorted(n for n in out if n >= 0)


@pytest.mark.parametrize("n", _int32_boundaries())
def test_int32_pattern_matches_exactly_the_range(n: int) -> None:
    schema = {"$ref": "#/$defs/int32", "$defs": DEFS}
    validator = jsonschema_rs.Draft202012Validator(schema)
    assert validator.is_valid(str(n)) == (n <= INT32_MAX)
    assert validator.is_valid(n) == (n <= INT32_MAX)
    assert Draft202012Validator(schema).is_valid(str(n)) == (n <= INT32_MAX)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(min_value=0, max_value=10**12), zeros=st.integers(min_value=0, max_value=2))
def test_int32_pattern_property(n: int, zeros: int) -> None:
    validator = jsonschema_rs.Draft202012Validator({"$ref": "#/$defs/int32", "$defs": DEFS})
    text = "0" * zeros + str(n)
    assert validator.is_valid(text) == (n <= INT32_MAX and (zeros == 0 or text == "0"))
    assert not validator.is_valid("-" + str(n)) and not validator.is_valid(f"{n}.00")


# --------------------------------------------------------------------------- carts and orders


def test_cart_needs_externalcheckoutid_and_abandoned_date() -> None:
    cart = reference_cart()["ecomOrder"]
    del cart["externalcheckoutid"], cart["abandonedDate"]
    for validator in VALIDATORS:
        found = errors(validator, {"ecomOrder": cart})
        assert sorted(found) == [
            ("ecomOrder", "required", "abandonedDate"),
            ("ecomOrder", "required", "externalcheckoutid"),
        ], validator
        assert errors(validator, with_value(["externalid"], "1001", cart)) == [], validator


def test_cart_with_null_externalid_is_a_cart() -> None:
    cart = with_value(["ecomOrder", "externalid"], None)
    assert RS.is_valid(cart) and JS.is_valid(cart)
    del cart["ecomOrder"]["abandonedDate"]
    assert errors("jsonschema_rs", cart) == [("ecomOrder", "required", "abandonedDate")]


def test_bare_order_and_envelope_report_the_same_field() -> None:
    envelope = with_value(["ecomOrder", "orderProducts", 1, "price"], "30.00")
    bare = envelope["ecomOrder"]
    for validator in VALIDATORS:
        assert errors(validator, envelope) == [("ecomOrder.orderProducts[1].price", "pattern", "price")]
        assert errors(validator, bare) == [("orderProducts[1].price", "pattern", "price")]
        assert errors(validator, {"ecomOrder": "3246315233"}) == [("ecomOrder", "type", "ecomOrder")]


# --------------------------------------------------------------------------- property tests

INT32S = st.one_of(st.integers(0, INT32_MAX), st.integers(0, INT32_MAX).map(str))
QUANTITIES = st.one_of(st.integers(1, 1000), st.integers(1, 1000).map(str))
IDS = st.text(alphabet=string.ascii_letters + string.digits + "-_#", min_size=1, max_size=20)
NAMES = st.text(min_size=1, max_size=30)
EMAILS = st.from_regex(
    r"\A[a-z0-9]{1,12}(\.[a-z0-9]{1,8})?@[a-z0-9]{1,12}(-[a-z0-9]{1,6})?\.(com|org|net|io|de)\Z"
)
URLS = st.builds(
    lambda host, segments: f"https://{host}.example.com/" + "/".join(segments),
    st.from_regex(r"\A[a-z][a-z0-9]{0,10}\Z"),
    st.lists(st.from_regex(r"\A[A-Za-z0-9._~-]{1,12}\Z"), max_size=3),
)
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
DATETIMES = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2026, 1, 1), timezones=OFFSETS)
DATES = st.builds(
    lambda dt, spec: dt.isoformat(timespec=spec),
    DATETIMES,
    st.sampled_from(["seconds", "milliseconds", "microseconds"]),
)
PRODUCTS = st.fixed_dictionaries(
    {"externalid": IDS, "name": NAMES, "price": INT32S, "quantity": QUANTITIES},
    optional={
        "category": NAMES,
        "sku": IDS,
        "description": st.text(max_size=50),
        "imageUrl": URLS,
        "productUrl": URLS,
    },
)
DISCOUNTS = st.fixed_dictionaries(
    {"name": NAMES, "type": st.sampled_from(["order", "shipping"]), "discountAmount": INT32S}
)
COMMON = {
    "email": EMAILS,
    "totalPrice": INT32S,
    "currency": st.sampled_from(CURRENCIES),
    "connectionid": INT32S,
    "customerid": INT32S,
    "externalCreatedDate": DATES,
    "orderProducts": st.lists(PRODUCTS, min_size=1, max_size=3),
}
OPTIONAL = {
    "source": st.sampled_from([0, 1, "0", "1"]),
    "orderDiscounts": st.lists(DISCOUNTS, max_size=2),
    "orderUrl": URLS,
    "externalUpdatedDate": DATES,
    "shippingMethod": NAMES,
    "shippingAmount": INT32S,
    "taxAmount": INT32S,
    "discountAmount": INT32S,
    "orderNumber": IDS,
}
CARTS = st.fixed_dictionaries(
    {**COMMON, "externalcheckoutid": IDS, "abandonedDate": DATES},
    optional={**OPTIONAL, "externalid": st.none()},
)
ORDERS = st.fixed_dictionaries(
    {**COMMON, "externalid": IDS}, optional={**OPTIONAL, "externalcheckoutid": IDS, "abandonedDate": DATES}
)
DOCUMENTS = st.one_of(CARTS, ORDERS)

Draw = Callable[[st.SearchStrategy[Any]], Any]
Broken = tuple[list[Any], str, str]  # (path inside the order, failing keyword, field name)


def _product_index(order: dict[str, Any], draw: Draw) -> int:
    return draw(st.integers(0, len(order["orderProducts"]) - 1))


def break_price_with_decimals(order: dict[str, Any], draw: Draw) -> Broken:
    i = _product_index(order, draw)
    order["orderProducts"][i]["price"] = f"{draw(st.integers(0, 10**6))}.{draw(st.integers(0, 99)):02d}"
    return ["orderProducts", i, "price"], "pattern", "price"


def break_money_as_float(order: dict[str, Any], draw: Draw) -> Broken:
    name = draw(st.sampled_from(MONEY_FIELDS))
    order[name] = draw(st.integers(0, 10**6)) + draw(st.sampled_from([0.5, 0.25, 0.99, 0.01]))
    return [name], "type", name


def break_currency(order: dict[str, Any], draw: Draw) -> Broken:
    order["currency"] = draw(
        st.one_of(
            st.sampled_from(CURRENCIES).map(str.lower), st.text(string.ascii_letters, max_size=4)
        ).filter(lambda c: c not in CURRENCIES)
    )
    return ["currency"], "enum", "currency"


def break_required(order: dict[str, Any], draw: Draw) -> Broken:
    name = draw(st.sampled_from(REQUIRED_ORDER))
    del order[name]
    return [], "required", name


def break_product_required(order: dict[str, Any], draw: Draw) -> Broken:
    i = _product_index(order, draw)
    name = draw(st.sampled_from(REQUIRED_PRODUCT))
    del order["orderProducts"][i][name]
    return ["orderProducts", i], "required", name


def _int32_field(order: dict[str, Any], draw: Draw) -> list[Any]:
    i = _product_index(order, draw)
    return draw(
        st.sampled_from(
            [
                ["totalPrice"],
                ["connectionid"],
                ["customerid"],
                ["orderProducts", i, "price"],
                ["orderProducts", i, "quantity"],
            ]
        )
    )


def _set(order: dict[str, Any], path: list[Any], value: Any) -> None:
    target = order
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


def break_negative_int(order: dict[str, Any], draw: Draw) -> Broken:
    path = _int32_field(order, draw)
    n = -draw(st.integers(1, 2**40))
    as_text = draw(st.booleans())
    _set(order, path, str(n) if as_text else n)
    return path, "pattern" if as_text else "minimum", path[-1]


def break_int32_overflow(order: dict[str, Any], draw: Draw) -> Broken:
    path = _int32_field(order, draw)
    n = draw(st.integers(INT32_MAX + 1, 10**15))
    as_text = draw(st.booleans())
    _set(order, path, str(n) if as_text else n)
    return path, "pattern" if as_text else "maximum", path[-1]


def break_date(order: dict[str, Any], draw: Draw) -> Broken:
    name = draw(st.sampled_from(DATE_FIELDS))
    naive = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2026, 1, 1)))
    order[name] = draw(
        st.sampled_from([naive.isoformat(timespec="seconds"), naive.strftime("%Y-%m-%d %H:%M")])
    )
    return [name], "format", name


def break_email(order: dict[str, Any], draw: Draw) -> Broken:
    order["email"] = draw(st.from_regex(r"\A[a-z0-9.]{0,20}\Z"))
    return ["email"], "format", "email"


def break_url(order: dict[str, Any], draw: Draw) -> Broken:
    host = draw(st.from_regex(r"\A[a-z][a-z0-9]{0,10}\Z"))
    order["orderUrl"] = draw(
        st.sampled_from(
            [f"{host}.example.com/cart", f"//{host}.example.com/cart", f"https://{host}.example.com/my cart"]
        )
    )
    return ["orderUrl"], "format", "orderUrl"


def break_source(order: dict[str, Any], draw: Draw) -> Broken:
    n = draw(st.integers().filter(lambda v: v not in (0, 1)))
    order["source"] = draw(st.sampled_from([n, str(n)]))
    return ["source"], "enum", "source"


def break_discount_type(order: dict[str, Any], draw: Draw) -> Broken:
    discounts = order.setdefault("orderDiscounts", [])
    if not discounts:
        discounts.append({"name": "SPRING10", "type": "order", "discountAmount": 500})
    i = draw(st.integers(0, len(discounts) - 1))
    discounts[i]["type"] = draw(st.text(max_size=10).filter(lambda t: t not in ("order", "shipping")))
    return ["orderDiscounts", i, "type"], "enum", "type"


def break_cart_without_abandoned_date(order: dict[str, Any], draw: Draw) -> Broken:
    order.setdefault("externalcheckoutid", "cart-1")
    if draw(st.booleans()):
        order["externalid"] = None
    else:
        order.pop("externalid", None)
    order.pop("abandonedDate", None)
    return [], "required", "abandonedDate"


def break_empty_id(order: dict[str, Any], draw: Draw) -> Broken:
    name = draw(st.sampled_from(["externalcheckoutid", "orderNumber"]))
    order[name] = ""
    return [name], "minLength", name


MUTATIONS = [
    break_price_with_decimals, break_money_as_float, break_currency, break_required, break_product_required,
    break_negative_int, break_int32_overflow, break_date, break_email, break_url, break_source,
    break_discount_type, break_cart_without_abandoned_date, break_empty_id,
]  # fmt: skip


def _wrap(order: dict[str, Any], envelope: bool) -> tuple[Any, list[Any]]:
    return ({"ecomOrder": order}, ["ecomOrder"]) if envelope else (order, [])


PROPERTY_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(order=DOCUMENTS, envelope=st.booleans())
def test_generated_documents_are_valid(order: dict[str, Any], envelope: bool) -> None:
    doc, _ = _wrap(order, envelope)
    assert errors("jsonschema_rs", doc) == []
    assert errors("jsonschema", doc) == []


@PROPERTY_SETTINGS
@given(order=DOCUMENTS, envelope=st.booleans(), mutation=st.sampled_from(MUTATIONS), data=st.data())
def test_breaking_one_field_gives_exactly_one_error_at_that_field(
    order: dict[str, Any],
    envelope: bool,
    mutation: Callable[[dict[str, Any], Draw], Broken],
    data: st.DataObject,
) -> None:
    assert RS.is_valid(_wrap(order, envelope)[0])
    path, keyword, field = mutation(order, data.draw)
    doc, prefix = _wrap(order, envelope)
    expected = (dotted(prefix + path), keyword, field)
    assert errors("jsonschema_rs", doc) == [expected]
    assert errors("jsonschema", doc) == [expected]
