"""delete --email ADDRESS: a customer asking to be forgotten, on the connections this ledger pushes to.

Deletes the email's carts and orders (those the ledger knows and any the listing finds, whoever pushed
them) and its ecomCustomer rows on each connection, in ActiveCampaign and in the ledger: the entries are
forgotten, each deletion stays in the history. Contacts are never touched: the contact (and the
account-level ecomCustomer, connectionid 0, that ActiveCampaign keeps beside it) are deleted in
ActiveCampaign's own UI or contacts API (README: "Forgetting a customer").
"""

from __future__ import annotations

from typing import Any

from acorders.errors import CartError, NotFound, UsageError
from acorders.models import connection_of, own_id
from acorders.push.expire import CleanupOutcome, CleanupRequest, delete_record, session
from acorders.push.ledger import Entry, Key, Ledger
from acorders.push.verify import KIND_OF_FIELD, read_listing


def run(request: CleanupRequest, email: str) -> CleanupOutcome:
    """Delete (or, dry run, list) every order and ecomCustomer of ``email`` on the ledger's connections."""
    if "@" not in email:
        raise UsageError(f"--email {email!r} is not an email address")
    outcome = CleanupOutcome()
    with session(request) as (account, ledger, client):
        entries = ledger.entries(account.url)
        by_id: dict[str, list[Entry]] = {}
        for entry in entries:  # a cart and the order it became share one record
            if entry.ac_id:
                by_id.setdefault(str(entry.ac_id), []).append(entry)
        connections = {e.key.connection for e in entries}
        if request.settings.connection:
            connections.add(str(request.settings.connection))
        for connection in sorted(connections):
            records, _ = read_listing(client, connection)
            mine = [r for r in records if _same(r.get("email"), email) and connection_of(r) == connection]
            for record in mine:
                outcome.results.append(_order(record, by_id, account.url, client, ledger, request.dry_run))
            for customer in client.find_customers(email=email, connectionid=connection):
                outcome.results.append(_customer(customer, account.url, client, ledger, request.dry_run))
            if not request.dry_run:
                ledger.forget_customer(account.url, connection, email)
        outcome.results.extend(_ledger_only(ledger, account.url, email, outcome.results, request.dry_run))
        outcome.requests = client.stats.requests
    return outcome


def _same(value: Any, email: str) -> bool:
    return isinstance(value, str) and value.casefold() == email.casefold()


def _order(
    record: dict[str, Any],
    by_id: dict[str, list[Entry]],
    account: str,
    client: Any,
    ledger: Ledger,
    dry_run: bool,
) -> dict[str, Any]:
    ac_id = str(record.get("id"))
    own = own_id(record)
    key = Key(account, connection_of(record), KIND_OF_FIELD[own[0]], own[1]) if own is not None else None
    row = _row("would delete" if dry_run else "deleted", key, ac_id, "ecomOrder")
    if dry_run:
        return row
    action, status, error = delete_record(client, ac_id)
    if key is not None:
        ledger.note(key, action, ac_id=ac_id, status=status, error=error, source="delete --email")
    if action == "deleted":
        for entry in by_id.get(ac_id, []):
            ledger.forget(
                account=account, connection=entry.key.connection, kind=entry.key.kind, ext=entry.key.ext
            )
    return {**row, "action": action, "error": error}


def _customer(
    record: dict[str, Any], account: str, client: Any, ledger: Ledger, dry_run: bool
) -> dict[str, Any]:
    ac_id = str(record.get("id"))
    key = Key(account, str(record.get("connectionid")), "customer", str(record.get("externalid") or ""))
    row = _row("would delete" if dry_run else "deleted", key, ac_id, "ecomCustomer")
    if dry_run:
        return row
    status: int | None
    error: str | None
    try:
        client.delete_customer(ac_id)
        action, status, error = "deleted", 200, None
    except NotFound:
        action, status, error = "deleted", 404, None
    except CartError as exc:
        action, status, error = "failed", getattr(exc, "status", None), exc.message
    ledger.note(key, action, ac_id=ac_id, status=status, error=error, source="delete --email")
    return {**row, "action": action, "error": error}


def _ledger_only(
    ledger: Ledger, account: str, email: str, done: list[dict[str, Any]], dry_run: bool
) -> list[dict[str, Any]]:
    """Entries whose last body sent holds the email but whose record the listing did not find (expired,
    deleted in ActiveCampaign): nothing to delete there, but the ledger forgets them and their bodies."""
    seen = {(r["connection"], r["kind"], r["ext"]) for r in done}
    gone = {r["id"] for r in done if r["record"] == "ecomOrder"}
    rows = []
    for (connection, kind, ext), (_, body) in sorted(ledger.sent(account).items()):
        key = Key(account, connection, kind, ext)
        if (connection, kind, ext) in seen or not _same(body.get("email"), email):
            continue
        entry = ledger.get(key)
        if entry is not None and entry.ac_id in gone:  # a cart of an order deleted above (dry run)
            continue
        rows.append(_row("would forget" if dry_run else "forgotten", key, "", "ledger entry"))
        if not dry_run:
            ledger.note(key, "forgotten", source="delete --email")
            ledger.forget(account=account, connection=connection, kind=kind, ext=ext)
    return rows


def _row(action: str, key: Key | None, ac_id: str, what: str) -> dict[str, Any]:
    return {
        "action": action,
        "record": what,
        "connection": key.connection if key else None,
        "kind": key.kind if key else None,
        "ext": key.ext if key else None,
        "id": ac_id,
        "error": None,
    }
