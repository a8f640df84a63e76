"""`acorders verify [PATH...] [--fix]`: the account's orders against the ledger and the files."""

from __future__ import annotations

import json
from typing import Annotated, Any, Optional

import typer

from acorders.cli.options import (
    ApiKeyOpt,
    ConnectionOpt,
    Output,
    OutputOpt,
    ProfileOpt,
    StateDirOpt,
    UrlOpt,
    VerboseOpt,
)
from acorders.cli.runtime import environment, request_logger, settings
from acorders.errors import ExitStatus

VerifyPaths = Annotated[
    Optional[list[str]],
    typer.Argument(help="Files or directories of carts to compare too (optional).", show_default=False),
]
FixOpt = Annotated[
    bool,
    typer.Option(
        "--fix",
        help="Re-push missing and drifted records, delete extra duplicates, adopt unknown records the files "
        "identify.",
    ),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="With --fix: say what it would do; change nothing.")
]
RateOpt = Annotated[
    float, typer.Option("--rate", min=0.1, help="Requests per second (the account allows 5).")
]
WaitOpt = Annotated[
    float, typer.Option("--wait", min=0, help="Seconds to wait for a push holding the ledger.")
]
COLUMNS = ["key", "ids", "detail"]


def verify(
    paths: VerifyPaths = None,
    fix: FixOpt = False,
    dry_run: DryRunOpt = False,
    output: OutputOpt = Output.table,
    url: UrlOpt = None,
    api_key: ApiKeyOpt = None,
    profile: ProfileOpt = None,
    connection: ConnectionOpt = None,
    rate: RateOpt = 5.0,
    wait: WaitOpt = 30.0,
    state_dir: StateDirOpt = None,
    verbose: VerboseOpt = False,
) -> int:
    """Compare the account's orders with the ledger (and the files): missing, drifted, duplicated and
    unknown records; exit 0 when all agree, 1 when something differs. --fix repairs what is certain."""
    from acorders.push.reconcile import VerifyRequest, run

    env = environment()
    request = VerifyRequest(
        paths=list(paths or []),
        settings=settings(url=url, api_key=api_key, connection=connection, profile=profile),
        fix=fix,
        dry_run=dry_run,
        rate=rate,
        wait=wait,
        state_dir=state_dir,
        on_request=request_logger(env) if verbose else None,
    )
    outcome = run(request)
    for line in outcome.invalid:
        env.log(line)
    render(outcome, output.value, fix=fix)
    summary = outcome.summary()
    env.log(_summary_line(summary, fix=fix, dry_run=dry_run))
    return ExitStatus.OK if outcome.ok else ExitStatus.INVALID


def render(outcome: Any, output: str, *, fix: bool) -> None:
    """A table per class, or one JSON document ({"ok", "results", "summary"}), or one line per result."""
    from acorders.push.verify import CLASSES
    from acorders.report.rows import render_rows

    env = environment()
    rows = [d.as_dict() for d in outcome.differences]
    if output == "json":
        body = {"ok": outcome.ok, "results": rows, "summary": outcome.summary()}
        env.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
        return
    if output == "ndjson":
        for row in rows:
            env.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    columns = COLUMNS + (["fix"] if fix else [])
    for cls in CLASSES:
        mine = [{**r, "ids": " ".join(r["ids"])} for r in rows if r["class"] == cls]
        if mine:
            render_rows(env, mine, columns, output, f"{cls} ({len(mine)})")


def _summary_line(summary: dict[str, Any], *, fix: bool, dry_run: bool) -> str:
    counts = ", ".join(f"{summary[c]} {c}" for c in ("missing", "drifted", "duplicated", "unknown"))
    line = f"verified {summary['listed']} records: {counts}; {summary['requests']} requests"
    if fix:
        line += "; dry run: nothing changed" if dry_run else f"; {summary['fixed']} fixed"
    return line
