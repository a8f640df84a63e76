"""Whatever stops validate or push (SIGINT, SIGTERM, a fatal error) before, during or at the end of the
results: -o json is still exactly one JSON document (ok: false when stopped, the reason in
summary.stopped), -o ndjson only whole lines, with its summary line on stderr saying it stopped; and the
exception that stopped the run still reaches the CLI, which exits as errors.exit_status_for says.

In-process, so the signal (sent by this process to itself) lands at an exact moment: a write of the
report, the reading of the input, the last write of the summary."""

from __future__ import annotations

import io
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from acorders.config import Settings
from acorders.environment import Environment
from acorders.errors import ConfigError, LedgerError, TerminateRequest, UsageError
from acorders.load import Source, collect_sources
from acorders.push.runner import PushOptions, PushRequest
from acorders.push.runner import run as push_run
from acorders.report import build_reporter
from acorders.validate import ValidateOptions, Validator
from acorders.validate import run as validate_run
from tests.helpers import KEY, cart, records_per_checkout, sandbox, write_carts, write_json

N = 12
REASONS = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
RAISED = {signal.SIGINT: KeyboardInterrupt, signal.SIGTERM: TerminateRequest}


@pytest.fixture(autouse=True)
def _as_a_command_runs() -> Iterator[None]:
    """SIGTERM raises TerminateRequest, as once a command of the CLI has started (acorders.launch)."""
    from acorders.launch import terminate

    previous = signal.signal(signal.SIGTERM, terminate)
    yield
    signal.signal(signal.SIGTERM, previous)


class SignallingStream(io.StringIO):
    """stdout that sends this process ``signum`` right after its write number ``at`` (1-based), or right
    after the first write made while ``armed`` (the summary, see ``at_the_summary``)."""

    def __init__(self, signum: int, at: int | None = None) -> None:
        super().__init__()
        self.signum, self.at, self.writes, self.armed, self.sent = signum, at, 0, False, False

    def write(self, text: str) -> int:
        n = super().write(text)
        self.writes += 1
        if not self.sent and (self.writes == self.at or self.armed):
            self.sent = True
            os.kill(os.getpid(), self.signum)
        return n


def at_the_summary(reporter: Any, stream: SignallingStream) -> Any:
    """The reporter, its summary's first write followed by the signal."""
    finish = reporter.finish

    def armed_finish(summary: Any) -> None:
        stream.armed = True
        finish(summary)

    reporter.finish = armed_finish
    return reporter


def parsed(output: str, out: str) -> list[dict[str, Any]]:
    """The items of a report: the JSON document's list, or every NDJSON line (each must be whole)."""
    if output == "json":
        return [json.loads(out)]
    assert out == "" or out.endswith("\n"), out[-200:]
    return [json.loads(line) for line in out.splitlines()]


def ndjson_summary(err: str) -> dict[str, Any]:
    last = err.strip().splitlines()[-1]
    return json.loads(last)  # the NDJSON summary line, on stderr


def empty_report_stopped(output: str, out: str, err: str, key: str) -> str:
    """A run stopped before any result: -o json is one document with no items and ok false, -o ndjson
    nothing on stdout and its summary line on stderr. What the summary says stopped it."""
    if output == "json":
        report = json.loads(out)  # before: nothing at all on stdout
        assert report[key] == [] and report["ok"] is False
        return str(report["summary"]["stopped"])
    assert out == ""
    return str(ndjson_summary(err)["summary"]["stopped"])  # before: no summary line


# --------------------------------------------------------------------------- validate


def validate(
    tmp_path: Path,
    output: str,
    stream: io.StringIO,
    sources: Any = None,
    *,
    summary_signal: bool = False,
    loader: Any = None,
) -> tuple[BaseException | None, str, str]:
    """(what escaped validate.run, or None; stdout; stderr)."""
    if sources is None:
        write_carts(tmp_path / "outbox", N)
        sources = collect_sources([str(tmp_path / "outbox")])
    env = Environment(stdin=None, stdout=stream, stderr=io.StringIO())
    reporter = build_reporter(output, env)
    if summary_signal:
        assert isinstance(stream, SignallingStream)
        reporter = at_the_summary(reporter, stream)
    try:
        validate_run(sources, Validator(ValidateOptions()), reporter, loader=loader)
    except BaseException as exc:  # KeyboardInterrupt included: what the CLI would get
        return exc, stream.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]
    return None, stream.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_validate_json_stopped_by_a_signal_part_way_is_one_document_saying_so(
    tmp_path: Path, signum: int
) -> None:
    escaped, out, _ = validate(tmp_path, "json", SignallingStream(signum, at=5))
    assert isinstance(escaped, RAISED[signum]), escaped  # the CLI still exits 130 / 143
    report = json.loads(out)  # before: an array never closed (`... "errors": []}` and no `]`)
    assert report["ok"] is False
    assert 0 < len(report["documents"]) < N
    assert REASONS[signum] in report["summary"]["stopped"]
    assert report["summary"]["documents"] == len(report["documents"])


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_validate_ndjson_stopped_part_way_keeps_whole_lines_and_its_summary_says_stopped(
    tmp_path: Path, signum: int
) -> None:
    escaped, out, err = validate(tmp_path, "ndjson", SignallingStream(signum, at=4))
    assert isinstance(escaped, RAISED[signum]), escaped
    lines = parsed("ndjson", out)
    assert 0 < len(lines) < N
    summary = ndjson_summary(err)  # before: no summary line at all on stderr
    assert summary["ok"] is False and REASONS[signum] in summary["summary"]["stopped"]
    assert summary["summary"]["documents"] == len(lines)


def signal_first(signum: int, sources: list[Source]) -> Iterator[Source]:
    """The sources of a walk that a signal interrupts before it lists the first one."""
    os.kill(os.getpid(), signum)
    yield from sources


@pytest.mark.parametrize("output", ["json", "ndjson"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_validate_stopped_before_any_result_still_writes_its_report(
    tmp_path: Path, signum: int, output: str
) -> None:
    write_carts(tmp_path / "outbox", 3)
    sources = signal_first(signum, collect_sources([str(tmp_path / "outbox")]))
    escaped, out, err = validate(tmp_path, output, io.StringIO(), sources)
    assert isinstance(escaped, RAISED[signum]), escaped
    stopped = empty_report_stopped(output, out, err, "documents")
    assert REASONS[signum] in stopped


@pytest.mark.parametrize("output", ["json", "ndjson"])
def test_validate_signal_during_the_summary_leaves_it_whole(tmp_path: Path, output: str) -> None:
    """The results are all there and the summary is being written: the run is done, and says so."""
    escaped, out, err = validate(tmp_path, output, SignallingStream(signal.SIGINT), summary_signal=True)
    assert escaped is None, escaped  # too late to stop anything: the report and the exit status agree
    if output == "json":
        report = json.loads(out)  # before: `...}\n` and no `], "ok": ...`
        assert len(report["documents"]) == N and report["ok"] is True
    else:
        assert len(parsed("ndjson", out)) == N
        assert ndjson_summary(err)["ok"] is True


def failing_loader(after: int, exc: Exception) -> Any:
    """A loader (validate --from's hook) that reads ``after`` sources, then fails with ``exc``."""
    from acorders.load import load_source

    read: list[Source] = []

    def load(source: Source, stdin: Any) -> Any:
        if len(read) == after:
            raise exc
        read.append(source)
        return load_source(source, stdin)

    return load


@pytest.mark.parametrize("output", ["json", "ndjson"])
@pytest.mark.parametrize(
    "exc",
    [UsageError("that walk cannot go on", hint="fix it"), RuntimeError("a bug")],
    ids=["run-error", "unexpected"],
)
def test_validate_stopped_by_an_error_after_some_results(tmp_path: Path, output: str, exc: Exception) -> None:
    write_carts(tmp_path / "outbox", 5)
    sources = collect_sources([str(tmp_path / "outbox")])
    escaped, out, err = validate(tmp_path, output, io.StringIO(), sources, loader=failing_loader(2, exc))
    assert escaped is exc  # the CLI says what it was, and exits as exit_status_for says
    items = parsed(output, out)
    if output == "json":
        assert len(items[0]["documents"]) == 2 and items[0]["ok"] is False  # before: array never closed
        stopped = items[0]["summary"]["stopped"]
    else:
        assert len(items) == 2
        stopped = ndjson_summary(err)["summary"]["stopped"]  # before: no summary line
    assert str(exc) in stopped


# --------------------------------------------------------------------------- push


class SignallingStdin(io.BytesIO):
    """stdin that sends this process ``signum`` as it is first read: a push stopped while validating."""

    def __init__(self, signum: int) -> None:
        super().__init__(json.dumps(cart(0)).encode() + b"\n")
        self.signum = signum

    def read(self, size: int | None = -1) -> bytes:
        os.kill(os.getpid(), self.signum)
        return super().read(size)

    def readline(self, size: int | None = -1) -> bytes:
        os.kill(os.getpid(), self.signum)
        return super().readline(size)


def push(
    tmp_path: Path,
    output: str,
    stream: io.StringIO,
    *,
    paths: list[str] | None = None,
    state_dir: Path | None = None,
    stdin: Any = None,
    summary_signal: bool = False,
) -> tuple[Any, str, str]:
    """(the outcome, or what escaped push.run; stdout; stderr), against a fresh sandbox."""
    if paths is None:
        write_carts(tmp_path / "outbox", N)
        paths = [str(tmp_path / "outbox")]
    env = Environment(stdin=None, stdout=stream, stderr=io.StringIO())
    reporter = build_reporter(output, env, key="results")
    if summary_signal:
        assert isinstance(stream, SignallingStream)
        reporter = at_the_summary(reporter, stream)
    with sandbox() as sb:
        request = PushRequest(
            paths=paths,
            settings=Settings(url=sb.url, api_key=KEY),
            rate=1000,
            state_dir=state_dir or tmp_path / "state",
            options=PushOptions(workers=2),
            stdin=stdin,
        )
        try:
            outcome: Any = push_run(request, reporter)
        except BaseException as exc:
            outcome = exc
        assert all(n == 1 for n in records_per_checkout(sb).values())
    return outcome, stream.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("output", ["json", "ndjson"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_push_stopped_while_validating_writes_a_complete_report(
    tmp_path: Path, signum: int, output: str
) -> None:
    outcome, out, err = push(tmp_path, output, io.StringIO(), paths=["-"], stdin=SignallingStdin(signum))
    assert outcome.status == (130 if signum == signal.SIGINT else 143)
    stopped = empty_report_stopped(output, out, err, "results")
    assert REASONS[signum] in stopped and "before anything was sent" in stopped


@pytest.mark.parametrize("output", ["json", "ndjson"])
def test_push_whose_ledger_cannot_be_opened_still_writes_its_report(tmp_path: Path, output: str) -> None:
    not_a_dir = tmp_path / "state-is-a-file"
    not_a_dir.write_text("x", encoding="utf-8")
    escaped, out, err = push(tmp_path, output, io.StringIO(), state_dir=not_a_dir)
    assert isinstance(escaped, ConfigError), escaped  # the CLI prints it with its hint, exit 3
    stopped = empty_report_stopped(output, out, err, "results")
    assert "cannot open the ledger" in stopped


@pytest.mark.parametrize("output", ["json", "ndjson"])
def test_push_stopped_by_a_ledger_error_after_the_first_results(
    tmp_path: Path, output: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The invalid carts are reported first; then the ledger fails as the push looks at what is new."""
    import acorders.push.runner

    write_carts(tmp_path / "outbox", 4)
    write_json(tmp_path / "outbox" / "zz-invalid.json", cart("bad", email="not an email"))

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise LedgerError("the ledger could not be read: disk I/O error", hint="rerun")

    monkeypatch.setattr(acorders.push.runner, "decide", failing)
    escaped, out, err = push(tmp_path, output, io.StringIO(), paths=[str(tmp_path / "outbox")])
    assert isinstance(escaped, LedgerError), escaped
    items = parsed(output, out)
    if output == "json":
        assert [r["action"] for r in items[0]["results"]] == ["invalid"]  # before: array never closed
        assert items[0]["ok"] is False
        stopped = items[0]["summary"]["stopped"]
    else:
        assert [r["action"] for r in items] == ["invalid"]
        stopped = ndjson_summary(err)["summary"]["stopped"]  # before: no summary line
    assert "disk I/O error" in stopped


@pytest.mark.parametrize("output", ["json", "ndjson"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_push_signal_during_the_summary_leaves_it_whole(tmp_path: Path, signum: int, output: str) -> None:
    outcome, out, err = push(tmp_path, output, SignallingStream(signum), summary_signal=True)
    assert not isinstance(outcome, BaseException), outcome
    assert outcome.status == 0  # everything was pushed: the report says so, and so does the exit status
    if output == "json":
        report = json.loads(out)
        assert len(report["results"]) == N and report["ok"] is True
    else:
        assert len(parsed(output, out)) == N and ndjson_summary(err)["ok"] is True
