"""acorders.launch: the entry point loads the CLI without Ctrl-C tracebacks or the collector, and
commands run as usual."""

from __future__ import annotations

from typing import Any

import pytest

from acorders import launch


def test_loading_ends_at_ctrl_c_without_the_collector_and_commands_run_as_usual(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The entry point loads the CLI with Ctrl-C ending the process outright and the cyclic collector
    off; a command gets KeyboardInterrupt back and the collector on, after a freeze of what start-up made,
    so that a long push still collects."""
    import gc
    import signal
    import sys

    import acorders.cli.app

    seen: dict[str, Any] = {}

    def command(on_start: Any = None) -> None:
        seen["loading"] = (gc.isenabled(), signal.getsignal(signal.SIGINT))
        assert on_start is launch.loaded
        on_start()  # what every command's wrapper does first
        seen["running"] = (gc.isenabled(), signal.getsignal(signal.SIGINT))
        seen["frozen"] = gc.get_freeze_count()

    monkeypatch.setattr(acorders.cli.app, "main", command)
    monkeypatch.setattr(sys, "argv", ["acorders", "--version"])
    before = signal.getsignal(signal.SIGINT)
    before_term = signal.getsignal(signal.SIGTERM)
    try:
        launch.main()
    finally:
        gc.unfreeze()
        gc.enable()
        signal.signal(signal.SIGINT, before)
        signal.signal(signal.SIGTERM, before_term)
    assert seen["loading"] == (False, signal.SIG_DFL)
    assert seen["running"] == (True, signal.default_int_handler) and seen["frozen"] > 0
    frozen = gc.get_freeze_count()
    launch.loaded()  # not loading (in-process use, these tests): nothing to do
    assert gc.isenabled() and gc.get_freeze_count() == frozen and signal.getsignal(signal.SIGINT) is before


def test_a_command_stops_on_sigterm_as_on_ctrl_c_and_exits_143(monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM (systemd, docker stop, a CI timeout) raises TerminateRequest, a KeyboardInterrupt: every
    command stops on it the way it stops on Ctrl-C, and exits 143."""
    import signal

    from acorders.errors import ExitStatus, TerminateRequest, exit_status_for

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(launch, "_loading", True)
    try:
        launch.loaded()
        handler = signal.getsignal(signal.SIGTERM)
    finally:
        import gc

        gc.unfreeze()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, before)
    assert handler is launch.terminate
    with pytest.raises(KeyboardInterrupt) as info:
        launch.terminate(signal.SIGTERM, None)
    assert isinstance(info.value, TerminateRequest)
    assert exit_status_for(info.value) == ExitStatus.TERMINATED == 143
    assert exit_status_for(KeyboardInterrupt()) == ExitStatus.INTERRUPTED == 130
