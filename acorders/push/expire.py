"""expire --older-than DURATION: delete the abandoned carts this ledger pushed that nobody recovered.

ActiveCampaign's "Abandons cart" automations keep mailing about a cart as long as it exists; a cart older
than the duration (by its abandonedDate in ActiveCampaign) that is still a cart there is deleted, and its
ledger entry becomes ``expired``: a later push of the same content sends nothing (plan.py), new content
creates it again. One listing of each connection's orders says which carts are still carts and how old;
then one DELETE per cart.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acorders.config import Account, Settings
from acorders.errors import CartError, NotFound
from acorders.models import ids
from acorders.push.ledger import DONE, EXPIRED, Entry, Ledger
from acorders.push.runner import build_client
from acorders.push.verify import instant, read_listing


@dataclass(frozen=True)
class CleanupRequest:
    """What expire or delete --email was asked: the account, the ledger, and whether to change anything."""

    settings: Settings
    dry_run: bool = False
    rate: float = 5.0
    wait: float = 30.0
    state_dir: Path | None = None
    on_request: Any = None


@dataclass
class CleanupOutcome:
    """One row per record deleted (or that would be), and the requests it took."""

    results: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0

    @property
    def ok(self) -> bool:
        return all(r["action"] != "failed" for r in self.results)

    def summary(self) -> dict[str, Any]:
        actions: dict[str, int] = {}
        for row in self.results:
            actions[row["action"]] = actions.get(row["action"], 0) + 1
        return {**actions, "requests": self.requests}


@contextmanager
def session(request: CleanupRequest) -> Iterator[tuple[Account, Ledger, Any]]:
    """The account, its ledger (locked unless a dry run: a push must not race a deletion) and a client."""
    account = request.settings.account()
    with Ledger.open(request.state_dir) as ledger:
        if not request.dry_run:
            ledger.lock(request.wait)
        client = build_client(
            account.url, account.api_key, rate=request.rate, workers=1, on_request=request.on_request
        )
        try:
            yield account, ledger, client
        finally:
            client.close()


def delete_record(client: Any, ac_id: str) -> tuple[str, int | None, str | None]:
    """(action, status, error) of one DELETE; a record gone already is as good as deleted."""
    try:
        client.delete_order(ac_id)
        return "deleted", 200, None
    except NotFound:
        return "deleted", 404, None
    except CartError as exc:
        return "failed", getattr(exc, "status", None), exc.message


def run(request: CleanupRequest, older_than: float, now: float | None = None) -> CleanupOutcome:
    """Delete (or, dry run, list) the ledger's carts still carts in ActiveCampaign and older than the
    duration."""
    cutoff = (time.time() if now is None else now) - older_than
    outcome = CleanupOutcome()
    with session(request) as (account, ledger, client):
        carts = [e for e in ledger.entries(account.url) if _still_ours(e)]
        for connection in sorted({e.key.connection for e in carts}):
            records, requests = read_listing(client, connection)
            outcome.requests += requests
            by_id = {str(r.get("id")): r for r in records}
            for entry in (e for e in carts if e.key.connection == connection):
                record = by_id.get(str(entry.ac_id))
                if record is not None and _expired(record, cutoff):
                    outcome.results.append(_expire(entry, record, client, ledger, request.dry_run))
        outcome.requests = client.stats.requests
    return outcome


def _still_ours(entry: Entry) -> bool:
    return entry.key.kind == "cart" and entry.state == DONE and bool(entry.ac_id) and not entry.recovered_to


def _expired(record: dict[str, Any], cutoff: float) -> bool:
    """Still a cart in ActiveCampaign (no order recovered it there) and abandoned before the cutoff."""
    when = instant(record.get("abandonedDate"))
    return ids(record)[1] is None and isinstance(when, float) and when < cutoff


def _expire(
    entry: Entry, record: dict[str, Any], client: Any, ledger: Ledger, dry_run: bool
) -> dict[str, Any]:
    key = entry.key
    row = {
        "action": "would expire" if dry_run else "expired",
        "connection": key.connection,
        "kind": key.kind,
        "ext": key.ext,
        "id": entry.ac_id,
        "abandonedDate": record.get("abandonedDate"),
        "error": None,
    }
    if dry_run:
        return row
    assert entry.ac_id is not None
    action, status, error = delete_record(client, entry.ac_id)
    if action == "failed":
        ledger.note(key, "failed", ac_id=entry.ac_id, error=f"expire: {error}", source="expire")
        return {**row, "action": "failed", "error": error}
    ledger.settle(key, state=EXPIRED, action="expired", ac_id=entry.ac_id, status=status, source="expire")
    return row
