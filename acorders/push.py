"""Send: validated documents to ActiveCampaign through the ledger, at the account's rate, one result each.

Documents about the same cart (a cart, its later versions, the order it became) are grouped and sent in
order by one worker, so two threads never race to create one cart. A 403 or a wrong URL stops the run at
once; a cart the API rejects is reported and the others go on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from acorders import plan as planner
from acorders.errors import (
    AuthError,
    CartError,
    ConfigError,
    ExitStatus,
    NotFound,
    Rejected,
    TemporaryFailure,
)
from acorders.ledger import DONE, PENDING, REJECTED, Ledger, content_hash
from acorders.models import Action, Document, Finding, PushResult, PushSummary
from acorders.resolve import CustomerResolver, customer_hints, is_duplicate

if TYPE_CHECKING:
    from concurrent.futures import Future

FAILURES_IN_A_ROW = 3  # then the API is down or refusing us: stop instead of waiting out every cart


@dataclass(frozen=True, slots=True)
class PushOptions:
    workers: int = 8
    dry_run: bool = False
    wait: float = 30.0
    move_pushed: Path | None = None
    move_failed: Path | None = None


class Stop(Exception):
    """The whole run must stop (403, wrong URL, too many failures in a row)."""

    def __init__(self, reason: str, status: ExitStatus) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def result_for(doc: Document, action: Action, **kwargs: Any) -> PushResult:
    checkout, ext = doc.key
    return PushResult(doc.origin, checkout, ext, action, **kwargs)


class Pusher:
    """Executes the plan for one document at a time; shared by the worker threads."""

    def __init__(self, client: Any, ledger: Ledger | None, account: str, resolver: CustomerResolver | None) -> None:
        self.client = client
        self.ledger = ledger
        self.account = account
        self.remote = planner.Remote(client)
        self.resolver = resolver
        self.stop: Stop | None = None
        self._failures = 0
        self._lock = threading.Lock()

    def push_group(self, docs: list[Document]) -> list[PushResult]:
        results = []
        for doc in docs:
            if self.stop is not None:
                results.append(result_for(doc, Action.SKIPPED, errors=[Finding(None, f"not sent: {self.stop.reason}")]))
                continue
            results.append(self.push_one(doc))
        return results

    def push_one(self, doc: Document) -> PushResult:
        order = doc.order
        assert order is not None
        digest = content_hash(order)
        plan = planner.decide(order, self.account, self.ledger, digest)
        try:
            body = self._body(doc, order)
            result = self._execute(doc, order, body, plan, digest)
        except Rejected as exc:
            self._record(plan, REJECTED, Action.REJECTED, status=exc.status, error=exc.message, doc=doc)
            errors = [Finding(path, message) for path, message in exc.errors] or [Finding(None, exc.message)]
            result = result_for(doc, Action.REJECTED, id=plan.ac_id, status=exc.status, errors=errors)
        except (AuthError, ConfigError) as exc:
            self._halt(Stop(exc.message, exc.exit_status))
            result = result_for(doc, Action.FAILED, errors=[Finding(None, exc.message)])
        except TemporaryFailure as exc:  # includes OutcomeUnknown: the intent stays pending for the next run
            self._record(plan, PENDING, Action.FAILED, status=exc.status, error=exc.message, doc=doc)
            result = result_for(doc, Action.FAILED, id=plan.ac_id, status=exc.status, errors=[Finding(None, exc.message)])
        except Exception as exc:  # noqa: BLE001 - a bug must not lose the other carts; the intent stays pending
            result = result_for(doc, Action.FAILED, errors=[Finding(None, f"internal error: {type(exc).__name__}: {exc}")])
        self._count(result)
        return result

    def _count(self, result: PushResult) -> None:
        with self._lock:
            self._failures = self._failures + 1 if result.action is Action.FAILED else 0
            if self._failures >= FAILURES_IN_A_ROW and self.stop is None:
                reason = f"{FAILURES_IN_A_ROW} carts in a row failed ({result.errors[0].message}); rerun later"
                self.stop = Stop(reason, ExitStatus.TEMPORARY)

    def _halt(self, stop: Stop) -> None:
        with self._lock:
            if self.stop is None:
                self.stop = stop

    def _body(self, doc: Document, order: dict[str, Any]) -> dict[str, Any]:
        body = dict(order)
        if body.get("customerid") in (None, "") and self.resolver is not None:
            try:
                body["customerid"] = self.resolver.resolve(
                    str(body["connectionid"]), str(body["email"]), customer_hints(doc.data)
                )
            except Rejected as exc:
                raise Rejected(
                    exc.message, exc.status, [("ecomOrder.customerid", f"cannot create the ecomCustomer: {exc.message}")]
                ) from None
        return body

    def _execute(self, doc: Document, order: dict[str, Any], body: dict[str, Any], plan: planner.Plan, digest: str) -> PushResult:
        source = str(doc.origin)
        if plan.step == "unchanged":
            errors = [Finding(None, plan.note)] if plan.note else []
            return result_for(doc, Action.UNCHANGED, id=plan.ac_id, errors=errors)
        if plan.step == "update":
            try:
                return self._put(doc, plan.key, plan.ac_id, _resync(body), digest, Action.UPDATED)
            except NotFound:  # deleted in ActiveCampaign since: create it again
                assert self.ledger is not None
                self.ledger.drop_id(plan.key)
                return self._create(doc, order, body, planner.Plan("create", plan.key), digest, lookup=False)
        if plan.step == "recover":
            result = self._put(doc, plan.key, plan.ac_id, body, digest, Action.RECOVERED)
            if self.ledger and plan.cart_key:
                self.ledger.settle(plan.cart_key, state=DONE, action="recovered", ac_id=plan.ac_id,
                                   recovered_to=str(order.get("externalid")), source=source)
            return result
        return self._create(doc, order, body, plan, digest, lookup=True)

    def _put(self, doc: Document, key: Any, ac_id: str | None, body: dict[str, Any], digest: str, action: Action) -> PushResult:
        assert ac_id is not None
        if self.ledger:
            self.ledger.intend(key, ac_id, digest, str(doc.origin))
        self.client.update_order(ac_id, body)
        if self.ledger:
            self.ledger.settle(key, state=DONE, action=action.value, ac_id=ac_id, digest=digest, status=200, source=str(doc.origin))
        return result_for(doc, action, id=ac_id, status=200)

    def _find(self, order: dict[str, Any], fresh: bool = False) -> dict[str, Any] | None:
        connection = str(order["connectionid"])
        for field in ("externalid", "externalcheckoutid"):
            if order.get(field) not in (None, ""):
                record = self.remote.find(connection, field, str(order[field]), fresh=fresh)
                if record is not None:
                    return record
        return None

    def _create(self, doc: Document, order: dict[str, Any], body: dict[str, Any], plan: planner.Plan, digest: str,
                *, lookup: bool) -> PushResult:
        found = self._find(order) if lookup else None
        if found is not None:
            return self._adopt(doc, order, body, plan, digest, found)
        if self.ledger:
            self.ledger.intend(plan.key, None, digest, str(doc.origin))
        try:
            record, settled = self.client.create_order(body, lookup=lambda: self._find(order, fresh=True))
        except Rejected as exc:
            if not is_duplicate(exc):
                raise
            found = self._find(order, fresh=True)
            if found is None:
                raise
            return self._adopt(doc, order, body, plan, digest, found)
        ac_id = str(record["id"])
        self.remote.learn(str(order["connectionid"]), record)
        if self.ledger:
            self.ledger.settle(plan.key, state=DONE, action="created", ac_id=ac_id, digest=digest,
                               status=None if settled else 201, source=str(doc.origin))
        return result_for(doc, Action.CREATED, id=ac_id, status=None if settled else 201)

    def _adopt(self, doc: Document, order: dict[str, Any], body: dict[str, Any], plan: planner.Plan, digest: str,
               record: dict[str, Any]) -> PushResult:
        """ActiveCampaign has the record already: make it ours instead of creating a second one."""
        ac_id = str(record["id"])
        source = str(doc.origin)
        is_order = order.get("externalid") not in (None, "")
        remote_ext = record.get("externalid")
        if is_order and remote_ext in (None, ""):  # the cart it came from: recover it
            return self._put(doc, plan.key, ac_id, body, digest, Action.RECOVERED)
        if not is_order and remote_ext not in (None, ""):  # this cart is an order already
            if self.ledger:
                self.ledger.settle(plan.key, state=DONE, action="unchanged", ac_id=ac_id, digest=digest,
                                   recovered_to=str(remote_ext), source=source)
            return result_for(doc, Action.UNCHANGED, id=ac_id,
                              errors=[Finding(None, f"this cart already became order {remote_ext}")])
        if plan.adopt_hash == digest:  # our own create, committed before a crash or a lost answer
            if self.ledger:
                self.ledger.settle(plan.key, state=DONE, action="created", ac_id=ac_id, digest=digest, source=source)
            return result_for(doc, Action.CREATED, id=ac_id)
        return self._put(doc, plan.key, ac_id, _resync(body), digest, Action.UPDATED)

    def _record(self, plan: planner.Plan, state: str, action: Action, *, status: int | None, error: str,
                doc: Document) -> None:
        if self.ledger is not None and plan.step != "unchanged":
            self.ledger.settle(plan.key, state=state, action=action.value, status=status, error=error,
                               source=str(doc.origin))


def _resync(body: dict[str, Any]) -> dict[str, Any]:
    """An update of a record already pushed is a re-sync: source 0, as ActiveCampaign's own WooCommerce
    module does, so the 'Abandons cart' automation does not start a second time."""
    return {**body, "source": 0}


def group(docs: Iterable[Document]) -> list[list[Document]]:
    """Documents that concern the same record (same externalcheckoutid or externalid) in input order."""
    groups: list[list[Document]] = []
    where: dict[tuple[str, str, str], int] = {}
    for doc in docs:
        order = doc.order or {}
        connection = str(order.get("connectionid", ""))
        ids = [(connection, f, str(order[f])) for f in ("externalcheckoutid", "externalid") if order.get(f) not in (None, "")]
        index = next((where[i] for i in ids if i in where), None)
        if index is None:
            index = len(groups)
            groups.append([])
        groups[index].append(doc)
        for i in ids:
            where.setdefault(i, index)
    return groups


def send(pusher: Pusher, groups: list[list[Document]], workers: int,
         on_result: Callable[[PushResult], None]) -> None:
    """Run the groups on a thread pool; on Ctrl-C, let in-flight requests finish and skip the rest."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait  # a rerun with nothing to send never needs it

    pending: set[Future[list[PushResult]]] = set()
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="push") as pool:
        queue = list(reversed(groups))
        try:
            while queue or pending:
                while queue and len(pending) < workers * 2:
                    pending.add(pool.submit(pusher.push_group, queue.pop()))
                done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in done:
                    for result in future.result():
                        on_result(result)
        except KeyboardInterrupt:
            pusher.stop = Stop("interrupted (Ctrl-C); in-flight requests were finished", ExitStatus.INTERRUPTED)
            for future in pending:
                for result in future.result():
                    on_result(result)
            for docs in queue:
                for result in pusher.push_group(docs):  # all skipped: the stop is set
                    on_result(result)


def exit_status(summary: PushSummary, stop: Stop | None) -> ExitStatus:
    if stop is not None:
        return stop.status
    counts = summary.counts
    if counts[Action.FAILED.value] or counts[Action.SKIPPED.value]:
        return ExitStatus.TEMPORARY
    if counts[Action.INVALID.value] or counts[Action.REJECTED.value]:
        return ExitStatus.INVALID
    return ExitStatus.OK


def plan_only(docs: Iterable[Document], account: str, ledger: Ledger | None) -> Iterable[PushResult]:
    """--dry-run: what push would do, from the ledger alone; no network."""
    for doc in docs:
        order = doc.order
        assert order is not None
        p = planner.decide(order, account, ledger, content_hash(order))
        notes = [Finding(None, p.note)] if p.note else []
        if order.get("customerid") in (None, ""):
            notes.append(Finding("ecomOrder.customerid", "resolved at push time by email and connection"))
        yield result_for(doc, Action.PLANNED, id=p.ac_id, planned=p.step, errors=notes)


@dataclass
class Prepared:
    """Loaded, validated and planned from the ledger: what is invalid, what is settled without a request
    (unchanged), and what must be sent."""

    invalid: list[Document]
    unchanged: list[PushResult]
    send: list[Document]


def prepare(sources: Iterable[Any], validator: Any, account: str, ledger: Ledger | None, stdin: Any = None,
            *, dry_run: bool = False) -> Prepared:
    """Load and validate (on every core for many files) and settle the unchanged carts against one
    snapshot of the ledger, so a rerun over thousands of unchanged carts costs about a validate."""
    from acorders import workers

    view = ledger.snapshot(account) if ledger is not None else None

    def classify(doc: Document) -> Any:  # runs in the worker processes
        order = doc.order
        assert order is not None
        plan = planner.decide(order, account, view, content_hash(order))
        if plan.step == "unchanged" and not dry_run:
            return ("unchanged", plan.ac_id, plan.note, *doc.key)
        return ("send", doc.data)

    prepared = Prepared([], [], [])
    held: list[tuple[Document, Any, Any]] = []
    keys: dict[int, int] = {}
    for _, results in workers.check_sources(sources, validator, stdin, classify):
        for doc, fingerprint, extra in results:
            validator.settle(doc, fingerprint)
            if not doc.valid:
                prepared.invalid.append(doc)
                continue
            if fingerprint is not None:
                keys[fingerprint.key] = keys.get(fingerprint.key, 0) + 1
            held.append((doc, fingerprint, extra))
    unchanged = prepared.unchanged.append
    for doc, fingerprint, verdict in held:
        repeated = fingerprint is not None and keys[fingerprint.key] > 1
        if verdict[0] == "unchanged" and not repeated:
            _, ac_id, note, checkout, ext = verdict  # the ids travel with the verdict: the data stayed in the worker
            unchanged(PushResult(doc.origin, checkout, ext, Action.UNCHANGED, ac_id, None, [Finding(None, note)] if note else []))
            continue
        if verdict[0] == "send":
            doc.data = verdict[1]
        elif doc.data is None:  # the same cart twice in the batch: send both, in order; re-read this one
            doc.data = validator.reload(doc.origin)
        prepared.send.append(doc)
    return prepared


def run_push(prepared: Prepared, pusher: Pusher | None, options: PushOptions, reporter: Any, *, account: str,
             ledger: Ledger | None) -> tuple[PushSummary, ExitStatus, list[PushResult]]:
    """push PATH...: report the invalid and the unchanged, send (or plan) the rest, and say how it went."""
    summary = PushSummary()
    results: list[PushResult] = []
    started = time.monotonic()
    docs = prepared.send

    def emit(result: PushResult) -> None:
        summary.add(result)
        results.append(result)
        reporter.item(result)
        reporter.advance()

    for doc in prepared.invalid:
        emit(result_for(doc, Action.INVALID, errors=[f for f in doc.findings if f.severity.value == "error"]))
    for result in prepared.unchanged:
        emit(result)
    reporter.start(len(docs))
    if options.dry_run or pusher is None:
        for result in plan_only(docs, account, ledger):
            emit(result)
    else:
        groups = group(docs)
        new: dict[str, int] = {}
        for g in groups:
            order = g[0].order or {}
            if planner.decide(order, account, ledger, "").step == "create":
                connection = str(order.get("connectionid"))
                new[connection] = new.get(connection, 0) + 1
        try:
            pusher.remote.prepare(new)
        except ConfigError as exc:  # 403, wrong URL: nothing will go through; report every cart as skipped
            pusher.stop = Stop(exc.message, exc.exit_status)
        except CartError:
            pass  # the listing is an optimisation; per-cart look-ups still keep carts unique
        send(pusher, groups, options.workers, emit)
        stats = getattr(pusher.client, "stats", None)
        summary.requests = getattr(stats, "requests", 0)
        summary.rate_limited = getattr(stats, "throttled", 0)
    summary.elapsed = time.monotonic() - started
    stop = pusher.stop if pusher is not None else None
    summary.stopped = stop.reason if stop is not None else None
    reporter.finish(summary)
    return summary, exit_status(summary, stop), results
