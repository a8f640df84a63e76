"""acorders.report: table, JSON and NDJSON reporters for validate, driven with a fake Environment."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest

from acorders import report
from acorders.environment import Environment
from acorders.models import Document, Finding, Origin, Severity, ValidateSummary

ANSI = re.compile(r"\x1b\[")


def make_env(*, tty: bool = False, environ: dict[str, str] | None = None) -> Environment:
    return Environment(
        stdin=None,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        stdout_isatty=tty,
        stderr_isatty=tty,
        environ=environ or {},
    )


def out(env: Environment) -> str:
    return env.stdout.getvalue()  # type: ignore[attr-defined]


def err(env: Environment) -> str:
    return env.stderr.getvalue()  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def colour_capable_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """rich also reads the process environment: make it a colour terminal, so only Environment decides."""
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "LINES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "200")  # a fake terminal has no size of its own; keep rows on one line


def documents() -> list[Document]:
    return [
        Document(Origin("good.json", 1), {"ecomOrder": {}}, []),
        Document(
            Origin("carts.ndjson", 7),
            {},
            [
                Finding("ecomOrder.orderProducts[1].price", "amounts are integer cents", Severity.ERROR),
                Finding("ecomOrder.colour", "unknown field [red]colour[/]", Severity.WARNING),
                Finding("ecomOrder.customerid", "customerid is missing: push looks it up", Severity.INFO),
            ],
        ),
        Document(
            Origin("broken.json"), None, [Finding(None, "not valid JSON: Expecting value", Severity.ERROR)]
        ),
    ]


def feed(reporter: Any, docs: list[Document]) -> ValidateSummary:
    summary = ValidateSummary(files=len({d.origin.source for d in docs}))
    reporter.start(summary.files)
    for doc in docs:
        summary.add(doc)
        reporter.item(doc)
        reporter.advance()
    reporter.finish(summary)
    return summary


# --------------------------------------------------------------------------- JSON


def test_json_output_is_one_document_with_the_documented_shape() -> None:
    env = make_env()
    feed(report.build_reporter("json", env), documents())
    data = json.loads(out(env))
    assert data["ok"] is False
    assert data["summary"] == {"documents": 3, "valid": 1, "invalid": 2, "warnings": 1, "files": 3}
    assert [d["source"] for d in data["documents"]] == ["good.json", "carts.ndjson", "broken.json"]
    assert [d["line"] for d in data["documents"]] == [1, 7, None]
    assert [d["valid"] for d in data["documents"]] == [True, False, False]
    assert data["documents"][0]["errors"] == []
    assert data["documents"][1]["errors"][0] == {
        "path": "ecomOrder.orderProducts[1].price",
        "message": "amounts are integer cents",
        "severity": "error",
    }
    assert [e["severity"] for e in data["documents"][1]["errors"]] == ["error", "warning", "info"]
    assert data["documents"][2]["errors"] == [
        {"path": None, "message": "not valid JSON: Expecting value", "severity": "error"}
    ]
    assert err(env) == ""


def test_json_output_with_no_documents_is_still_json() -> None:
    env = make_env()
    report.build_reporter("json", env).finish(ValidateSummary())
    assert json.loads(out(env)) == {
        "documents": [],
        "ok": True,
        "summary": {"documents": 0, "valid": 0, "invalid": 0, "warnings": 0, "files": 0},
    }


def test_json_output_keeps_non_ascii_text() -> None:
    env = make_env()
    doc = Document(
        Origin("caf\u00e9.json", 1), {}, [Finding("email", "'j\u00fcrgen@' is not an email address")]
    )
    feed(report.build_reporter("json", env), [doc])
    assert json.loads(out(env))["documents"][0]["source"] == "caf\u00e9.json"


def test_json_output_has_no_ansi_even_on_a_terminal() -> None:
    env = make_env(tty=True)
    feed(report.build_reporter("json", env), documents())
    assert not ANSI.search(out(env))
    json.loads(out(env))


# --------------------------------------------------------------------------- NDJSON


def test_ndjson_is_one_object_per_line_and_the_summary_on_stderr() -> None:
    env = make_env()
    feed(report.build_reporter("ndjson", env), documents())
    lines = out(env).splitlines()
    assert len(lines) == 3
    objects = [json.loads(line) for line in lines]
    assert [o["source"] for o in objects] == ["good.json", "carts.ndjson", "broken.json"]
    assert set(objects[1]) >= {"source", "line", "valid", "errors"}
    assert "summary" not in out(env)
    tail = json.loads(err(env))
    assert tail == {
        "ok": False,
        "summary": {"documents": 3, "valid": 1, "invalid": 2, "warnings": 1, "files": 3},
    }


def test_ndjson_streams_each_document_as_it_comes() -> None:
    env = make_env()
    reporter = report.build_reporter("ndjson", env)
    reporter.start(None)
    reporter.item(documents()[1])
    assert json.loads(out(env))["line"] == 7  # written before finish
    assert err(env) == ""


# --------------------------------------------------------------------------- table


def test_table_lists_source_line_path_message_and_severity() -> None:
    env = make_env()
    feed(report.build_reporter("table", env), documents())
    text = out(env)
    assert "carts.ndjson:7" in text
    assert "ecomOrder.orderProducts[1].price" in text  # brackets are not eaten as markup
    assert "amounts are integer cents" in text
    assert "unknown field [red]colour[/]" in text
    assert "broken.json" in text and "not valid JSON: Expecting value" in text
    for severity in ("error", "warning", "info"):
        assert severity in text
    assert "good.json" not in text  # no row for a clean document
    assert "2 of 3 documents invalid in 3 files, 1 warning" in text
    assert not ANSI.search(text)
    assert err(env) == ""


def test_table_rows_in_the_order_of_the_documents() -> None:
    env = make_env()
    feed(report.build_reporter("table", env), documents())
    text = out(env)
    assert text.index("orderProducts[1].price") < text.index("ecomOrder.colour") < text.index("broken.json")


def test_table_all_valid_is_one_success_line() -> None:
    env = make_env()
    docs = [Document(Origin("a.json", 1), {}, []), Document(Origin("b.json", 1), {}, [])]
    feed(report.build_reporter("table", env), docs)
    assert out(env).strip() == "\u2713 2 documents valid in 2 files"


def test_quiet_table_hides_info_and_success() -> None:
    env = make_env()
    feed(report.build_reporter("table", env, quiet=True), documents())
    text = out(env)
    assert "amounts are integer cents" in text and "colour" in text
    assert "customerid" not in text  # info is not a problem
    assert "invalid" in text  # the summary of a failed run stays

    env = make_env()
    info_only = [
        Document(Origin("a.json", 1), {}, [Finding("customerid", "looked up at push", Severity.INFO)])
    ]
    feed(report.build_reporter("table", env, quiet=True), info_only)
    assert out(env) == "" and err(env) == ""


def test_fake_tty_without_no_color_has_colour() -> None:
    env = make_env(tty=True)
    feed(report.build_reporter("table", env), documents())
    assert ANSI.search(out(env))


def test_no_color_is_honoured_on_a_terminal() -> None:
    env = make_env(tty=True, environ={"NO_COLOR": "1"})
    feed(report.build_reporter("table", env), documents())
    text = out(env)
    assert "ecomOrder.orderProducts[1].price" in text
    assert not ANSI.search(text)
    assert not ANSI.search(err(env))


def test_empty_no_color_does_not_disable_colour() -> None:
    # https://no-color.org: only a non-empty value counts
    env = make_env(tty=True, environ={"NO_COLOR": ""})
    feed(report.build_reporter("table", env), documents())
    assert ANSI.search(out(env))


def test_progress_goes_to_stderr_only_on_a_terminal_for_large_batches() -> None:
    many = [Document(Origin(f"f{i}.json", 1), {}, []) for i in range(report.PROGRESS_MIN_ITEMS + 5)]
    env = make_env()  # piped: no progress bar at all
    feed(report.build_reporter("table", env), many)
    assert err(env) == ""
    assert out(env).strip() == f"\u2713 {len(many)} documents valid in {len(many)} files"

    env = make_env(tty=True, environ={"NO_COLOR": "1"})
    feed(report.build_reporter("table", env), many)
    assert "validating" not in out(env)  # never mixed into the results


# --------------------------------------------------------------------------- pieces


@pytest.mark.parametrize(
    ("summary", "line"),
    [
        (ValidateSummary(documents=1, valid=1, files=1), "1 document valid in 1 file"),
        (
            ValidateSummary(documents=3, valid=3, files=2, warnings=2),
            "3 documents valid in 2 files, 2 warnings",
        ),
        (
            ValidateSummary(documents=3, valid=2, invalid=1, files=1, warnings=1),
            "1 of 3 documents invalid in 1 file, 1 warning",
        ),
        (ValidateSummary(), "no documents found"),
    ],
)
def test_validate_line(summary: ValidateSummary, line: str) -> None:
    assert line in report.validate_line(summary)


def test_build_reporter_for_every_output() -> None:
    env = make_env()
    assert set(report.OUTPUTS) == set(report.REPORTERS)
    assert isinstance(report.build_reporter("table", env), report.TableReporter)
    assert isinstance(report.build_reporter("json", env), report.JsonReporter)
    assert isinstance(report.build_reporter("ndjson", env), report.NdjsonReporter)
    with pytest.raises(KeyError):
        report.build_reporter("xml", env)


def test_document_dict() -> None:
    doc = documents()[2]
    assert report.document_dict(doc) == {
        "source": "broken.json",
        "line": None,
        "valid": False,
        "errors": [{"path": None, "message": "not valid JSON: Expecting value", "severity": "error"}],
    }


def test_environment_no_color_flag() -> None:
    assert make_env(environ={"NO_COLOR": "1"}).no_color
    assert not make_env(environ={"NO_COLOR": ""}).no_color
    assert not make_env().no_color


# --- push results: thousands of unchanged carts ------------------------------------------------------------


def _unchanged(n: int) -> list[Any]:
    from acorders.models import Action, PushResult

    return [
        PushResult(Origin(f"cart-{i}.json", 1), f"c{i}", None, Action.UNCHANGED, id=str(i)) for i in range(n)
    ]


def _push_table(env: Environment, results: list[Any]) -> None:
    from acorders.models import PushSummary

    reporter = report.build_reporter("table", env, key="results")
    summary = PushSummary()
    for r in results:
        summary.add(r)
        reporter.item(r)
    reporter.finish(summary)


def test_many_unchanged_carts_make_one_row_on_a_terminal() -> None:
    env = make_env(tty=True)
    _push_table(env, _unchanged(report.COLLAPSE_UNCHANGED + 1))
    text = out(env)
    assert f"{report.COLLAPSE_UNCHANGED + 1:,} carts" in text and "unchanged" in text
    assert "cart-7.json" not in text  # not one row each


def test_many_unchanged_carts_in_a_log_are_the_summary_line_alone() -> None:
    """A cron rerun over thousands of unchanged carts logs one line, without loading rich for a table."""
    env = make_env(tty=False)
    _push_table(env, _unchanged(report.COLLAPSE_UNCHANGED + 1))
    [line] = out(env).splitlines()
    assert f"{report.COLLAPSE_UNCHANGED + 1} unchanged" in line and "carts/s" in line


def test_a_few_unchanged_carts_are_listed() -> None:
    env = make_env(tty=False)
    _push_table(env, _unchanged(3))
    assert all(f"cart-{i}.json" in out(env) for i in range(3))


NOTE = Finding("customerid", "customerid is missing: push looks it up", Severity.INFO)


def _noted(n: int, *extra: Document) -> list[Document]:
    docs = [Document(Origin("carts.ndjson", i + 1), {}, [NOTE]) for i in range(n)]
    return [docs[0], *extra, *docs[1:]]


def _validate_table(env: Environment, docs: list[Document], quiet: bool = False) -> None:
    reporter = report.build_reporter("table", env, quiet=quiet)
    summary = ValidateSummary(files=1)
    for doc in docs:
        summary.add(doc)
        reporter.item(doc)
    reporter.finish(summary)


@pytest.mark.parametrize("tty", [True, False])
def test_the_same_note_on_many_documents_is_one_row_with_their_count(tty: bool) -> None:
    """10,000 converted carts each say that push resolves their customerid: one row says it, in the place
    of the first, with the count; a different note and every error and warning keep their rows."""
    bad = Document(
        Origin("bad.json", 3),
        {},
        [Finding("totalPrice", "required", Severity.ERROR), Finding("x", "other note", Severity.INFO)],
    )
    n = report.COLLAPSE_NOTES + 1
    env = make_env(tty=tty)
    _validate_table(env, _noted(n, bad))
    text = ANSI.sub("", out(env))
    assert f"{n:,} documents" in text and text.count("push looks it up") == 1
    assert "carts.ndjson:2" not in text  # not one row each
    assert "bad.json:3" in text and "required" in text and "other note" in text
    assert text.index(f"{n:,} documents") < text.index("bad.json:3")  # where the first one was
    assert "each row: -o json" in text


def test_up_to_the_limit_each_document_keeps_its_note_row() -> None:
    env = make_env(tty=False)
    _validate_table(env, _noted(report.COLLAPSE_NOTES))
    rows = out(env).splitlines()[:-1]
    assert len(rows) == report.COLLAPSE_NOTES and rows[-1].startswith(f"carts.ndjson:{report.COLLAPSE_NOTES}")


def test_json_lists_every_note() -> None:
    env = make_env(tty=False)
    reporter = report.build_reporter("json", env)
    reporter.start(None)
    docs = _noted(report.COLLAPSE_NOTES + 5)
    summary = ValidateSummary(files=1)
    for doc in docs:
        summary.add(doc)
        reporter.item(doc)
    reporter.finish(summary)
    assert out(env).count("push looks it up") == report.COLLAPSE_NOTES + 5


def test_a_converted_documents_record_id_is_in_its_row_on_a_terminal_too() -> None:
    """Issue 14: a finding points at the shop's record. The terminal's Source column rebuilt the origin
    from its file and line alone, so the record id was shown in a log but not on a terminal."""
    doc = Document(Origin("checkouts.ndjson", 3, "450789469"), {}, [Finding("email", "bad", Severity.ERROR)])
    for tty in (True, False):
        env = make_env(tty=tty)
        _validate_table(env, [doc])
        assert "checkouts.ndjson:3 (record 450789469)" in ANSI.sub("", out(env)), tty
