"""Account commands: `check`, `connections list|create`, `customers list`."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from acorders.cli.options import (
    ApiKeyOpt,
    LimitOpt,
    Output,
    OutputOpt,
    ProfileOpt,
    QuietOpt,
    UrlOpt,
    VerboseOpt,
)
from acorders.cli.runtime import environment, request_logger, settings
from acorders.errors import CartError, ConfigError, ExitStatus, RequestFailed, UnavailableError
from acorders.report.rows import render_check, render_rows


def _client(url: str | None, api_key: str | None, profile: str | None, verbose: bool) -> tuple[Any, Any]:
    from acorders.api.client import Client

    env = environment()
    account = settings(url=url, api_key=api_key, profile=profile).account()
    client = Client(
        account.url, account.api_key, rate=5.0, workers=1, on_request=request_logger(env) if verbose else None
    )
    return account, client


def check(
    url: UrlOpt = None,
    api_key: ApiKeyOpt = None,
    profile: ProfileOpt = None,
    output: OutputOpt = Output.table,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> int:
    """Verify the URL and key with one cheap authenticated request, and show the account's connections
    (-q: nothing unless there is a problem, for a cron job's first line)."""
    account, client = _client(url, api_key, profile, verbose)
    with client:
        try:
            me = client.me()
            connections, _ = client.listing("connections")
        except RequestFailed as exc:
            if exc.status is None:  # no answer at all: the network, as push counts it (exit 4, rerun)
                raise UnavailableError(
                    f"could not verify {account.url}: {exc.message}",
                    hint="check the URL and the network, then rerun",
                ) from None
            raise ConfigError(f"could not verify {account.url}: {exc.message}") from None
        except CartError as exc:
            raise ConfigError(f"could not verify {account.url}: {exc.message}") from None
    user = me.get("user", me) if isinstance(me, dict) else {}
    if quiet and output is Output.table:
        return ExitStatus.OK
    render_check(environment(), account.url, user, account.masked_key, connections, output.value)
    return ExitStatus.OK


def connections_list(
    limit: LimitOpt = None,
    url: UrlOpt = None,
    api_key: ApiKeyOpt = None,
    profile: ProfileOpt = None,
    output: OutputOpt = Output.table,
    verbose: VerboseOpt = False,
) -> int:
    """List the account's connections: all of them, or the first --limit N."""
    _, client = _client(url, api_key, profile, verbose)
    with client:
        rows, total = client.listing("connections", limit=limit)
    columns = ["id", "service", "externalid", "name", "linkUrl"]
    render_rows(environment(), rows, columns, output.value, "connections", total=total, limit=limit)
    return ExitStatus.OK


def connections_create(
    service: Annotated[str, typer.Option("--service", help="Your shop platform, e.g. 'myshop'.")],
    externalid: Annotated[
        str, typer.Option("--externalid", help="The shop's id for this store, e.g. its domain.")
    ],
    name: Annotated[str, typer.Option("--name", help="Shown in ActiveCampaign.")],
    logo_url: Annotated[
        str, typer.Option("--logo-url", help="The shop's logo (required by ActiveCampaign), an https URL.")
    ],
    link_url: Annotated[
        str, typer.Option("--link-url", help="The shop's home page (required by ActiveCampaign).")
    ],
    url: UrlOpt = None,
    api_key: ApiKeyOpt = None,
    profile: ProfileOpt = None,
    output: OutputOpt = Output.table,
    verbose: VerboseOpt = False,
) -> int:
    """Create a connection; use its id as connectionid (or --connection). ActiveCampaign requires all of
    --service, --externalid, --name, --logo-url and --link-url."""
    _, client = _client(url, api_key, profile, verbose)
    with client:
        record = client.create_connection(service, externalid, name, logo_url=logo_url, link_url=link_url)
    render_rows(
        environment(), [record], ["id", "service", "externalid", "name"], output.value, "connection created"
    )
    return ExitStatus.OK


def customers_list(
    email: Annotated[Optional[str], typer.Option("--email", help="Only this customer's rows.")] = None,
    limit: LimitOpt = None,
    url: UrlOpt = None,
    api_key: ApiKeyOpt = None,
    profile: ProfileOpt = None,
    output: OutputOpt = Output.table,
    verbose: VerboseOpt = False,
) -> int:
    """List ecomCustomers: all of them, or the first --limit N (connectionid 0 rows are account-level,
    not usable as customerid)."""
    _, client = _client(url, api_key, profile, verbose)
    with client:
        rows, total = client.listing("customers", limit=limit, email=email)
    columns = ["id", "connectionid", "externalid", "email"]
    render_rows(environment(), rows, columns, output.value, "customers", total=total, limit=limit)
    return ExitStatus.OK
