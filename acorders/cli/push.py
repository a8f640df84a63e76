"""`acorders push` and `acorders sandbox`: options in, core calls, an exit status out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

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
from acorders.cli.runtime import environment, request_logger, settings
from acorders.errors import ExitStatus, UsageError

SEND = "Sending"
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
KeepOpt = Annotated[
    bool,
    typer.Option(
        "--keep",
        help="With --sandbox: keep it running after the push and print its dashboard's address (Ctrl-C "
        "to stop), to look at what arrived.",
    ),
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
    paths: Paths,
    dry_run: DryRunOpt = False,
    sandbox: SandboxOpt = False,
    keep: KeepOpt = False,
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
    move_pushed: MovePushedOpt = None,
    move_failed: MoveFailedOpt = None,
    conv: Any = None,  # the Converter of --from and its options (with_convert_options)
) -> int:
    """Validate, then send carts at the account's rate limit, exactly once (ledger, upserts, crash safety).
    --from converts a shop's export on the fly."""
    from acorders.push.runner import PushOptions, PushRequest, run
    from acorders.report import build_reporter

    env = environment()
    _check_push_options(conv is not None, move_pushed or move_failed, keep and (not sandbox or dry_run))
    request = PushRequest(
        paths=paths,
        settings=settings(url=url, api_key=api_key, connection=connection, profile=profile),
        fmt=format.value if format else None,
        strict=strict,
        sandbox=sandbox,
        rate=rate,
        state_dir=state_dir,
        options=PushOptions(
            workers=workers, dry_run=dry_run, wait=wait, move_pushed=move_pushed, move_failed=move_failed
        ),
        on_request=request_logger(env) if verbose else None,
        on_skip=env.log,
        stdin=env.stdin,
        converter=conv,
        keep=_keep_serving if keep else None,
    )
    outcome = run(request, build_reporter(output.value, env, quiet=quiet, key="results"))
    for line in outcome.moves:
        env.log(line)
    return outcome.status


def _check_push_options(converted: bool, moving: Path | None, keep_without_sandbox: bool) -> None:
    if converted and moving is not None:
        raise UsageError(MOVE_CONVERTED, hint="move the shop's export files yourself once the push is done")
    if keep_without_sandbox:
        raise UsageError(
            "--keep keeps the sandbox of a push --sandbox running", hint="add --sandbox, drop --dry-run"
        )


def _keep_serving(dashboard: str) -> None:
    """push --sandbox --keep: the push is done and reported; say where to look, then serve until Ctrl-C."""
    env = environment()
    env.log(f"sandbox dashboard: {dashboard} (the sandbox keeps running: Ctrl-C to stop)")
    try:
        wait_until_interrupted()
    except KeyboardInterrupt:
        env.log("sandbox stopped")


def wait_until_interrupted() -> None:
    """Sleep until Ctrl-C (tests replace it)."""
    import time

    while True:
        time.sleep(3600)


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
    api_key: ServeApiKeyOpt = "sandbox",
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
        shown = api_key if api_key == "sandbox" else "<the --api-key you gave>"
        env.log(f"  export ACTIVECAMPAIGN_URL={url} ACTIVECAMPAIGN_API_KEY={shown}")
        env.log(f"  dashboard (read-only, for a browser on this machine): {url}/")

    serve(config, port=port, db=db, ready=ready)
    return ExitStatus.OK
