"""File names that are not UTF-8, or hold ESC or newline bytes (issue 11, item 4).

On Linux a name is bytes; os.walk hands the bytes that are not UTF-8 over as surrogates (surrogateescape),
which SQLite, JSON written as UTF-8 and a terminal cannot take. Such a file is read, validated and pushed
like any other; its name is stored and shown escaped (``a\\xe9N.json``), losslessly, and never reaches a
terminal raw.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acorders import report
from acorders.environment import Environment
from acorders.models import (
    Action,
    Document,
    Finding,
    Origin,
    PushResult,
    PushSummary,
    ValidateSummary,
    display_name,
)
from acorders.push.ledger import Key, Ledger

NOT_UTF8 = os.fsdecode(b"out/a\xe9N.json")  # "out/a\udce9N.json"
TERMINAL = "out/b\x1b[31mred\nx.json"
ODD = [NOT_UTF8, TERMINAL, "out/c\rd\te\x07\x7f\x9b.json", "out/\u202eevil.json", "out/back\\slash.json"]


def undisplay(text: str) -> str:
    """The inverse of display_name, as a script reading the JSON output or the ledger would write it."""

    def one(match: re.Match[str]) -> str:
        esc = match.group(0)
        if esc == "\\\\":
            return "\\"
        if esc[1] in "ntr":
            return {"n": "\n", "t": "\t", "r": "\r"}[esc[1]]
        code = int(esc[2:], 16)
        return os.fsdecode(bytes([code])) if esc[1] == "x" and code >= 0x80 else chr(code)

    return re.sub(r"\\(\\|[ntr]|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})", one, text)


def test_ordinary_names_are_shown_as_they_are() -> None:
    for name in ("cart-1.json", "out/dir with spaces/panier-été-東京.json", "<stdin>", "a/b/😀.yaml"):
        assert display_name(name) == name


def test_bytes_that_are_not_utf8_are_shown_as_x_escapes() -> None:
    assert display_name(NOT_UTF8) == "out/a\\xe9N.json"


def test_terminal_controls_are_escaped() -> None:
    assert display_name(TERMINAL) == "out/b\\x1b[31mred\\nx.json"
    assert display_name("a\u202eb") == "a\\u202eb"  # right-to-left override: reorders what a terminal shows


@pytest.mark.parametrize("name", ODD)
def test_a_shown_name_is_printable_utf8_and_lossless(name: str) -> None:
    shown = display_name(name)
    shown.encode("utf-8")
    assert shown.isprintable()
    assert undisplay(shown) == name


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=1, max_size=40))
def test_any_posix_name_round_trips(raw: bytes) -> None:
    name = os.fsdecode(raw)
    shown = display_name(name)
    assert shown.isprintable()
    shown.encode("utf-8")
    assert os.fsencode(undisplay(shown)) == raw


def test_origin_shows_its_source_escaped_with_the_line() -> None:
    assert str(Origin(NOT_UTF8, 3)) == "out/a\\xe9N.json:3"
    assert Origin(NOT_UTF8, 3).source == NOT_UTF8  # the path itself stays what the file system gave


# --- the ledger -----------------------------------------------------------------------------------------


def test_the_ledger_stores_a_source_that_is_not_utf8(tmp_path: Path) -> None:
    key = Key("http://127.0.0.1:9", "1", "cart", "c-1")
    with Ledger.open(tmp_path / "state") as ledger:
        ledger.intend(key, None, "h1", NOT_UTF8 + ":1")
        ledger.settle(key, state="done", action="created", ac_id="7", source=NOT_UTF8 + ":1")
        (row,) = ledger.history()
    assert row["source"] == "out/a\\xe9N.json:1"


# --- reporters --------------------------------------------------------------------------------------------


def make_env(*, tty: bool = False) -> Environment:
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)
    return Environment(stdin=None, stdout=out, stderr=err, stdout_isatty=tty, stderr_isatty=tty)


def written(stream: Any) -> str:
    stream.flush()
    return stream.buffer.getvalue().decode("utf-8")  # strict: what was written is UTF-8


def odd_documents() -> list[Document]:
    return [
        Document(Origin(name, 1), {}, [Finding("ecomOrder.email", "required field email is missing")])
        for name in ODD
    ]


def validate_through(output: str, *, tty: bool = False) -> Environment:
    env = make_env(tty=tty)
    reporter = report.build_reporter(output, env)
    summary = ValidateSummary(files=len(ODD))
    reporter.start(len(ODD))
    for doc in odd_documents():
        summary.add(doc)
        reporter.item(doc)
    reporter.finish(summary)
    return env


@pytest.mark.parametrize("output", ["json", "ndjson"])
def test_json_reports_show_the_names_escaped_and_lossless(output: str) -> None:
    text = written(validate_through(output).stdout)
    if output == "json":
        sources = [d["source"] for d in json.loads(text)["documents"]]
    else:
        sources = [json.loads(line)["source"] for line in text.splitlines()]
    assert sources == [display_name(n) for n in ODD]
    assert [undisplay(s) for s in sources] == ODD


def test_the_table_never_writes_a_raw_escape_or_newline_of_a_name() -> None:
    text = written(validate_through("table").stdout)
    assert "out/a\\xe9N.json:1" in text
    assert "b\\x1b[31mred\\nx.json:1" in text
    for raw in ("\x1b", "\u202e", "\x07", "\x9b", "\r"):
        assert raw not in text


def test_on_a_terminal_only_the_tables_own_colours_are_escape_sequences() -> None:
    text = written(validate_through("table", tty=True).stdout)
    assert "\x1b[31mred" not in text  # the name's own colour code never reaches the terminal
    assert "\\x1b" in text
    for raw in ("\u202e", "\x07", "\x9b", "\r"):
        assert raw not in text


def push_results() -> list[PushResult]:
    return [
        PushResult(Origin(name, 1), f"cart-{i}", None, Action.CREATED, id=str(i), status=201)
        for i, name in enumerate(ODD)
    ]


@pytest.mark.parametrize("output", ["table", "json", "ndjson"])
def test_push_reports_show_the_names_escaped(output: str) -> None:
    env = make_env()
    reporter = report.build_reporter(output, env, key="results")
    summary = PushSummary()
    for result in push_results():
        summary.add(result)
        reporter.item(result)
    reporter.finish(summary)
    text = written(env.stdout)
    assert "\x1b" not in text and "\udce9" not in text
    if output == "table":
        assert "out/a\\xe9N.json:1" in text and "b\\x1b[31mred\\nx.json:1" in text
    else:
        rows = json.loads(text)["results"] if output == "json" else [json.loads(x) for x in text.splitlines()]
        assert [undisplay(r["source"]) for r in rows] == ODD


@pytest.mark.parametrize("output", ["table", "json", "ndjson"])
def test_an_invalid_carts_id_that_is_not_text_is_still_reported(output: str) -> None:
    """validate refuses a lone surrogate in an id (item 3); the invalid result still names the cart."""
    env = make_env()
    reporter = report.build_reporter(output, env, key="results")
    result = PushResult(Origin("c.json", 1), "cart-\ud800", None, Action.INVALID, errors=[Finding("x", "y")])
    summary = PushSummary()
    summary.add(result)
    reporter.item(result)
    reporter.finish(summary)
    text = written(env.stdout)
    if output == "table":
        assert "cart-\\ud800" in text
    else:
        row = json.loads(text)["results"][0] if output == "json" else json.loads(text)
        assert row["externalcheckoutid"] == "cart-\ud800"  # JSON's own escape: nothing lost


def test_names_in_usage_errors_and_skip_warnings_are_escaped(tmp_path: Path) -> None:
    """A name from the command line or a walk never reaches a terminal raw (ESC, newline)."""
    import os

    from acorders.errors import UsageError
    from acorders.load import iter_sources

    with pytest.raises(UsageError) as caught:
        iter_sources([str(tmp_path / "evil\x1b[2Jname\n.json")])
    assert "\x1b" not in caught.value.message and "\n" not in caught.value.message
    assert "evil\\x1b[2Jname\\n.json" in caught.value.message
    os.mkfifo(tmp_path / "pipe\x1b.json")
    told: list[str] = []
    list(iter_sources([str(tmp_path)], on_skip=told.append))
    assert len(told) == 1 and "\x1b" not in told[0] and "pipe\\x1b.json" in told[0]
