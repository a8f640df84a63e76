"""Tables for people: rich tables on a terminal, a summary line that reads well in a log."""

from __future__ import annotations

import re
from typing import Any

from acorders.environment import Environment
from acorders.models import (
    Action,
    Document,
    PushResult,
    PushSummary,
    Severity,
    ValidateSummary,
    printable,
)
from acorders.report.base import BaseReporter, Item, Summary

COLLAPSE_UNCHANGED = 100  # a rerun over thousands of unchanged carts shows them as one row on a terminal
PROGRESS_MIN_ITEMS = 20  # below this a progress bar only flickers

_ACTION_STYLE = {
    Action.CREATED: "green",
    Action.UPDATED: "cyan",
    Action.RECOVERED: "green",
    Action.UNCHANGED: "dim",
    Action.PLANNED: "blue",
    Action.INVALID: "red",
    Action.REJECTED: "red",
    Action.FAILED: "yellow",
    Action.SKIPPED: "yellow",
}
_SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "dim"}


class TableReporter(BaseReporter):
    """Rich tables: problems (validate) or one row per cart (push), then a one-line summary."""

    def __init__(self, env: Environment, quiet: bool = False, key: str = "documents") -> None:
        super().__init__(env, quiet)
        self.key = key
        self._rows: list[tuple[str, ...]] = []
        self._results: list[PushResult] = []
        self._unchanged: list[PushResult] = []
        self._progress: Any = None
        self._task: Any = None

    def start(self, total: int | None) -> None:
        if not self.env.stderr_isatty or (total is not None and total < PROGRESS_MIN_ITEMS):
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        what = "files" if self.key == "documents" else "carts"
        self._progress = Progress(
            TextColumn(f"[bold]{'validating' if what == 'files' else 'pushing'}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(what),
            TimeElapsedColumn(),
            console=self.env.console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task("", total=total)
        self._progress.start()

    def advance(self, n: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def item(self, obj: Item) -> None:
        if isinstance(obj, Document):
            if not obj.findings:
                return
            from rich.markup import escape

            for f in obj.findings:
                if self.quiet and f.severity is Severity.INFO:
                    continue
                style = _SEVERITY_STYLE[f.severity]
                self._rows.append(
                    (
                        escape(str(obj.origin)),  # the name escaped: never raw ESC or newline
                        escape(printable(f.path or "")),
                        escape(printable(f.message)),
                        f"[{style}]{f.severity.value}[/]",
                    )
                )
        elif obj.action is Action.UNCHANGED:
            if not self.quiet:
                self._unchanged.append(obj)  # rendered at the end, unless there are too many to list
        else:
            self._results.append(obj)

    def finish(self, summary: Summary) -> None:
        if self._progress is not None:
            self._progress.stop()
        line = summary_line(summary) if isinstance(summary, PushSummary) else validate_line(summary)
        self._push_rows()
        if not self._rows and not self.env.stdout_isatty:  # the common cron case: no need to load rich
            if not self.quiet or not summary.ok:
                self.env.stdout.write(plain(line) + "\n")
            return
        console = self.env.console()
        if self._rows:
            from rich.table import Table

            headers = (
                ("Source", "Path", "Problem", "Severity")
                if self.key == "documents"
                else ("Source", "Cart", "Result", "HTTP")
            )
            table = Table(*headers, show_lines=False, header_style="bold", expand=False)
            for row in self._rows:
                table.add_row(*row)
            console.print(table)
        if not self.quiet or not summary.ok:
            console.print(line)

    def _push_rows(self) -> None:
        """Push results arrive as they finish: rows read in input order. Thousands of unchanged carts
        (a cron rerun) make one row on a terminal; -o json lists each."""
        results = self._results
        if len(self._unchanged) <= COLLAPSE_UNCHANGED:
            results = results + self._unchanged
        results.sort(key=lambda r: (r.origin.source, r.origin.line or 0))
        self._rows.extend(_push_row(r) for r in results)
        if len(self._unchanged) > COLLAPSE_UNCHANGED and self.env.stdout_isatty:  # a log has the summary line
            self._rows.append(
                ("", f"[dim]{len(self._unchanged):,} carts[/]", "[dim]unchanged[/] (each row: -o json)", "")
            )


def _push_row(result: PushResult) -> tuple[str, ...]:
    from rich.markup import escape

    cart = result.externalcheckoutid or result.externalid or ""
    if result.externalid and result.externalcheckoutid:
        cart = f"{result.externalcheckoutid} -> {result.externalid}"
    style = _ACTION_STYLE[result.action]
    text = f"[{style}]{result.action.value}[/]"
    if result.planned:
        text += f" ({result.planned})"
    if result.id:
        text += f" #{escape(printable(result.id))}"
    for e in result.errors:
        text += "\n  " + escape(printable(f"{e.path}: {e.message}" if e.path else e.message))
    return (escape(str(result.origin)), escape(printable(cart)), text, str(result.status or ""))


_TAG = re.compile(r"(?<!\\)\[/?[a-z ]*\]")


def plain(markup: str) -> str:
    """Our own summary markup without rich: drop the style tags, keep escaped brackets."""
    return _TAG.sub("", markup).replace("\\[", "[")


def validate_line(summary: ValidateSummary) -> str:
    files = f" in {summary.files} file{'s' if summary.files != 1 else ''}" if summary.files else ""
    warnings = (
        f", {summary.warnings} warning{'s' if summary.warnings != 1 else ''}" if summary.warnings else ""
    )
    if summary.documents == 0:
        return f"[yellow]no documents found{files}[/]"
    if summary.ok:
        documents = f"{summary.documents} document{'s' if summary.documents != 1 else ''}"
        return f"[green]✓[/] {documents} valid{files}{warnings}"
    return f"[red]✗[/] {summary.invalid} of {summary.documents} documents invalid{files}{warnings}"


def summary_line(summary: PushSummary) -> str:
    parts = [f"{n} {name}" for name, n in summary.counts.items() if n]
    status = "[green]✓[/]" if summary.ok else "[red]✗[/]"
    line = (
        f"{status} {', '.join(parts) or 'nothing to push'} in {summary.elapsed:.1f} s "
        f"({summary.carts_per_second:.2f} carts/s, {summary.requests} requests, "
        f"{summary.rate_limited} rate-limited)"
    )
    if summary.stopped:
        from rich.markup import escape

        line += f"\n[red]stopped:[/] {escape(summary.stopped)}"
    return line
