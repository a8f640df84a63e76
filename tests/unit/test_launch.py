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
    try:
        launch.main()
    finally:
        gc.unfreeze()
        gc.enable()
        signal.signal(signal.SIGINT, before)
    assert seen["loading"] == (False, signal.SIG_DFL)
    assert seen["running"] == (True, signal.default_int_handler) and seen["frozen"] > 0
    frozen = gc.get_freeze_count()
    launch.loaded()  # not loading (in-process use, these tests): nothing to do
    assert gc.isenabled() and gc.get_freeze_count() == frozen and signal.getsignal(signal.SIGINT) is before
