"""The Typer layer: parse options, call the core, map the outcome to an exit status. Nothing else.

Heavy modules (rich, requests, jsonschema-rs, yaml) are imported inside the commands, so
``acorders --version`` and ``--help`` start fast.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Annotated, Any, Optional, TypeVar

import typer

from acorders import __version__, launch
from acorders.cli.options import FormatOpt, OutputOpt, Paths, QuietOpt, StrictOpt, ConnectionOpt, ProfileOpt
from acorders.environment import Environment
from acorders.errors import AcordersError, CartError, ExitStatus, exit_status_for

EXIT_CODES_HELP = (
    "Exit status: 0 all valid/pushed; 1 some document invalid, unreadable or rejected; 2 usage error; "
    "3 configuration or authentication problem; 4 temporary failure, a rerun may fix it; 130 interrupted."
)

app = typer.Typer(
    name="acorders",
    help="Validate abandoned carts and orders and push them to ActiveCampaign, exactly once.\n\n" + EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # tracebacks could show locals; errors are mapped in handle_errors
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
)

F = TypeVar("F", bound=Callable[..., Any])
_state: dict[str, Any] = {"debug": False, "env": None}


def environment() -> Environment:
    if _state["env"] is None:
        _state["env"] = Environment.from_system()
    return _state["env"]


def error(env: Environment, message: str, hint: str | None = None) -> None:
    console = env.console(stderr=True)
    from rich.markup import escape

    console.print(f"[bold red]error:[/] {escape(message)}")
    if hint:
        console.print(f"[dim]hint:[/] {escape(hint)}")


def handle_errors(func: F) -> F:
    """Every exception of a command mapped to an exit status, in one place; tracebacks only with --debug."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        env = environment()
        launch.loaded()  # Ctrl-C and the garbage collector as usual from here on
        try:
            status = func(*args, **kwargs)
        except typer.Exit:
            raise
        except BrokenPipeError:  # `acorders ... | head`: the reader left; not an error worth a message
            _silence_stdout()
            raise typer.Exit(ExitStatus.BROKEN_PIPE) from None
        except KeyboardInterrupt:
            env.log("interrupted")
            raise typer.Exit(ExitStatus.INTERRUPTED) from None
        except AcordersError as exc:
            error(env, exc.message, exc.hint)
            raise typer.Exit(exc.exit_status) from None
        except CartError as exc:  # an API answer outside push (connections create, customers list)
            error(env, exc.message)
            raise typer.Exit(exit_status_for(exc)) from None
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
            if _state["debug"]:
                raise
            error(env, f"unexpected {type(exc).__name__}: {exc}", "rerun with --debug for the traceback, and report it")
            raise typer.Exit(exit_status_for(exc)) from None
        raise typer.Exit(int(status or 0))

    return wrapper  # type: ignore[return-value]


def _silence_stdout() -> None:
    import os
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _version(value: bool) -> None:
    if value:
        print(f"acorders {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", envvar="ACORDERS_DEBUG", help="Show tracebacks of unexpected errors.")] = False,
) -> None:
    _state["debug"] = debug
    _state["env"] = None


@app.command(epilog=EXIT_CODES_HELP)
@handle_errors
def validate(
    paths: Paths,
    format: FormatOpt = None,
    output: OutputOpt = "table",  # type: ignore[assignment]
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
    connection: ConnectionOpt = None,
    profile: ProfileOpt = None,
) -> int:
    """Check files against the ecomOrder schema and the checks no one else makes."""
    from acorders import load
    from acorders import validate as core
    from acorders.config import load_settings
    from acorders.report import build_reporter

    env = environment()
    settings = load_settings(env.environ, connection=connection, profile=profile)
    for warning in settings.warnings:
        env.log(f"warning: {warning}")
    fmt = format.value if format else None
    # Off a terminal nothing needs the count first (a progress bar does): checking starts during the walk.
    listed_first = env.stderr_isatty or load.STDIN in paths
    sources = load.collect_sources(paths, fmt) if listed_first else load.iter_sources(paths, fmt)
    validator = core.Validator(core.ValidateOptions(strict=strict, connection=settings.connection))
    reporter = build_reporter(output.value if hasattr(output, "value") else str(output), env, quiet=quiet)
    summary = core.run(sources, validator, reporter, env.stdin)
    return ExitStatus.OK if summary.ok else ExitStatus.INVALID


@app.command()
@handle_errors
def schema() -> int:
    """Print the bundled ecomOrder JSON Schema (the single source of truth)."""
    from acorders.schema import schema_text

    environment().stdout.write(schema_text())
    return ExitStatus.OK


def main() -> None:
    _only_the_command_asked_for(sys.argv[1:])()


def _only_the_command_asked_for(args: list[str]) -> typer.Typer:
    """Typer builds every command's parser at start-up (~20 ms for all of them): for a plain command
    (validate from cron, say) build just that one. Help, groups and anything unusual get the whole app."""
    name = next((a for a in args if not a.startswith("-")), None)
    chosen = [c for c in app.registered_commands if (c.name or c.callback.__name__) == name]  # type: ignore[union-attr]
    if not chosen or {"-h", "--help"} & set(args):
        return app
    single = typer.Typer(**{k: getattr(app.info, k) for k in ("help", "no_args_is_help", "context_settings")},
                         pretty_exceptions_enable=False, add_completion=False)
    single.registered_callback = app.registered_callback
    single.registered_commands = chosen
    return single


from acorders.cli import account as _account  # noqa: E402,F401  (registers check, connections, history, ...)
from acorders.cli import push as _push  # noqa: E402,F401  (registers push and sandbox)
