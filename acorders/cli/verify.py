"""`acorders verify [PATH...] [--fix]`: the account's orders against the ledger and the files."""

from __future__ import annotations

import json
import re
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
from acorders.errors import ExitStatus, UsageError

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
COLUMNS = ["class", "key", "ids", "detail"]  # class too: piped rows have no titles


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


def _requests(n: int) -> str:
    return f"{n} request" if n == 1 else f"{n} requests"


def _summary_line(summary: dict[str, Any], *, fix: bool, dry_run: bool) -> str:
    counts = ", ".join(f"{summary[c]} {c}" for c in ("missing", "drifted", "duplicated", "unknown"))
    line = f"verified {summary['listed']} records: {counts}; {_requests(summary['requests'])}"
    if fix:
        line += "; dry run: nothing changed" if dry_run else f"; {summary['fixed']} fixed"
    return line


_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
CLEANUP_COLUMNS = ["action", "record", "connection", "kind", "ext", "id", "abandonedDate", "error"]
CleanupDryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Say what would be deleted; delete nothing.")
]


def parse_duration(text: str) -> float:
    """'30d', '12h', '2w' as seconds."""
    match = _DURATION.match(text.strip())
    if not match:
        raise UsageError(f"--older-than {text!r}: give a duration like 30d, 12h or 2w")
    return float(int(match.group(1)) * _UNITS[match.group(2)])


def _cleanup_request(
    dry_run: bool, rate: float, wait: float, state_dir: Any, verbose: bool, **account: Any
) -> Any:
    from acorders.push.expire import CleanupRequest

    env = environment()
    return CleanupRequest(
        settings=settings(**account),
        dry_run=dry_run,
        rate=rate,
        wait=wait,
        state_dir=state_dir,
        on_request=request_logger(env) if verbose else None,
    )


def _render_cleanup(outcome: Any, output: str, what: str) -> int:
    from acorders.report.rows import render_rows

    env = environment()
    if output == "json":
        body = {"ok": outcome.ok, "results": outcome.results, "summary": outcome.summary()}
        env.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
    else:
        render_rows(env, outcome.results, CLEANUP_COLUMNS, output, what)
    counts = ", ".join(f"{n} {a}" for a, n in outcome.summary().items() if a != "requests") or f"no {what}"
    env.log(f"{counts}; {_requests(outcome.requests)}")
    return ExitStatus.OK if outcome.ok else ExitStatus.TEMPORARY


def expire(
    older_than: Annotated[
        str, typer.Option("--older-than", help="Carts abandoned longer ago than this: 30d, 12h, 2w.")
    ],
    dry_run: CleanupDryRunOpt = False,
    output: OutputOpt = Output.table,
    url: UrlOpt = None,
    api_key: ApiKeyOpt = None,
    profile: ProfileOpt = None,
    rate: RateOpt = 5.0,
    wait: WaitOpt = 30.0,
    state_dir: StateDirOpt = None,
    verbose: VerboseOpt = False,
) -> int:
    """Delete from ActiveCampaign the abandoned carts this ledger pushed that are still carts and older than
    --older-than, so automations stop mailing about them; a later push of the same cart sends nothing."""
    from acorders.push.expire import run

    seconds = parse_duration(older_than)
    request = _cleanup_request(
        dry_run, rate, wait, state_dir, verbose, url=url, api_key=api_key, profile=profile
    )
    return _render_cleanup(run(request, seconds), output.value, "carts to expire")


def delete(
    email: Annotated[str, typer.Option("--email", help="The customer's email address.")],
    dry_run: CleanupDryRunOpt = False,
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
    """Forget a customer: delete the email's carts, orders and ecomCustomer rows on the connections, in
    ActiveCampaign and in the ledger. Contacts are never touched (see README)."""
    from acorders.push.forget_customer import run

    request = _cleanup_request(
        dry_run,
        rate,
        wait,
        state_dir,
        verbose,
        url=url,
        api_key=api_key,
        profile=profile,
        connection=connection,
    )
    return _render_cleanup(run(request, email), output.value, "records of this email")
