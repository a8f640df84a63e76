"""The sandbox's routes without HTTP: what --strict adds, the documented filters and sorts, the routes the
document has that the sandbox lacked (PUT/DELETE of connections and customers, order products), and the
account-level customer row."""

from __future__ import annotations

from typing import Any

import pytest

from acorders.sandbox import SandboxConfig, Store
from acorders.sandbox.api import Api
from acorders.sandbox.records import account_zone, reoffset

DATE = "2016-09-13T17:41:39-04:00"


def make(**knobs: Any) -> tuple[Api, SandboxConfig]:
    config = SandboxConfig(**knobs)
    return Api(Store(), lambda: config), config


def call(api: Api, method: str, path: str, body: Any = None, **query: str) -> tuple[int, Any]:
    return api.handle(method, "/api/3" + path, query, body)


def cart(**fields: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "externalcheckoutid": "c1",
        "email": "alice@example.com",
        "externalCreatedDate": DATE,
        "abandonedDate": DATE,
        "totalPrice": 100,
        "currency": "USD",
        "connectionid": "1",
        "customerid": "1",
    }
    order.update(fields)
    return {"ecomOrder": {k: v for k, v in order.items() if v is not None}}


def pointers(answer: tuple[int, Any]) -> dict[str, str]:
    status, body = answer
    assert status == 422, body
    return {e["source"]["pointer"]: e["code"] for e in body["errors"]}


def connection(**fields: Any) -> dict[str, Any]:
    return {"connection": {"service": "shop", "externalid": "s1", "name": "Shop", **fields}}


# -- --strict: what the document requires and the default mode lets through ------------------------


def test_strict_refuses_an_order_with_a_checkout_id_but_no_abandoned_date() -> None:
    body = cart(externalid="o1", abandonedDate=None)
    assert call(make()[0], "POST", "/ecomOrders", body)[0] == 201  # the default lets it through, as before
    api, config = make()
    config.strict = True
    assert (
        call(api, "POST", "/connections", connection(logoUrl="https://x/l.png", linkUrl="https://x"))[0]
        == 201
    )
    api.store.insert("customer", {"connectionid": "1", "externalid": "u", "email": "alice@example.com"})
    assert pointers(call(api, "POST", "/ecomOrders", body)) == {
        "/data/attributes/abandonedDate": "field_missing"
    }
    assert (
        call(api, "POST", "/ecomOrders", cart(externalid="o1", externalcheckoutid=None, abandonedDate=None))[
            0
        ]
        == 201
    )
    status, created = call(api, "POST", "/ecomOrders", cart())
    assert status == 201
    put = {"ecomOrder": {"externalid": "o2", "externalcheckoutid": "c1"}}
    assert pointers(call(api, "PUT", f"/ecomOrders/{created['ecomOrder']['id']}", put)) == {
        "/data/attributes/abandonedDate": "field_missing"
    }
    put["ecomOrder"]["abandonedDate"] = DATE
    assert call(api, "PUT", f"/ecomOrders/{created['ecomOrder']['id']}", put)[0] == 200


def test_strict_refuses_a_connection_without_urls() -> None:
    assert call(make()[0], "POST", "/connections", connection())[0] == 201
    api, _ = make(strict=True)
    assert pointers(call(api, "POST", "/connections", connection())) == {
        "/data/attributes/logoUrl": "field_missing",
        "/data/attributes/linkUrl": "field_missing",
    }
    assert api.store.connections() == []


# -- routes the document has ------------------------------------------------------------------


def test_connections_can_be_updated_and_deleted() -> None:
    api, _ = make()
    cid = call(api, "POST", "/connections", connection())[1]["connection"]["id"]
    other = call(api, "POST", "/connections", connection(externalid="s2"))[1]["connection"]["id"]
    status, body = call(api, "PUT", f"/connections/{cid}", {"connection": {"name": "Renamed", "status": 0}})
    assert status == 200 and (body["connection"]["name"], body["connection"]["status"]) == ("Renamed", "0")
    assert body["connection"]["externalid"] == "s1"
    assert pointers(call(api, "PUT", f"/connections/{cid}", {"connection": {"externalid": "s2"}})) == {
        "/data/attributes/externalid": "duplicate"
    }
    assert pointers(call(api, "PUT", f"/connections/{cid}", {"connection": {"syncStatus": 7}})) == {
        "/data/attributes/syncStatus": "field_invalid"
    }
    assert call(api, "PUT", "/connections/99", {"connection": {"name": "x"}}) == (
        404,
        {"message": "No Result found for Connection with id 99"},
    )
    assert call(api, "DELETE", f"/connections/{other}") == (200, {})
    assert [c["id"] for c in call(api, "GET", "/connections")[1]["connections"]] == [cid]


def test_customers_can_be_updated_and_deleted() -> None:
    api, _ = make()
    body = {"ecomCustomer": {"connectionid": "1", "externalid": "u1", "email": "a@x.io"}}
    cid = call(api, "POST", "/ecomCustomers", body)[1]["ecomCustomer"]["id"]
    call(api, "POST", "/ecomCustomers", {"ecomCustomer": {**body["ecomCustomer"], "externalid": "u2"}})
    status, put = call(api, "PUT", f"/ecomCustomers/{cid}", {"ecomCustomer": {"acceptsMarketing": "1"}})
    assert status == 200 and put["ecomCustomer"]["acceptsMarketing"] == "1"
    assert put["ecomCustomer"]["externalid"] == "u1"
    assert pointers(call(api, "PUT", f"/ecomCustomers/{cid}", {"ecomCustomer": {"externalid": "u2"}})) == {
        "/data/attributes/externalid": "duplicate"
    }
    assert call(api, "DELETE", f"/ecomCustomers/{cid}") == (200, {})
    assert call(api, "GET", f"/ecomCustomers/{cid}") == (
        404,
        {"message": f"No Result found for EcomCustomer with id {cid}"},
    )
    assert call(api, "DELETE", f"/ecomCustomers/{cid}")[0] == 404


def test_order_products_are_listed_per_order_and_paged() -> None:
    api, _ = make()
    products = [{"externalid": f"P{i}", "name": f"n{i}", "price": 1, "quantity": 1} for i in range(3)]
    first = call(api, "POST", "/ecomOrders", cart(orderProducts=products))[1]["ecomOrder"]["id"]
    call(api, "POST", "/ecomOrders", cart(externalcheckoutid="c2", orderProducts=products[:1]))
    status, body = call(api, "GET", f"/ecomOrders/{first}/orderProducts", limit="2", offset="1")
    assert status == 200 and body["meta"]["total"] == "3"
    assert [p["externalid"] for p in body["ecomOrderProducts"]] == ["P1", "P2"]
    assert call(api, "GET", "/ecomOrderProducts")[1]["meta"]["total"] == "4"


def test_the_api_root_answers_200_for_clients_that_check_url_and_key_there() -> None:
    assert call(make()[0], "GET", "") == (200, {})


# -- documented filters and sorts -------------------------------------------------------------


def listed(api: Api, **query: str) -> list[str]:
    status, body = call(api, "GET", "/ecomOrders", **query)
    assert status == 200 and body["meta"]["total"] >= str(len(body["ecomOrders"]))
    return [o["externalcheckoutid"] for o in body["ecomOrders"]]


def seeded_orders() -> Api:
    api, _ = make()
    for checkout, created, state_id, email, connection_id in [
        ("a", "2016-09-13T17:41:39-04:00", None, "b@x.io", "2"),  # 21:41Z
        ("b", "2016-09-13T23:00:00+02:00", "o1", "A@x.io", "10"),  # 21:00Z: earlier, sorts after as text
        ("c", "2016-09-14T01:30:00-05:00", None, "c@x.io", "1"),  # 06:30Z on the 14th
    ]:
        status, _ = call(
            api,
            "POST",
            "/ecomOrders",
            cart(
                externalcheckoutid=checkout,
                externalCreatedDate=created,
                externalid=state_id,
                email=email,
                connectionid=connection_id,
            ),
        )
        assert status == 201
    return api


def test_orders_sort_by_the_documented_fields() -> None:
    api = seeded_orders()
    assert listed(api) == ["a", "b", "c"]
    assert listed(api, **{"orders[external_created_date]": "ASC"}) == ["b", "a", "c"]  # by instant, not text
    assert listed(api, **{"orders[external_created_date]": "DESC"}) == ["c", "a", "b"]
    assert listed(api, **{"orders[connectionid]": "DESC"}) == ["b", "a", "c"]  # 10 > 2 > 1, as numbers
    assert listed(api, **{"orders[email]": "ASC"}) == ["b", "a", "c"]  # regardless of case
    assert listed(api, **{"orders[state]": "ASC"}) == ["b", "a", "c"]  # completed (1) before carts (2)
    assert listed(api, **{"orders[state]": "DESC", "orders[externalcheckoutid]": "DESC"}) == ["c", "a", "b"]
    assert listed(api, **{"orders[email]": "sideways"}) == ["a", "b", "c"]  # not ASC/DESC: ignored
    assert listed(api, **{"orders[external_created_date]": "ASC", "limit": "1", "offset": "1"}) == ["a"]


def test_orders_filter_by_external_created_date() -> None:
    api = seeded_orders()
    assert listed(api, **{"filters[external_created_date]": "2016-09-13"}) == ["a", "b"]  # in their offsets
    assert listed(api, **{"filters[external_created_date]": "2016-09-14"}) == ["c"]
    assert listed(api, **{"filters[external_created_date]": "2016-09-13T21:00:00Z"}) == ["b"]  # an instant
    assert listed(api, **{"filters[external_created_date]": "not a date"}) == []
    documented, config = make(documented=True)
    for checkout, created in (("a", "2016-09-14T01:30:00-05:00"), ("b", "2016-09-14T03:30:00+02:00")):
        call(
            documented, "POST", "/ecomOrders", cart(externalcheckoutid=checkout, externalCreatedDate=created)
        )
    # in the account's zone (Chicago, -05:00 then) the second was created on the 13th
    assert listed(documented, **{"filters[external_created_date]": "2016-09-13"}) == ["b"]


# -- the account-level customer row and dates ------------------------------------------------


@pytest.mark.parametrize("documented", [True, False])
def test_documented_mode_adds_one_account_row_per_email(documented: bool) -> None:
    api, _ = make(documented=documented)
    for connection_id, externalid in (("1", "u1"), ("2", "u2")):
        body = {"ecomCustomer": {"connectionid": connection_id, "externalid": externalid, "email": "A@x.io"}}
        assert call(api, "POST", "/ecomCustomers", body)[0] == 201
    assert call(api, "POST", "/ecomOrders", cart(customerid="9", email="new@x.io"))[0] == 201  # creates 9
    rows = call(api, "GET", "/ecomCustomers", **{"filters[connectionid]": "0"})[1]["ecomCustomers"]
    if not documented:  # the default adds none: this project's own tests count the rows they made
        assert rows == []
        return
    assert sorted(r["email"].lower() for r in rows) == ["a@x.io", "new@x.io"]
    assert all((r["externalid"], r["connection"]) == ("0", None) for r in rows)


def test_account_customer_rows_are_not_doubled() -> None:
    store = Store()
    first = store.add_account_customer("a@x.io")
    assert store.add_account_customer("A@X.io") == first and len(store.customers()) == 1


def test_dates_are_re_offset_to_the_account_zone_as_the_same_instant() -> None:
    chicago = account_zone("America/Chicago")
    assert reoffset(DATE, chicago) == "2016-09-13T16:41:39-05:00"
    assert reoffset("2016-12-13T17:41:39Z", chicago) == "2016-12-13T11:41:39-06:00"
    assert reoffset("2016-12-13", chicago) == "2016-12-13"  # a date alone is left as it is
    assert reoffset(None, chicago) is None and reoffset(DATE, None) == DATE
    assert reoffset(DATE, account_zone("+02:00")) == "2016-09-13T23:41:39+02:00"
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        account_zone("Mars/Olympus")
