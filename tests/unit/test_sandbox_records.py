"""The sandbox's answers against the document's own examples (activecampaign-oas-ecom.json), without HTTP.

Each operation is driven with the document's request example where it has one; the answer must carry every
field of the response example, with a compatible type, knowing the document's own looseness: numbers and
ids come as strings (its examples use both), currency lower-case (its GET example), ``null`` where a record
has no value. Dates are the same instants, re-offset to the account's zone as the examples show.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from acorders.sandbox import SandboxConfig, Store
from acorders.sandbox.api import Api

# shared/ sits beside the repository (beside the folder of worktrees, for a worktree); skip without it
NAME = Path("shared", "reference", "activecampaign-oas-ecom.json")
DOC_PATH = next(
    (p / NAME for p in Path(__file__).resolve().parents[2].parents if (p / NAME).is_file()), Path(NAME)
)
pytestmark = pytest.mark.skipif(not DOC_PATH.is_file(), reason="the OpenAPI document is not on this machine")
CENTRAL = re.compile(r"-0[56]:00$")  # America/Chicago: CDT or CST


def document() -> dict[str, Any]:
    return json.loads(DOC_PATH.read_text(encoding="utf-8"))


def parse_example(text: Any) -> Any:
    """The document's examples are JSON strings, some with trailing commas: parse them leniently."""
    if not isinstance(text, str):
        return text
    return json.loads(re.sub(r",(\s*[\]}])", r"\1", text))


def example(path: str, method: str, status: str) -> Any:
    op = document()["paths"][path][method]
    content = op["responses"][status]["content"]["application/json"]
    return parse_example(next(iter(content["examples"].values()))["value"])


def request_example(path: str, method: str) -> Any:
    content = document()["paths"][path][method]["requestBody"]["content"]["application/json"]
    return parse_example(next(iter(content["examples"].values()))["value"])


def assert_shaped_like(answer: Any, expected: Any, where: str = "") -> None:
    """Every field of ``expected`` is in ``answer`` with a compatible type (recursively)."""
    if expected is None or answer is None:
        return
    if isinstance(expected, dict):
        assert isinstance(answer, dict), where
        missing = sorted(set(expected) - set(answer))
        assert not missing, f"{where or 'answer'} lacks {missing}"
        for key, value in expected.items():
            assert_shaped_like(answer[key], value, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(answer, list), where
        if expected and answer:
            assert_shaped_like(answer[0], expected[0], f"{where}[0]")
    elif isinstance(expected, (int, float)) and not isinstance(expected, bool):
        assert str(answer).lstrip("-").isdigit(), f"{where}: {answer!r} is not a number"  # "9111" is fine
    else:
        assert isinstance(answer, str), f"{where}: {answer!r} is not a string"


@pytest.fixture
def api() -> Api:
    config = SandboxConfig(documented=True)
    api = Api(Store(), lambda: config)
    api.base_url = "https://sandbox.example"
    return api


def call(api: Api, method: str, path: str, body: Any = None, **query: str) -> tuple[int, Any]:
    return api.handle(method, "/api/3" + path, query, body)


def seeded(api: Api) -> dict[str, str]:
    """The document's connection, customer and order, created with its request examples."""
    _, conn = call(api, "POST", "/connections", request_example("/connections", "post"))
    customer = request_example("/ecomCustomers", "post")
    customer["ecomCustomer"]["connectionid"] = conn["connection"]["id"]
    _, cust = call(api, "POST", "/ecomCustomers", customer)
    order = request_example("/ecomOrders", "post")
    order["ecomOrder"].update(connectionid=conn["connection"]["id"], customerid=cust["ecomCustomer"]["id"])
    status, created = call(api, "POST", "/ecomOrders", order)
    assert status == 201, created
    return {
        "connection": conn["connection"]["id"],
        "customer": cust["ecomCustomer"]["id"],
        "order": created["ecomOrder"]["id"],
        "product": created["ecomOrderProducts"][0]["id"],
    }


def test_create_order_answers_like_the_example(api: Api) -> None:
    seeded(api)
    sent = request_example("/ecomOrders", "post")["ecomOrder"]
    status, answer = call(api, "POST", "/ecomOrders", {"ecomOrder": {**sent, "externalid": "other"}})
    assert status == 201
    assert_shaped_like(answer, example("/ecomOrders", "post", "201"))
    order = answer["ecomOrder"]
    assert order["externalCreatedDate"] == order["orderDate"] == "2016-09-13T16:41:39-05:00"  # the example's
    assert order["totalProducts"] == "2" and order["orderProducts"] == [
        p["id"] for p in answer["ecomOrderProducts"]
    ]
    assert order["orderDiscounts"] == [d["id"] for d in answer["ecomOrderDiscounts"]]
    assert (order["connection"], order["customer"]) == (order["connectionid"], order["customerid"])
    assert order["tstamp"] == order["updatedDate"] and CENTRAL.search(order["createdDate"])
    assert (
        order["links"]["orderProducts"]
        == f"https://sandbox.example/api/3/ecomOrders/{order['id']}/orderProducts"
    )
    assert (order["totalPrice"], order["currency"], order["state"]) == ("9111", "usd", "1")
    assert answer["ecomOrderDiscounts"][0]["discountAmount"] == "100"


def test_update_and_get_order_answer_like_the_examples(api: Api) -> None:
    ids = seeded(api)
    status, answer = call(
        api, "PUT", f"/ecomOrders/{ids['order']}", request_example("/ecomOrders/{id}", "put")
    )
    assert status == 200
    assert_shaped_like(answer, example("/ecomOrders/{id}", "put", "200"))
    assert answer["ecomOrder"]["externalUpdatedDate"] == "2016-09-15T16:41:39-05:00"  # the example's
    status, got = call(api, "GET", f"/ecomOrders/{ids['order']}")
    assert status == 200
    assert_shaped_like(got, example("/ecomOrders/{ecomOrderId}", "get", "200"))
    assert got["ecomOrder"]["abandonedDate"] is None and got["ecomOrder"]["externalcheckoutid"] is None
    _, listed = call(api, "GET", "/ecomOrders")
    assert_shaped_like(listed, example("/ecomOrders", "get", "200"))


def test_order_products_answer_like_the_examples(api: Api) -> None:
    ids = seeded(api)
    status, of_order = call(api, "GET", f"/ecomOrders/{ids['order']}/orderProducts")
    assert status == 200
    assert_shaped_like(of_order, example("/ecomOrders/{id}/orderProducts", "get", "200"))
    product = of_order["ecomOrderProducts"][0]
    assert (product["orderid"], product["ecomOrder"], product["connectionid"]) == (
        ids["order"],
        ids["order"],
        ids["connection"],
    )
    assert [p["name"] for p in of_order["ecomOrderProducts"]] == ["Pogo Stick", "Skateboard"]
    _, listed = call(api, "GET", "/ecomOrderProducts")
    assert_shaped_like(listed, example("/ecomOrderProducts", "get", "200"))
    assert listed["meta"]["total"] == "2"
    status, one = call(api, "GET", f"/ecomOrderProducts/{ids['product']}")
    assert status == 200
    assert_shaped_like(one, example("/ecomOrderProducts/{id}", "get", "200"))
    assert CENTRAL.search(one["ecomOrderProduct"]["tstamp"])
    assert call(api, "GET", "/ecomOrderProducts/999") == (
        404,
        {"message": "No Result found for EcomOrderProduct with id 999"},
    )
    assert call(api, "GET", "/ecomOrders/999/orderProducts")[0] == 404


def test_customers_answer_like_the_examples_with_an_account_row(api: Api) -> None:
    ids = seeded(api)
    _, created = call(api, "GET", f"/ecomCustomers/{ids['customer']}")
    assert_shaped_like(created, example("/ecomCustomers/{id}", "get", "200"))
    customer = created["ecomCustomer"]
    assert (customer["totalRevenue"], customer["totalOrders"], customer["totalProducts"]) == (
        "9111",
        "1",
        "2",
    )
    assert (customer["avgRevenuePerOrder"], customer["avgProductCategory"]) == ("9111", "Toys")
    assert customer["connection"] == ids["connection"] and CENTRAL.search(customer["tstamp"])
    status, listed = call(api, "GET", "/ecomCustomers", **{"filters[email]": "alice@example.com"})
    assert status == 200
    assert_shaped_like(listed, example("/ecomCustomers", "get", "200"))
    account = next(c for c in listed["ecomCustomers"] if c["connectionid"] == "0")
    assert (account["externalid"], account["connection"], account["totalRevenue"]) == ("0", None, "9111")
    assert listed["meta"]["total"] == "2"
    put = call(api, "PUT", f"/ecomCustomers/{ids['customer']}", request_example("/ecomCustomers/{id}", "put"))
    assert put[0] == 200
    assert_shaped_like(put[1], example("/ecomCustomers/{id}", "put", "200"))
    assert put[1]["ecomCustomer"]["externalid"] == "98765"
    fresh = call(
        api,
        "POST",
        "/ecomCustomers",
        {"ecomCustomer": {**request_example("/ecomCustomers", "post")["ecomCustomer"], "externalid": "x"}},
    )
    assert fresh[0] == 201
    assert_shaped_like(fresh[1], example("/ecomCustomers", "post", "201"))


def test_connections_answer_like_the_examples(api: Api) -> None:
    status, created = call(api, "POST", "/connections", request_example("/connections", "post"))
    assert status == 200  # as documented (the sandbox answered 201 before)
    assert_shaped_like(created, example("/connections", "post", "200"))
    conn = created["connection"]
    assert conn["listId"] == "1" and conn["cdate"] == conn["udate"] and CENTRAL.search(conn["cdate"])
    assert "createdDate" not in conn
    _, listed = call(api, "GET", "/connections")
    assert_shaped_like(listed, example("/connections", "get", "200"))
    _, got = call(api, "GET", f"/connections/{conn['id']}")
    assert_shaped_like(got, example("/connections/{id}", "get", "200"))
    status, put = call(api, "PUT", f"/connections/{conn['id']}", request_example("/connections/{id}", "put"))
    assert status == 200
    assert_shaped_like(put, example("/connections/{id}", "put", "200"))
    assert (put["connection"]["externalid"], put["connection"]["name"]) == (
        "johndoe@example.com",
        "Acme, Inc.",
    )
    assert put["connection"]["logoUrl"] == "http://example.com/i/foo.png"  # a partial update


def test_users_me_and_deletes_answer_like_the_examples(api: Api) -> None:
    status, me = call(api, "GET", "/users/me")
    assert status == 200
    assert_shaped_like(me, example("/users/me", "get", "200"))
    ids = seeded(api)
    for path, key in (
        (f"/ecomOrders/{ids['order']}", "/ecomOrders/{ecomOrderId}"),
        (f"/ecomCustomers/{ids['customer']}", "/ecomCustomers/{id}"),
        (f"/connections/{ids['connection']}", "/connections/{id}"),
    ):
        assert call(api, "DELETE", path) == (200, example(key, "delete", "200")), path
        assert call(api, "GET", path)[0] == 404
        assert call(api, "DELETE", path)[0] == 404


def test_dates_are_answered_as_sent_unless_documented() -> None:
    """The Python API's default keeps the answers this project's tests were written against."""
    api = Api(Store(), SandboxConfig)
    body = request_example("/ecomOrders", "post")
    order = api.handle("POST", "/api/3/ecomOrders", {}, body)[1]["ecomOrder"]
    assert order["externalCreatedDate"] == "2016-09-13T17:41:39-04:00"
    assert order["tstamp"].endswith("+00:00") and order["links"]["customer"].startswith("/api/3/")
    assert api.handle("POST", "/api/3/connections", {}, request_example("/connections", "post"))[0] == 201
