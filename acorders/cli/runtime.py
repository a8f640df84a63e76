"""What every command shares: the Environment, settings with their warnings, and the one error handler.

``handle_errors`` wraps every command: it maps each exception to an exit status through
``acorders.errors.exit_status_for`` and prints a message with a hint, never a traceback (``--debug``
shows it for unexpected errors). SIGTERM arrives as TerminateRequest, a KeyboardInterrupt: every command
stops on it as on Ctrl-C, and exits 143. Whatever stops validate or push, their -o json is still one
whole JSON document (ok: false, summary.stopped saying why) and their -o ndjson has its summary line:
the runs end their own reports, ``end_report`` one that a command stopped before its run had it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from acorders.config import Settings, load_settings
from acorders.environment import Environment
from acorders.errors import AcordersError, ExitStatus, TerminateRequest, exit_status_for

EXIT_CODES_HELP = (
    "Exit status: 0 all valid/pushed; 1 some document invalid, unreadable or rejected; 2 usage error; "
    "3 configuration or authentication problem; 4 temporary failure, a rerun may fix it; 130 interrupted "
    "(Ctrl-C); 143 terminated (SIGTERM)."
)

F = TypeVar("F", bound=Callable[..., Any])
# debug: --debug was given; env: the Environment of this run; started: called as a command starts
_state: dict[str, Any] = {"debug": False, "env": None, "started": None}


def environment() -> Environment:
    if _state["env"] is None:
        _state["env"] = Environment.from_system()
    return _state["env"]


def on_command_start(hook: Callable[[], None] | None) -> None:
    """Run ``hook`` as every command starts (the entry point's: Ctrl-C and the collector as usual again)."""
    _state["started"] = hook


def settings(**options: str | None) -> Settings:
    """The account settings from options, environment and profile; their warnings go to stderr."""
    env = environment()
    loaded = load_settings(env.environ, **options)
    for warning in loaded.warnings:
        env.log(f"warning: {warning}")
    return loaded


def settings_without_account(connection: str | None, profile: str | None) -> Settings:
    """For commands that never need the account (validate): a config.toml that cannot be read is a
    warning, and the default connection comes from the option or the environment alone. A profile asked
    for by name (--profile, ACORDERS_PROFILE) that cannot be had is still an error: it was asked for."""
    from acorders.config import ENV_CONNECTION, ENV_PROFILE
    from acorders.errors import ConfigError

    env = environment()
    try:
        return settings(connection=connection, profile=profile)
    except ConfigError as exc:
        if profile or env.environ.get(ENV_PROFILE):
            raise
        env.log(f"warning: {exc.message} (validate goes on without it)")
        return Settings(connection=connection or env.environ.get(ENV_CONNECTION) or None)


def stdin_hint(env: Environment, paths: list[str]) -> None:
    """`validate -` typed at a terminal otherwise just waits, silently, for input nobody knows to give."""
    try:
        tty = "-" in paths and env.stdin is not None and env.stdin.isatty()
    except (AttributeError, ValueError):
        tty = False
    if tty:
        env.log("reading stdin (Ctrl-D to end)")


def request_logger(env: Environment) -> Callable[[Any], None]:
    """-v: one line per HTTP attempt on stderr (never the key: RequestLog holds none)."""

    def log_request(entry: Any) -> None:
        status = entry.status if entry.status is not None else (entry.error or "no answer")
        retry = f" (retry {entry.attempt - 1})" if entry.attempt > 1 else ""
        env.log(f"{entry.method} {entry.path} {status} {entry.duration * 1000:.0f} ms{retry}")

    return log_request


def error(env: Environment, message: str, hint: str | None = None) -> None:
    from rich.markup import escape

    console = env.console(stderr=True)
    console.print(f"[bold red]error:[/] {escape(message)}")
    if hint:
        console.print(f"[dim]hint:[/] {escape(hint)}")


DebugOpt = Annotated[
    bool, typer.Option("--debug", envvar="ACORDERS_DEBUG", help="Show tracebacks of unexpected errors.")
]


def _with_debug_option(func: F, wrapper: Callable[..., Any]) -> None:
    """Give the command its own --debug, so ``acorders sandbox --debug`` works as ``acorders --debug
    sandbox`` does: typer reads the signature, the wrapper takes the value out before the command runs."""
    own = inspect.signature(func, eval_str=True)
    if "debug" in own.parameters:
        return
    debug = inspect.Parameter("debug", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=DebugOpt)
    wrapper.__signature__ = own.replace(parameters=[*own.parameters.values(), debug])  # type: ignore[attr-defined]


def handle_errors(func: F) -> F:
    """Every exception of a command mapped to an exit status, in one place; tracebacks only with --debug."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs.pop("debug", False):
            _state["debug"] = True
        env = environment()
        report = _REPORTS.get(func.__name__), getattr(kwargs.get("output"), "value", None)
        if _state["started"] is not None:
            _state["started"]()
        try:
            status = func(*args, **kwargs)
        except typer.Exit:
            raise
        except BrokenPipeError as exc:  # `acorders ... | head`: the reader left; not an error worth a message
            _silence_stdout()
            raise typer.Exit(exit_status_for(exc)) from None
        except KeyboardInterrupt as exc:  # and TerminateRequest (SIGTERM), exit 143
            end_report(env, *report, exc)
            env.log("terminated" if isinstance(exc, TerminateRequest) else "interrupted")
            raise typer.Exit(exit_status_for(exc)) from None
        except AcordersError as exc:  # run errors, and a cart error outside push (connections create)
            end_report(env, *report, exc)
            error(env, exc.message, getattr(exc, "hint", None))
            raise typer.Exit(exit_status_for(exc)) from None
        except Exception as exc:
            end_report(env, *report, exc)
            if _state["debug"]:
                raise
            error(
                env,
                f"unexpected {type(exc).__name__}: {exc}",
                "rerun with --debug for the traceback, and report it",
            )
            raise typer.Exit(exit_status_for(exc)) from None
        raise typer.Exit(int(status if status is not None else ExitStatus.OK))

    _with_debug_option(func, wrapper)
    return wrapper  # type: ignore[return-value]


# the commands whose -o json is one document of these items (-o ndjson: lines, and a summary on stderr)
_REPORTS = {"validate": "documents", "push": "results"}


def end_report(env: Environment, key: str | None, output: str | None, exc: BaseException) -> None:
    """``exc`` stopped a command that reports: its -o json must still be one whole document (ok: false),
    its -o ndjson still have its summary line. The run ends its own report (report.base.report_stop);
    this ends one the command stopped before its run had it, or could: an empty one, saying why."""
    if key is None or output not in ("json", "ndjson"):
        return
    from acorders.models import PushSummary, ValidateSummary
    from acorders.report import build_reporter
    from acorders.report.base import BaseReporter, report_stop

    reporter: Any = BaseReporter.last_built
    if reporter is None or reporter.env is not env:  # none yet for this command
        reporter = build_reporter(output, env, key=key)
    if not reporter.finished:
        report_stop(reporter, ValidateSummary() if key == "documents" else PushSummary(), exc)


def _silence_stdout() -> None:
    import os
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
