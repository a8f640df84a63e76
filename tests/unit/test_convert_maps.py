"""Each built-in map on its fixture (tests/fixtures/convert/README.md says where each came from), the map
format's checks, CSV grouping, skips and the catalog."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from acorders.convert import Catalog, Converter, ConvertOptions, load_map, parse_map
from acorders.convert.csv_rows import group_rows
from acorders.errors import MapError
from acorders.load import Source
from acorders.models import Document, Severity
from acorders.validate import ValidateOptions, Validator

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "convert"
NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


def convert(platform: str, name: str, fmt: str = "json", **opts: Any) -> list[Document]:
    conv = Converter(load_map(platform), ConvertOptions(now=opts.pop("now", NOW), **opts))
    path = str(FIXTURES / name)
    return list(conv(Source(path, path, "csv" if platform == "csv" else fmt)))


def checked(doc: Document) -> list[tuple[str | None, str, str]]:
    """Findings after validation, less the customerid info push resolves."""
    Validator(ValidateOptions(connection="1", now=NOW)).check(doc)
    return [(f.path, f.message, f.severity.value) for f in doc.findings if f.path != "customerid"]


def test_shopify_checkouts() -> None:
    docs = convert("shopify", "shopify-checkouts.json")
    assert [d.origin.line for d in docs] == [3, 31, 52, 65]
    first = docs[0]
    assert first.origin.record == "2a1ace52255252df566af0faaedfbfa7"
    assert str(first.origin).endswith("shopify-checkouts.json:3 (record 2a1ace52255252df566af0faaedfbfa7)")
    order = first.data
    assert order["totalPrice"] == 40994 and order["taxAmount"] == 1194 and order["shippingAmount"] == 0
    assert order["orderUrl"].startswith("https://checkout.local/548380009/checkouts/2a1ace")
    assert order["abandonedDate"] == "2012-08-24T14:02:15-04:00"  # derived from updated_at
    assert order["orderProducts"][1] == {
        "externalid": "632910392",
        "name": "IPod Nano - 8GB - Pink",
        "sku": "IPOD2008PINK",
        "price": 19900,
        "quantity": 1,
    }
    assert "externalid" not in order
    assert checked(first) == []  # valid, and price x quantity + shipping + tax - discount == total


def test_shopify_email_from_customer_discounts_and_guest_skip() -> None:
    docs = convert("shopify", "shopify-checkouts.json")
    second = docs[1].data
    assert second["email"] == "carol.ferris@mail.example.com"
    assert second["currency"] == "EUR" and second["shippingAmount"] == 1000
    assert second["orderDiscounts"] == [{"name": "SPRING10", "type": "order", "discountAmount": 3980}]
    assert second["discountAmount"] == 3980
    assert checked(docs[1]) == []
    guest = docs[2]
    assert guest.data is None and guest.valid
    assert guest.findings[0].severity is Severity.WARNING and "without an email" in guest.findings[0].message


def test_shopify_completed_checkout_is_an_order_in_presentment_currency() -> None:
    order = convert("shopify", "shopify-checkouts.json")[3].data
    assert order["externalid"] == "820982911" and "abandonedDate" not in order
    assert order["currency"] == "JPY" and order["totalPrice"] == 29800  # zero-decimal: not x100
    assert order["orderProducts"][0]["price"] == 29800


def test_not_yet_abandoned_is_skipped_with_the_reason() -> None:
    now = datetime(2012, 8, 24, 18, 30, tzinfo=timezone.utc)  # 28 min after the first checkout's activity
    docs = convert("shopify", "shopify-checkouts.json", now=now)
    assert docs[0].data is None
    assert docs[0].findings[0].severity is Severity.INFO
    assert docs[0].findings[0].message.startswith("not yet abandoned")
    later = convert("shopify", "shopify-checkouts.json", now=now, abandoned_after=timedelta(minutes=20))
    assert later[0].data is not None


def test_bigcommerce_cart() -> None:
    (doc,) = convert("bigcommerce", "bigcommerce-cart.json")
    order = doc.data
    assert order["currency"] == "USD"  # "usd" upper-cased
    assert order["externalcheckoutid"] == "aae435b7-e8a4-48f2-abcd-ad0675dc3123"
    assert order["totalPrice"] == 20500 and order["discountAmount"] == 2000
    assert [p["price"] for p in order["orderProducts"]] == [20000, 2500]  # sale_price, unit
    assert order["orderProducts"][1]["name"] == "[Sample] Orbit Terrarium & Stand"
    assert order["orderProducts"][0]["imageUrl"].startswith("https://cdn11.bigcommerce.com/")
    assert order["abandonedDate"] == "2019-08-28T20:41:10+00:00"
    assert checked(doc) == []


def test_woocommerce_orders_unit_price_from_line_subtotal() -> None:
    first, second = convert("woocommerce", "woocommerce-orders.json")
    order = first.data
    assert order["externalid"] == "727" and "abandonedDate" not in order
    assert order["externalCreatedDate"] == "2017-03-22T19:28:02+00:00"  # date_created_gmt, read as UTC
    assert order["orderProducts"][1]["name"] == "Ship Your Idea – Color: Black, Size: M Test"  # &ndash;
    units = [(p["price"], p["quantity"]) for p in order["orderProducts"]]
    assert units == [(300, 2), (1200, 1)]
    assert checked(first) == []
    # price 5.333... (after the coupon) is never used: 18.00 / 3 before discounts, less the coupon
    assert second.data["orderProducts"][0]["price"] == 600
    assert second.data["orderDiscounts"] == [{"name": "twoeuro", "type": "order", "discountAmount": 200}]
    assert checked(second) == []


def test_magento_quote_needs_a_zone_for_its_naive_dates() -> None:
    docs = convert("magento", "magento-quote.ndjson", "ndjson")
    assert not docs[0].valid and "--source-tz" in docs[0].findings[0].message
    assert docs[0].findings[0].path == "created_at"
    docs = convert("magento", "magento-quote.ndjson", "ndjson", source_tz="UTC")
    order = docs[0].data
    assert order["externalCreatedDate"] == "2024-03-10T06:30:00+00:00"
    assert order["discountAmount"] == 920  # written -9.2 by Magento
    assert order["orderProducts"][1] == {
        "externalid": "MS04-M-Blue",
        "name": "Gobi HeatTec® Tee",
        "sku": "MS04-M-Blue",
        "price": 2900,
        "quantity": 2,
    }
    assert checked(docs[0]) == []
    assert (
        docs[1].data is None
        and docs[1].origin.line == 2
        and "without an email" in docs[1].findings[0].message
    )


def test_csv_groups_rows_by_cart_id_and_reads_order_fields_from_the_first_row() -> None:
    docs = convert("csv", "generic.csv", source_tz="America/New_York")
    assert [(d.origin.line, d.origin.record) for d in docs] == [(2, "c-1001"), (4, "c-1002")]
    cart = docs[0].data
    assert [p["externalid"] for p in cart["orderProducts"]] == ["P-1", "P-2", "P-3"]  # row 5 joins its group
    assert cart["orderProducts"][0]["name"] == "Mug & Saucer"
    assert cart["externalCreatedDate"] == "2024-03-09T23:15:00-05:00"
    assert checked(docs[0]) == []
    order = docs[1].data
    assert order["externalid"] == "5001" and order["currency"] == "JPY" and order["totalPrice"] == 3000
    assert order["externalCreatedDate"] == "2024-11-03T01:30:00-04:00"  # the earlier of the two 01:30s
    assert checked(docs[1]) == []


def test_group_rows_keeps_first_appearance_order_and_lines() -> None:
    text = 'id,x\nb,1\na,2\nb,3\n"c\nd",4\na,5\n'
    groups = group_rows(text, "id")
    assert [(line, r["id"], [row["x"] for row in r["@rows"]]) for line, r in groups] == [
        (2, "b", ["1", "3"]),
        (3, "a", ["2", "5"]),
        (5, "c\nd", ["4"]),
    ]
    with pytest.raises(ValueError, match="no 'order' column"):
        group_rows(text, "order")


def test_a_bad_record_is_one_error_and_the_batch_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "checkouts.ndjson"
    good = (
        '{"token": "t1", "email": "a@example.com", "currency": "USD", "total_price": "1.00", '
        '"updated_at": "2020-01-01T00:00:00Z", '
        '"line_items": [{"title": "A", "price": "1.00", "quantity": 1, "product_id": 1}]}'
    )
    bad = good.replace('"t1"', '"t2"').replace('"quantity": 1', '"quantity": 1.5')
    money = good.replace('"t1"', '"t3"').replace('"1.00", "updated', '"1.005", "updated')
    path.write_text("\n".join([good, bad, "{not json", money, good.replace("t1", "t4")]) + "\n")
    conv = Converter(load_map("shopify"), ConvertOptions(now=NOW))
    docs = list(conv(Source(str(path), str(path), "ndjson")))
    assert [d.origin.line for d in docs] == [1, 2, 3, 4, 5]
    assert [d.valid for d in docs] == [True, False, False, False, True]
    assert docs[1].findings[0].path == "line_items[0].quantity"
    assert "whole number" in docs[1].findings[0].message
    assert docs[3].findings[0].path == "total_price" and "--round" in docs[3].findings[0].message
    rounded = Converter(load_map("shopify"), ConvertOptions(now=NOW, rounding="half-even"))
    assert list(rounded(Source(str(path), str(path), "ndjson")))[3].data["totalPrice"] == 100


def test_catalog_and_cart_url_fill_what_the_platform_leaves_off() -> None:
    catalog = Catalog([{"sku": "SKU-9", "image_url": "https://shop.example/m.jpg", "Category": "Tea"}])
    docs = convert(
        "csv", "generic.csv", source_tz="UTC", catalog=catalog, cart_url="https://shop.example/cart/{id}"
    )
    assert docs[0].data["orderUrl"] == "https://shop.example/cart/c-1001"
    assert docs[1].data["orderProducts"][0]["imageUrl"] == "https://shop.example/m.jpg"
    assert docs[1].data["orderProducts"][0]["category"] == "Tea"


def test_every_builtin_map_parses() -> None:
    for name in ("shopify", "bigcommerce", "woocommerce", "magento", "csv"):
        assert load_map(name).name == name


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('name = "x"\n[money]\ncurrency = "c"\n[order]\ntotalprice = "t"\n', "unknown ecomOrder field"),
        (
            'name = "x"\n[money]\ncurrency = "c"\n[order]\ntotalPrice = { path = "t", type = "cash" }\n',
            "type 'cash'",
        ),
        ('name = "x"\n[order]\nemail = "e"\n', "currency is needed"),
        ('name = "x"\nformat = "csv"\n[money]\ncurrency = "c"\n', "group"),
        ('name = "x"\n[money]\ncurrency = "c"\n[dates]\nnaive = "Mars/Base"\n', "IANA"),
        ('name = "x"\ncolour = 1\n[money]\ncurrency = "c"\n', "unknown key"),
        ("name = \n", "not valid TOML"),
    ],
)
def test_a_wrong_map_is_one_clear_error(text: str, match: str) -> None:
    with pytest.raises(MapError, match=match):
        parse_map(text, "my.toml")


def test_a_custom_map_with_epoch_dates_and_comma_decimals() -> None:
    cmap = parse_map(
        """
name = "webhook"
id = "cart_id"
[money]
currency = { const = "eur" }
decimal = ","
[cart]
activity = { path = "created_at", type = "epoch" }
[order]
externalcheckoutid = "cart_id"
email = "email"
externalCreatedDate = { path = "created_at", type = "epoch" }
totalPrice = { path = "total", type = "money" }
""",
        "webhook.toml",
    )
    from acorders.convert import convert_record

    order = convert_record(
        {"cart_id": "c9", "email": "x@example.com", "created_at": 1567024724, "total": "1.234,50"},
        cmap,
        ConvertOptions(),
        NOW,
    )
    assert order == {
        "externalcheckoutid": "c9",
        "email": "x@example.com",
        "externalCreatedDate": "2019-08-28T20:38:44+00:00",
        "totalPrice": 123450,
        "currency": "EUR",
        "abandonedDate": "2019-08-28T20:38:44+00:00",
    }


def test_a_csv_walk_reads_regular_files_only_and_says_what_it_skipped(tmp_path: Path) -> None:
    """A FIFO named like an export in a folder would block the run in open(); the csv map's walk is the
    load stage's walk, which skips it and says so."""
    import os

    (tmp_path / "rows.csv").write_text("id\n1\n", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.csv")
    told: list[str] = []
    listed = Converter(load_map("csv"), ConvertOptions(now=NOW)).sources([str(tmp_path)], on_skip=told.append)
    assert [(os.path.basename(s.name), s.format) for s in listed] == [("rows.csv", "csv")]
    assert len(told) == 1 and "pipe.csv" in told[0] and "named pipe" in told[0]
