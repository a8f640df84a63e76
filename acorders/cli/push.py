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
from acorders.errors import UsageError

MOVE_CONVERTED = (
    "--move-pushed and --move-failed move files whose content was sent as it is; with --from, what is "
    "sent is converted from the file"
)

SEND = "Sending"

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


@with_convert_options
def push(
    ctx: typer.Context,
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
    timeout: TimeoutOpt = 60.0,
    move_pushed: MovePushedOpt = None,
    move_failed: MoveFailedOpt = None,
    historical: HistoricalOpt = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    conv: Any = None,  # the Converter of --from and its options (with_convert_options)
) -> int:
    """Validate, then send carts at the account's rate limit, exactly once (ledger, upserts, crash safety)."""
    from acorders.push.runner import PushRequest

    env = environment()
    nothing_to_keep = keep and (not sandbox or dry_run)
    _check_push_options(ctx, sandbox, conv is not None, (move_pushed, move_failed), nothing_to_keep)
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
        keep=_keep_serving if keep else None,
    )
    estimate = historical and dry_run  # a backfill's dry run says how long the real one will take
    return _run(env, request, output, quiet=quiet, verbose=verbose, rate=rate, estimate=estimate)


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
    ctx: typer.Context, sandbox: bool, converted: bool, moving: tuple[Path | None, Path | None], keep: bool
) -> None:
    """Combinations that cannot do what they say, refused as usage errors before anything is read.
    --sandbox picks the target itself: an --url or --api-key typed with it would be silently ignored.
    From the environment they are the user's standing account, not a request for this run: no error.
    --keep keeps the sandbox of a real --sandbox push running; without one there is nothing to keep."""
    if converted and moving != (None, None):
        raise UsageError(MOVE_CONVERTED, hint="move the shop's export files yourself once the push is done")
    if keep:
        raise UsageError(
            "--keep keeps the sandbox of a push --sandbox running", hint="add --sandbox, drop --dry-run"
        )
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
