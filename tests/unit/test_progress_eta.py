"""Issue 13: push's progress bar shows an ETA (rich's time remaining), beside the elapsed time."""

from __future__ import annotations

import io

from acorders import report
from acorders.environment import Environment


def test_the_push_progress_bar_has_an_eta() -> None:
    from rich.progress import TimeRemainingColumn

    env = Environment(
        stdin=None, stdout=io.StringIO(), stderr=io.StringIO(), stdout_isatty=True, stderr_isatty=True
    )
    reporter = report.build_reporter("table", env, key="results")
    reporter.start(report.PROGRESS_MIN_ITEMS + 100)
    try:
        progress = reporter._progress  # type: ignore[attr-defined]
        assert progress is not None
        assert any(isinstance(c, TimeRemainingColumn) for c in progress.columns)
    finally:
        reporter._progress.stop()  # type: ignore[attr-defined]
