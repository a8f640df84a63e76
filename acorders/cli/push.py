"""`acorders push` and `acorders sandbox`: options in, core calls, an exit status out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from acorders.cli import dryrun
from acorders.cli.convert import with_convert_options
from acorders.cli.options import (
    ApiKeyOpt,
    ConnectionOpt,
    FormatOpt,
    Output,
    OutputOpt,
    Paths,
    ProfileOpt,
    QuietOpt,
    StateDirOpt,
    StrictOpt,
    UrlOpt,
    VerboseOpt,
)
from acorders.cli.runtime import environment, request_logger, settings, stdin_hint
from acorders.errors import ExitStatus, UsageError

SEND = "Sending"
# acorders sandbox's key unless --api-key says otherwise: no word any record holds (the redaction of a key
# named "sandbox" masked "service": "sandbox"), and long enough to be masked like a real one
SANDBOX_KEY = "acorders-sandbox-key-0c5e2a9f"
MOVE_CONVERTED = (
    "--move-pushed and --move-failed move files whose content was sent as it is; with --from, what is "
    "sent is converted from the file"
)

DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Validate and show what would be sent; no network.")
]
SandboxOpt = Annotated[
    bool,
    typer.Option("--sandbox", help="Push to an embedded ActiveCampaign sandbox (no account needed)."),
]
RateOpt = Annotated[
    float,
    typer.Option("--rate", min=0.1, rich_help_panel=SEND, help="Requests per second (the account allows 5)."),
]
WorkersOpt = Annotated[
    int,
    typer.Option("--workers", min=1, max=64, rich_help_panel=SEND, help="Requests in flight at once."),
]
WaitOpt = Annotated[
    float,
    typer.Option(
        "--wait", min=0, rich_help_panel=SEND, help="Seconds to wait for another push holding the ledger."
    ),
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        min=1,
        rich_help_panel=SEND,
        help="Seconds one request may take in all (connect, send, the whole answer); then it has failed.",
    ),
]
MovePushedOpt = Annotated[
    Optional[Path],
    typer.Option("--move-pushed", rich_help_panel=SEND, help="Move each fully pushed file here."),
]
MoveFailedOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--move-failed",
        rich_help_panel=SEND,
        help="Move each file with an invalid or rejected cart here.",
    ),
]
HISTORY = "Backfill"
HistoricalOpt = Annotated[
    bool,
    typer.Option(
        "--historical",
        rich_help_panel=HISTORY,
        help="Import past orders: source 0 (no automation starts, nothing on the Ecommerce dashboard), "
        "newest first by externalCreatedDate; resumable like any push.",
    ),
]
SinceOpt = Annotated[
    Optional[str],
    typer.Option(
        "--since", rich_help_panel=HISTORY, help="With --historical: orders created from this date (or 30d)."
    ),
]
UntilOpt = Annotated[
    Optional[str],
    typer.Option(
        "--until", rich_help_panel=HISTORY, help="With --historical: orders created up to this date."
    ),
]
ServePortOpt = Annotated[
    int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port).")
]
ServeDbOpt = Annotated[str, typer.Option("--db", help="SQLite file to keep data in (default: in memory).")]
ServeApiKeyOpt = Annotated[
    str, typer.Option("--api-key", envvar="ACORDERS_SANDBOX_KEY", help="The key clients must send.")
]
ServeStrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Reject what the API document requires: unknown connection and customer ids, "
        "externalcheckoutid without abandonedDate, a connection without logoUrl/linkUrl.",
    ),
]
ServeRateOpt = Annotated[
    float, typer.Option("--rate", min=0, help="Requests per second before 429 (0: no limit).")
]
ServeLatencyOpt = Annotated[float, typer.Option("--latency", min=0, help="Seconds added to every response.")]
ServeLimiterOpt = Annotated[
    str,
    typer.Option(
        "--limiter",
        help="Shape of the rate limit: bucket (bursts of --rate, then a trickle), sliding (at most --rate in "
        "any 1 s) or fixed (--rate per clock second).",
    ),
]
ServeJitterOpt = Annotated[
    float, typer.Option("--jitter", min=0, help="Vary --latency uniformly by +- this many seconds.")
]
ServeDocumentedOpt = Annotated[
    bool,
    typer.Option(
        "--documented/--no-documented",
        help="Answer as the API document's examples: dates in --zone, POST /connections 200, an "
        "account-level customer per email. --no-documented answers as acorders' own tests expect.",
    ),
]
ServeZoneOpt = Annotated[
    str, typer.Option("--zone", help="The account's time zone for --documented dates (IANA name or -05:00).")
]
ServeFailRateOpt = Annotated[
    float, typer.Option("--fail-rate", min=0, max=1, help="Share of requests answered 503.")
]
ServeDuplicatesOpt = Annotated[
    str,
    typer.Option(
        "--duplicates", help="reject: 422 on a second cart with the same id; accept: create it silently."
    ),
]
ServeDropAfterCommitOpt = Annotated[
    float,
    typer.Option(
        "--drop-after-commit",
        min=0,
        max=1,
        help="Share of writes committed, then answered by a dropped connection.",
    ),
]


@with_convert_options
def push(
    ctx: typer.Context,
    paths: Paths,
    dry_run: DryRunOpt = False,
    sandbox: SandboxOpt = False,
    output: OutputOpt = Output.table,
    format: FormatOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    url: UrlOpt = None,
    api_key: ApiKeyOpt = None,
    profile: ProfileOpt = None,
    connection: ConnectionOpt = None,
    rate: RateOpt = 5.0,
    workers: WorkersOpt = 8,
    state_dir: StateDirOpt = None,
    wait: WaitOpt = 30.0,
    timeout: TimeoutOpt = 60.0,
    move_pushed: MovePushedOpt = None,
    move_failed: MoveFailedOpt = None,
    historical: HistoricalOpt = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    conv: Any = None,  # the Converter of --from and its options (with_convert_options)
) -> int:
    """Validate, then send carts at the account's rate limit, exactly once (ledger, upserts, crash safety).
    --from converts a shop's export on the fly."""
    from acorders.push.runner import PushRequest

    env = environment()
    _check_push_options(ctx, sandbox=sandbox, converted=conv is not None, moving=(move_pushed, move_failed))
    request = PushRequest(
        paths=paths,
        settings=settings(url=url, api_key=api_key, connection=connection, profile=profile),
        fmt=format.value if format else None,
        strict=strict,
        sandbox=sandbox,
        rate=rate,
        state_dir=state_dir,
        options=_options(workers, dry_run, wait, timeout, move_pushed, move_failed, historical, since, until),
        on_request=request_logger(env) if verbose else None,
        on_skip=env.log,
        stdin=env.stdin,
        converter=conv,
    )
    return _run(
        env, request, output, quiet=quiet, verbose=verbose, rate=rate, estimate=historical and dry_run
    )


def _options(
    workers: int,
    dry_run: bool,
    wait: float,
    timeout: float,
    move_pushed: Path | None,
    move_failed: Path | None,
    historical: bool,
    since: str | None,
    until: str | None,
) -> Any:
    """The PushOptions; --since / --until without --historical is a usage error."""
    from acorders.cli.ledger import parse_since
    from acorders.push.runner import PushOptions

    if not historical and (since or until):
        raise UsageError("--since and --until choose the orders of a backfill: give --historical too")
    return PushOptions(
        workers=workers,
        dry_run=dry_run,
        wait=wait,
        timeout=timeout,
        move_pushed=move_pushed,
        move_failed=move_failed,
        historical=historical,
        since=parse_since(since) if since else None,
        until=parse_since(until) if until else None,
    )


def _run(
    env: Any, request: Any, output: Output, *, quiet: bool, verbose: bool, rate: float, estimate: bool
) -> int:
    """The push itself, with what is said around it on stderr: the stdin hint, a dry run's target and
    requests, and afterwards the moves, where a --sandbox push went, and a backfill's estimate."""
    from dataclasses import replace

    from acorders.push.runner import run
    from acorders.report import build_reporter

    stdin_hint(env, request.paths)
    dry_run = request.options.dry_run
    if dry_run:
        request = replace(request, options=replace(request.options, on_plan=dryrun.plan_logger(env, verbose)))
        dryrun.announce(env, request)
    outcome = run(request, build_reporter(output.value, env, quiet=quiet, key="results"))
    _tell(env, outcome, sandboxed=request.sandbox and not dry_run)
    if estimate:
        from acorders.push.backfill import estimate as how_long
        from acorders.push.backfill import requests_needed

        env.log(how_long(*requests_needed(outcome.results), rate))
    return outcome.status


def _tell(env: Any, outcome: Any, *, sandboxed: bool) -> None:
    """After the results: the spool's moves, and where the carts went when that was no account at all."""
    for line in outcome.moves:
        env.log(line)
    if sandboxed:
        env.log(THROWAWAY)


THROWAWAY = (
    "note: --sandbox: the carts went to a throwaway sandbox, gone now; nothing reached an account "
    "and your ledger is untouched"
)


def _check_push_options(
    ctx: typer.Context, *, sandbox: bool, converted: bool, moving: tuple[Path | None, Path | None]
) -> None:
    """Combinations that cannot do what they say, refused as usage errors before anything is read.
    --sandbox picks the target itself: an --url or --api-key typed with it would be silently ignored.
    From the environment they are the user's standing account, not a request for this run: no error."""
    if converted and moving != (None, None):
        raise UsageError(MOVE_CONVERTED, hint="move the shop's export files yourself once the push is done")
    if not sandbox:
        return
    given = [
        f"--{name.replace('_', '-')}"
        for name in ("url", "api_key")
        if getattr(ctx.get_parameter_source(name), "name", None) == "COMMANDLINE"
    ]
    if given:
        raise UsageError(
            f"--sandbox cannot be combined with {' or '.join(given)}: it pushes to a sandbox of its own",
            hint="drop --sandbox to push to that account, or drop " + " and ".join(given),
        )


def _check_sandbox_options(duplicates: str, limiter: str, zone: str) -> None:
    """Say a bad choice before anything starts, as a usage error."""
    from acorders.sandbox.limiters import SHAPES
    from acorders.sandbox.records import account_zone

    if duplicates not in ("reject", "accept"):
        raise UsageError("--duplicates must be reject or accept")
    if limiter not in SHAPES:
        raise UsageError(f"--limiter must be {', '.join(SHAPES[:-1])} or {SHAPES[-1]}")
    try:
        account_zone(zone)
    except ValueError as exc:
        raise UsageError(f"--zone: {exc}") from None


def sandbox_command(
    port: ServePortOpt = 8765,
    db: ServeDbOpt = ":memory:",
    api_key: ServeApiKeyOpt = SANDBOX_KEY,
    strict: ServeStrictOpt = False,
    rate: ServeRateOpt = 5.0,
    limiter: ServeLimiterOpt = "bucket",
    latency: ServeLatencyOpt = 0.0,
    jitter: ServeJitterOpt = 0.0,
    fail_rate: ServeFailRateOpt = 0.0,
    duplicates: ServeDuplicatesOpt = "reject",
    drop_after_commit: ServeDropAfterCommitOpt = 0.0,
    documented: ServeDocumentedOpt = True,
    zone: ServeZoneOpt = "America/Chicago",
) -> int:
    """Serve an ActiveCampaign-compatible API on 127.0.0.1, to rehearse pushes and pipelines without an
    account."""
    from acorders.sandbox import SandboxConfig, serve

    env = environment()
    _check_sandbox_options(duplicates, limiter, zone)
    config = SandboxConfig(
        api_key=api_key,
        rate=rate,
        limiter=limiter,
        latency=latency,
        jitter=jitter,
        strict=strict,
        duplicates=duplicates,
        fail_rate=fail_rate,
        drop_after_commit=drop_after_commit,
        documented=documented,
        zone=zone,
    )

    def ready(url: str) -> None:
        env.log(f"acorders sandbox listening on {url} (Ctrl-C to stop)")
        shown = api_key if api_key == SANDBOX_KEY else "<the --api-key you gave>"
        env.log(f"  export ACTIVECAMPAIGN_URL={url} ACTIVECAMPAIGN_API_KEY={shown}")

    if serve(config, port=port, db=db, ready=ready, log=env.log):  # True: stopped by Ctrl-C
        env.log("interrupted: sandbox stopped")
        return ExitStatus.INTERRUPTED
    return ExitStatus.OK
