"""`acorders init`: ask for (or take) the account URL and key, verify them, write a profile of config.toml.

On a terminal it asks, the key without echo. Off one (a provisioning script, CI) it never waits for an
answer: the URL and key come from --url/--api-key or ACTIVECAMPAIGN_URL/ACTIVECAMPAIGN_API_KEY, and what is
missing is a usage error. The profile is written only once one cheap request (GET /users/me) says the key
works, with mode 0600, and with a default connection taken from the account's connections.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from acorders.cli.options import ApiKeyOpt, ConnectionOpt, UrlOpt
from acorders.cli.runtime import environment
from acorders.config import DEFAULT_PROFILE, ENV_PROFILE, Settings, config_path, write_profile
from acorders.environment import Environment
from acorders.errors import CartError, ConfigError, ExitStatus, RequestFailed, UnavailableError, UsageError

InitProfileOpt = Annotated[
    Optional[str],
    typer.Option(
        "--profile",
        envvar=ENV_PROFILE,
        show_envvar=True,
        help="Profile to write (default: the \\[default] table).",
    ),
]


def init(
    url: UrlOpt = None,
    api_key: ApiKeyOpt = None,
    profile: InitProfileOpt = None,
    connection: ConnectionOpt = None,
) -> int:
    """Set up an account: ask for the URL and key (or take them from options or the environment), verify
    them with one request, and write a profile to config.toml (mode 0600) with a default connection."""
    env = environment()
    name = profile or DEFAULT_PROFILE
    asking = _interactive(env)
    url = url or _ask(asking, "ActiveCampaign API URL (Settings > Developer)", "--url", "ACTIVECAMPAIGN_URL")
    api_key = api_key or _ask(asking, "API key (not shown)", "--api-key", "ACTIVECAMPAIGN_API_KEY", hide=True)
    account = Settings(url=url, api_key=api_key).account()
    connections = _verify(account)
    chosen = _connection(env, connections, connection, asking)
    values = {"url": account.url, "api_key": account.api_key}
    if chosen is not None:
        values["connection"] = chosen
    path = config_path(env.environ)
    write_profile(path, name, values)
    where = f", connection {chosen}" if chosen is not None else ""
    env.stdout.write(f"wrote [{name}] to {path} (url {account.url}, key {account.masked_key}{where})\n")
    if chosen is None:
        env.log("note: the account has no connection yet: acorders connections create --help")
    return ExitStatus.OK


def _interactive(env: Environment) -> bool:
    try:
        return bool(env.stdin is not None and env.stdin.isatty() and env.stderr_isatty)
    except (AttributeError, ValueError):
        return False


def _ask(asking: bool, prompt: str, option: str, variable: str, *, hide: bool = False) -> str:
    """A prompt on a terminal (on stderr, so stdout stays the result); off one a usage error, never a wait."""
    if not asking:
        raise UsageError(
            f"acorders init is not on a terminal and no {option} was given",
            hint=f"pass {option} or set {variable} (off a terminal init asks nothing)",
        )
    answer: str = typer.prompt(prompt, hide_input=hide, err=True)
    return answer.strip()


def _verify(account: Any) -> list[dict[str, Any]]:
    """GET /users/me and the connections, before anything is written: a wrong key is never saved."""
    from acorders.api.client import Client

    with Client(account.url, account.api_key, rate=5.0, workers=1) as client:
        try:
            client.me()
            rows, _ = client.list_connections()
        except RequestFailed as exc:
            if exc.status is None:
                raise UnavailableError(
                    f"could not verify {account.url}: {exc.message}", hint="check the URL and the network"
                ) from None
            raise ConfigError(f"could not verify {account.url}: {exc.message}") from None
        except CartError as exc:
            raise ConfigError(f"could not verify {account.url}: {exc.message}") from None
    return [r for r in rows if isinstance(r, dict)]


def _connection(
    env: Environment, connections: list[dict[str, Any]], given: str | None, asking: bool
) -> str | None:
    """The default connection: the one named (it must exist), the only one, or one picked from the list
    (on a terminal asked, default the first; off one the first, said on stderr)."""
    ids = [str(c.get("id")) for c in connections if c.get("id") is not None]
    if given is not None:
        if given not in ids:
            raise UsageError(
                f"connection {given} is not one of this account's ({', '.join(ids) or 'none'})",
                hint="acorders connections list shows them",
            )
        return given
    if len(ids) <= 1:
        return ids[0] if ids else None
    for c in connections:
        env.log(f"  {c.get('id')}: {c.get('service')} {c.get('externalid')} ({c.get('name')})")
    if not asking:
        env.log(f"note: {len(ids)} connections; {ids[0]} is the default (--connection picks another)")
        return ids[0]
    while True:
        answer = str(typer.prompt("Default connection", default=ids[0], err=True)).strip()
        if answer in ids:
            return answer
        env.log(f"not one of {', '.join(ids)}")
