"""`acorders push` and `acorders sandbox`: options in, core calls, an exit status out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from acorders.cli.options import (
    ApiKeyOpt,
    ConnectionOpt,
    FormatOpt,
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


def push(
    paths: Paths,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and show what would be sent; no network.")] = False,
    sandbox: Annotated[
        bool, typer.Option("--sandbox", help="Push to an embedded ActiveCampaign sandbox (no account needed).")
    ] = False,
    output: OutputOpt = "table",  # type: ignore[assignment]
    format: FormatOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    url: UrlOpt = None,
    api_key: ApiKeyOpt = None,
    profile: ProfileOpt = None,
    connection: ConnectionOpt = None,
    rate: Annotated[float, typer.Option("--rate", min=0.1, rich_help_panel=SEND, help="Requests per second (the account allows 5).")] = 5.0,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, rich_help_panel=SEND, help="Requests in flight at once.")] = 8,
    state_dir: StateDirOpt = None,
    wait: Annotated[float, typer.Option("--wait", min=0, rich_help_panel=SEND, help="Seconds to wait for another push holding the ledger.")] = 30.0,
    move_pushed: Annotated[Optional[Path], typer.Option("--move-pushed", rich_help_panel=SEND, help="Move each fully pushed file here.")] = None,
    move_failed: Annotated[Optional[Path], typer.Option("--move-failed", rich_help_panel=SEND, help="Move each file with an invalid or rejected cart here.")] = None,
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
        options=PushOptions(workers=workers, dry_run=dry_run, wait=wait, move_pushed=move_pushed,
                            move_failed=move_failed),
        on_request=request_logger(env) if verbose else None,
        stdin=env.stdin,
    )
    reporter = build_reporter(getattr(output, "value", str(output)), env, quiet=quiet, key="results")
    outcome = run(request, reporter)
    for line in outcome.moves:
        env.log(line)
    return outcome.status


def sandbox_command(
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port).")] = 8765,
    db: Annotated[str, typer.Option("--db", help="SQLite file to keep data in (default: in memory).")] = ":memory:",
    api_key: Annotated[str, typer.Option("--api-key", envvar="ACORDERS_SANDBOX_KEY", help="The key clients must send.")] = "sandbox",
    strict: Annotated[bool, typer.Option("--strict", help="Reject unknown connection and customer ids, as the API does.")] = False,
    rate: Annotated[float, typer.Option("--rate", min=0, help="Requests per second before 429 (0: no limit).")] = 5.0,
    latency: Annotated[float, typer.Option("--latency", min=0, help="Seconds added to every response.")] = 0.0,
    fail_rate: Annotated[float, typer.Option("--fail-rate", min=0, max=1, help="Share of requests answered 503.")] = 0.0,
    duplicates: Annotated[str, typer.Option("--duplicates", help="reject: 422 on a second cart with the same id; accept: create it silently.")] = "reject",
    drop_after_commit: Annotated[float, typer.Option("--drop-after-commit", min=0, max=1, help="Share of writes committed, then answered by a dropped connection.")] = 0.0,
) -> int:
    """Serve an ActiveCampaign-compatible API on 127.0.0.1, to rehearse pushes and pipelines without an account."""
    from acorders.sandbox import SandboxConfig, serve

    env = environment()
    if duplicates not in ("reject", "accept"):
        raise UsageError("--duplicates must be reject or accept")
    config = SandboxConfig(
        api_key=api_key, rate=rate, latency=latency, strict=strict, duplicates=duplicates,
        fail_rate=fail_rate, drop_after_commit=drop_after_commit,
    )

    def ready(url: str) -> None:
        env.log(f"acorders sandbox listening on {url} (Ctrl-C to stop)")
        shown = api_key if api_key == "sandbox" else "<the --api-key you gave>"
        env.log(f"  export ACTIVECAMPAIGN_URL={url} ACTIVECAMPAIGN_API_KEY={shown}")

    serve(config, port=port, db=db, ready=ready)
    return ExitStatus.OK
