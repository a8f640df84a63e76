"""`acorders push` and `acorders sandbox`: options in, core calls, an exit status out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from acorders.cli import EXIT_CODES_HELP, app, environment, handle_errors
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
from acorders.environment import Environment
from acorders.errors import ExitStatus

SEND = "Sending"


def build_client(env: Environment, url: str, api_key: str, *, rate: float, workers: int, verbose: bool) -> Any:
    from acorders.client import Client, RequestLog

    def log_request(entry: RequestLog) -> None:
        status = entry.status if entry.status is not None else (entry.error or "no answer")
        retry = f" (retry {entry.attempt - 1})" if entry.attempt > 1 else ""
        env.log(f"{entry.method} {entry.path} {status} {entry.duration * 1000:.0f} ms{retry}")

    return Client(url, api_key, rate=rate, workers=workers, on_request=log_request if verbose else None)


def start_sandbox(stack: Any) -> tuple[str, str]:
    """An in-process sandbox on a free loopback port with a throwaway key; stopped when the run ends."""
    import secrets

    from acorders.sandbox import Sandbox, SandboxConfig

    key = "sandbox-" + secrets.token_hex(8)
    sandbox = stack.enter_context(Sandbox(SandboxConfig(api_key=key)))
    return sandbox.url, key


@app.command(epilog=EXIT_CODES_HELP)
@handle_errors
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
    import tempfile
    from contextlib import ExitStack

    from acorders import load, spool
    from acorders import push as core
    from acorders import validate as checks
    from acorders.config import load_settings
    from acorders.ledger import Ledger
    from acorders.report import build_reporter
    from acorders.resolve import CustomerResolver

    env = environment()
    settings = load_settings(env.environ, url=url, api_key=api_key, connection=connection, profile=profile)
    for warning in settings.warnings:
        env.log(f"warning: {warning}")
    fmt = format.value if format else None
    # listed first only where the list is needed: stdin is read in order, and moving files needs them all
    listed_first = load.STDIN in paths or move_pushed is not None or move_failed is not None
    sources = load.collect_sources(paths, fmt) if listed_first else load.iter_sources(paths, fmt)
    validator = checks.Validator(checks.ValidateOptions(strict=strict, connection=settings.connection))
    reporter = build_reporter(output.value if hasattr(output, "value") else str(output), env, quiet=quiet, key="results")
    options = core.PushOptions(workers=workers, dry_run=dry_run, wait=wait, move_pushed=move_pushed, move_failed=move_failed)

    with ExitStack() as stack:
        pusher = None
        if dry_run:  # the ledger's view only; no account needed, nothing sent
            account_url = "" if sandbox or not settings.url else settings.account().url
            ledger = None if sandbox else stack.enter_context(Ledger.open(state_dir))
        else:
            if sandbox:
                account_url, key = start_sandbox(stack)
                if state_dir is None:  # a fresh sandbox each run: keep its ledger out of the real one
                    state_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="acorders-sandbox-")))
            else:
                account = settings.account()
                account_url, key = account.url, account.api_key
            ledger = stack.enter_context(Ledger.open(state_dir))
            ledger.lock(wait)  # before planning: an overlapping run must see what this one pushed
        prepared = core.prepare(sources, validator, account_url, ledger, env.stdin, dry_run=dry_run)
        if not dry_run and prepared.send:  # a cron rerun with nothing new never loads the HTTP stack
            assert ledger is not None
            client = build_client(env, account_url, key, rate=rate, workers=workers, verbose=verbose)
            stack.callback(client.close)
            pusher = core.Pusher(client, ledger, account_url, CustomerResolver(client, ledger, account_url))
        summary, status, results = core.run_push(prepared, pusher, options, reporter, account=account_url, ledger=ledger)
        if not dry_run and (move_pushed or move_failed):
            for line in spool.move_settled(sources, results, move_pushed, move_failed):
                env.log(line)
    return status


@app.command("sandbox")
@handle_errors
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
        raise typer.BadParameter("--duplicates must be reject or accept")
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
