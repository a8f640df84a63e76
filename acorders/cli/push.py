"""`acorders push` and `acorders sandbox`: options in, core calls, an exit status out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

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
ServePortOpt = Annotated[
    int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port).")
]
ServeDbOpt = Annotated[str, typer.Option("--db", help="SQLite file to keep data in (default: in memory).")]
ServeApiKeyOpt = Annotated[
    str, typer.Option("--api-key", envvar="ACORDERS_SANDBOX_KEY", help="The key clients must send.")
]
ServeStrictOpt = Annotated[
    bool, typer.Option("--strict", help="Reject unknown connection and customer ids, as the API does.")
]
ServeRateOpt = Annotated[
    float, typer.Option("--rate", min=0, help="Requests per second before 429 (0: no limit).")
]
ServeLatencyOpt = Annotated[float, typer.Option("--latency", min=0, help="Seconds added to every response.")]
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


def push(
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
) -> int:
    """Validate, then send carts at the account's rate limit, exactly once (ledger, upserts, crash safety)."""
    from acorders.push.runner import PushOptions, PushRequest, run
    from acorders.report import build_reporter

    env = environment()
    request = PushRequest(
        paths=paths,
        settings=settings(url=url, api_key=api_key, connection=connection, profile=profile),
        fmt=format.value if format else None,
        strict=strict,
        sandbox=sandbox,
        rate=rate,
        state_dir=state_dir,
        options=PushOptions(
            workers=workers,
            dry_run=dry_run,
            wait=wait,
            timeout=timeout,
            move_pushed=move_pushed,
            move_failed=move_failed,
        ),
        on_request=request_logger(env) if verbose else None,
        stdin=env.stdin,
    )
    reporter = build_reporter(output.value, env, quiet=quiet, key="results")
    outcome = run(request, reporter)
    for line in outcome.moves:
        env.log(line)
    return outcome.status


def sandbox_command(
    port: ServePortOpt = 8765,
    db: ServeDbOpt = ":memory:",
    api_key: ServeApiKeyOpt = "sandbox",
    strict: ServeStrictOpt = False,
    rate: ServeRateOpt = 5.0,
    latency: ServeLatencyOpt = 0.0,
    fail_rate: ServeFailRateOpt = 0.0,
    duplicates: ServeDuplicatesOpt = "reject",
    drop_after_commit: ServeDropAfterCommitOpt = 0.0,
) -> int:
    """Serve an ActiveCampaign-compatible API on 127.0.0.1, to rehearse pushes and pipelines without an
    account."""
    from acorders.sandbox import SandboxConfig, serve

    env = environment()
    if duplicates not in ("reject", "accept"):
        raise UsageError("--duplicates must be reject or accept")
    config = SandboxConfig(
        api_key=api_key,
        rate=rate,
        latency=latency,
        strict=strict,
        duplicates=duplicates,
        fail_rate=fail_rate,
        drop_after_commit=drop_after_commit,
    )

    def ready(url: str) -> None:
        env.log(f"acorders sandbox listening on {url} (Ctrl-C to stop)")
        shown = api_key if api_key == "sandbox" else "<the --api-key you gave>"
        env.log(f"  export ACTIVECAMPAIGN_URL={url} ACTIVECAMPAIGN_API_KEY={shown}")

    serve(config, port=port, db=db, ready=ready)
    return ExitStatus.OK
