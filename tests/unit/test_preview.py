"""The preview page and its findings: items, money by ISO 4217 exponent, escaping and the marks of what the
customer would miss, read back through an HTML parser."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from acorders.models import Severity
from acorders.report.html import cart_section, page
from acorders.report.preview import DESCRIPTION_SHOWN, money, preview_findings
from tests.htmltree import Element, parse


def section(order: dict[str, Any]) -> Element:
    root = parse(page("t", "lead", cart_section(order, preview_findings(order), "carts/a.json:1")))
    return root.one("section", "cart")


def cells(row: Element) -> list[str]:
    return [td.text for td in row.all("td")]


@pytest.mark.parametrize(
    ("units", "currency", "shown"),
    [
        (4999, "USD", "$49.99"),
        ("4999", "usd", "$49.99"),
        (1500, "JPY", "¥1,500"),
        (123456789, "EUR", "€1,234,567.89"),
        (1234, "KWD", "KWD 1.234"),
        (5, "CHF", "CHF 0.05"),
        (0, "GBP", "£0.00"),
    ],
)
def test_money_by_iso_4217_exponent(units: Any, currency: str, shown: str) -> None:
    assert money(units, currency) == shown


def test_items_prices_quantities_and_totals(cart_order: dict[str, Any]) -> None:
    cart = section(cart_order)
    items = cart.all("tr", "item")
    assert [i.one(cls="name").text for i in items] == [p["name"] for p in cart_order["orderProducts"]]
    first = items[0]
    product = cart_order["orderProducts"][0]
    assert first.one("img").attrs["src"] == product["imageUrl"]
    assert first.one("img").attrs["alt"] == product["name"]
    assert product["imageUrl"] in first.one(cls="url").text  # offline, the URL is still there
    assert first.one("a", "name").attrs["href"] == product["productUrl"]
    assert first.one(cls="description").text == product["description"]
    assert first.one(cls="price").text == money(product["price"], "USD")
    quantities = [i.one(cls="quantity").text for i in items]
    assert quantities == [f"× {p['quantity']}" for p in cart_order["orderProducts"]]
    line = items[1].one(cls="line-total").text
    second = cart_order["orderProducts"][1]
    assert line == money(int(second["price"]) * int(second["quantity"]), "USD")
    assert cells(cart.one("tr", "total")) == ["Total", money(cart_order["totalPrice"], "USD")]
    button = cart.one("a", "button")
    assert button.text == "Return to checkout" and button.attrs["href"] == cart_order["orderUrl"]
    assert cart.all(cls="flag") == [] and cart.all("ul", "findings") == []


def test_a_jpy_cart_shows_yen_without_decimals(cart_order: dict[str, Any]) -> None:
    cart_order.update(currency="JPY", totalPrice=3000, shippingAmount=0, discountAmount=500, taxAmount=500)
    cart_order["orderProducts"] = [dict(cart_order["orderProducts"][1], price=1500, quantity=2)]
    cart = section(cart_order)
    assert cart.one(cls="price").text == "¥1,500"
    assert cart.one(cls="line-total").text == "¥3,000"
    assert cells(cart.one("tr", "total")) == ["Total", "¥3,000"]
    assert cells(cart.one("tr", "discountAmount")) == ["Discount", "−¥500"]
    assert cells(cart.one("tr", "taxAmount")) == ["Tax", "¥500"] and cart.all("tr", "shippingAmount") == []


def test_everything_from_the_cart_is_escaped(cart_order: dict[str, Any]) -> None:
    evil = "<script>alert(1)</script>"
    cart_order["externalcheckoutid"] = '"><img src=x onerror=alert(1)>'
    product = cart_order["orderProducts"][0]
    product.update(
        name=evil, description=f"<b>{evil}</b>", imageUrl='https://x.example/a.jpg" onerror="alert(1)'
    )
    del product["productUrl"]  # its finding quotes the name
    cart_order["orderUrl"] = "javascript:alert(1)"
    html = page("t", "l", cart_section(cart_order, preview_findings(cart_order), "<i>x</i>.json"))
    root = parse(html)
    assert root.all("script") == [] and root.all("b") == [] and root.all("i") == []
    assert all("onerror" not in e.attrs for e in root.all())
    cart = root.one("section", "cart")
    assert cart.all(cls="name")[0].text == evil
    assert cart.one("h2").text == 'Cart "><img src=x onerror=alert(1)>'
    assert cart.all("img")[0].attrs["src"] == 'https://x.example/a.jpg" onerror="alert(1)'
    assert cart.all("a", "button") == []  # javascript: is not a link
    assert cart.one("span", "button").text == "Return to checkout"
    assert evil in cart.one("ul", "findings").text


def test_missing_fields_are_marked_in_the_page_and_found(cart_order: dict[str, Any]) -> None:
    first, second = cart_order["orderProducts"]
    del first["imageUrl"], cart_order["orderUrl"]
    second["productUrl"] = "http://example.com/products/jump-rope"
    second["description"] = "x" * (DESCRIPTION_SHOWN + 20)
    found = {f.path: f for f in preview_findings(cart_order, "ecomOrder")}
    assert set(found) == {
        "ecomOrder.orderUrl",
        "ecomOrder.orderProducts[0].imageUrl",
        "ecomOrder.orderProducts[1].productUrl",
        "ecomOrder.orderProducts[1].description",
    }
    assert all(f.severity is Severity.WARNING for f in found.values())
    assert "Return to checkout" in found["ecomOrder.orderUrl"].message
    assert "not https" in found["ecomOrder.orderProducts[1].productUrl"].message
    cart = section(cart_order)
    items = cart.all("tr", "item")
    assert items[0].all("img") == [] and items[0].one(cls="missing").text == "no image"
    assert [f.text for f in items[0].all(cls="flag")] == ["no imageUrl"]
    assert [f.text for f in items[1].all(cls="flag")] == ["productUrl is not https"]
    assert items[1].one(cls="description").text.startswith("x" * DESCRIPTION_SHOWN + "… (cut: 120")
    assert cart.one("span", "button").classes == {"button", "dead"}
    assert cart.one(cls="actions").one(cls="flag").text == "no orderUrl"
    assert len(cart.one("ul", "findings").all("li")) == 4


def test_a_complete_cart_has_no_findings_and_an_order_its_own_button(cart_order: dict[str, Any]) -> None:
    assert preview_findings(cart_order) == []
    order = copy.deepcopy(cart_order)
    order["externalid"] = "1057"
    cart = section(order)
    assert cart.attrs["data-kind"] == "order" and cart.one("h2").text == "Order 1057"
    assert cart.one("a", "button").text == "View your order"


def test_a_cart_without_products_is_found_and_still_renders(cart_order: dict[str, Any]) -> None:
    cart_order["orderProducts"] = []
    assert [f.path for f in preview_findings(cart_order)] == ["orderProducts"]
    assert section(cart_order).all("tr", "item") == []


def test_the_page_is_self_contained(cart_order: dict[str, Any]) -> None:
    root = parse(page("Preview", "lead", cart_section(cart_order)))
    assert root.all("script") == [] and root.all("link") == []
    assert len(root.all("style")) == 1 and "url(" not in root.one("style").text
    sources = {e.attrs["src"] for e in root.all("img")}
    assert sources == {p["imageUrl"] for p in cart_order["orderProducts"]}  # the carts' own images only
