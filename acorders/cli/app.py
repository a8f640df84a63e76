"""The Typer app: every command registered in one place, wrapped by the one error handler.

Heavy modules (rich, requests, jsonschema-rs, yaml) are imported inside the commands, so
``acorders --version`` and ``--help`` start fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperCommand

from acorders import __version__
from acorders.cli import account, convert, init, ledger, preview, push, sandbox, validate, verify
from acorders.cli.runtime import (
    EXIT_CODES_HELP,
    _state,
    handle_errors,
    on_command_start,
)

app = typer.Typer(
    name="acorders",
    help="Validate abandoned carts and orders and push them to ActiveCampaign, exactly once.\n\n"
    + EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # tracebacks could show locals; errors are mapped in handle_errors
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
)
connections_app = typer.Typer(
    help="List and create e-commerce connections (a connectionid names one).", no_args_is_help=True
)
customers_app = typer.Typer(help="List ecomCustomers (a customerid names one).", no_args_is_help=True)
app.add_typer(connections_app, name="connections")
app.add_typer(customers_app, name="customers")


class _Command(TyperCommand):
    """Usage lines as man pages write them (``PATH...``), not typer's ``{paths}...`` braces."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces: list[str] = super().collect_usage_pieces(ctx)
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in pieces]


def _register(group: typer.Typer, func: Callable[..., int], name: str | None = None, **kwargs: Any) -> None:
    group.command(name, cls=_Command, **kwargs)(handle_errors(func))


_register(app, validate.validate, epilog=EXIT_CODES_HELP)
_register(app, validate.schema)
_register(app, convert.convert, epilog=EXIT_CODES_HELP)
_register(app, preview.preview, epilog=EXIT_CODES_HELP)
_register(app, push.push, epilog=EXIT_CODES_HELP)
_register(app, sandbox.sandbox_command, "sandbox")
_register(app, init.init)
_register(app, account.check)
_register(connections_app, account.connections_list, "list")
_register(connections_app, account.connections_create, "create")
_register(customers_app, account.customers_list, "list")
_register(app, verify.verify, epilog=EXIT_CODES_HELP)
_register(app, verify.expire, epilog=EXIT_CODES_HELP)
_register(app, verify.delete, epilog=EXIT_CODES_HELP)
_register(app, ledger.history)
_register(app, ledger.forget)


def _version(value: bool) -> None:
    if value:
        print(f"acorders {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        Optional[bool],
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", envvar="ACORDERS_DEBUG", help="Show tracebacks of unexpected errors.")
    ] = False,
) -> None:
    _state["debug"] = debug
    _state["env"] = None


def main(on_start: Callable[[], None] | None = None) -> None:
    """Run the command in sys.argv. ``on_start`` runs as the command starts (see acorders.launch)."""
    on_command_start(on_start)
    _only_the_command_asked_for(sys.argv[1:])()


def _only_the_command_asked_for(args: list[str]) -> typer.Typer:
    """Typer builds every command's parser at start-up (~20 ms for all of them): for a plain command
    (validate from cron, say) build just that one. Help, groups and anything unusual get the whole app."""
    name = next((a for a in args if not a.startswith("-")), None)
    chosen = [c for c in app.registered_commands if (c.name or c.callback.__name__) == name]  # type: ignore[union-attr]
    if not chosen or {"-h", "--help"} & set(args):
        return app
    single = typer.Typer(
        **{k: getattr(app.info, k) for k in ("help", "no_args_is_help", "context_settings")},
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    single.registered_callback = app.registered_callback
    single.registered_commands = chosen
    return single
