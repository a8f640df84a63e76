"""acorders.checks: the warnings beyond the schema (--strict makes them errors)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from acorders.models import Document, Finding, Origin, Severity, is_cart
from acorders.validate import ValidateOptions, Validator, checks, schema
from acorders.validate import batch as batch_ids

NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)


def check(order: Any, *, now: datetime = NOW, strict: bool = False) -> Document:
    doc = Document(Origin("t.json", 1), {"ecomOrder": order})
    return Validator(ValidateOptions(now=now, strict=strict)).check(doc)


def warnings(doc: Document) -> list[Finding]:
    return [f for f in doc.findings if f.severity is Severity.WARNING]


def only_warning(doc: Document, path: str) -> Finding:
    found = warnings(doc)
    assert [f.path for f in found] == [path], doc.findings
    assert doc.valid, "a warning alone leaves the document valid"
    return found[0]


@pytest.fixture
def priced(cart_order: dict[str, Any]) -> dict[str, Any]:
    """The reference cart (products 4900 + 3000) with shipping, tax and discount, totalling 9111."""
    cart_order.update(shippingAmount="500", taxAmount=911, discountAmount="200")
    cart_order["totalPrice"] = 4900 + 3000 + 500 + 911 - 200
    return cart_order


# --------------------------------------------------------------------------- totalPrice


def test_consistent_total_gives_no_warning(priced: dict[str, Any]) -> None:
    assert check(priced).findings == []


def test_total_mismatch_warns_with_the_arithmetic(priced: dict[str, Any]) -> None:
    priced["totalPrice"] = "9000"
    finding = only_warning(check(priced), "ecomOrder.totalPrice")
    for number in ("9000", "7900", "500", "911", "200", "9111"):
        assert number in finding.message


def test_total_counts_quantities(priced: dict[str, Any]) -> None:
    priced["orderProducts"][1]["quantity"] = "3"
    assert check(priced).findings[0].path == "ecomOrder.totalPrice"
    priced["totalPrice"] = 4900 + 3 * 3000 + 500 + 911 - 200
    assert check(priced).findings == []


@pytest.mark.parametrize("missing", ["shippingAmount", "taxAmount", "discountAmount"])
def test_total_is_checked_only_when_shipping_tax_and_discount_are_all_given(
    priced: dict[str, Any], missing: str
) -> None:
    priced["totalPrice"] = 1  # wildly wrong
    assert warnings(check(copy.deepcopy(priced)))  # checked while all three are there
    del priced[missing]
    assert check(priced).findings == []


def test_reference_cart_without_the_parts_is_not_checked(cart_order: dict[str, Any]) -> None:
    # the reference page's cart: totalPrice 9111 but products sum to 7900 and no shipping/tax/discount given
    assert check(cart_order).findings == []


def test_total_is_not_checked_without_products(priced: dict[str, Any]) -> None:
    priced["totalPrice"] = 1
    del priced["orderProducts"]
    assert check(priced).findings == []


# --------------------------------------------------------------------------- dates


def test_abandoned_date_in_the_future_warns(cart_order: dict[str, Any]) -> None:
    abandoned = datetime(2016, 9, 13, 21, 41, 39, tzinfo=timezone.utc)  # the reference cart's abandonedDate
    finding = only_warning(check(cart_order, now=abandoned - timedelta(seconds=1)), "ecomOrder.abandonedDate")
    assert "future" in finding.message
    assert check(cart_order, now=abandoned).findings == []
    assert check(cart_order, now=abandoned + timedelta(days=1)).findings == []


def test_future_uses_the_real_clock_by_default(cart_order: dict[str, Any]) -> None:
    cart_order["abandonedDate"] = "2999-01-01T00:00:00Z"
    doc = Validator().check(Document(Origin("t.json"), {"ecomOrder": cart_order}))
    assert [f.path for f in warnings(doc)] == ["ecomOrder.abandonedDate"]


def test_abandoned_before_created_warns(cart_order: dict[str, Any]) -> None:
    cart_order["externalCreatedDate"] = "2016-09-13T17:41:39-04:00"
    cart_order["abandonedDate"] = "2016-09-13T17:41:38-04:00"
    finding = only_warning(check(cart_order), "ecomOrder.abandonedDate")
    assert "before externalCreatedDate" in finding.message


def test_same_instant_in_other_offsets_is_not_before(cart_order: dict[str, Any]) -> None:
    cart_order["externalCreatedDate"] = "2016-09-13T17:41:39-04:00"
    cart_order["abandonedDate"] = "2016-09-13T21:41:39Z"
    assert check(cart_order).findings == []
    cart_order["abandonedDate"] = "2016-09-13T23:41:39+02:00"
    assert check(cart_order).findings == []


def test_offsets_are_compared_as_instants(cart_order: dict[str, Any]) -> None:
    # 18:00+02:00 is 16:00Z, before 17:41:39-04:00 (21:41:39Z) although the wall clock reads later
    cart_order["abandonedDate"] = "2016-09-13T18:00:00+02:00"
    only_warning(check(cart_order), "ecomOrder.abandonedDate")


# --------------------------------------------------------------------------- source 0


@pytest.mark.parametrize("source", [0, "0"])
def test_cart_with_source_0_warns(cart_order: dict[str, Any], source: Any) -> None:
    cart_order["source"] = source
    finding = only_warning(check(cart_order), "ecomOrder.source")
    assert "source 1" in finding.message


@pytest.mark.parametrize("source", [0, "0"])
def test_order_with_source_0_does_not_warn(cart_order: dict[str, Any], source: Any) -> None:
    cart_order["source"] = source
    cart_order["externalid"] = "1057"
    assert check(cart_order).findings == []


def test_cart_with_source_1_does_not_warn(cart_order: dict[str, Any]) -> None:
    cart_order["source"] = 1
    assert check(cart_order).findings == []


def test_is_cart() -> None:
    assert is_cart({"externalcheckoutid": "c"})
    assert is_cart({"externalcheckoutid": "c", "externalid": None})
    assert not is_cart({"externalcheckoutid": "c", "externalid": "o"})
    assert not is_cart({"externalid": "o"})
    assert not is_cart({})


# --------------------------------------------------------------------------- unknown fields


@pytest.mark.parametrize(
    ("name", "nearest"),
    [
        ("abandoned_date", "abandonedDate"),
        ("totalprice", "totalPrice"),
        ("TotalPrice", "totalPrice"),
        ("external-created-date", "externalCreatedDate"),
        ("shipping_amount", "shippingAmount"),
        ("emial", "email"),
    ],
)
def test_unknown_order_field_names_the_nearest(cart_order: dict[str, Any], name: str, nearest: str) -> None:
    cart_order[name] = "x"
    finding = only_warning(check(cart_order), f"ecomOrder.{name}")
    assert repr(name) in finding.message
    assert f"did you mean {nearest!r}" in finding.message


def test_unknown_field_with_no_near_name(cart_order: dict[str, Any]) -> None:
    cart_order["giftWrap"] = True
    finding = only_warning(check(cart_order), "ecomOrder.giftWrap")
    assert "did you mean" not in finding.message
    assert "ignores" in finding.message


def test_sku_on_a_product_is_known(cart_order: dict[str, Any]) -> None:
    for product in cart_order["orderProducts"]:
        product["sku"] = "TOY-1"
    assert check(cart_order).findings == []


@pytest.mark.parametrize(
    ("where", "name", "nearest"),
    [
        ("orderProducts", "SKU", "sku"),
        ("orderProducts", "image_url", "imageUrl"),
        ("orderProducts", "qty", None),
        ("orderDiscounts", "discount_amount", "discountAmount"),
    ],
)
def test_unknown_fields_of_products_and_discounts(
    cart_order: dict[str, Any], where: str, name: str, nearest: str | None
) -> None:
    if where == "orderDiscounts":
        cart_order["orderDiscounts"] = [{"name": "X", "type": "order", "discountAmount": 0}]
    cart_order[where][-1][name] = "x"
    index = len(cart_order[where]) - 1
    finding = only_warning(check(cart_order), f"ecomOrder.{where}[{index}].{name}")
    if nearest:
        assert f"did you mean {nearest!r}" in finding.message
    else:
        assert "did you mean" not in finding.message


def test_every_documented_field_is_known(cart_order: dict[str, Any]) -> None:
    kinds = schema.field_kinds()
    assert "sku" in kinds["orderProduct"]
    for name in (
        "orderDiscounts",
        "shippingAmount",
        "taxAmount",
        "discountAmount",
        "orderNumber",
        "shippingMethod",
    ):
        assert name in kinds["order"]
    assert checks._field_pass({k: 1 for k in kinds["order"]}, "", kinds) == []


def test_nearest_field() -> None:
    known = schema.field_kinds()["order"]
    assert checks.nearest_field("abandoned_date", known) == "abandonedDate"
    assert checks.nearest_field("totalprice", known) == "totalPrice"
    assert checks.nearest_field("CONNECTIONID", known) == "connectionid"
    assert checks.nearest_field("zzzz", known) is None


# --------------------------------------------------------------------------- the same cart twice in a batch


def batch(*orders: dict[str, Any], strict: bool = False) -> list[Document]:
    validator = Validator(ValidateOptions(now=NOW, strict=strict))
    return [validator.check(Document(Origin("b.ndjson", i + 1), o)) for i, o in enumerate(orders)]


def test_same_checkout_id_with_different_content_warns(cart_order: dict[str, Any]) -> None:
    changed = dict(cart_order, totalPrice="9999")
    first, second = batch(copy.deepcopy(cart_order), changed)
    assert first.findings == []
    finding = only_warning(second, "externalcheckoutid")
    assert "3246315233" in finding.message
    assert "b.ndjson:1" in finding.message  # points at the first one


def test_same_checkout_id_with_identical_content_does_not_warn(cart_order: dict[str, Any]) -> None:
    docs = batch(copy.deepcopy(cart_order), copy.deepcopy(cart_order), copy.deepcopy(cart_order))
    assert [d.findings for d in docs] == [[], [], []]


def test_key_order_does_not_make_content_different(cart_order: dict[str, Any]) -> None:
    reordered = dict(reversed(list(cart_order.items())))
    assert [d.findings for d in batch(cart_order, reordered)] == [[], []]


def test_same_order_id_with_different_content_warns(cart_order: dict[str, Any]) -> None:
    order = dict(cart_order, externalid="1057")
    _, second = batch(order, dict(order, externalcheckoutid="other", totalPrice="1"))
    assert [f.path for f in warnings(second)] == ["externalid"]


def test_a_cart_and_the_order_it_became_do_not_warn(cart_order: dict[str, Any]) -> None:
    order = dict(cart_order, externalid="1057", totalPrice="9999")
    del order["abandonedDate"]
    docs = batch(cart_order, order)
    assert [d.findings for d in docs] == [[], []]


def test_same_checkout_id_on_another_connection_does_not_warn(cart_order: dict[str, Any]) -> None:
    other = dict(cart_order, connectionid="2", totalPrice="1")
    assert [d.findings for d in batch(cart_order, other)] == [[], []]


def test_invalid_documents_do_not_take_part(cart_order: dict[str, Any]) -> None:
    broken = dict(cart_order, currency="usd")
    docs = batch(broken, copy.deepcopy(cart_order))
    assert not docs[0].valid
    assert docs[1].findings == []


def test_duplicate_becomes_an_error_under_strict(cart_order: dict[str, Any]) -> None:
    _, second = batch(copy.deepcopy(cart_order), dict(cart_order, totalPrice="1"), strict=True)
    assert not second.valid
    assert [(f.path, f.severity) for f in second.findings] == [("externalcheckoutid", Severity.ERROR)]


def test_batch_ids_directly() -> None:
    ids = batch_ids.BatchIds()
    a = {"externalcheckoutid": "c1", "connectionid": 1, "totalPrice": 1}
    fp = batch_ids.fingerprint
    assert ids.check(fp(a, "ecomOrder"), Origin("x", 1)) == []
    assert ids.check(fp(dict(a), "ecomOrder"), Origin("x", 2)) == []
    [finding] = ids.check(fp(dict(a, totalPrice=2), "ecomOrder"), Origin("y", 7))
    assert finding.path == "ecomOrder.externalcheckoutid" and "x:1" in finding.message
    assert fp({"email": "no ids"}, "") is None
    assert batch_ids.batch_key({"externalid": "o", "externalcheckoutid": "c", "connectionid": 3}) == (
        "3",
        "externalid",
        "o",
    )
    assert batch_ids.batch_key({"externalid": "", "externalcheckoutid": "c"}) == (
        "",
        "externalcheckoutid",
        "c",
    )


def test_batch_ids_past_the_dict_the_arrays_remember_every_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids move from the dict to the arrays at SMALL: ids from either side are still found, with their
    origin."""
    monkeypatch.setattr(batch_ids.BatchIds, "SMALL", 8)
    ids = batch_ids.BatchIds()
    fp = batch_ids.fingerprint
    carts = [{"externalcheckoutid": f"c{i}", "connectionid": 1, "totalPrice": i} for i in range(300)]
    for i, cart in enumerate(carts):
        assert ids.check(fp(cart, ""), Origin(f"f{i % 3}.json", i + 1)) == []
    assert ids._small is None
    for i in (0, 5, 8, 9, 299):  # before, at and after the move
        assert ids.check(fp(dict(carts[i]), ""), Origin("again.json", 1)) == []
        [finding] = ids.check(fp(dict(carts[i], totalPrice=-1), ""), Origin("again.json", 2))
        assert f"f{i % 3}.json:{i + 1}" in finding.message


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("2016-09-13T17:41:39-04:00", datetime(2016, 9, 13, 21, 41, 39, tzinfo=timezone.utc)),
        ("2016-09-13T21:41:39Z", datetime(2016, 9, 13, 21, 41, 39, tzinfo=timezone.utc)),
        ("2016-09-13t21:41:39z", datetime(2016, 9, 13, 21, 41, 39, tzinfo=timezone.utc)),
        ("2016-09-13T21:41:39", None),
        ("not a date", None),
        (1473802899, None),
        ("", None),
    ],
)
def test_parse_datetime(value: Any, parsed: datetime | None) -> None:
    assert checks.parse_datetime(value) == parsed


@pytest.mark.parametrize(
    ("value", "result"),
    [
        (5, 5),
        ("5", 5),
        ("05", 5),
        (True, None),
        ("-5", None),
        ("4.9", None),
        (4.0, None),
        ("\u0665", None),
        (None, None),
    ],
)
def test_as_int(value: Any, result: int | None) -> None:
    assert checks.as_int(value) == result
