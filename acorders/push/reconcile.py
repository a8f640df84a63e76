"""verify [PATH...] [--fix]: the whole run, from a VerifyRequest to the differences and what was fixed.

The cost is one listing of each connection's orders plus one request per fix: re-pushes go through the
normal push path (ledger intents, the rate limit) with the listing standing in for every look-up, extra
duplicates are deleted (each deletion in the ledger's history), and unknown records the files identify
are adopted into the ledger.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acorders.config import Settings
from acorders.errors import CartError, NotFound, UsageError
from acorders.load import collect_sources
from acorders.models import Action, Document, Origin
from acorders.push import verify as check
from acorders.push.customers import CustomerResolver
from acorders.push.ledger import DONE, Ledger, content_hash
from acorders.push.prepare import prepare
from acorders.push.runner import PushOptions, build_client, run_push
from acorders.push.send import Pusher
from acorders.validate.validator import ValidateOptions, Validator

LEDGER = "<ledger>"  # the origin of a body the ledger kept, re-pushed by --fix
STALE = "stale"  # a ledger hash no content has: the next push of the record sends it


@dataclass(frozen=True)
class VerifyRequest:
    paths: list[str]
    settings: Settings
    fix: bool = False
    dry_run: bool = False
    rate: float = 5.0
    workers: int = 4
    wait: float = 30.0
    state_dir: Path | None = None
    on_request: Any = None


@dataclass
class VerifyOutcome:
    differences: list[check.Difference]
    requests: int = 0
    listed: int = 0
    invalid: list[str] = field(default_factory=list)  # files that could not be compared, with why

    @property
    def ok(self) -> bool:
        return not self.invalid and all(d.fixed for d in self.differences)

    def summary(self) -> dict[str, Any]:
        counts = {c: sum(1 for d in self.differences if d.cls == c) for c in check.CLASSES}
        fixed = sum(1 for d in self.differences if d.fixed)
        return {**counts, "listed": self.listed, "requests": self.requests, "fixed": fixed}


class _Null:
    """A reporter that keeps nothing: verify renders its own table."""

    def start(self, total: int | None) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def item(self, obj: Any) -> None: ...
    def finish(self, summary: Any) -> None: ...


def run(request: VerifyRequest) -> VerifyOutcome:
    """List the account's orders, compare, and (--fix) repair what the ledger or the files make certain."""
    account = request.settings.account()
    docs, invalid = _documents(request)
    with ExitStack() as stack:
        ledger = stack.enter_context(Ledger.open(request.state_dir))
        if request.fix and not request.dry_run:
            ledger.lock(request.wait)
        known = check.ledger_idents(ledger.entries(account.url))
        files = check.file_idents(docs)
        connections = _connections(request.settings, known, files)
        client = build_client(
            account.url,
            account.api_key,
            rate=request.rate,
            workers=request.workers,
            on_request=request.on_request,
        )
        stack.callback(client.close)
        listing = check.Listing()
        for connection in connections:
            records, requests = check.read_listing(client, connection)
            listing.requests += requests
            check.group_records(records, connection, listing)
        sent = check.sent_bodies(ledger.sent(account.url), known)
        found = check.compare(listing, known, files, sent)
        outcome = VerifyOutcome(found, listing.requests, listing.records, invalid)
        if request.fix:
            plan_fixes(found)
            if not request.dry_run:
                apply_fixes(found, listing, client, ledger, account.url, request)
        outcome.requests = client.stats.requests if hasattr(client, "stats") else outcome.requests
    return outcome


def _documents(request: VerifyRequest) -> tuple[list[Document], list[str]]:
    if not request.paths:
        return [], []
    validator = Validator(ValidateOptions(connection=request.settings.connection))
    prepared = prepare(collect_sources(request.paths, None), validator, "", None, dry_run=True)
    invalid = [f"{doc.origin}: not valid; not compared" for doc in prepared.invalid]
    return prepared.send, invalid


def _connections(
    settings: Settings, known: dict[check.Ident, Any], files: dict[check.Ident, Any]
) -> list[str]:
    if settings.connection:
        return [str(settings.connection)]
    found = sorted({ident[0] for ident in (*known, *files)})
    if not found:
        raise UsageError(
            "no connection to verify: the ledger and the files name none",
            hint="give --connection ID (acorders connections list shows them)",
        )
    return found


# --- fixes --------------------------------------------------------------------------------------------


def plan_fixes(found: list[check.Difference]) -> None:
    """Say for each difference what --fix does; None where nothing makes a fix certain."""
    for diff in found:
        diff.fix, diff.fixed = _fix_for(diff), False


def _fix_for(diff: check.Difference) -> str:
    if diff.cls in ("missing", "drifted"):
        if diff.doc is not None:
            return f"push {diff.doc.origin} again"
        return "push again what the ledger last sent" if diff.body else "none: give the file that holds it"
    if diff.cls == "duplicated":
        extra = [i for i in diff.ids if i != diff.keep]
        if diff.doc is None and diff.entry is None:
            return "none: neither the ledger nor the files know it"
        return f"delete {', '.join(extra)}; keep {diff.keep}"
    if diff.doc is not None:
        return f"adopt {diff.keep} into the ledger"
    return "none: give the file that holds it to adopt it"


def apply_fixes(
    found: list[check.Difference],
    listing: check.Listing,
    client: Any,
    ledger: Ledger,
    account: str,
    request: VerifyRequest,
) -> None:
    """Deletions and adoptions first, then one push of every record to send again."""
    repush: list[check.Difference] = []
    for diff in found:
        if diff.fix is None or diff.fix.startswith("none"):
            continue
        if diff.cls == "duplicated":
            diff.fixed = _delete_extra(diff, client, ledger, account)
        elif diff.cls == "unknown":
            diff.fixed = _adopt(diff, listing, ledger, account, repush)
        else:
            _forget_sent(diff, ledger, account)
            repush.append(diff)
    if repush:
        _push_again(repush, listing, client, ledger, account, request)


def _delete_extra(diff: check.Difference, client: Any, ledger: Ledger, account: str) -> bool:
    key = check.key_of(diff.ident, account)
    ok = True
    for ac_id in diff.ids:
        if ac_id == diff.keep:
            continue
        try:
            client.delete_order(ac_id)
            ledger.note(key, "deleted", ac_id=ac_id, status=200, source="verify --fix: a duplicate")
        except NotFound:
            ledger.note(key, "deleted", ac_id=ac_id, status=404, source="verify --fix: gone already")
        except CartError as exc:
            ledger.note(key, "failed", ac_id=ac_id, error=f"delete: {exc.message}", source="verify --fix")
            ok = False
    return ok


def _adopt(
    diff: check.Difference,
    listing: check.Listing,
    ledger: Ledger,
    account: str,
    repush: list[check.Difference],
) -> bool:
    """The files identify it: the record kept becomes the ledger's; pushed again if its content differs."""
    assert diff.doc is not None and diff.doc.order is not None
    order = diff.doc.order
    record = next(r for r in listing.groups[diff.ident] if str(r.get("id")) == diff.keep)
    agrees = not check.differences(order, record)
    key = check.key_of(diff.ident, account)
    digest = content_hash(order) if agrees else STALE
    ledger.settle(
        key, state=DONE, action="adopted", ac_id=diff.keep, digest=digest, source=str(diff.doc.origin)
    )
    if agrees:
        return True
    repush.append(diff)
    return False


def _forget_sent(diff: check.Difference, ledger: Ledger, account: str) -> None:
    """Make the next push send it: a missing record is forgotten (created again), a drifted one marked
    stale (updated)."""
    if diff.entry is None:
        return
    key = check.key_of(diff.ident, account)
    if diff.cls == "missing":
        ledger.note(key, "missing", ac_id=diff.entry.ac_id, source="verify --fix: not in ActiveCampaign")
        ledger.forget(account=key.account, connection=key.connection, kind=key.kind, ext=key.ext)
    else:
        ledger.settle(key, state=DONE, action="drifted", digest=STALE, source="verify --fix")


def _push_again(
    diffs: list[check.Difference],
    listing: check.Listing,
    client: Any,
    ledger: Ledger,
    account: str,
    request: VerifyRequest,
) -> None:
    """Through push's own path; the listing answers every look-up, so each record costs one request."""
    pusher = Pusher(client, ledger, account, CustomerResolver(client, ledger, account))
    keeps = {d.ident: d.keep for d in diffs if d.keep is not None}
    for connection in {d.ident[0] for d in diffs}:
        kept = [_keeper(g, keeps.get(ident)) for ident, g in listing.groups.items() if ident[0] == connection]
        pusher.remote.know(connection, kept)
    for diff in diffs:
        if diff.doc is None and diff.body is not None:  # what the ledger last sent stands in for the file
            diff.doc = Document(Origin(LEDGER), {"ecomOrder": diff.body})
    docs = [d.doc for d in diffs if d.doc is not None]
    from acorders.push.prepare import Prepared

    _, _, results = run_push(
        Prepared([], [], docs),
        pusher,
        PushOptions(workers=request.workers),
        _Null(),
        account=account,
        ledger=ledger,
    )
    done = {(r.externalcheckoutid, r.externalid) for r in results if r.action in _SENT}
    for diff in diffs:
        diff.fixed = diff.doc is not None and diff.doc.key in done


_SENT = (Action.CREATED, Action.UPDATED, Action.RECOVERED, Action.UNCHANGED)


def _keeper(group: list[dict[str, Any]], keep: str | None) -> dict[str, Any]:
    """The record of a group that stays: the one verify chose, else the oldest."""
    return next((r for r in group if str(r.get("id")) == keep), group[0])
