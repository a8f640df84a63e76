"""push PATH...: the whole run, from options to an outcome, without a terminal in sight.

Where the carts go (the account, or a throwaway sandbox), the ledger and its lock (and the account's,
locks.py), building the HTTP client only when something must be sent, and the spool moves afterwards.
Ctrl-C and SIGTERM are handled here for the whole run (interrupts.py): before sending they stop it with an
empty, complete report; from the first result on they wind the push down without tearing the report. An
error that ends the run (a ledger that cannot be opened, no API key) still ends the report, saying why,
then goes on to the CLI.
The CLI fills a PushRequest and renders the outcome; tests drive ``run`` directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from acorders.config import Settings
from acorders.errors import (
    AcordersError,
    CartError,
    ConfigError,
    ExitStatus,
    Interrupted,
    RunError,
    UnavailableError,
    exit_status_for,
)
from acorders.load import STDIN, Source, collect_sources, iter_sources
from acorders.models import Action, PushResult, PushSummary, Severity, connection_of
from acorders.push import backfill, spool
from acorders.push.customers import CustomerResolver
from acorders.push.dispatch import group, send
from acorders.push.interrupts import Interrupts
from acorders.push.ledger import Ledger
from acorders.push.locks import AccountLock
from acorders.push.plan import decide, plan_only, result_for
from acorders.push.prepare import Prepared, prepare
from acorders.push.send import Pusher
from acorders.report.base import report_stop
from acorders.validate.validator import ValidateOptions, Validator


@dataclass(frozen=True, slots=True)
class PushOptions:
    workers: int = 8
    dry_run: bool = False
    wait: float = 30.0
    timeout: float = 60.0  # per request: connect, send and the whole answer
    move_pushed: Path | None = None
    move_failed: Path | None = None
    historical: bool = False  # push --historical: source 0, newest first (backfill.py)
    since: float | None = None  # --historical: externalCreatedDate from (POSIX time)
    until: float | None = None
    on_plan: Callable[[PushResult, Any], None] | None = None  # --dry-run: each plan, with its order


@dataclass(frozen=True)
class PushRequest:
    """What the user asked for, parsed: the CLI fills it, ``run`` carries it out."""

    paths: list[str]
    settings: Settings
    fmt: str | None = None
    strict: bool = False
    sandbox: bool = False
    rate: float = 5.0
    state_dir: Path | None = None
    options: PushOptions = field(default_factory=PushOptions)
    on_request: Callable[[Any], None] | None = None  # -v: called with each RequestLog
    on_skip: Callable[[str], None] | None = None  # told of each file a directory walk skips (a FIFO)
    stdin: IO[bytes] | None = None
    # push --from: lists the sources and makes their documents from a shop's export (acorders.convert)
    converter: Any = None
    # push --sandbox --keep: called with the sandbox dashboard's address once the push is reported, and the
    # sandbox stops when it returns (the CLI waits there for Ctrl-C)
    keep: Callable[[str], None] | None = None


@dataclass
class PushOutcome:
    summary: PushSummary
    status: ExitStatus
    results: list[PushResult]
    moves: list[str]  # one line per file moved, or left where it is, by --move-pushed / --move-failed


@dataclass
class _Target:
    """Where this run sends: the account's URL and key (None for a dry run), and its ledger."""

    url: str
    key: str | None = field(repr=False)
    ledger: Ledger | None


def run(request: PushRequest, reporter: Any) -> PushOutcome:
    """Validate, plan against the ledger, send what changed, report every cart, then move settled files.
    A run stopped before the first result still ends its report: empty, saying why."""
    options = request.options
    moving = (options.move_pushed is not None or options.move_failed is not None) and not options.dry_run
    with ExitStack() as stack:
        interrupts = stack.enter_context(Interrupts().installed())
        try:
            sources, target, read, prepared, pusher = _begin(request, stack, moving)
            interrupts.shielded = True  # from the first result on, a signal winds the push down (send.py)
        except KeyboardInterrupt:  # and TerminateRequest: nothing was sent yet; still one complete report
            return _stopped_before_sending(reporter, interrupts)
        except Exception as exc:  # a ledger that cannot be opened, no API key, a path that is gone
            interrupts.shielded = True
            report_stop(reporter, PushSummary(), exc)
            raise
        summary, status, results = run_push(
            prepared,
            pusher,
            options,
            reporter,
            account=target.url,
            ledger=target.ledger,
            interrupts=interrupts,
        )
        moves = spool.Moves()
        if moving:
            moves = spool.move_settled(sources, results, options.move_pushed, options.move_failed, read)
        if request.keep is not None and request.sandbox and not options.dry_run:
            request.keep(target.url + "/")
    if moves.failed and status in (ExitStatus.OK, ExitStatus.INVALID):  # as a failed cart: a rerun may do
        status = ExitStatus.TEMPORARY
    return PushOutcome(summary, status, results, moves.lines)


def _begin(
    request: PushRequest, stack: ExitStack, moving: bool
) -> tuple[Iterable[Source], _Target, dict[str, spool.Stamp | None], Prepared, Pusher | None]:
    """Everything before the first result: the sources, the target and its ledger, the documents checked
    and planned, and the Pusher if anything is to be sent."""
    options = request.options
    sources = _sources(request)
    validator = Validator(ValidateOptions(strict=request.strict, connection=request.settings.connection))
    target = _target(request, stack)
    # what each file is before it is read: only a file still exactly that is moved afterwards
    read = spool.stamps(sources) if moving else {}
    prepared = prepare(
        sources,
        validator,
        target.url,
        target.ledger,
        request.stdin,
        dry_run=options.dry_run,
        loader=request.converter,
    )
    if options.historical:
        prepared = backfill.arrange(prepared, options.since, options.until)
    pusher = _pusher(request, target, prepared, stack)
    if pusher is not None:
        pusher.historical = options.historical
    return sources, target, read, prepared, pusher


def _sources(request: PushRequest) -> Iterable[Source]:
    """Listed first only where the list is needed (stdin is read in order, and moving files needs them
    all); a directory still being walked otherwise, so checking starts at once. --from: the converter's."""
    options = request.options
    moving = options.move_pushed is not None or options.move_failed is not None
    lister = collect_sources if STDIN in request.paths or moving else iter_sources
    if request.converter is not None:
        lister = request.converter.sources
    return lister(request.paths, request.fmt, on_skip=request.on_skip)


def _stopped_before_sending(reporter: Any, interrupts: Interrupts) -> PushOutcome:
    interrupts.shielded = True  # a second signal must not cut the report short
    stop = interrupts.stop()
    summary = PushSummary(stopped=f"{stop.message.split(':', 1)[0]} before anything was sent")
    reporter.finish(summary)
    return PushOutcome(summary, exit_status_for(stop), [], [])


def _target(request: PushRequest, stack: ExitStack) -> _Target:
    """The account (or a sandbox started for this run) and the ledger, locked unless this is a dry run."""
    state_dir = request.state_dir
    if request.options.dry_run:  # the ledger's view only; no account needed, nothing sent
        url = "" if request.sandbox or not request.settings.url else request.settings.account().url
        return _Target(url, None, None if request.sandbox else stack.enter_context(Ledger.open(state_dir)))
    if request.sandbox:
        url, key = start_sandbox(stack)
        # a fresh sandbox each run: its ledger is thrown away with it, never the user's (ACORDERS_STATE_DIR)
        import tempfile

        state_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="acorders-sandbox-")))
    else:
        account = request.settings.account()
        url, key = account.url, account.api_key
    ledger = stack.enter_context(Ledger.open(state_dir))
    started = time.monotonic()
    ledger.lock(request.options.wait)  # before planning: an overlapping run must see what this one pushed
    if not request.sandbox:  # runs with other ledgers (another --state-dir) must not push to it either
        account_lock = stack.enter_context(AccountLock(url))
        account_lock.acquire(max(0.0, request.options.wait - (time.monotonic() - started)))
    return _Target(url, key, ledger)


def start_sandbox(stack: ExitStack) -> tuple[str, str]:
    """An in-process sandbox on a free loopback port with a throwaway key; stopped when the run ends."""
    import secrets

    from acorders.sandbox import Sandbox, SandboxConfig

    key = "sandbox-" + secrets.token_hex(8)
    sandbox = stack.enter_context(Sandbox(SandboxConfig(api_key=key)))
    return sandbox.url, key


def _pusher(request: PushRequest, target: _Target, prepared: Prepared, stack: ExitStack) -> Pusher | None:
    """Only when something must be sent: a cron rerun with nothing new never loads the HTTP stack."""
    if request.options.dry_run or not prepared.send:
        return None
    assert target.key is not None and target.ledger is not None
    client = build_client(
        target.url,
        target.key,
        rate=request.rate,
        workers=request.options.workers,
        on_request=request.on_request,
        deadline=request.options.timeout,
    )
    stack.callback(client.close)
    return Pusher(client, target.ledger, target.url, CustomerResolver(client, target.ledger, target.url))


def build_client(
    url: str,
    key: str,
    *,
    rate: float,
    workers: int,
    on_request: Callable[[Any], None] | None,
    deadline: float = 60.0,
) -> Any:
    from acorders.api.client import Client

    return Client(url, key, rate=rate, workers=workers, on_request=on_request, deadline=deadline)


def exit_status(summary: PushSummary, stop: RunError | None) -> ExitStatus:
    """A stopped run exits as its stop says; otherwise the results decide."""
    return exit_status_for(stop) if stop is not None else summary.status


def run_push(
    prepared: Prepared,
    pusher: Pusher | None,
    options: PushOptions,
    reporter: Any,
    *,
    account: str,
    ledger: Ledger | None,
    interrupts: Interrupts | None = None,
) -> tuple[PushSummary, ExitStatus, list[PushResult]]:
    """push PATH...: report the invalid and the unchanged, send (or plan) the rest, and say how it went.
    A signal noted by ``interrupts`` stops the sending (send.py) and the run exits as the signal says; an
    error that ends the run still ends the report, saying why, before it goes on to the caller."""
    interrupts = interrupts if interrupts is not None else Interrupts()
    summary = PushSummary(dry_run=options.dry_run)
    results: list[PushResult] = []
    started = time.monotonic()

    def emit(result: PushResult) -> None:
        summary.add(result)
        results.append(result)
        reporter.item(result)
        reporter.advance()

    try:
        _report_and_send(prepared, pusher, options, reporter, emit, interrupts, summary, account, ledger)
    except (KeyboardInterrupt, Exception) as exc:  # a ledger that fails as the push starts sending
        summary.elapsed = time.monotonic() - started
        interrupts.shielded = True
        report_stop(reporter, summary, exc)
        raise
    summary.elapsed = time.monotonic() - started
    stop = waited_too_long(pusher, pusher.stop) if pusher is not None else None
    if stop is None and interrupts.count:
        stop = interrupts.stop()
    summary.stopped = stop.message if stop is not None else None
    reporter.finish(summary)
    return summary, exit_status(summary, stop), results


def _report_and_send(
    prepared: Prepared,
    pusher: Pusher | None,
    options: PushOptions,
    reporter: Any,
    emit: Callable[[PushResult], None],
    interrupts: Interrupts,
    summary: PushSummary,
    account: str,
    ledger: Ledger | None,
) -> None:
    """Every result but the summary: the invalid, the unchanged, then each cart sent (or planned)."""
    docs = prepared.send
    for doc in prepared.invalid:
        emit(
            result_for(doc, Action.INVALID, errors=[f for f in doc.findings if f.severity is Severity.ERROR])
        )
    for result in prepared.unchanged:
        emit(result)
    reporter.start(len(docs))
    if options.dry_run or pusher is None:
        for doc, result in zip(docs, plan_only(docs, account, ledger), strict=True):
            if interrupts.count:
                break
            emit(result)
            if options.on_plan is not None:
                options.on_plan(result, doc.order)
        return
    _send(pusher, docs, options.workers, emit, interrupts, account=account, ledger=ledger)
    stats = getattr(pusher.client, "stats", None)
    summary.requests = getattr(stats, "requests", 0)
    summary.rate_limited = getattr(stats, "throttled", 0)


def _send(
    pusher: Pusher,
    docs: list[Any],
    workers: int,
    emit: Callable[[PushResult], None],
    interrupts: Interrupts,
    *,
    account: str,
    ledger: Ledger | None,
) -> None:
    interrupts.hooks.append(pusher.on_interrupt)
    if interrupts.count:  # came before the hook: tell the pusher now
        pusher.on_interrupt(interrupts)
    groups = group(docs)
    _index_new(pusher, groups, account, ledger)
    send(pusher, groups, workers, emit, interrupts)


def waited_too_long(pusher: Pusher, stop: RunError | None) -> RunError | None:
    """The stop of a run that ActiveCampaign asked to wait longer than it may (a 429 or 503 Retry-After
    closed the limiter: nothing more was sent): exit 4, and the message names the wait rather than the
    carts that failed after it. A 403 or Ctrl-C still says what it is."""
    closed = getattr(getattr(pusher.client, "limiter", None), "closed", None)
    if not isinstance(closed, AcordersError) or isinstance(stop, (ConfigError, Interrupted)):
        return stop
    return UnavailableError(closed.message)


def _index_new(pusher: Pusher, groups: list[list[Any]], account: str, ledger: Ledger | None) -> None:
    """Let the look-ups list each connection's orders once when that costs fewer requests than one look-up
    per cart new to the ledger."""
    new: dict[str, int] = {}
    for g in groups:
        order = g[0].order or {}
        if decide(order, account, ledger, "").step == "create":
            connection = connection_of(order)
            new[connection] = new.get(connection, 0) + 1
    try:
        pusher.remote.prepare(new)
    except ConfigError as exc:  # 403, wrong URL: nothing will go through; report every cart as skipped
        pusher.stop = exc
    except CartError:
        pass  # the listing is an optimisation; per-cart look-ups still keep carts unique
