"""The embedded ActiveCampaign-compatible sandbox: real HTTP against a server on 127.0.0.1."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from acorders.sandbox import Sandbox, SandboxConfig, serve

ROOT = Path(__file__).resolve().parents[2]
DATE = "2016-09-13T17:41:39-04:00"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(rate=0)) as sb:
        yield sb


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[Client]:
    client = Client(sandbox)
    yield client
    client.session.close()


class Client:
    """A keep-alive session with the sandbox's key; paths are relative to /api/3."""

    def __init__(self, sandbox: Sandbox, key: str = "sandbox") -> None:
        self.base = sandbox.url + "/api/3"
        self.session = requests.Session()
        self.session.headers["Api-Token"] = key

    def __getattr__(self, method: str) -> Any:
        return lambda path, **kw: self.session.request(method.upper(), self.base + path, timeout=5, **kw)


def cart(**fields: Any) -> dict[str, Any]:
    """A valid abandoned cart body, with ``fields`` overriding (None removes a field)."""
    order: dict[str, Any] = {
        "externalcheckoutid": "3246315233",
        "source": "1",
        "email": "alice@example.com",
        "orderProducts": [
            {"externalid": "PROD1", "name": "Pogo Stick", "price": "4900", "quantity": "1"},
            {"externalid": "PROD2", "name": "Skateboard", "price": 3000, "quantity": 2},
        ],
        "externalCreatedDate": DATE,
        "abandonedDate": DATE,
        "totalPrice": 9111,
        "currency": "USD",
        "connectionid": "1",
        "customerid": 1,
        "orderUrl": "https://example.com/cart",
    }
    order.update(fields)
    return {"ecomOrder": {k: v for k, v in order.items() if v is not None}}


def order(externalid: str = "ORD-1", **fields: Any) -> dict[str, Any]:
    """A valid completed order body."""
    return cart(externalid=externalid, externalcheckoutid=None, abandonedDate=None, **fields)


def pointers(resp: requests.Response) -> dict[str, str]:
    assert resp.status_code == 422, resp.text
    return {e["source"]["pointer"]: e["code"] for e in resp.json()["errors"]}


# -- orders and carts ----------------------------------------------------------------------------


def test_create_cart_answers_like_activecampaign(api: Client) -> None:
    resp = api.post("/ecomOrders", json=cart())
    assert resp.status_code == 201
    assert resp.headers["Content-Type"] == "application/json"
    body = resp.json()
    o = body["ecomOrder"]
    assert o["id"] == "1" and o["state"] == "2"
    assert o["totalPrice"] == "9111" and o["connectionid"] == "1" and o["customerid"] == "1"
    assert o["currency"] == "usd"
    assert o["externalcheckoutid"] == "3246315233" and o["abandonedDate"] == DATE
    assert [(p["name"], p["price"], p["quantity"]) for p in body["ecomOrderProducts"]] == [
        ("Pogo Stick", "4900", "1"),
        ("Skateboard", "3000", "2"),
    ]
    assert body["ecomOrderDiscounts"] == []
    assert [c["id"] for c in body["connections"]] == ["1"]
    assert api.post("/ecomOrders", json=cart(externalcheckoutid="other")).json()["ecomOrder"]["id"] == "2"


def test_order_with_externalid_is_completed(api: Client) -> None:
    discounts = [{"name": "SUMMER", "type": "order", "discountAmount": 500}]
    body = api.post("/ecomOrders", json=order(orderDiscounts=discounts)).json()
    assert body["ecomOrder"]["state"] == "1"
    assert body["ecomOrderDiscounts"][0]["discountAmount"] == "500"


def test_get_and_missing_order(api: Client) -> None:
    oid = api.post("/ecomOrders", json=cart()).json()["ecomOrder"]["id"]
    got = api.get(f"/ecomOrders/{oid}")
    assert got.status_code == 200
    assert got.json()["ecomOrder"]["email"] == "alice@example.com"
    assert len(got.json()["ecomOrderProducts"]) == 2
    missing = api.get("/ecomOrders/999")
    assert missing.status_code == 404
    assert missing.json() == {"message": "No Result found for EcomOrder with id 999"}


def test_put_is_partial_replaces_products_and_recovers_cart(api: Client) -> None:
    oid = api.post("/ecomOrders", json=cart()).json()["ecomOrder"]["id"]
    new_products = [{"externalid": "PROD9", "name": "Kite", "price": 1500, "quantity": 1}]
    resp = api.put(
        f"/ecomOrders/{oid}", json={"ecomOrder": {"totalPrice": 1500, "orderProducts": new_products}}
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["ecomOrder"]["totalPrice"] == "1500"
    assert body["ecomOrder"]["email"] == "alice@example.com" and body["ecomOrder"]["state"] == "2"
    assert [p["name"] for p in body["ecomOrderProducts"]] == ["Kite"]
    assert [p["name"] for p in api.get(f"/ecomOrders/{oid}").json()["ecomOrderProducts"]] == ["Kite"]

    recovered = api.put(f"/ecomOrders/{oid}", json={"ecomOrder": {"externalid": "ORD-77"}}).json()[
        "ecomOrder"
    ]
    assert recovered["state"] == "3" and recovered["externalid"] == "ORD-77"
    assert recovered["externalcheckoutid"] == "3246315233"


def test_put_errors(api: Client) -> None:
    assert api.put("/ecomOrders/42", json={"ecomOrder": {"totalPrice": 1}}).status_code == 404
    oid = api.post("/ecomOrders", json=cart()).json()["ecomOrder"]["id"]
    assert pointers(api.put(f"/ecomOrders/{oid}", json={"ecomOrder": {"totalPrice": "12.50"}})) == {
        "/data/attributes/totalPrice": "field_invalid"
    }
    api.post("/ecomOrders", json=order("ORD-1"))
    dup = api.put(f"/ecomOrders/{oid}", json={"ecomOrder": {"externalid": "ORD-1"}})
    assert pointers(dup) == {"/data/attributes/externalid": "duplicate"}
    assert api.get(f"/ecomOrders/{oid}").json()["ecomOrder"]["state"] == "2"


def test_delete(api: Client) -> None:
    oid = api.post("/ecomOrders", json=cart()).json()["ecomOrder"]["id"]
    resp = api.delete(f"/ecomOrders/{oid}")
    assert (resp.status_code, resp.json()) == (200, {})
    assert api.get(f"/ecomOrders/{oid}").status_code == 404
    assert api.delete(f"/ecomOrders/{oid}").status_code == 404


def test_list_filters(api: Client) -> None:
    api.post("/ecomOrders", json=cart(externalcheckoutid="c1", email="a@x.io"))
    api.post("/ecomOrders", json=cart(externalcheckoutid="c2", connectionid=2, customerid=2))
    api.post("/ecomOrders", json=order("o1", email="b@x.io"))

    def ids(**filters: str) -> list[str]:
        params = {f"filters[{k}]": v for k, v in filters.items()}
        body = api.get("/ecomOrders", params=params).json()
        assert body["meta"]["total"] == str(len(body["ecomOrders"]))
        return [o["id"] for o in body["ecomOrders"]]

    assert ids() == ["1", "2", "3"]
    assert ids(connectionid="2") == ["2"]
    assert ids(customerid="1") == ["1", "3"]
    assert ids(externalcheckoutid="c1") == ["1"]
    assert ids(externalid="o1") == ["3"]
    assert ids(email="b@x.io") == ["3"]
    assert ids(state="2") == ["1", "2"]
    assert ids(state="1", connectionid="1") == ["3"]
    assert ids(externalid="nope") == []
    assert ids(unknownfilter="x") == ["1", "2", "3"]  # the real API ignores filters it does not know


def test_list_paging_total_and_order(api: Client, sandbox: Sandbox) -> None:
    for i in range(105):
        sandbox.store.insert("order", {"externalcheckoutid": f"c{i}", "state": "2", "connectionid": "1"})
    body = api.get("/ecomOrders").json()
    assert len(body["ecomOrders"]) == 20 and body["meta"]["total"] == "105"
    body = api.get("/ecomOrders", params={"limit": 5, "offset": 10}).json()
    assert [o["id"] for o in body["ecomOrders"]] == ["11", "12", "13", "14", "15"]
    assert body["meta"]["total"] == "105"
    assert len(api.get("/ecomOrders", params={"limit": 500}).json()["ecomOrders"]) == 100
    desc = api.get("/ecomOrders", params={"limit": 3, "orders[id]": "DESC"}).json()["ecomOrders"]
    assert [o["id"] for o in desc] == ["105", "104", "103"]
    assert api.get("/ecomOrders", params={"offset": 200}).json() == {
        "ecomOrders": [],
        "meta": {"total": "105"},
    }


# -- validation ----------------------------------------------------------------------------------


def test_422_pointers(api: Client) -> None:
    bad = cart(
        email=None,
        currency="US",
        totalPrice=-5,
        customerid="abc",
        externalCreatedDate=None,
        orderProducts=[
            {"externalid": "P", "name": "Pogo", "price": "49.99", "quantity": 1},
            {"externalid": "P2", "price": 1, "quantity": 1},
        ],
    )
    assert pointers(api.post("/ecomOrders", json=bad)) == {
        "/data/attributes/email": "field_missing",
        "/data/attributes/currency": "field_invalid",
        "/data/attributes/totalPrice": "field_invalid",
        "/data/attributes/customerid": "field_invalid",
        "/data/attributes/externalCreatedDate": "field_missing",
        "/data/attributes/orderProducts/0/price": "field_invalid",
        "/data/attributes/orderProducts/1/name": "field_missing",
    }
    error = api.post("/ecomOrders", json=bad).json()["errors"][0]
    assert set(error) == {"title", "detail", "code", "source"} and error["title"]


def test_cart_needs_checkout_id_and_abandoned_date(api: Client) -> None:
    assert pointers(api.post("/ecomOrders", json=cart(externalcheckoutid=None, abandonedDate=None))) == {
        "/data/attributes/externalcheckoutid": "field_missing",
        "/data/attributes/abandonedDate": "field_missing",
    }
    assert api.get("/ecomOrders").json()["meta"]["total"] == "0"


def test_400_for_malformed_or_unwrapped_body(api: Client) -> None:
    for data in (b"{not json", b"", b"[1, 2]", b'{"order": {}}', b'{"ecomOrder": "x"}'):
        resp = api.post("/ecomOrders", data=data, headers={"Content-Type": "application/json"})
        assert (resp.status_code, resp.json()) == (400, {}), data


# -- duplicates, strict references ---------------------------------------------------------------


def test_duplicates_rejected(api: Client) -> None:
    assert api.post("/ecomOrders", json=cart()).status_code == 201
    assert pointers(api.post("/ecomOrders", json=cart(totalPrice=1))) == {
        "/data/attributes/externalcheckoutid": "duplicate"
    }
    assert api.post("/ecomOrders", json=cart(connectionid=2)).status_code == 201  # other connection
    assert api.post("/ecomOrders", json=order("ORD-1")).status_code == 201
    assert pointers(api.post("/ecomOrders", json=order("ORD-1"))) == {
        "/data/attributes/externalid": "duplicate"
    }
    assert api.get("/ecomOrders").json()["meta"]["total"] == "3"


def test_duplicates_accepted(api: Client, sandbox: Sandbox) -> None:
    sandbox.config.duplicates = "accept"
    first = api.post("/ecomOrders", json=cart()).json()["ecomOrder"]["id"]
    second = api.post("/ecomOrders", json=cart()).json()["ecomOrder"]["id"]
    assert first != second
    assert len(sandbox.store.orders(externalcheckoutid="3246315233")) == 2


def test_concurrent_duplicate_posts_create_one_cart(api: Client, sandbox: Sandbox) -> None:
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(
                lambda _: (
                    requests.post(
                        api.base + "/ecomOrders", json=cart(), headers={"Api-Token": "sandbox"}, timeout=5
                    ).status_code
                ),
                range(8),
            )
        )
    assert sorted(statuses) == [201] + [422] * 7
    assert len(sandbox.store.orders()) == 1


def test_lenient_creates_unknown_connection_and_customer(api: Client, sandbox: Sandbox) -> None:
    assert api.post("/ecomOrders", json=cart(connectionid=7, customerid=12)).status_code == 201
    assert api.get("/connections/7").json()["connection"]["service"] == "sandbox"
    customer = api.get("/ecomCustomers/12").json()["ecomCustomer"]
    assert (customer["connectionid"], customer["email"]) == ("7", "alice@example.com")


def test_strict_refuses_unknown_references(api: Client, sandbox: Sandbox) -> None:
    sandbox.config.strict = True
    assert pointers(api.post("/ecomOrders", json=cart(connectionid=7, customerid=12))) == {
        "/data/attributes/connectionid": "field_invalid",
        "/data/attributes/customerid": "field_invalid",
    }
    shop = {"service": "shop", "externalid": "s1", "name": "Shop"}  # strict: the document requires the URLs
    urls = {"logoUrl": "https://shop.example/logo.png", "linkUrl": "https://shop.example"}
    conn = api.post("/connections", json={"connection": {**shop, **urls}})
    cid = conn.json()["connection"]["id"]
    account_row = sandbox.store.add_account_customer("alice@example.com")
    assert pointers(api.post("/ecomOrders", json=cart(connectionid=cid, customerid=account_row["id"]))) == {
        "/data/attributes/customerid": "field_invalid"
    }
    cust = api.post(
        "/ecomCustomers",
        json={
            "ecomCustomer": {
                "connectionid": cid,
                "externalid": "u1",
                "email": "alice@example.com",
                "acceptsMarketing": "1",
            }
        },
    )
    assert (
        api.post(
            "/ecomOrders", json=cart(connectionid=cid, customerid=cust.json()["ecomCustomer"]["id"])
        ).status_code
        == 201
    )


# -- customers, connections, user ----------------------------------------------------------------


def test_customers(api: Client, sandbox: Sandbox) -> None:
    payload = {
        "ecomCustomer": {"connectionid": "1", "externalid": "u1", "email": "a@x.io", "acceptsMarketing": "1"}
    }
    resp = api.post("/ecomCustomers", json=payload)
    assert resp.status_code == 201
    cust = resp.json()["ecomCustomer"]
    assert cust["id"] == "1" and cust["externalid"] == "u1" and cust["acceptsMarketing"] == "1"
    assert pointers(api.post("/ecomCustomers", json=payload)) == {"/data/attributes/externalid": "duplicate"}
    assert pointers(api.post("/ecomCustomers", json={"ecomCustomer": {"connectionid": "1"}})) == {
        "/data/attributes/externalid": "field_missing",
        "/data/attributes/email": "field_missing",
    }
    sandbox.store.add_account_customer("a@x.io")
    rows = api.get("/ecomCustomers", params={"filters[email]": "a@x.io"}).json()
    assert rows["meta"]["total"] == "2"
    assert sorted(r["connectionid"] for r in rows["ecomCustomers"]) == ["0", "1"]
    rows = api.get("/ecomCustomers", params={"filters[email]": "a@x.io", "filters[connectionid]": "1"}).json()
    assert [r["id"] for r in rows["ecomCustomers"]] == ["1"]
    assert api.get(
        "/ecomCustomers", params={"filters[externalid]": "u1", "limit": 1, "offset": 1}
    ).json() == {"ecomCustomers": [], "meta": {"total": "1"}}
    assert api.get("/ecomCustomers/1").json()["ecomCustomer"]["email"] == "a@x.io"
    assert api.get("/ecomCustomers/99").json() == {"message": "No Result found for EcomCustomer with id 99"}


def test_connections(api: Client) -> None:
    payload = {
        "connection": {
            "service": "shop",
            "externalid": "example.com",
            "name": "Example",
            "logoUrl": "https://example.com/logo.png",
            "linkUrl": "https://example.com",
        }
    }
    resp = api.post("/connections", json=payload)
    assert resp.status_code == 201 and resp.json()["connection"]["id"] == "1"
    assert pointers(api.post("/connections", json=payload)) == {"/data/attributes/externalid": "duplicate"}
    body = api.get(
        "/connections", params={"filters[service]": "shop", "filters[externalid]": "example.com"}
    ).json()
    assert [c["name"] for c in body["connections"]] == ["Example"] and body["meta"]["total"] == "1"
    assert api.get("/connections", params={"filters[service]": "other"}).json()["meta"]["total"] == "0"
    assert api.get("/connections/1").json()["connection"]["linkUrl"] == "https://example.com"
    assert api.get("/connections/5").status_code == 404


def test_users_me(api: Client) -> None:
    resp = api.get("/users/me")
    assert resp.status_code == 200 and resp.json()["user"]["username"] == "sandbox"


# -- HTTP plumbing -------------------------------------------------------------------------------


def test_auth_403(sandbox: Sandbox) -> None:
    for headers in ({}, {"Api-Token": "wrong"}):
        resp = requests.get(sandbox.url + "/api/3/users/me", headers=headers, timeout=5)
        assert resp.status_code == 403
        assert resp.json() == {"message": "You are not authorized to access this resource"}
    sandbox.config.api_key = "wrong"
    assert requests.get(sandbox.url + "/api/3/users/me", headers={"Api-Token": "wrong"}, timeout=5).ok


def test_404_json_under_api_but_html_elsewhere(api: Client, sandbox: Sandbox) -> None:
    resp = api.get("/noSuchThing")
    assert resp.status_code == 404 and resp.json() == {"message": "No Result found for route"}
    for path in ("/", "/ecomOrders"):
        page = api.session.get(sandbox.url + path, timeout=5)
        assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
        assert "<html" in page.text


def test_rate_limit(sandbox: Sandbox, api: Client) -> None:
    sandbox.config.rate = 5
    responses = [api.get("/users/me") for _ in range(10)]
    limited = [r for r in responses if r.status_code == 429]
    assert 1 <= len(limited) <= 5  # a full bucket of 5, plus what trickles in meanwhile (5 when fast)
    assert all(int(r.headers["Retry-After"]) >= 1 for r in limited)
    assert limited[0].json() == {"message": "Too Many Requests"}
    assert limited[0].headers["RateLimit-Remaining"] == "0" and limited[0].headers["RateLimit-Limit"] == "5"
    assert responses[0].status_code == 200 and responses[0].headers["RateLimit-Remaining"] == "4"
    assert sandbox.count(status=429) == len(limited)
    time.sleep(0.25)  # refills one token
    assert api.get("/users/me").status_code == 200

    sandbox.config.rate = 0
    assert all(api.get("/users/me").status_code == 200 for _ in range(20))


def test_latency_applies_per_request_and_overlaps(sandbox: Sandbox, api: Client) -> None:
    sandbox.config.latency = 0.3
    start = time.monotonic()
    assert api.get("/users/me").ok
    assert time.monotonic() - start >= 0.3
    start = time.monotonic()
    with ThreadPoolExecutor(5) as pool:
        results = list(
            pool.map(
                lambda _: requests.get(
                    sandbox.url + "/api/3/users/me", headers={"Api-Token": "sandbox"}, timeout=5
                ),
                range(5),
            )
        )
    assert all(r.ok for r in results)
    assert time.monotonic() - start < 0.9


def test_fail_next(sandbox: Sandbox, api: Client) -> None:
    sandbox.fail_next(2)
    first = api.post("/ecomOrders", json=cart())
    assert first.status_code == 503 and first.headers["Content-Type"].startswith("text/html")
    assert api.get("/users/me").status_code == 503
    assert api.post("/ecomOrders", json=cart()).status_code == 201
    assert len(sandbox.store.orders()) == 1  # the failed POST was not handled
    sandbox.fail_next(1, status=429, retry_after=7)
    limited = api.get("/users/me")
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    assert limited.json() == {"message": "Too Many Requests"}
    sandbox.fail_next(1, status=500, body='{"message": "boom"}')
    assert api.get("/users/me").json() == {"message": "boom"}
    assert api.get("/users/me").ok


def test_fail_rate(sandbox: Sandbox, api: Client) -> None:
    sandbox.config.fail_rate = 1.0
    assert api.get("/users/me").status_code == 503
    sandbox.config.fail_rate = 0.0
    assert api.get("/users/me").status_code == 200


def test_drop_next_commits_then_drops(sandbox: Sandbox, api: Client) -> None:
    sandbox.drop_next(1)
    assert api.get("/users/me").ok  # GETs are never dropped
    with pytest.raises(requests.ConnectionError):
        api.post("/ecomOrders", json=cart())
    listing = api.get("/ecomOrders", params={"filters[externalcheckoutid]": "3246315233"}).json()
    assert listing["meta"]["total"] == "1"
    record = next(r for r in sandbox.requests if r.method == "POST")
    assert record.dropped and record.status == 201
    assert pointers(api.post("/ecomOrders", json=cart())) == {
        "/data/attributes/externalcheckoutid": "duplicate"
    }


def test_drop_after_commit_knob(sandbox: Sandbox, api: Client) -> None:
    sandbox.config.drop_after_commit = 1.0
    with pytest.raises(requests.ConnectionError):
        api.put("/ecomOrders/1", json={"ecomOrder": {"totalPrice": 1}})
    sandbox.config.drop_after_commit = 0.0
    assert api.put("/ecomOrders/1", json={"ecomOrder": {"totalPrice": 1}}).status_code == 404


def test_keep_alive_reuses_one_connection(sandbox: Sandbox, api: Client) -> None:
    for _ in range(3):
        api.get("/users/me")
    api.post("/ecomOrders", json=cart())
    api.post("/ecomOrders", data=b"{bad")
    api.get("/ecomOrders/1")
    assert len({r.connection for r in sandbox.requests}) == 1
    assert len({r.client_port for r in sandbox.requests}) == 1
    assert sandbox.count() == 6 and sandbox.count("GET", "/api/3/ecomOrders") == 1
    assert sandbox.count("POST", status=400) == 1


def test_stop_cuts_connections_and_restart_keeps_data(tmp_path: Path) -> None:
    db = str(tmp_path / "sandbox.db")
    sb = Sandbox(SandboxConfig(rate=0), db=db).start()
    client = Client(sb)
    assert client.post("/ecomOrders", json=cart()).status_code == 201
    sb.stop()
    with pytest.raises(requests.ConnectionError):
        client.get("/ecomOrders/1")
    sb.start()
    assert client.get("/ecomOrders/1").json()["ecomOrder"]["state"] == "2"
    sb.stop()
    sb.store.close()
    with Sandbox(SandboxConfig(rate=0), db=db) as again:
        assert Client(again).post("/ecomOrders", json=order()).json()["ecomOrder"]["id"] == "2"


def test_requests_are_recorded(sandbox: Sandbox, api: Client) -> None:
    api.get("/ecomOrders", params={"filters[email]": "a@x.io"})
    api.post("/ecomOrders", json=cart(source=0))
    get, post = sandbox.requests
    assert (get.method, get.path, get.query, get.status) == (
        "GET",
        "/api/3/ecomOrders",
        {"filters[email]": "a@x.io"},
        200,
    )
    assert post.body["ecomOrder"]["source"] == 0 and post.time >= get.time


# -- host refusal, serve() -----------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_non_loopback_hosts_refused(host: str) -> None:
    with pytest.raises(ValueError):
        serve(SandboxConfig(), host=host, port=0)
    with pytest.raises(ValueError):
        Sandbox(host=host)


def test_other_loopback_hosts_accepted() -> None:
    with Sandbox(SandboxConfig(rate=0), host="localhost") as sb:
        assert sb.url.startswith("http://127.0.0.1:")
    with Sandbox(SandboxConfig(rate=0), host="127.0.0.2") as sb:
        assert sb.url.startswith("http://127.0.0.2:")
        assert Client(sb).get("/users/me").ok


def test_ipv6_loopback_accepted() -> None:
    try:
        sb = Sandbox(SandboxConfig(rate=0), host="::1").start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with sb:
        assert sb.url.startswith("http://[::1]:")
        assert Client(sb).get("/users/me").ok


@pytest.mark.slow
def test_serve_blocks_until_ctrl_c() -> None:
    # Ctrl-C raising KeyboardInterrupt, as the CLI sets it (launch.loaded): a shell's background job (a CI
    # script run with &) inherits SIGINT ignored, and Python then keeps ignoring it
    code = (
        "import signal, sys; from acorders.sandbox import serve, SandboxConfig\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "serve(SandboxConfig(api_key='k'), port=0, ready=lambda url: print(url, flush=True))\n"
        "print('closed', flush=True)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        resp = requests.get(url + "/api/3/users/me", headers={"Api-Token": "k"}, timeout=5)
        assert resp.status_code == 200 and resp.headers["RateLimit-Limit"] == "5"
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=5)
        assert out.strip() == "closed" and proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_customer_email_filter_ignores_case() -> None:
    """The real API matches emails regardless of case; a rehearsal must not create a second customer."""
    import requests as _requests

    from acorders.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(rate=0)) as sb:
        headers = {"Api-Token": "sandbox"}
        created = _requests.post(
            f"{sb.url}/api/3/ecomCustomers",
            headers=headers,
            timeout=5,
            json={"ecomCustomer": {"connectionid": "1", "externalid": "c1", "email": "Known@Example.com"}},
        )
        assert created.status_code == 201
        found = _requests.get(
            f"{sb.url}/api/3/ecomCustomers",
            headers=headers,
            timeout=5,
            params={"filters[email]": "known@example.com"},
        ).json()
        assert [c["externalid"] for c in found["ecomCustomers"]] == ["c1"]
