"""Account commands: check, connections, customers, and the ledger's history and forget."""

from __future__ import annotations

import json
import re
import time
from typing import Annotated, Any, Optional

import typer

from acorders.cli import app, environment, handle_errors
from acorders.cli.options import ApiKeyOpt, Output, OutputOpt, ProfileOpt, StateDirOpt, UrlOpt, VerboseOpt
from acorders.cli.push import build_client
from acorders.errors import CartError, ConfigError, ExitStatus, UsageError

connections_app = typer.Typer(help="List and create e-commerce connections (a connectionid names one).", no_args_is_help=True)
customers_app = typer.Typer(help="List ecomCustomers (a customerid names one).", no_args_is_help=True)
app.add_typer(connections_app, name="connections")
app.add_typer(customers_app, name="customers")


def _client(url: str | None, api_key: str | None, profile: str | None, verbose: bool) -> Any:
    from acorders.config import load_settings

    env = environment()
    settings = load_settings(env.environ, url=url, api_key=api_key, profile=profile)
    for warning in settings.warnings:
        env.log(f"warning: {warning}")
    account = settings.account()
    return account, build_client(env, account.url, account.api_key, rate=5.0, workers=1, verbose=verbose)


def render(rows: list[dict[str, Any]], columns: list[str], output: Output, title: str | None = None) -> None:
    """A rich table on a terminal, or JSON/NDJSON of the same rows."""
    env = environment()
    if output is Output.json:
        env.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if output is Output.ndjson:
        for row in rows:
            env.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(*columns, title=title, header_style="bold")
    for row in rows:
        table.add_row(*(escape("" if row.get(c) is None else str(row.get(c))) for c in columns))
    env.console().print(table if rows else f"[dim]no {title or 'rows'}[/]")


@app.command()
@handle_errors
def check(url: UrlOpt = None, api_key: ApiKeyOpt = None, profile: ProfileOpt = None, output: OutputOpt = Output.table,
          verbose: VerboseOpt = False) -> int:
    """Verify the URL and key with one cheap authenticated request, and show the account's connections."""
    account, client = _client(url, api_key, profile, verbose)
    with client:
        try:
            me = client.me()
            connections, _ = client.list_connections()
        except CartError as exc:
            raise ConfigError(f"could not verify {account.url}: {exc.message}") from None
    user = me.get("user", me) if isinstance(me, dict) else {}
    if output is Output.table:
        environment().console().print(
            f"[green]✓[/] {account.url}: key accepted (user {user.get('username') or user.get('email') or user.get('id')}; "
            f"key {account.masked_key})"
        )
        render(connections, ["id", "service", "externalid", "name"], output, "connections")
    else:  # one object, as for every other command's -o json
        report = {"ok": True, "url": account.url, "user": user.get("username"), "connections": connections}
        environment().stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
    return ExitStatus.OK


@connections_app.command("list")
@handle_errors
def connections_list(url: UrlOpt = None, api_key: ApiKeyOpt = None, profile: ProfileOpt = None,
                     output: OutputOpt = Output.table, verbose: VerboseOpt = False) -> int:
    """List the account's connections."""
    _, client = _client(url, api_key, profile, verbose)
    with client:
        rows, _ = client.list_connections()
    render(rows, ["id", "service", "externalid", "name", "linkUrl"], output, "connections")
    return ExitStatus.OK


@connections_app.command("create")
@handle_errors
def connections_create(
    service: Annotated[str, typer.Option("--service", help="Your shop platform, e.g. 'myshop'.")],
    externalid: Annotated[str, typer.Option("--externalid", help="The shop's id for this store, e.g. its domain.")],
    name: Annotated[str, typer.Option("--name", help="Shown in ActiveCampaign.")],
    logo_url: Annotated[Optional[str], typer.Option("--logo-url")] = None,
    link_url: Annotated[Optional[str], typer.Option("--link-url")] = None,
    url: UrlOpt = None, api_key: ApiKeyOpt = None, profile: ProfileOpt = None, output: OutputOpt = Output.table,
    verbose: VerboseOpt = False,
) -> int:
    """Create a connection; use its id as connectionid (or --connection)."""
    _, client = _client(url, api_key, profile, verbose)
    with client:
        record = client.create_connection(service, externalid, name, logo_url=logo_url, link_url=link_url)
    render([record], ["id", "service", "externalid", "name"], output, "connection created")
    return ExitStatus.OK


@customers_app.command("list")
@handle_errors
def customers_list(
    email: Annotated[Optional[str], typer.Option("--email", help="Only this customer's rows.")] = None,
    url: UrlOpt = None, api_key: ApiKeyOpt = None, profile: ProfileOpt = None, output: OutputOpt = Output.table,
    verbose: VerboseOpt = False,
) -> int:
    """List ecomCustomers (connectionid 0 rows are account-level, not usable as customerid)."""
    _, client = _client(url, api_key, profile, verbose)
    with client:
        rows, _ = client.list_customers(email=email)
    render(rows, ["id", "connectionid", "externalid", "email"], output, "customers")
    return ExitStatus.OK


_RELATIVE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, now: float | None = None) -> float:
    """'30m', '2h', '7d' ago, or an ISO date / date-time."""
    now = time.time() if now is None else now
    match = _RELATIVE.match(text.strip())
    if match:
        return now - int(match.group(1)) * _UNITS[match.group(2)]
    from datetime import datetime

    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since {text!r}: give a duration like 30m, 2h, 7d, or a date like 2026-11-20") from None
    return (parsed if parsed.tzinfo else parsed.astimezone()).timestamp()


@app.command()
@handle_errors
def history(
    since: Annotated[Optional[str], typer.Option("--since", help="30m, 2h, 7d, or a date.")] = None,
    output: OutputOpt = Output.table,
    state_dir: StateDirOpt = None,
) -> int:
    """What was pushed when: ActiveCampaign ids and results, from the ledger."""
    from datetime import datetime

    from acorders.ledger import Ledger

    with Ledger.open(state_dir) as ledger:
        rows = list(ledger.history(parse_since(since) if since else None))
    for row in rows:
        row["at"] = datetime.fromtimestamp(row["at"]).astimezone().isoformat(timespec="seconds")
    render(rows, ["at", "kind", "ext", "action", "id", "status", "error", "source", "account"], output, "history")
    return ExitStatus.OK


@app.command()
@handle_errors
def forget(
    cart: Annotated[Optional[str], typer.Option("--cart", help="externalcheckoutid of a cart.")] = None,
    order: Annotated[Optional[str], typer.Option("--order", help="externalid of an order.")] = None,
    connection: Annotated[Optional[str], typer.Option("--connection", help="Only this connectionid.")] = None,
    url: Annotated[Optional[str], typer.Option("--url", help="Only this account URL.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every entry (of --url/--connection if given).")] = False,
    state_dir: StateDirOpt = None,
) -> int:
    """Drop ledger entries, after the records were deleted in ActiveCampaign: the next push creates them again."""
    from acorders.config import normalize_url
    from acorders.ledger import Ledger

    if not (cart or order or all_):
        raise UsageError("say what to forget: --cart ID, --order ID, or --all")
    if cart and order:
        raise UsageError("give --cart or --order, not both")
    kind, ext = ("cart", cart) if cart else ("order", order) if order else (None, None)
    with Ledger.open(state_dir) as ledger:
        count = ledger.forget(account=normalize_url(url) if url else None, connection=connection, kind=kind, ext=ext)
    environment().log(f"forgot {count} ledger entr{'y' if count == 1 else 'ies'}")
    return ExitStatus.OK if count or all_ else ExitStatus.INVALID
