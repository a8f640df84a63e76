"""The preview page: each cart as ActiveCampaign's abandoned-cart email block presents it, in one file.

Self-contained on purpose (inline CSS, no script, no asset but the carts' own images), so it can be
mailed, attached to a ticket or opened offline; an image that does not load leaves its alt text, and its
URL is printed under it. Every string from a cart goes through ``html.escape``, and only http(s) URLs
become links or image sources: a product named ``<script>`` is text, an ``orderUrl`` of ``javascript:``
links nowhere. The sandbox dashboard shows its carts with ``cart_section`` too.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any
from urllib.parse import urlsplit

from acorders.models import Finding, Severity, ids, is_cart
from acorders.report.preview import amount, money, shown_description

CSS = """
body{font-family:Helvetica,Arial,sans-serif;background:#eef1f5;color:#1f2933;margin:0;padding:24px}
h1{font-size:22px;margin:0 0 4px}
.lead{color:#52606d;margin:0 0 24px}
.cart{background:#fff;max-width:640px;margin:0 auto 32px;padding:24px;border-radius:6px;
box-shadow:0 1px 3px rgba(0,0,0,.15)}
.cart h2{font-size:18px;margin:0 0 4px}
.origin{color:#7b8794;font-size:12px;margin:0 0 12px;word-break:break-all}
.findings{background:#fff8e1;border-left:4px solid #f0b429;margin:0 0 16px;padding:8px 8px 8px 28px;
font-size:13px}
.findings .error{color:#ab091e}
table.items{width:100%;border-collapse:collapse}
.items th{font-size:11px;color:#7b8794;text-transform:uppercase;text-align:left;padding:0 8px 6px}
.items th.num{text-align:right}
.items td{border-top:1px solid #e4e7eb;padding:12px 8px;vertical-align:top;font-size:14px}
.image{width:104px}
.image img{width:96px;height:96px;object-fit:cover;display:block;background:#f5f7fa;color:#52606d;
font-size:12px}
.url{display:block;font-size:10px;color:#7b8794;word-break:break-all;max-width:96px}
.missing{display:flex;align-items:center;justify-content:center;text-align:center;width:94px;
height:94px;border:1px dashed #d64545;color:#d64545;font-size:12px;background:#fff5f5}
.name{font-weight:bold;color:#1f2933}
a.name{color:#2680c2}
.description{color:#52606d;margin:4px 0 0}
.cut{color:#d64545;font-size:11px}
.num{text-align:right;white-space:nowrap}
table.totals{margin:12px 0 0 auto;font-size:14px}
.totals td{padding:2px 8px}
.totals .total td{font-weight:bold;border-top:1px solid #9aa5b1;padding-top:6px}
.actions{text-align:center;margin:20px 0 0}
.button{display:inline-block;background:#2680c2;color:#fff;text-decoration:none;padding:12px 28px;
border-radius:4px;font-weight:bold}
.button.dead{background:#fff5f5;color:#d64545;border:1px dashed #d64545}
.flag{color:#d64545;font-size:11px;display:block}
"""


HEAD = (
    '<tr class="head"><th colspan="2">Item</th><th class="num">Price</th><th class="num">Qty</th>'
    '<th class="num">Total</th></tr>'
)


def _text(value: Any) -> str:
    return "" if value is None else escape(str(value), quote=True)


def _link(value: Any) -> str | None:
    """The URL escaped for an attribute, if it is one a browser may follow (http or https)."""
    if not isinstance(value, str) or not value.strip():
        return None
    if urlsplit(value.strip()).scheme.lower() not in ("http", "https"):
        return None
    return escape(value.strip(), quote=True)


def _flag(value: Any, what: str) -> str:
    """A mark beside a URL the customer would not get, or get flagged as insecure."""
    if value is None or value == "":
        return f'<span class="flag">no {what}</span>'
    if isinstance(value, str) and urlsplit(value.strip()).scheme.lower() != "https":
        return f'<span class="flag">{what} is not https</span>'
    return ""


def _image(item: dict[str, Any]) -> str:
    src = _link(item.get("imageUrl"))
    if src is None:
        return '<div class="missing">no image</div>' + _flag(item.get("imageUrl"), "imageUrl")
    alt = _text(item.get("name")) or "product image"
    return (
        f'<img src="{src}" alt="{alt}" width="96" height="96">'
        f'<span class="url">{_text(item.get("imageUrl"))}</span>{_flag(item.get("imageUrl"), "imageUrl")}'
    )


def _details(item: dict[str, Any]) -> str:
    name = _text(item.get("name")) or "(no name)"
    href = _link(item.get("productUrl"))
    title = f'<a class="name" href="{href}">{name}</a>' if href else f'<span class="name">{name}</span>'
    out = title + _flag(item.get("productUrl"), "productUrl")
    description = item.get("description")
    if isinstance(description, str) and description:
        shown, cut = shown_description(description)
        mark = f' <span class="cut">(cut: {len(description)} characters)</span>' if cut else ""
        out += f'<p class="description">{_text(shown)}{mark}</p>'
    return out


def _item_row(item: Any, currency: Any) -> str:
    if not isinstance(item, dict):
        return ""
    price, quantity = amount(item.get("price")), amount(item.get("quantity"))
    line = money(price * quantity, currency) if price is not None and quantity is not None else ""
    return (
        f'<tr class="item"><td class="image">{_image(item)}</td><td class="details">{_details(item)}</td>'
        f'<td class="num price">{_text(money(item.get("price"), currency))}</td>'
        f'<td class="num quantity">× {_text(item.get("quantity"))}</td>'
        f'<td class="num line-total">{_text(line)}</td></tr>'
    )


_MINUS = "−"  # a discount is taken off


def _totals(order: dict[str, Any]) -> str:
    currency = order.get("currency")
    rows = [
        (label, key)
        for label, key in (
            ("Shipping", "shippingAmount"),
            ("Tax", "taxAmount"),
            ("Discount", "discountAmount"),
        )
        if amount(order.get(key))
    ]
    rows.append(("Total", "totalPrice"))
    out = "".join(
        f'<tr class="{"total" if key == "totalPrice" else key}"><td>{label}</td>'
        f'<td class="num">{_MINUS if key == "discountAmount" else ""}{_text(money(order.get(key), currency))}'
        "</td></tr>"
        for label, key in rows
    )
    return f'<table class="totals">{out}</table>'


def _button(order: dict[str, Any]) -> str:
    href = _link(order.get("orderUrl"))
    label = "Return to checkout" if is_cart(order) else "View your order"
    if href is None:
        return f'<span class="button dead">{label}</span>{_flag(order.get("orderUrl"), "orderUrl")}'
    return f'<a class="button" href="{href}">{label}</a>{_flag(order.get("orderUrl"), "orderUrl")}'


def _findings(findings: Iterable[Finding]) -> str:
    items = "".join(
        f'<li class="{f.severity.value}">{_text(f.path + ": " if f.path else "")}{_text(f.message)}</li>'
        for f in findings
        if f.severity is not Severity.INFO
    )
    return f'<ul class="findings">{items}</ul>' if items else ""


def cart_section(order: dict[str, Any], findings: Iterable[Finding] = (), origin: str = "") -> str:
    """One cart (or order) as the email block shows it, with what the customer would miss above it."""
    checkout, external = ids(order)
    kind = "cart" if is_cart(order) else "order"
    title = f"Cart {checkout}" if kind == "cart" else f"Order {external or checkout or '(no id)'}"
    products = order.get("orderProducts")
    rows = (
        "".join(_item_row(p, order.get("currency")) for p in products) if isinstance(products, list) else ""
    )
    where = f'<p class="origin">{_text(origin)}</p>' if origin else ""
    return (
        f'<section class="cart" data-kind="{kind}"><h2>{_text(title)}</h2>{where}{_findings(findings)}'
        f'<table class="items">{HEAD}{rows}</table>{_totals(order)}'
        f'<p class="actions">{_button(order)}</p></section>'
    )


def page(title: str, lead: str, body: str) -> str:
    """A whole self-contained page around ``body`` (already escaped HTML)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_text(title)}</title><style>{CSS}</style></head>"
        f'<body><h1>{_text(title)}</h1><p class="lead">{_text(lead)}</p>{body}</body></html>\n'
    )


def not_shown(origin: str, findings: Iterable[Finding]) -> str:
    """A document with no cart to show (unreadable, not an object): where it is and why."""
    return (
        f'<section class="cart unreadable"><h2>Not shown</h2><p class="origin">{_text(origin)}</p>'
        f"{_findings(findings)}</section>"
    )
