"""Every request the client can send, checked against its operation in ActiveCampaign's OpenAPI document.

The document (its e-commerce part, cut verbatim from the developer portal's ReadMe export) is committed as
tests/fixtures/openapi/activecampaign-oas-ecom.json, so this never skips. Requests are captured with
``responses`` and answered by the sandbox's routes in --strict mode (no socket), so a push runs its real
course: look-ups, customers, create, re-sync, recovery.

The document contradicts itself in places, and ``Spec`` reads it as its examples and descriptions do:
- int32 fields and parameters are sent as digit strings in its own examples ("connectionid": "1");
- ``orderProducts`` / ``orderDiscounts`` are typed object but are arrays in every example and answer;
- ``filters[externalid]`` is typed int32 but external ids are strings (its own examples: "PROD12345");
- create-order ``required`` lists externalid and externalcheckoutid and abandonedDate together, while its
  descriptions say: externalid unless externalcheckoutid, externalcheckoutid unless externalid, and
  abandonedDate "REQUIRED ONLY IF INCLUDING EXTERNALCHECKOUTID";
- update-order types ``orderDiscounts.discountAmount`` as a string, create-order as int32 (cents);
- ``limit`` and ``offset`` are documented for lists elsewhere in the API (``x-pagination-elsewhere``).
Fields the operation does not list are allowed (JSON Schema's default), but each field sent must be one
the document names for that resource somewhere, so a misspelt field is caught.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import jsonschema
import pytest
import responses

from acorders.api.client import Client
from acorders.api.ratelimit import RateLimiter
from acorders.models import Document, Origin
from acorders.push.customers import CustomerResolver
from acorders.push.ledger import Ledger
from acorders.push.lookup import Remote
from acorders.push.send import Pusher
from acorders.sandbox import SandboxConfig, Store
from acorders.sandbox.api import Api
from tests.fakes import FakeClock
from tests.helpers import ROOT, cart

DOCUMENT = ROOT / "tests" / "fixtures" / "openapi" / "activecampaign-oas-ecom.json"
BASE = "https://acct.api-us1.com"
KEY = "sandbox"
DIGITS = {"type": "string", "pattern": "^[0-9]+$"}
PAGING = {"limit": {"type": "integer"}, "offset": {"type": "integer"}}


class Spec:
    """The document's operations, read as its examples and descriptions do (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.doc = json.loads(path.read_text(encoding="utf-8"))
        self.ops: list[tuple[str, re.Pattern[str], dict[str, Any]]] = []
        for template, item in self.doc["paths"].items():
            pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "(?P<param>[^/]+)", re.escape(template)))
            for method, op in item.items():
                self.ops.append((method.upper(), pattern, op))
        self.fields: dict[str, set[str]] = {}  # envelope key -> every field any operation names for it
        for _, _, op in self.ops:
            for key, schema in self._body_schema(op).get("properties", {}).items():
                self.fields.setdefault(key, set()).update(schema.get("properties", {}))

    def operation(self, method: str, path: str) -> tuple[dict[str, Any], str | None]:
        """The operation for ``method`` on ``path`` (under /api/3), and its path parameter's value."""
        for op_method, pattern, op in self.ops:
            m = pattern.fullmatch(path)
            if m and op_method == method:
                return op, m.groupdict().get("param")
        raise AssertionError(f"{method} {path}: no such operation in the document")

    @staticmethod
    def _body_schema(op: dict[str, Any]) -> dict[str, Any]:
        content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        schema: dict[str, Any] = content.get("schema", {})
        return schema

    def body_schema(self, op: dict[str, Any]) -> dict[str, Any]:
        schema = lenient(copy.deepcopy(self._body_schema(op)))
        if op["operationId"] == "create-order":
            order = schema["properties"]["ecomOrder"]
            order["required"] = [
                f for f in order["required"] if f not in ("externalid", "externalcheckoutid", "abandonedDate")
            ]
            order["anyOf"] = [{"required": ["externalid"]}, {"required": ["externalcheckoutid"]}]
            order["if"] = {"required": ["externalcheckoutid"]}
            order["then"] = {"required": ["abandonedDate"]}
        if op["operationId"] == "update-order":  # cents, as create-order and every example say
            discounts = schema["properties"]["ecomOrder"]["properties"]["orderDiscounts"]["items"]
            discounts["properties"]["discountAmount"] = int32()
        return schema

    def violations(self, method: str, url: str, body: Any) -> list[str]:
        """What in this request the document calls invalid; [] when nothing."""
        parts = urlsplit(url)
        assert parts.path.startswith("/api/3/"), url
        path = parts.path[len("/api/3") :]
        op, param = self.operation(method, path)
        where = f"{method} {path} ({op['operationId']})"
        out: list[str] = []
        declared = {p["name"]: p for p in op.get("parameters", [])}
        path_params = [p for p in declared.values() if p["in"] == "path"]
        if param is not None:
            out += _invalid(unquote(param), lenient_param(path_params[0]), f"{where} path {{id}}")
        query = {p["name"]: p for p in declared.values() if p["in"] == "query"}
        if method == "GET" and not path_params:
            query = {**{n: {"name": n, "schema": s} for n, s in PAGING.items()}, **query}
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            if name not in query:
                out.append(f"{where}: parameter {name!r} is not documented for this operation")
            else:
                out += _invalid(value, lenient_param(query[name]), f"{where} {name}")
        if body is not None or self._body_schema(op):
            out += _invalid(body, self.body_schema(op), f"{where} body")
            out += self._unknown_fields(body, where)
        return out

    def _unknown_fields(self, body: Any, where: str) -> list[str]:
        if not isinstance(body, dict):
            return []
        out = []
        for key, record in body.items():
            known = self.fields.get(key, set())
            if isinstance(record, dict):
                out += [
                    f"{where}: {key}.{f} is named nowhere in the document" for f in record if f not in known
                ]
        return out


def int32() -> dict[str, Any]:
    """An int32 as the document's examples send it: a number or a string of digits."""
    return {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 2**31 - 1}, DIGITS]}


def lenient(schema: Any) -> Any:
    """The body schema with the document's contradictions resolved: int32 as number or digit string,
    orderProducts / orderDiscounts as arrays of the object they are typed as."""
    if not isinstance(schema, dict):
        return schema
    if schema.get("type") == "integer":
        return int32()
    props = schema.get("properties")
    if isinstance(props, dict):
        for name, sub in props.items():
            sub = lenient(sub)
            if name in ("orderProducts", "orderDiscounts") and sub.get("type") == "object":
                sub = {"type": "array", "items": sub}
            props[name] = sub
    return schema


def lenient_param(param: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema for its (always textual) value: int32 as digits; filters[externalid] a string."""
    schema = param.get("schema", {})
    if param["name"].endswith("[externalid]") or schema.get("type") != "integer":
        return {"type": "string"}
    return DIGITS


def _invalid(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [
        f"{where}: {'/'.join(map(str, e.absolute_path))} {e.message}" for e in validator.iter_errors(value)
    ]


SPEC = Spec(DOCUMENT)


# -- a strict sandbox behind `responses`: the client's real requests, captured ----------------------------


class Captured:
    """The sandbox's routes in --strict mode answering the mocked HTTP; every request is kept."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.config = SandboxConfig(api_key=KEY, strict=True, rate=0)
        self.store = Store()
        self.api = Api(self.store, lambda: self.config)
        self.mock = mock
        self.store.insert(
            "connection",
            {
                "service": "shop",
                "externalid": "shop.example",
                "name": "Shop",
                "logoUrl": "https://shop.example/logo.png",
                "linkUrl": "https://shop.example",
            },
        )
        self.store.insert("customer", {"connectionid": "1", "externalid": "u1", "email": "alice@example.com"})
        for method in ("GET", "POST", "PUT", "DELETE"):
            mock.add_callback(method, re.compile(re.escape(BASE) + r"/api/3/.*"), callback=self._answer)

    def _answer(self, request: Any) -> tuple[int, dict[str, str], str]:
        parts = urlsplit(request.url)
        body = json.loads(request.body) if request.body else None
        status, answer = self.api.handle(
            request.method, unquote(parts.path), dict(parse_qsl(parts.query)), body
        )
        return status, {"Content-Type": "application/json"}, json.dumps(answer)

    def requests(self) -> list[tuple[str, str, Any]]:
        return [
            (c.request.method, c.request.url, json.loads(c.request.body) if c.request.body else None)
            for c in self.mock.calls
        ]

    def operations(self) -> list[str]:
        return [
            SPEC.operation(m, urlsplit(u).path[len("/api/3") :])[0]["operationId"]
            for m, u, _ in self.requests()
        ]

    def violations(self) -> list[str]:
        return [v for method, url, body in self.requests() for v in SPEC.violations(method, url, body)]


@pytest.fixture
def server() -> Iterator[Captured]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield Captured(mock)


@pytest.fixture
def client() -> Iterator[Client]:
    clock = FakeClock()
    limiter = RateLimiter(0, clock=clock, sleep=clock.sleep)
    with Client(BASE, KEY, limiter=limiter, sleep=clock.sleep) as c:
        yield c


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger.open(tmp_path / "state") as opened:
        yield opened


def push(client: Client, ledger: Ledger, order: dict[str, Any], line: int = 1) -> Any:
    pusher = Pusher(client, ledger, BASE, CustomerResolver(client, ledger, BASE))
    return pusher.push_one(Document(Origin("carts.ndjson", line), {"ecomOrder": order}))


# -- the checker itself: the document's own examples pass, what it forbids does not ------------------------


def _examples() -> Iterator[tuple[str, str, Any]]:
    for method, pattern, op in SPEC.ops:
        content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        for example in content.get("examples", {}).values():
            path = pattern.pattern.replace(r"(?P<param>[^/]+)", "1").replace("\\", "")
            yield method, path, example["value"]


@pytest.mark.parametrize(("method", "path", "body"), list(_examples()))
def test_the_documents_own_examples_pass_the_checker(method: str, path: str, body: Any) -> None:
    assert SPEC.violations(method, f"{BASE}/api/3{path}", body) == []


def test_the_checker_refuses_what_the_document_forbids() -> None:
    cart_body = {"ecomOrder": {k: v for k, v in cart(1).items() if k != "abandonedDate"}}
    order_body = {"ecomOrder": cart(1, externalid="o-1", abandonedDate=None)}
    connection = {"connection": {"service": "shop", "externalid": "s", "name": "Shop"}}
    typo = {"ecomOrder": {"externalid": "o-1", "abandoned_date": "2016-09-13T17:41:39-04:00"}}
    assert SPEC.violations("POST", f"{BASE}/api/3/ecomOrders", cart_body)
    assert SPEC.violations("POST", f"{BASE}/api/3/ecomOrders", order_body)
    assert len(SPEC.violations("POST", f"{BASE}/api/3/connections", connection)) == 2
    assert SPEC.violations("PUT", f"{BASE}/api/3/ecomOrders/7", typo)
    assert SPEC.violations("GET", f"{BASE}/api/3/ecomOrders?orders%5Bid%5D=ASC&limit=100", None)
    assert SPEC.violations("GET", f"{BASE}/api/3/ecomOrders/abc", None)
    assert SPEC.violations("GET", f"{BASE}/api/3/ecomCustomers?filters%5Bcustomerid%5D=1", None)
    assert SPEC.violations("GET", f"{BASE}/api/3/ecomOrders?filters%5Bconnectionid%5D=1", None) == []


# -- the client's requests ------------------------------------------------------------------------------


def test_create_update_and_recovery_of_a_cart_match_the_document(
    server: Captured, client: Client, ledger: Ledger
) -> None:
    first = push(client, ledger, cart(1, customerid=None, email="bob@example.com"))
    changed = push(client, ledger, cart(1, customerid=None, email="bob@example.com", totalPrice="10000"))
    order = cart(1, customerid=None, email="bob@example.com", externalid="o-1", abandonedDate=None)
    recovered = push(client, ledger, order)
    assert [r.action.value for r in (first, changed, recovered)] == ["created", "updated", "recovered"]
    assert {
        "list-all-customers",
        "create-customer",
        "list-all-orders",
        "create-order",
        "update-order",
    } <= set(server.operations())
    assert server.violations() == []


def test_an_order_with_a_checkout_id_but_no_abandoned_date_is_sent_as_the_document_allows(
    server: Captured, client: Client, ledger: Ledger
) -> None:
    """The cart it came from is unknown here and in ActiveCampaign: the order is created, by its externalid;
    externalcheckoutid goes only with abandonedDate, as the document requires."""
    result = push(client, ledger, cart(2, externalid="o-2", abandonedDate=None))
    assert result.action.value == "created", result.errors
    assert server.violations() == []
    (record,) = server.store.all("order")
    assert record["externalid"] == "o-2"
    assert push(client, ledger, cart(2, externalid="o-2", abandonedDate=None)).action.value == "unchanged"


def test_the_cart_of_an_order_created_without_its_checkout_id_is_left_alone(
    server: Captured, client: Client, ledger: Ledger
) -> None:
    """The record does not carry the checkout id, so the ledger says which order the cart became: the stale
    cart pushed later is not created beside its order (it would start the 'Abandons cart' automation)."""
    assert push(client, ledger, cart(2, externalid="o-2", abandonedDate=None)).action.value == "created"
    stale = push(client, ledger, cart(2), line=2)
    assert stale.action.value == "unchanged" and "o-2" in stale.errors[0].message
    assert [r["externalid"] for r in server.store.all("order")] == ["o-2"]


def test_look_ups_and_listings_match_the_document(server: Captured, client: Client, ledger: Ledger) -> None:
    for i in range(3):
        push(client, ledger, cart(i), line=i)
    remote = Remote(client)
    remote.prepare({"1": 5})  # a listing of the connection's orders instead of five look-ups
    assert remote.find("1", "externalcheckoutid", "cart-00001") is not None
    assert client.find_orders(connectionid="1", externalid="o-9") == []
    assert client.list_orders(connectionid="1", limit=2, offset=2)[1] == 3
    assert client.list_orders()[1] == 3
    record = client.get_order("1")
    assert record is not None
    client.delete_order("1")
    assert client.get_order("1") is None
    assert client.list_customers(email="alice@example.com")[1] == 1
    assert client.list_customers(connectionid="1")[1] == 1
    assert len(client.find_customers(email="alice@example.com", connectionid="1")) == 1
    assert client.list_connections(service="shop", externalid="shop.example")[1] == 1
    assert {
        "list-all-orders",
        "get-order",
        "delete-order",
        "list-all-customers",
        "list-all-connections",
    } <= set(server.operations())
    assert server.violations() == []


def test_customers_and_connections_created_match_the_document(server: Captured, client: Client) -> None:
    client.create_customer(
        connectionid="1", externalid="u2", email="carol@example.com", accepts_marketing=True
    )
    client.create_connection(
        "shop",
        "shop-2.example",
        "Shop 2",
        logo_url="https://shop-2.example/logo.png",
        link_url="https://shop-2.example",
    )
    assert server.operations() == ["create-customer", "create-connection"]
    assert server.violations() == []


def test_check_matches_the_document(server: Captured, client: Client) -> None:
    """`acorders check`: the key's user, then the account's connections."""
    client.me()
    client.list_connections()
    assert server.operations() == ["get-user-loggedin", "list-all-connections"]
    assert server.violations() == []


# -- answers as the document's examples give them: read leniently, as today ----------------------------


def example_answer(method: str, template: str, status: str) -> Any:
    """The document's example answer. Its GET /ecomOrders example has a trailing comma (not JSON): it is
    read without it."""
    op = SPEC.doc["paths"][template][method.lower()]
    value = op["responses"][status]["content"]["application/json"]["examples"]["Result"]["value"]
    return json.loads(re.sub(r",(\s*[\]}])", r"\1", value)) if isinstance(value, str) else value


def test_the_documents_example_answers_are_read(client: Client) -> None:
    with responses.RequestsMock() as mock:
        for method, template, status, path in [
            ("POST", "/ecomOrders", "201", "/ecomOrders"),
            ("PUT", "/ecomOrders/{id}", "200", "/ecomOrders/1"),
            ("GET", "/ecomOrders/{ecomOrderId}", "200", "/ecomOrders/1"),
            ("GET", "/ecomOrders", "200", "/ecomOrders"),
            ("DELETE", "/ecomOrders/{ecomOrderId}", "200", "/ecomOrders/1"),
            ("POST", "/ecomCustomers", "201", "/ecomCustomers"),
            ("POST", "/connections", "200", "/connections"),
            ("GET", "/connections", "200", "/connections"),
            ("GET", "/users/me", "200", "/users/me"),
        ]:
            answer = example_answer(method, template, status)
            mock.add(method, f"{BASE}/api/3{path}", json=answer, status=int(status))
        created, settled = client.create_order(cart(1), lookup=lambda: None)
        assert (created["id"], created["connectionid"], settled) == ("1", "1", False)
        assert client.update_order("1", {"totalPrice": 9111})["id"] == "1"
        got = client.get_order("1")
        assert got is not None and isinstance(got["id"], str) and got["connectionid"] == "1"
        orders, total = client.list_orders(connectionid="1")
        assert total == 2 and all(isinstance(o["id"], str) for o in orders)
        client.delete_order("1")
        assert client.create_customer(connectionid="1", externalid="56789", email="alice@example.com")["id"]
        connection = client.create_connection(
            "example", "examplestore", "My Example Store", logo_url="https://x/l.png", link_url="https://x"
        )
        assert isinstance(connection["id"], str)
        connections, total = client.list_connections()
        assert total is not None and total >= 1 and connections
        assert isinstance(client.me().get("id", ""), str)
