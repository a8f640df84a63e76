"""Seeding the sandbox behind acorders' back, for verify's tests and rehearsals: a duplicate "created by
another tool", a record deleted in ActiveCampaign, drifted content, a record the ledger never saw.

They write the sandbox's store directly (no request is recorded), as another integration or a person in
ActiveCampaign's UI would change the account.
"""

from __future__ import annotations

from typing import Any

from acorders.sandbox import Sandbox


def order_of(sb: Sandbox, **filters: str) -> dict[str, Any]:
    """The one stored order matching ``filters`` (externalcheckoutid=..., say)."""
    rows = sb.store.orders(**filters)
    assert len(rows) == 1, rows
    return rows[0]


def duplicate(sb: Sandbox, record_id: str, **changes: Any) -> str:
    """A copy of record ``record_id`` with a new id, as another tool would create it; returns its id."""
    row = dict(sb.store.get("order", record_id) or {})
    assert row, f"no order {record_id}"
    row.update(changes)
    return str(sb.store.insert("order", row)["id"])


def delete_behind(sb: Sandbox, record_id: str) -> None:
    """Delete a record in ActiveCampaign without the ledger knowing (the UI, another tool)."""
    assert sb.store.delete("order", record_id)


def drift(sb: Sandbox, record_id: str, **changes: Any) -> None:
    """Change a stored record's fields behind the ledger's back."""
    row = dict(sb.store.get("order", record_id) or {})
    assert row, f"no order {record_id}"
    row.update(changes)
    sb.store.update("order", record_id, row)


def foreign(sb: Sandbox, order: dict[str, Any]) -> str:
    """A record another machine pushed, through the sandbox's own route (no request is recorded); a second
    one of the same cart is a silent duplicate whatever --duplicates says. Returns its id."""
    own = {k: str(order[k]) for k in ("externalcheckoutid", "connectionid") if k in order}
    existing = sb.store.orders(**own)
    if existing:
        return duplicate(sb, existing[0]["id"])
    status, answer = sb.api.handle("POST", "/api/3/ecomOrders", {}, {"ecomOrder": order})
    assert status == 201, answer
    return str(answer["ecomOrder"]["id"])
