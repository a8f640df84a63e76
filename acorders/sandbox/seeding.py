"""Changing the sandbox's account behind a client's back, for tests and rehearsals of `acorders verify`:
a duplicate "created by another tool", a record deleted in ActiveCampaign, drifted content, a record
another machine pushed.

They write the store directly (no request is recorded), as another integration or a person in
ActiveCampaign's UI would change the account; ``foreign`` goes through the POST route's own checks.
"""

from __future__ import annotations

from typing import Any

from .server import Sandbox


def order_of(sb: Sandbox, **filters: str) -> dict[str, Any]:
    """The one stored order matching ``filters`` (externalcheckoutid=..., say)."""
    rows = sb.store.orders(**filters)
    if len(rows) != 1:
        raise LookupError(f"{len(rows)} orders match {filters}")
    return rows[0]


def duplicate(sb: Sandbox, record_id: str, **changes: Any) -> str:
    """A copy of record ``record_id`` with a new id (and ``changes``; None drops a field), as another tool
    would create it whatever the duplicate check says; returns its id."""
    row = _stored(sb, record_id)
    row.update(changes)
    return str(sb.store.insert("order", {k: v for k, v in row.items() if v is not None})["id"])


def delete_behind(sb: Sandbox, record_id: str) -> None:
    """Delete a record without the client knowing (ActiveCampaign's UI, another tool)."""
    if not sb.store.delete("order", record_id):
        raise LookupError(f"no order {record_id}")


def drift(sb: Sandbox, record_id: str, **changes: Any) -> None:
    """Change a stored record's fields behind the client's back."""
    row = _stored(sb, record_id)
    row.update(changes)
    sb.store.update("order", record_id, row)


def foreign(sb: Sandbox, order: dict[str, Any]) -> str:
    """A record another machine pushed, through the POST route (no request is recorded); a second one of
    the same cart is a silent duplicate whatever --duplicates says. Returns its id."""
    own = {k: str(order[k]) for k in ("externalcheckoutid", "connectionid") if k in order}
    existing = sb.store.orders(**own)
    if existing:
        return duplicate(sb, existing[0]["id"])
    status, answer = sb.api.handle("POST", "/api/3/ecomOrders", {}, {"ecomOrder": order})
    if status != 201:
        raise ValueError(f"the sandbox refused the order ({status}): {answer}")
    return str(answer["ecomOrder"]["id"])


def _stored(sb: Sandbox, record_id: str) -> dict[str, Any]:
    row = sb.store.get("order", record_id)
    if row is None:
        raise LookupError(f"no order {record_id}")
    return dict(row)
