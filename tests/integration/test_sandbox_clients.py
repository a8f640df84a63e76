"""Third-party clients that page and bookmark ActiveCampaign's lists read every record back from the sandbox.

The Singer tap ``tap-activecampaign`` (singer-io, 1.3.1) is the common case. It is not a dependency: to run
it, install it in a venv of its own and name that venv's python, e.g.::

    python3 -m venv /tmp/tapvenv && /tmp/tapvenv/bin/pip install tap-activecampaign==1.3.1
    export ACORDERS_SINGER_TAP_PYTHON=/tmp/tapvenv/bin/python
    python -m pytest tests/integration/test_sandbox_clients.py

Without it, ``test_a_client_paging_and_bookmarking_like_the_singer_tap_reads_everything`` still does what that
tap does, with requests: offset/limit pages of 100 until ``meta.total``, one ``orderProducts`` listing per
order, and records kept only when their bookmark (``updatedDate``, ``tstamp``, ``udate`` else ``cdate``) is a
date-time at or after the start date. Before the sandbox carried those fields it read 0 customers and 0
connections, and died on the missing order-products route.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from acorders.sandbox import Sandbox, SandboxConfig
from acorders.sandbox.records import instant

START = datetime(2000, 1, 1, tzinfo=timezone.utc)
DATE = "2016-09-13T17:41:39-04:00"
TAP_PYTHON = os.environ.get("ACORDERS_SINGER_TAP_PYTHON")
# the tap only accepts public https URLs; the sandbox is plain http on loopback, so that one check is waived
TAP_MAIN = (
    "import sys, tap_activecampaign.client as c\n"
    "c.is_api_url_valid = lambda url: True\n"
    "import tap_activecampaign\n"
    "sys.exit(tap_activecampaign.main())\n"
)
STREAMS = {
    "ecommerce_connections": "connections",
    "ecommerce_customers": "ecomCustomers",
    "ecommerce_orders": "ecomOrders",
    "ecommerce_order_products": "ecomOrderProducts",
}


def seed(sb: Sandbox, customers: int, orders: int) -> dict[str, int]:
    """Connections, customers and orders (with products) created through the API; how many of each."""
    session = requests.Session()
    session.headers["Api-Token"] = sb.config.api_key
    base = sb.url + "/api/3"

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = session.post(base + path, json=body, timeout=10)
        assert resp.status_code in (200, 201), resp.text
        return resp.json()

    shops = [
        post("/connections", {"connection": {"service": "shop", "externalid": f"s{i}", "name": f"Shop {i}"}})
        for i in range(2)
    ]
    ids = []
    for i in range(customers):
        conn = shops[i % 2]["connection"]["id"]
        body = {
            "connectionid": conn,
            "externalid": f"u{i}",
            "email": f"user{i % (customers - 3)}@example.com",
        }
        ids.append((conn, post("/ecomCustomers", {"ecomCustomer": body})["ecomCustomer"]["id"]))
    for i in range(orders):
        conn, cust = ids[i % len(ids)]
        products = [
            {"externalid": f"P{j}", "name": "Pogo", "price": 100, "quantity": 1} for j in range(1 + i % 2)
        ]
        order = {
            "email": "user@example.com",
            "totalPrice": 100,
            "currency": "USD",
            "connectionid": conn,
            "customerid": cust,
            "externalCreatedDate": DATE,
            "orderProducts": products,
            **({"externalid": f"o{i}"} if i % 3 else {"externalcheckoutid": f"c{i}", "abandonedDate": DATE}),
        }
        post("/ecomOrders", {"ecomOrder": order})
    session.close()
    store = sb.store
    return {
        "ecommerce_connections": len(store.connections()),
        "ecommerce_customers": len(store.customers()),
        "ecommerce_orders": len(store.orders()),
        "ecommerce_order_products": len(store.all("product")),
    }


@pytest.fixture
def documented() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(rate=0, documented=True)) as sb:
        yield sb


def read_like_the_tap(sb: Sandbox) -> Counter[str]:
    """What tap-activecampaign 1.3.1 reads from the four e-commerce streams, done with requests."""
    session = requests.Session()
    session.headers.update({"Api-Token": sb.config.api_key, "Accept": "application/json"})
    read: Counter[str] = Counter()

    def stream(name: str, path: str, key: str, bookmark: str | None, created: str | None = None) -> list[Any]:
        records, offset, total = [], 0, 0
        while offset <= total:
            body = session.get(f"{sb.url}/api/3/{path}?offset={offset}&limit=100", timeout=10).json()
            page = body.get(key) or []
            for record in page:
                assert record.get("id"), f"{name}: a record without an id"
                value = (
                    record.get(bookmark) or (record.get(created) if created else None) if bookmark else "x"
                )
                if bookmark is None or ((moment := instant(value)) is not None and moment >= START):
                    read[name] += 1
            records.extend(page)
            total = int(body.get("meta", {}).get("total") or 0) or len(page)
            offset += 100
        return records

    assert session.get(f"{sb.url}/api/3/", timeout=10).status_code == 200  # the tap's check of URL and key
    stream("ecommerce_connections", "connections", "connections", "udate", "cdate")
    stream("ecommerce_customers", "ecomCustomers", "ecomCustomers", "tstamp")
    for order in stream("ecommerce_orders", "ecomOrders", "ecomOrders", "updatedDate"):
        resp = session.get(
            f"{sb.url}/api/3/ecomOrders/{order['id']}/orderProducts?offset=0&limit=100", timeout=10
        )
        assert resp.status_code == 200, resp.text  # the tap raises on anything else and dies
        read["ecommerce_order_products"] += len(resp.json()["ecomOrderProducts"])
    session.close()
    return read


def test_a_client_paging_and_bookmarking_like_the_singer_tap_reads_everything(documented: Sandbox) -> None:
    stored = seed(documented, customers=105, orders=205)  # more than one page of each list that pages
    assert stored["ecommerce_customers"] > 100 and stored["ecommerce_orders"] > 200
    assert read_like_the_tap(documented) == stored


def test_the_singer_tap_reads_records_answered_without_the_documented_knob() -> None:
    """Bookmark fields and routes do not depend on ``documented`` (only dates, 200/201, account rows do)."""
    with Sandbox(SandboxConfig(rate=0)) as sb:
        stored = seed(sb, customers=6, orders=5)
        assert read_like_the_tap(sb) == stored


def select_ecommerce(catalog: dict[str, Any]) -> dict[str, Any]:
    catalog["streams"] = [s for s in catalog["streams"] if s["tap_stream_id"] in STREAMS]
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = True
    return catalog


@pytest.mark.slow
@pytest.mark.skipif(
    not TAP_PYTHON, reason="set ACORDERS_SINGER_TAP_PYTHON to a python with tap-activecampaign"
)
def test_the_singer_tap_itself_reads_every_order_customer_and_connection(
    documented: Sandbox, tmp_path: Path
) -> None:
    assert TAP_PYTHON is not None
    stored = seed(documented, customers=105, orders=12)  # customers over two pages; the tap runs at 5 req/s
    config = {
        "api_url": documented.url,
        "api_token": documented.config.api_key,
        "start_date": "2000-01-01T00:00:00Z",
        "user_agent": "acorders-sandbox-test",
    }
    (tmp_path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    tap = [TAP_PYTHON, "-c", TAP_MAIN, "--config", str(tmp_path / "config.json")]
    found = subprocess.run([*tap, "--discover"], capture_output=True, text=True, timeout=120, check=True)
    (tmp_path / "catalog.json").write_text(
        json.dumps(select_ecommerce(json.loads(found.stdout))), encoding="utf-8"
    )
    synced = subprocess.run(
        [*tap, "--catalog", str(tmp_path / "catalog.json")], capture_output=True, text=True, timeout=300
    )
    assert synced.returncode == 0, synced.stderr[-3000:]
    messages = [json.loads(line) for line in synced.stdout.splitlines() if line.startswith("{")]
    read = Counter(m["stream"] for m in messages if m["type"] == "RECORD")
    assert read == stored, synced.stderr[-3000:]
    state = next(m["value"] for m in reversed(messages) if m["type"] == "STATE")
    assert set(state["bookmarks"]) == {"ecommerce_connections", "ecommerce_customers", "ecommerce_orders"}
    assert documented.config.api_key not in synced.stdout
