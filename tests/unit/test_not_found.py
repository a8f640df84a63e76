"""A 404 on a record's path means "no such record", whatever JSON the API wraps it in; the path, not the
body, tells a wrong URL from a missing record.

The e-commerce operations answer ``{"message": "No Result found for EcomOrder with id 0"}``; other
operations of the same API answer ``{"errors": [{"status": 404, "title": "Not Found"}]}``. On a record's
path (``/ecomOrders/5``) both mean the record is gone; on a collection (``/ecomOrders``, ``/users/me``),
which always exists at a right URL, such a body means the URL is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from acorders.api.client import Client
from acorders.api.ratelimit import RateLimiter
from acorders.errors import NotFound, WrongURLError
from acorders.models import Action, Document, Origin
from acorders.push.ledger import DONE, Key, Ledger, content_hash
from acorders.push.send import Pusher
from tests.fakes import FakeClock
from tests.helpers import cart

BASE = "https://acct.api-us1.com"
API = BASE + "/api/3"
ERRORS_404 = {"errors": [{"status": 404, "title": "Not Found"}]}


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def client() -> Iterator[Client]:
    clock = FakeClock()
    with Client(BASE, "KEY", limiter=RateLimiter(0, clock=clock, sleep=clock.sleep), sleep=clock.sleep) as c:
        yield c


RECORDS = ["/ecomOrders/5", "/ecomCustomers/5", "/connections/5"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", p) for p in [*RECORDS, "/ecomOrders/5/orderProducts", "/ecomOrderProducts/5"]]
    + [(m, p) for m in ("PUT", "DELETE") for p in RECORDS],
)
def test_the_errors_shape_on_a_record_path_is_no_such_record(
    mock: responses.RequestsMock, client: Client, method: str, path: str
) -> None:
    mock.add(method, API + path, json=ERRORS_404, status=404)
    with pytest.raises(NotFound) as info:
        client.request(method, path, body={"ecomOrder": {}} if method == "PUT" else None)
    assert info.value.status == 404
    assert f"/api/3{path}" in info.value.message and "Not Found" in info.value.message
    assert len(mock.calls) == 1


def test_get_order_answered_the_errors_shape_is_none(mock: responses.RequestsMock, client: Client) -> None:
    mock.get(API + "/ecomOrders/5", json=ERRORS_404, status=404)
    assert client.get_order("5") is None


@pytest.mark.parametrize("body", [ERRORS_404, {}, {"errors": []}])
@pytest.mark.parametrize("path", ["/ecomOrders", "/users/me", "/ecomCustomers"])
def test_a_404_on_a_collection_is_a_wrong_url(
    mock: responses.RequestsMock, client: Client, path: str, body: Any
) -> None:
    mock.get(API + path, json=body, status=404)
    with pytest.raises(WrongURLError) as info:
        client.request("GET", path)
    assert (
        info.value.message == f"{BASE} does not answer like an ActiveCampaign API (HTTP 404 on /api/3{path})"
    )


def test_a_put_answered_the_errors_shape_relocates_the_cart(
    mock: responses.RequestsMock, client: Client, tmp_path: Path
) -> None:
    """The ledger's record is gone: the cart is looked up and created again, not halted as a wrong URL."""
    order = cart(1)
    created = {**order, "id": "9"}
    mock.put(API + "/ecomOrders/5", json=ERRORS_404, status=404)
    mock.get(API + "/ecomOrders", json={"ecomOrders": [], "meta": {"total": "0"}})
    mock.post(API + "/ecomOrders", json={"ecomOrder": created}, status=201)
    with Ledger.open(tmp_path / "state") as ledger:
        key = Key(BASE, "1", "cart", order["externalcheckoutid"])
        ledger.settle(key, state=DONE, action="created", ac_id="5", digest=content_hash({"old": 1}))
        result = Pusher(client, ledger, BASE, None).push_one(
            Document(Origin("c.json", 1), {"ecomOrder": order})
        )
        assert (result.action, result.id) == (Action.CREATED, "9"), result.errors
        entry = ledger.get(key)
        assert entry is not None and entry.ac_id == "9"
    assert [c.request.method for c in mock.calls] == ["PUT", "GET", "POST"]
    assert json.loads(mock.calls[2].request.body)["ecomOrder"]["externalcheckoutid"] == "cart-00001"
