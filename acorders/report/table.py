"""Results for people: on a terminal, rows that never cut source:line, cart ids or field paths
(report.layout); piped, plain tab-separated rows; then a summary line that reads well in a log."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from acorders.environment import Environment
from acorders.models import (
    Action,
    Document,
    Finding,
    Origin,
    PushResult,
    PushSummary,
    Severity,
    ValidateSummary,
    printable,
)
from acorders.report.base import BaseReporter, Item, Summary
from acorders.report.layout import Col, print_rows, shown_path, shown_paths_in, write_plain

if TYPE_CHECKING:
    from rich.text import Text

COLLAPSE_UNCHANGED = 100  # a rerun over thousands of unchanged carts shows them as one row on a terminal
COLLAPSE_NOTES = 100  # the same note on more documents than this is one row with their count (-o json: each)
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
        self._problems: list[tuple[Origin, Finding]] = []
        self._notes: dict[tuple[str | None, str], list[int]] = {}  # note -> [documents, its first row]
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
            TimeRemainingColumn,
        )

        what = "files" if self.key == "documents" else "carts"
        self._progress = Progress(
            TextColumn(f"[bold]{'validating' if what == 'files' else 'pushing'}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(what),
            TimeElapsedColumn(),
            # a push at the account's 5 requests/s (a backfill: hours) can take a while: say how long
            *([TextColumn("ETA"), TimeRemainingColumn()] if what == "carts" else []),
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
            for f in obj.findings:
                if f.severity is not Severity.INFO:
                    self._problems.append((obj.origin, f))
                elif not self.quiet:
                    self._note(obj.origin, f)
        elif self.quiet and obj.action in _SUCCESS and not obj.warnings:
            return  # -q: only problems (a failure, a refusal, a warning) and the summary when there are any
        elif obj.action is Action.UNCHANGED and not obj.warnings:
            self._unchanged.append(obj)  # rendered at the end, unless there are too many to list
        else:
            self._results.append(obj)

    def finish(self, summary: Summary) -> None:
        if self._progress is not None:
            self._progress.stop()
        line = summary_line(summary) if isinstance(summary, PushSummary) else validate_line(summary)
        shown = not self.quiet or not summary.ok or bool(summary.warnings)
        results = self._listed()
        if self.env.plain:  # a pipe, a file, cron mail: plain rows, and rich is not even loaded
            lines = [_plain_problem(o, f) for o, f in self._rows()] + [_plain_result(r) for r in results]
            write_plain(self.env.stdout, lines)
            if shown:
                self.env.stdout.write(plain(line) + "\n")
            return
        console = self.env.console()
        if self.key == "documents":
            if self._problems:
                print_rows(console, _PROBLEM_COLS, [_problem_row(o, f) for o, f in self._rows()])
        elif results or len(self._unchanged) > COLLAPSE_UNCHANGED:
            rows = [_result_row(r) for r in results]
            if len(self._unchanged) > COLLAPSE_UNCHANGED:
                rows.append(_collapsed(len(self._unchanged)))
            print_rows(console, _RESULT_COLS, rows)
        if shown:
            console.print(line)

    def _note(self, origin: Origin, f: Finding) -> None:
        """A note (info) is a row, up to COLLAPSE_NOTES documents with the same one; then it is counted:
        every converted cart says that push resolves its customerid, and 10,000 such rows say nothing more."""
        seen = self._notes.get((f.path, f.message))
        if seen is None:
            self._notes[(f.path, f.message)] = [1, len(self._problems)]
        else:
            seen[0] += 1
            if seen[0] > COLLAPSE_NOTES:
                return
        self._problems.append((origin, f))

    def _rows(self) -> list[tuple[Origin | int, Finding]]:
        """The problems in input order, a note on more than COLLAPSE_NOTES documents as one row, in place
        of its first, with the count of documents instead of a source."""
        counts = {first: n for n, first in self._notes.values() if n > COLLAPSE_NOTES}
        if not counts:
            return list(self._problems)
        rows: list[tuple[Origin | int, Finding]] = []
        for index, (origin, f) in enumerate(self._problems):
            if index in counts:
                rows.append((counts[index], f))
            elif f.severity is not Severity.INFO or self._notes[(f.path, f.message)][0] <= COLLAPSE_NOTES:
                rows.append((origin, f))
        return rows

    def _listed(self) -> list[PushResult]:
        """Push results arrive as they finish: rows read in input order. Thousands of unchanged carts
        (a cron rerun) make one row on a terminal and none in a log (the summary counts them); -o json
        lists each."""
        results = self._results
        if len(self._unchanged) <= COLLAPSE_UNCHANGED:
            results = results + self._unchanged
        results.sort(key=lambda r: (r.origin.source, r.origin.line or 0))
        return results


_SUCCESS = frozenset({Action.CREATED, Action.UPDATED, Action.RECOVERED, Action.UNCHANGED, Action.PLANNED})
_PROBLEM_COLS = (Col("Source"), Col("Path"), Col("Problem", fold=True), Col("Severity"))
_RESULT_COLS = (Col("Source"), Col("Cart"), Col("Result", fold=True), Col("HTTP"))


def _cart(result: PushResult) -> str:
    if result.externalid and result.externalcheckoutid:
        return f"{result.externalcheckoutid} -> {result.externalid}"
    return result.externalcheckoutid or result.externalid or ""


def _plain_problem(origin: Origin | int, f: Finding) -> tuple[str, ...]:
    return (_source(origin), printable(f.path or ""), printable(_message(origin, f)), f.severity.value)


def _source(origin: Origin | int) -> str:
    """source:line, or for a note on many documents, how many."""
    return f"{origin:,} documents" if isinstance(origin, int) else str(origin)


def _message(origin: Origin | int, f: Finding) -> str:
    return f"{f.message} (each row: -o json)" if isinstance(origin, int) else f.message


def _plain_result(result: PushResult) -> tuple[str, ...]:
    """source:line, cart, result, ActiveCampaign id, HTTP status, problems: one line per cart."""
    action = result.action.value + (f" ({result.planned})" if result.planned else "")
    problems = "; ".join(_problem_texts(result))
    cart, ac_id = printable(_cart(result)), printable(result.id or "")
    return (str(result.origin), cart, action, ac_id, str(result.status or ""), problems)


def _problem_texts(result: PushResult) -> list[str]:
    """The cart's errors (or notes), then what validate warned of, each ``path: message``."""
    texts = [printable(f"{e.path}: {e.message}" if e.path else e.message) for e in result.errors]
    for w in result.warnings:
        texts.append("warning: " + printable(f"{w.path}: {w.message}" if w.path else w.message))
    return texts


def _shown_origin(origin: Origin) -> Text:
    from rich.text import Text

    return Text(str(origin._replace(source=shown_path(origin.source))))  # the record id too (--from)


def _problem_row(origin: Origin | int, f: Finding) -> tuple[Text, ...]:
    from rich.text import Text

    severity = Text(f.severity.value, style=_SEVERITY_STYLE[f.severity])
    path, message = printable(f.path or ""), printable(shown_paths_in(_message(origin, f)))
    source = Text(_source(origin), style="dim") if isinstance(origin, int) else _shown_origin(origin)
    return (source, Text(path), Text(message), severity)


def _result_row(result: PushResult) -> tuple[Text, ...]:
    from rich.text import Text

    text = Text.assemble((result.action.value, _ACTION_STYLE[result.action]))
    if result.planned:
        text.append(f" ({result.planned})")
    if result.id:
        text.append(f" #{printable(result.id)}")
    for e in result.errors:
        text.append("\n  " + printable(f"{e.path}: {e.message}" if e.path else e.message))
    for w in result.warnings:
        text.append("\n  ")
        text.append("warning:", style=_SEVERITY_STYLE[Severity.WARNING])
        text.append(" " + printable(shown_paths_in(f"{w.path}: {w.message}" if w.path else w.message)))
    return (
        _shown_origin(result.origin),
        Text(printable(_cart(result))),
        text,
        Text(str(result.status or "")),
    )


def _collapsed(n: int) -> tuple[Text, ...]:
    from rich.text import Text

    return (
        Text(""),
        Text(f"{n:,} carts", style="dim"),
        Text("unchanged (each row: -o json)", style="dim"),
        Text(""),
    )


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
    if summary.warnings:
        parts.append(f"{summary.warnings} warning{'s' if summary.warnings != 1 else ''}")
    status = "[green]✓[/]" if summary.ok else "[red]✗[/]"
    done = f"{status} {', '.join(parts) or 'nothing to push'} in {summary.elapsed:.1f} s "
    if summary.dry_run:  # a rate of 0.00 carts/s would read as a failure
        line = done + "(dry run: no requests sent)"
    else:
        line = done + (
            f"({summary.carts_per_second:.2f} carts/s, {summary.requests} requests, "
            f"{summary.rate_limited} rate-limited)"
        )
    if summary.stopped:
        from rich.markup import escape

        line += f"\n[red]stopped:[/] {escape(summary.stopped)}"
    return line
