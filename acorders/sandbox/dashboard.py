"""The sandbox's read-only dashboard at ``/``: what arrived, so a rehearsal can be looked at.

Connections, customers, carts and orders with their state and when each arrived and was last changed,
each cart as the abandoned-cart email would show it (acorders.report.html, the page ``preview`` writes),
and the last requests: method, path and status only. Query strings, headers and bodies are left out, so
no key can show (the path is redacted too, in case a client put one there). Everything is escaped.

Only a browser gets it (an Accept header with text/html): an API client that asks for ``/`` still gets
the HTML 404 page the real API answers there, recorded and rate limited like any other request.
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterable, Sequence
from contextlib import suppress
from html import escape
from typing import Any

from acorders.report.html import cart_section, page
from acorders.report.preview import money, preview_findings

from .store import Record, Store

PAGE = "<!DOCTYPE html>\n<html><head><title>{0}</title></head><body><h1>{0}</h1></body></html>\n"
STATES = {"1": "order", "2": "abandoned", "3": "recovered"}
LAST_REQUESTS = 50


def _cell(value: Any) -> str:
    return f"<td>{escape('' if value is None else str(value), quote=True)}</td>"


def _table(name: str, title: str, heads: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    body = "".join(f"<tr>{''.join(_cell(v) for v in row)}</tr>" for row in rows)
    if not body:
        body = f'<tr><td colspan="{len(heads)}" class="none">none yet</td></tr>'
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    return (
        f'<section class="panel" id="{name}"><h2>{escape(title)}</h2>'
        f"<table><tr>{head}</tr>{body}</table></section>"
    )


def _order_with_items(store: Store, row: Record) -> dict[str, Any]:
    """The stored order with its products, as the preview reads a cart (stored values are strings)."""
    products = [
        {k: v for k, v in p.items() if k != "orderid"} for p in store.all("product", orderid=row["id"])
    ]
    return {**row, "orderProducts": products}


def _orders(store: Store, orders: list[Record]) -> tuple[str, str]:
    rows = [
        (
            o["id"],
            STATES.get(str(o.get("state")), o.get("state")),
            o.get("externalcheckoutid"),
            o.get("externalid"),
            o.get("email"),
            money(o.get("totalPrice"), o.get("currency")),
            o.get("createdDate"),
            o.get("updatedDate"),
        )
        for o in orders
    ]
    heads = ("id", "state", "externalcheckoutid", "externalid", "email", "total", "arrived", "updated")
    previews = []
    for o in orders:
        full = _order_with_items(store, o)
        label = f"#{o['id']}, {STATES.get(str(o.get('state')), '?')}, updated {o.get('updatedDate')}"
        previews.append(cart_section(full, preview_findings(full), label))
    return _table("orders", "Carts and orders", heads, rows), "".join(previews)


def _requests(requests: Sequence[Any], key: str) -> str:
    def shown(path: str) -> str:
        return path.replace(key, "<key>") if key else path

    rows = [
        (
            datetime.datetime.fromtimestamp(r.time, datetime.timezone.utc).strftime("%H:%M:%S"),
            r.method,
            shown(r.path),
            "dropped" if r.dropped else r.status,
        )
        for r in list(requests)[-LAST_REQUESTS:][::-1]
    ]
    return _table(
        "requests", f"Last {LAST_REQUESTS} requests", ("time (UTC)", "method", "path", "status"), rows
    )


def render(store: Store, requests: Sequence[Any], key: str = "") -> str:
    """The dashboard page from the store and the recorded requests (newest first, the last 50)."""
    with store.lock:
        connections = store.all("connection")
        customers = store.all("customer")
        orders = store.all("order")
        orders_table, previews = _orders(store, orders)
    body = (
        _table(
            "connections",
            "Connections",
            ("id", "service", "externalid", "name", "arrived"),
            [
                (c["id"], c.get("service"), c.get("externalid"), c.get("name"), c.get("createdDate"))
                for c in connections
            ],
        )
        + _table(
            "customers",
            "Customers",
            ("id", "connectionid", "externalid", "email", "arrived"),
            [
                (c["id"], c.get("connectionid"), c.get("externalid"), c.get("email"), c.get("createdDate"))
                for c in customers
            ],
        )
        + orders_table
        + _requests(requests, key)
        + (f'<h2 class="previews">Previews</h2>{previews}' if previews else "")
    )
    lead = (
        f"{len(connections)} connection(s), {len(customers)} customer(s), "
        f"{len(orders)} cart(s) and order(s); read-only, reload to refresh"
    )
    return page("acorders sandbox", lead, body).replace("</style>", DASHBOARD_CSS + "</style>", 1)


DASHBOARD_CSS = """
.panel{background:#fff;margin:0 0 24px;padding:16px;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.15);
overflow-x:auto}
.panel h2{font-size:16px;margin:0 0 8px}
.panel table{border-collapse:collapse;font-size:13px;width:100%}
.panel th,.panel td{text-align:left;padding:4px 8px;border-top:1px solid #e4e7eb;white-space:nowrap}
.none{color:#7b8794}
h2.previews{font-size:18px}
"""


def loopback_host(header: str | None) -> bool:
    """A Host header naming this machine (localhost, 127.0.0.0/8, ::1): any other name reaching a loopback
    port is a page elsewhere rebinding its DNS to read ours."""
    host = (header or "").strip()
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.rsplit(":", 1)[0]
    if host.lower() == "localhost":
        return True
    with suppress(ValueError):
        return ipaddress.ip_address(host).is_loopback
    return False


def answer(
    method: str, path: str, host: str | None, store: Store, requests: Sequence[Any], key: str
) -> tuple[int, str, dict[str, str]]:
    """(status, page, headers) for a request to ``/``: read-only, for a browser on this machine."""
    if path != "/":  # a browser's /favicon.ico: there is none
        return 404, PAGE.format("404 Not Found"), {}
    if not loopback_host(host):
        return 403, PAGE.format("403 Forbidden: open the dashboard at 127.0.0.1"), {}
    if method not in ("GET", "HEAD"):
        return 405, PAGE.format("405 Method Not Allowed: the dashboard is read-only"), {"Allow": "GET, HEAD"}
    return 200, render(store, requests, key), {"Cache-Control": "no-store"}
