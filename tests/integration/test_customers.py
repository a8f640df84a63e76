"""The customer resolver and push against a real sandbox on 127.0.0.1: a customer that cannot be
created, the envelope's externalid."""

from __future__ import annotations

from pathlib import Path

from acorders.api.client import Client
from acorders.models import Action, Document, Origin
from acorders.push import runner as core
from acorders.push import send
from acorders.push.customers import CustomerResolver
from acorders.push.ledger import Ledger
from tests.helpers import Recorder, cart, envelope, sandbox


def test_unresolvable_customer_rejects_only_that_cart(tmp_path: Path) -> None:
    with sandbox(strict=True) as sb:
        conn = sb.store.insert("connection", {"service": "s", "externalid": "e", "name": "n"})
        docs = [
            Document(Origin("c.ndjson", 1), envelope(cart(1, customerid=None, connectionid=conn["id"]))),
            Document(Origin("c.ndjson", 2), envelope(cart(2, customerid=None, connectionid="404"))),
        ]
        with Ledger.open(tmp_path) as led:
            client = Client(sb.url, "sandbox", rate=1000)
            pusher = send.Pusher(client, led, sb.url, CustomerResolver(client, led, sb.url))
            summary, status, results = core.run_push(
                core.Prepared([], [], docs),
                pusher,
                core.PushOptions(workers=2),
                Recorder(),
                account=sb.url,
                ledger=led,
            )
            client.close()
        by_line = {r.origin.line: r for r in results}
        assert by_line[1].action is Action.CREATED
        assert by_line[2].action is Action.REJECTED
        assert [e.path for e in by_line[2].errors] == ["ecomOrder.customerid"]
        assert "ecomCustomer" in by_line[2].errors[0].message
        assert int(status) == 1


def test_envelope_ecomcustomer_externalid_is_used(tmp_path: Path) -> None:
    with sandbox() as sb:
        data = {
            "ecomOrder": cart(1, customerid=None),
            "ecomCustomer": {"externalid": "shop-42", "acceptsMarketing": "1"},
        }
        with Ledger.open(tmp_path) as led:
            client = Client(sb.url, "sandbox", rate=1000)
            pusher = send.Pusher(client, led, sb.url, CustomerResolver(client, led, sb.url))
            (result,) = pusher.push_group([Document(Origin("c.json", 1), data)])
            client.close()
        assert result.action is Action.CREATED
        (customer,) = sb.store.customers()
        assert (customer["externalid"], customer["acceptsMarketing"]) == ("shop-42", "1")
        assert sb.store.orders()[0]["customerid"] == customer["id"]
        sent = next(r for r in sb.requests if r.method == "POST" and r.path == "/api/3/ecomOrders")
        assert "ecomCustomer" not in sent.body and sent.body["ecomOrder"]["customerid"] == customer["id"]
