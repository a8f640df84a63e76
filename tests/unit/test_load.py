"""acorders.load: files, directories and stdin to documents that remember where they came from.

Bad input never raises out of the loader: each bad file becomes exactly one error Document (data None, one
finding with path None) and every other file of the batch is still loaded.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acorders import load
from acorders.errors import ExitStatus, UsageError
from acorders.load import base as load_base
from acorders.load import json_parse, read, yaml_parse
from acorders.models import Document, Severity
from tests.helpers import documents

GOOD = b'{"ecomOrder": {"externalcheckoutid": "c-1", "email": "a@example.com"}}\n'


class ExplodingStdin(io.RawIOBase):
    """A stdin that fails the test if anything reads it."""

    def readable(self) -> bool:
        return True

    def read(self, *args: Any) -> bytes:
        raise AssertionError("stdin was read although '-' was not given")

    def readline(self, *args: Any) -> bytes:  # type: ignore[override]
        raise AssertionError("stdin was read although '-' was not given")

    def readinto(self, *args: Any) -> int:
        raise AssertionError("stdin was read although '-' was not given")

    def __iter__(self):  # type: ignore[override]
        raise AssertionError("stdin was read although '-' was not given")


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def load_paths(*paths: Path | str, fmt: str | None = None, stdin: Any = None) -> list[Document]:
    sources = load.collect_sources([str(p) for p in paths], fmt)
    return list(documents(sources, stdin))


def load_stdin(data: bytes, fmt: str | None = None) -> list[Document]:
    return load_paths("-", fmt=fmt, stdin=io.BytesIO(data))


def lines(docs: list[Document]) -> list[int | None]:
    return [d.origin.line for d in docs]


def assert_single_error(docs: list[Document], source: str, *fragments: str) -> Document:
    mine = [d for d in docs if d.origin.source == source]
    assert len(mine) == 1, f"expected exactly one document for {source}, got {mine}"
    doc = mine[0]
    assert doc.data is None
    assert len(doc.findings) == 1
    finding = doc.findings[0]
    assert finding.path is None
    assert finding.severity is Severity.ERROR
    assert not doc.valid
    for fragment in fragments:
        assert fragment.lower() in finding.message.lower(), finding.message
    return doc


# --------------------------------------------------------------------------- files and directories


def test_single_json_file_is_one_document_at_line_1(tmp_path: Path) -> None:
    path = write(tmp_path / "cart.json", GOOD)
    docs = load_paths(path)
    assert len(docs) == 1
    assert docs[0].origin.source == str(path)
    assert docs[0].origin.line == 1
    assert docs[0].findings == []
    assert docs[0].data["ecomOrder"]["externalcheckoutid"] == "c-1"


def test_source_is_the_path_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "cart.json", GOOD)
    monkeypatch.chdir(tmp_path)
    docs = load_paths("cart.json")
    assert docs[0].origin.source == "cart.json"
    assert str(docs[0].origin) == "cart.json:1"


def test_object_after_blank_lines_points_at_its_first_line(tmp_path: Path) -> None:
    docs = load_paths(write(tmp_path / "cart.json", b"\n\n  " + GOOD))
    assert lines(docs) == [3]


def test_directory_is_recursive_sorted_and_filtered_by_extension(tmp_path: Path) -> None:
    root = tmp_path / "carts"
    for name in [
        "b.json",
        "a.yaml",
        "c.yml",
        "d.JSON",
        "e.ndjson",
        "f.jsonl",
        "notes.txt",
        "README.md",
        "data.csv",
        "noext",
        "sub/z.json",
        "sub/deeper/y.yaml",
        "sub/a.json",
        "other/x.json",
    ]:
        write(root / name, GOOD)
    sources = load.collect_sources([str(root)])
    rel = [os.path.relpath(s.name, root) for s in sources]
    assert rel == [
        "a.yaml",
        "b.json",
        "c.yml",
        "d.JSON",
        "e.ndjson",
        "f.jsonl",
        os.path.join("other", "x.json"),
        os.path.join("sub", "a.json"),
        os.path.join("sub", "z.json"),
        os.path.join("sub", "deeper", "y.yaml"),
    ]
    formats = {os.path.relpath(s.name, root): s.format for s in sources}
    assert formats["a.yaml"] == formats["c.yml"] == "yaml"
    assert formats["b.json"] == formats["d.JSON"] == "json"
    assert formats["e.ndjson"] == formats["f.jsonl"] == "ndjson"
    # the same walk twice gives the same order
    assert [s.name for s in load.collect_sources([str(root)])] == [s.name for s in sources]


def test_directory_walk_skips_hidden_directories(tmp_path: Path) -> None:
    root = tmp_path / "carts"
    write(root / "cart.json", GOOD)
    write(root / ".git" / "objects.json", GOOD)
    write(root / "sub" / ".cache" / "old.json", GOOD)
    write(root / "sub" / "ok.json", GOOD)
    write(root / ".cart.json.partial.json", GOOD)  # a hidden file, e.g. one still being written
    write(root / ".json", GOOD)
    write(root / "json", GOOD)  # no extension
    names = [os.path.relpath(s.name, root) for s in load.collect_sources([str(root)])]
    assert names == ["cart.json", os.path.join("sub", "ok.json")]


def test_directory_documents_are_loaded_in_walk_order(tmp_path: Path) -> None:
    root = tmp_path / "d"
    write(root / "2.json", b'{"n": 2}')
    write(root / "1.json", b'{"n": 1}')
    write(root / "3.ndjson", b'{"n": 3}\n{"n": 4}\n')
    docs = load_paths(root)
    assert [d.data["n"] for d in docs] == [1, 2, 3, 4]


def test_explicit_file_with_unknown_extension_is_read_as_json(tmp_path: Path) -> None:
    path = write(tmp_path / "cart.txt", GOOD)
    [source] = load.collect_sources([str(path)])
    assert source.format == "json"
    assert load_paths(path)[0].data["ecomOrder"]["email"] == "a@example.com"


def test_format_option_applies_to_explicit_files(tmp_path: Path) -> None:
    path = write(tmp_path / "cart.txt", "email: a@example.com\ntotalPrice: 100\n")
    docs = load_paths(path, fmt="yaml")
    assert docs[0].data == {"email": "a@example.com", "totalPrice": 100}
    # without --format the same file is JSON, and not valid JSON
    assert_single_error(load_paths(path), str(path), "not valid JSON")


def test_missing_path_is_a_usage_error_before_anything_is_read(tmp_path: Path) -> None:
    good = write(tmp_path / "ok.json", GOOD)
    with pytest.raises(UsageError) as info:
        load.collect_sources([str(good), str(tmp_path / "nope.json"), str(tmp_path / "gone"), "-"])
    assert info.value.exit_status == ExitStatus.USAGE == 2
    assert "nope.json" in info.value.message and "gone" in info.value.message
    assert info.value.hint


# --------------------------------------------------------------------------- stdin only with "-"


def test_stdin_is_never_read_without_dash(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", GOOD)
    b = write(tmp_path / "dir" / "b.ndjson", GOOD + GOOD)
    docs = load_paths(a, b.parent, stdin=ExplodingStdin())
    assert len(docs) == 3 and all(d.findings == [] for d in docs)


def test_dash_reads_stdin_in_its_place(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", b'{"n": 1}')
    b = write(tmp_path / "b.json", b'{"n": 3}')
    docs = load_paths(a, "-", b, stdin=io.BytesIO(b'{"n": 2}\n'))
    assert [d.data["n"] for d in docs] == [1, 2, 3]
    assert docs[1].origin.source == load.STDIN_NAME == "<stdin>"


def test_dash_without_a_stdin_is_one_error() -> None:
    docs = load_paths("-", stdin=None)
    assert_single_error(docs, "<stdin>", "standard input")


# --------------------------------------------------------------------------- stdin sniffing and --format


def test_stdin_single_line_object() -> None:
    docs = load_stdin(b'{"a": 1}')
    assert [d.data for d in docs] == [{"a": 1}]
    assert lines(docs) == [1]


def test_stdin_pretty_printed_json_object() -> None:
    data = json.dumps({"ecomOrder": {"a": 1, "b": [1, 2]}}, indent=2).encode()
    docs = load_stdin(data)
    assert len(docs) == 1 and docs[0].findings == []
    assert docs[0].data == {"ecomOrder": {"a": 1, "b": [1, 2]}}
    assert lines(docs) == [1]


def test_stdin_json_array_with_element_lines() -> None:
    docs = load_stdin(b'[\n  {"n": 1},\n  {"n": 2}\n]\n')
    assert [d.data["n"] for d in docs] == [1, 2]
    assert lines(docs) == [2, 3]


def test_stdin_ndjson_with_blank_lines() -> None:
    docs = load_stdin(b'{"n": 1}\n\n{"n": 2}\n   \n{"n": 3}\n')
    assert [d.data["n"] for d in docs] == [1, 2, 3]
    assert lines(docs) == [1, 3, 5]


def test_stdin_ndjson_bad_line_is_an_error_for_that_line_only() -> None:
    docs = load_stdin(b'{"n": 1}\n{"n": \n{"n": 3}\n')
    assert lines(docs) == [1, 2, 3]
    assert docs[0].data == {"n": 1} and docs[2].data == {"n": 3}
    assert docs[1].data is None and "not valid JSON" in docs[1].findings[0].message


def test_stdin_yaml_with_timestamp_kept_as_string() -> None:
    docs = load_stdin(b"email: a@example.com\nabandonedDate: 2026-11-20T10:00:00-05:00\n")
    assert docs[0].data == {"email": "a@example.com", "abandonedDate": "2026-11-20T10:00:00-05:00"}


def test_stdin_yaml_multi_document() -> None:
    docs = load_stdin(b"n: 1\n---\nn: 2\n")
    assert [d.data for d in docs] == [{"n": 1}, {"n": 2}]
    assert lines(docs) == [1, 3]


def test_stdin_format_json_overrides_sniffing() -> None:
    # two objects on two lines sniff as NDJSON; --format json says it is one JSON document, so it is an error
    docs = load_stdin(b'{"n": 1}\n{"n": 2}\n', fmt="json")
    assert_single_error(docs, "<stdin>", "extra data")
    assert len(load_stdin(b'{"n": 1}\n{"n": 2}\n')) == 2


def test_stdin_format_ndjson_does_not_sniff() -> None:
    docs = load_stdin(b'{\n  "n": 1\n}\n', fmt="ndjson")
    # pretty-printed JSON read as NDJSON: every non-blank line is its own (bad) document
    assert lines(docs) == [1, 2, 3]
    assert all(d.data is None for d in docs)
    assert len(load_stdin(b'{\n  "n": 1\n}\n')) == 1


def test_stdin_format_yaml_reads_flow_yaml() -> None:
    # {n: 1} is not JSON (unquoted key); as YAML it is a mapping
    docs = load_stdin(b"{n: 1}\n", fmt="yaml")
    assert [d.data for d in docs] == [{"n": 1}]


def test_stdin_empty_is_one_error() -> None:
    assert_single_error(load_stdin(b""), "<stdin>", "empty")
    assert_single_error(load_stdin(b"  \n\n"), "<stdin>", "empty")


def test_stdin_over_the_size_limit_is_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_base, "MAX_FILE_BYTES", 64)
    data = json.dumps({"ecomOrder": {"x": "y" * 200}}, indent=2).encode()
    assert_single_error(load_stdin(data), "<stdin>", "limit")


def test_stdin_ndjson_starting_with_a_blank_line_is_sniffed_as_ndjson() -> None:
    docs = load_stdin(b'\n{"n": 1}\n{"n": 2}\n')
    assert [d.data for d in docs] == [{"n": 1}, {"n": 2}]
    assert lines(docs) == [2, 3]


def test_stdin_ndjson_with_byte_order_mark() -> None:
    docs = load_stdin(b'\xef\xbb\xbf{"n": 1}\n{"n": 2}\n')
    assert [d.data for d in docs] == [{"n": 1}, {"n": 2}]


def test_file_with_byte_order_mark_loads(tmp_path: Path) -> None:
    docs = load_paths(write(tmp_path / "bom.json", b"\xef\xbb\xbf" + GOOD))
    assert docs[0].findings == [] and docs[0].data["ecomOrder"]["externalcheckoutid"] == "c-1"


# --------------------------------------------------------------------------- origins


def test_json_array_elements_get_the_line_where_each_starts(tmp_path: Path) -> None:
    text = '[\n  {\n    "n": 1\n  },\n\n  {"n": 2}, {"n": 3},\n  {\n    "n": 4\n  }\n]\n'
    docs = load_paths(write(tmp_path / "arr.json", text))
    assert [d.data["n"] for d in docs] == [1, 2, 3, 4]
    assert lines(docs) == [2, 6, 6, 7]


def test_json_array_first_element_on_the_bracket_line(tmp_path: Path) -> None:
    docs = load_paths(write(tmp_path / "arr.json", '[{"n": 1},\n {"n": 2}]'))
    assert lines(docs) == [1, 2]


def test_yaml_multi_document_file_gets_each_documents_line(tmp_path: Path) -> None:
    text = "# carts\nn: 1\nm: x\n---\nn: 2\n---\nn: 3\nlist:\n  - a\n"
    docs = load_paths(write(tmp_path / "multi.yaml", text))
    assert [d.data["n"] for d in docs] == [1, 2, 3]
    assert lines(docs) == [2, 5, 7]


def test_ndjson_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    text = b'{"n": 1}\n\n{"n": 2}\r\n   \n\n{"n": 3}\n\n'
    docs = load_paths(write(tmp_path / "batch.ndjson", text))
    assert [d.data["n"] for d in docs] == [1, 2, 3]
    assert lines(docs) == [1, 3, 6]


def test_ndjson_bad_line_does_not_stop_the_file(tmp_path: Path) -> None:
    text = b'{"n": 1}\nnot json\n{"n": 3}\n{"n": NaN}\n{"n": 5} {"n": 6}\n{"n": 7}\n'
    docs = load_paths(write(tmp_path / "batch.jsonl", text))
    assert lines(docs) == [1, 2, 3, 4, 5, 6]
    assert [d.data["n"] if d.data else None for d in docs] == [1, None, 3, None, None, 7]
    for bad in (docs[1], docs[3], docs[4]):
        assert len(bad.findings) == 1 and bad.findings[0].severity is Severity.ERROR
    assert "NaN" in docs[3].findings[0].message
    assert "extra data" in docs[4].findings[0].message


def test_ndjson_invalid_utf8_line_is_an_error_for_that_line(tmp_path: Path) -> None:
    docs = load_paths(write(tmp_path / "batch.ndjson", b'{"n": 1}\n{"n": "\xff"}\n{"n": 3}\n'))
    assert lines(docs) == [1, 2, 3]
    assert "UTF-8" in docs[1].findings[0].message and "line 2" in docs[1].findings[0].message
    assert docs[2].data == {"n": 3}


def test_ndjson_overlong_line_is_an_error_for_that_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load_base, "MAX_LINE_BYTES", 40)
    long = b'{"n": 2, "pad": "' + b"x" * 200 + b'"}\n'
    docs = load_paths(write(tmp_path / "batch.ndjson", b'{"n": 1}\n' + long + b'{"n": 3}\n'))
    assert lines(docs) == [1, 2, 3]
    assert docs[1].data is None and "longer than" in docs[1].findings[0].message
    assert docs[2].data == {"n": 3}


def test_yaml_unquoted_timestamps_stay_strings(tmp_path: Path) -> None:
    text = "a: 2026-11-20T10:00:00-05:00\nb: 2026-11-20\nc: 2026-11-20 10:00:00Z\nd: 2026-11-20t10:00:00z\n"
    [doc] = load_paths(write(tmp_path / "t.yaml", text))
    assert doc.data == {
        "a": "2026-11-20T10:00:00-05:00",
        "b": "2026-11-20",
        "c": "2026-11-20 10:00:00Z",
        "d": "2026-11-20t10:00:00z",
    }
    assert all(type(v) is str for v in doc.data.values())


def test_sample_yaml_cart_dates_are_strings(samples_dir: Path) -> None:
    [doc] = load_paths(samples_dir / "cart.yaml")
    assert doc.origin.line == 3  # after the two comment lines
    for name in ("externalCreatedDate", "externalUpdatedDate", "abandonedDate"):
        assert isinstance(doc.data[name], str)
    assert doc.data["abandonedDate"] == "2026-11-20T10:00:00-05:00"
    assert doc.data["externalcheckoutid"] == "5187326611"


# --------------------------------------------------------------------------- every kind of bad input

DEPTH = sys.getrecursionlimit() + 500

ALIAS_BOMB = (
    "\n".join(
        [
            'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
            "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]",
            "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]",
            "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]",
            "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]",
            "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]",
            "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]",
            "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]",
            "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]",
        ]
    )
    + "\n"
)

BAD_INPUTS: list[tuple[str, bytes, tuple[str, ...]]] = [
    ("invalid-utf8.json", b'{"ecomOrder": {\n"email": "\xc3\x28"}}', ("UTF-8", "line 2")),
    ("latin1.yaml", "email: caf\u00e9@example.com\n".encode("latin-1"), ("UTF-8",)),
    ("empty.json", b"", ("empty",)),
    ("empty.yaml", b"", ("empty",)),
    ("empty.ndjson", b"", ("empty",)),
    ("whitespace.json", b"  \n\t\r\n  ", ("empty",)),
    ("blank-lines.ndjson", b"\n\n   \n", ("empty",)),
    ("comment-only.yaml", b"# nothing here\n", ("no documents",)),
    (
        "truncated.json",
        b'{"ecomOrder": {"email": "a@example.com", "orderProducts": [{"name": "x"',
        ("not valid JSON",),
    ),
    ("truncated-array.json", b'[{"n": 1},\n {"n": 2},\n', ("not valid JSON",)),
    ("not-json.json", b"this is not json\n", ("not valid JSON",)),
    ("html.json", b"<html><body>404</body></html>", ("not valid JSON",)),
    ("nan.json", b'{"totalPrice": NaN}', ("NaN",)),
    ("infinity.json", b'{"totalPrice": Infinity}', ("Infinity",)),
    ("neg-infinity.json", b'[{"totalPrice": -Infinity}]', ("Infinity",)),
    (
        "duplicate-keys.json",
        b'{"ecomOrder": {"email": "a@example.com", "email": "b@example.com"}}',
        ("duplicate", "email"),
    ),
    (
        "duplicate-keys.yaml",
        b"email: a@example.com\ntotalPrice: 1\nemail: b@example.com\n",
        ("duplicate", "email"),
    ),
    ("deep.json", b"[" * DEPTH + b"]" * DEPTH, ("nested",)),
    ("deep-object.json", b'{"a": ' * DEPTH + b"1" + b"}" * DEPTH, ("nested",)),
    ("deep.yaml", b"a: " + b"[" * DEPTH + b"]" * DEPTH + b"\n", ("YAML",)),
    ("alias-bomb.yaml", ALIAS_BOMB.encode(), ("alias",)),
    ("recursive-anchor.yaml", b"a: &x [1, *x]\n", ("YAML",)),
    ("extra-data.json", b'{"n": 1}\n{"n": 2}\n', ("extra data",)),
    ("empty-array.json", b"[ \n ]", ("empty array",)),
    ("yaml-syntax.yaml", b"a: [1, 2\nb: 3\n", ("not valid YAML",)),
    ("yaml-python-tag.yaml", b"a: !!python/object/apply:os.system ['true']\n", ("not valid YAML",)),
]


@pytest.mark.parametrize(("name", "data", "fragments"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_one_error_and_the_batch_goes_on(
    tmp_path: Path, name: str, data: bytes, fragments: tuple[str, ...]
) -> None:
    before = write(tmp_path / "0-before.json", GOOD)
    bad = write(tmp_path / name, data)
    after = write(tmp_path / "z-after.yaml", "email: a@example.com\n")
    docs = load_paths(before, bad, after)
    assert_single_error(docs, str(bad), *fragments)
    assert len(docs) == 3
    assert docs[0].origin.source == str(before) and docs[0].data is not None and docs[0].findings == []
    assert docs[2].origin.source == str(after) and docs[2].data == {"email": "a@example.com"}


@pytest.mark.parametrize(("name", "data", "fragments"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_in_a_directory_does_not_stop_the_walk(
    tmp_path: Path, name: str, data: bytes, fragments: tuple[str, ...]
) -> None:
    write(tmp_path / "d" / "0-first.json", GOOD)
    bad = write(tmp_path / "d" / f"1-{name}", data)
    write(tmp_path / "d" / "2-last.ndjson", GOOD)
    docs = load_paths(tmp_path / "d")
    assert_single_error(docs, str(bad), *fragments)
    assert [d.valid for d in docs] == [True, False, True]


def test_recursive_anchor_is_refused(tmp_path: Path) -> None:
    # PyYAML composes self-referencing anchors into a cyclic structure; the loader must refuse it
    bad = write(tmp_path / "self.yaml", b"&a [*a]\n")
    docs = load_paths(bad)
    assert_single_error(docs, str(bad), "anchor")


def test_alias_bomb_is_refused_before_it_is_built(tmp_path: Path) -> None:
    bad = write(tmp_path / "bomb.yaml", ALIAS_BOMB)
    assert_single_error(load_paths(bad), str(bad), f"{yaml_parse.MAX_YAML_NODES:,}")


def test_modest_aliases_are_fine(tmp_path: Path) -> None:
    text = "base: &p {name: Rope, price: 899}\nitems: [*p, *p, *p]\n"
    [doc] = load_paths(write(tmp_path / "ok.yaml", text))
    assert doc.findings == [] and len(doc.data["items"]) == 3


def test_oversized_json_and_yaml_files_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_base, "MAX_FILE_BYTES", 100)
    small = write(tmp_path / "small.json", b'{"n": 1}')
    big_json = write(tmp_path / "big.json", json.dumps({"pad": "x" * 500}).encode())
    big_yaml = write(tmp_path / "big.yaml", ("pad: " + "x" * 500 + "\n").encode())
    big_ndjson = write(tmp_path / "big.ndjson", b'{"n": 2}\n' * 50)  # NDJSON has no total limit
    docs = load_paths(small, big_json, big_yaml, big_ndjson)
    assert_single_error(docs, str(big_json), "limit", "NDJSON")
    assert_single_error(docs, str(big_yaml), "limit")
    assert docs[0].data == {"n": 1}
    assert [d.data for d in docs if d.origin.source == str(big_ndjson)] == [{"n": 2}] * 50


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_unreadable_file_is_one_error(tmp_path: Path) -> None:
    good = write(tmp_path / "a.json", GOOD)
    bad = write(tmp_path / "b.json", GOOD)
    bad_nd = write(tmp_path / "c.ndjson", GOOD)
    bad.chmod(0)
    bad_nd.chmod(0)
    try:
        docs = load_paths(good, bad, bad_nd)
    finally:
        bad.chmod(0o644)
        bad_nd.chmod(0o644)
    assert_single_error(docs, str(bad), "cannot read")
    assert_single_error(docs, str(bad_nd), "cannot read")
    assert docs[0].findings == []


def test_read_error_is_one_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same as the chmod test, for root too: reading the file fails with EACCES."""
    good = write(tmp_path / "a.json", GOOD)
    bad = write(tmp_path / "b.json", GOOD)
    real_open = os.open

    def fake_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).endswith("b.json"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(read.os, "open", fake_open)  # the loader reads files with os.open
    docs = load_paths(bad, good)
    assert_single_error(docs, str(bad), "cannot read", "Permission denied")
    assert docs[1].data is not None and docs[1].findings == []


def test_only_a_bare_dash_means_stdin(tmp_path: Path) -> None:
    """Only the exact argument '-' means stdin; a file named '-x.json' is a file."""
    path = write(tmp_path / "-x.json", GOOD)
    docs = load_paths(path, stdin=ExplodingStdin())
    assert docs[0].origin.source == str(path) and docs[0].findings == []


# --------------------------------------------------------------------------- YAML outside the JSON data model


def _is_json_model(value: Any) -> bool:
    """True for what JSON can hold: objects with string keys, arrays, strings, numbers, booleans, null."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json_model(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_json_model(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


NON_JSON_YAML = [
    ("int-key", "email: a@example.com\n1: one\n"),
    ("bool-key", "email: a@example.com\nyes: 1\n"),
    ("null-key", "email: a@example.com\n~: 1\n"),
    ("binary", "email: !!binary aGVsbG8=\n"),
    ("explicit-timestamp", "abandonedDate: !!timestamp 2026-11-20T10:00:00-05:00\n"),
    ("set", "tags: !!set {a, b}\n"),
]


@pytest.mark.parametrize(("name", "text"), NON_JSON_YAML, ids=[c[0] for c in NON_JSON_YAML])
def test_yaml_outside_the_json_data_model_is_refused_or_converted(
    tmp_path: Path, name: str, text: str
) -> None:
    docs = load_paths(write(tmp_path / f"{name}.yaml", text))
    assert len(docs) == 1
    doc = docs[0]
    if doc.data is None:
        assert len(doc.findings) == 1 and doc.findings[0].severity is Severity.ERROR
    else:
        assert _is_json_model(doc.data), doc.data


def test_plain_yaml_is_inside_the_json_data_model(samples_dir: Path) -> None:
    # the check above is not vacuous: ordinary YAML passes it
    [doc] = load_paths(samples_dir / "cart.yaml")
    assert _is_json_model(doc.data)
    assert not _is_json_model({1: "one"})


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'\n\n[\n {"n": 1},\n {"n": 2}\n]\n', [4, 5]),
        (b"\n\nn: 1\n---\nn: 2\n", [3, 5]),
        (b'\n\n{\n  "n": 1\n}\n', [3]),
    ],
    ids=["json-array", "yaml-multi", "pretty-object"],
)
def test_stdin_after_leading_blank_lines_keeps_line_numbers(data: bytes, expected: list[int]) -> None:
    assert lines(load_stdin(data)) == expected


def test_stdin_byte_order_mark_then_blank_line_then_ndjson() -> None:
    docs = load_stdin(b'\xef\xbb\xbf\n{"n": 1}\n{"n": 2}\n')
    assert [d.data for d in docs] == [{"n": 1}, {"n": 2}]
    assert lines(docs) == [2, 3]


# --- the orjson fast path must read every file exactly as the careful parser does ------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


def careful(data: bytes) -> Any:
    """The careful parser's reading of a whole JSON file, or the exception it raises."""
    try:
        [doc] = list(json_parse.parse_json("x.json", load_base.decode(data)))
        return doc.data
    except load_base.LoadError as exc:
        return exc


def typed(value: Any) -> Any:
    """1 == 1.0 == True in Python: compare types too."""
    if isinstance(value, dict):
        return ("dict", [(k, typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, value)


@settings(max_examples=400, deadline=None)
@given(
    obj=st.dictionaries(st.text(max_size=6), json_values, min_size=1, max_size=5),
    ensure_ascii=st.booleans(),
    indent=st.sampled_from([None, 2]),
    duplicate=st.booleans(),
    php_slashes=st.booleans(),
    exponent=st.booleans(),
)
def test_fast_path_reads_what_the_careful_parser_reads(
    obj: dict[str, Any],
    ensure_ascii: bool,
    indent: int | None,
    duplicate: bool,
    php_slashes: bool,
    exponent: bool,
) -> None:
    text = json.dumps(obj, ensure_ascii=ensure_ascii, indent=indent)
    if duplicate:  # the first key again, as the last one: json.dumps never writes that
        key = next(iter(obj))
        text = text.rstrip().rstrip("}") + ("," if len(obj) else "") + json.dumps(key) + ": 1}"
    if php_slashes:
        text = text.replace("/", "\\/")
    if exponent:
        text = text.replace("0,", "0e0,")  # 10e0 is 10.0: a float json reads, written as orjson would not
    data = text.encode("utf-8")
    expected = careful(data)
    fast = json_parse.fast_object(data)
    if isinstance(expected, load_base.LoadError):
        assert fast is json_parse.SLOW, (
            f"the fast path accepted {text!r}, which the careful parser refuses: {expected}"
        )
    elif fast is not json_parse.SLOW:
        assert typed(fast) == typed(expected)


@pytest.mark.parametrize(
    "data, slow",
    [
        (b'{"a":1,"a":2}', True),  # orjson would keep the last one
        (b'{"a":{"b":1,"b":1}}', True),
        (b'{"n":18446744073709551616}', True),  # orjson: a float; json: the integer
        (b'{"n":1E2}', True),
        (b'{"s":"caf\\u00e9"}', True),
        (b'\xef\xbb\xbf{"a":1}', True),
        (b'{"a":NaN}', True),
        (b'[{"a":1}]', True),
        (b'{"url":"https:\\/\\/shop.example.com\\/cart"}', False),  # PHP's json_encode
        (b'{\n  "a": 1,\n  "b": [1, 2.5, "x y"]\n}\n', False),
        (
            json.dumps(
                {"ecomOrder": {"a": [1, {"b": "caf\u00e9"}], "c": {}}}, indent=2, ensure_ascii=False
            ).encode(),
            False,
        ),
        (json.dumps({"a": [1, {"b": "x"}], "c": None}, separators=(",", ":")).encode() + b"\n", False),
    ],
)
def test_fast_path_hands_over_what_it_cannot_read_exactly(data: bytes, slow: bool) -> None:
    fast = json_parse.fast_object(data)
    assert (fast is json_parse.SLOW) is slow
    if not slow:
        assert fast == careful(data)


def test_compact_duplicate_keys_are_an_error_in_json_and_ndjson(tmp_path: Path) -> None:
    compact = b'{"ecomOrder":{"email":"a@example.com","email":"b@example.com"}}'
    docs = load_paths(
        write(tmp_path / "a.json", compact), write(tmp_path / "b.ndjson", GOOD + compact + b"\n")
    )
    assert_single_error(docs[:1], str(tmp_path / "a.json"), "duplicate key", "email")
    assert [(d.origin.line, d.data is None) for d in docs[1:]] == [(1, False), (2, True)]
    assert "duplicate key 'email'" in docs[2].findings[0].message


def test_a_file_read_through_a_pipe_is_read_whole(tmp_path: Path) -> None:
    """`acorders validate <(generate-carts)`: a pipe has no size to read up to."""
    fifo = tmp_path / "carts.json"
    os.mkfifo(fifo)
    body = b'{"ecomOrder": {"email": "a@example.com", "note": "' + b"x" * 200_000 + b'"}}'
    import threading

    writer = threading.Thread(target=lambda: fifo.write_bytes(body))
    writer.start()
    [doc] = load_paths(fifo)
    writer.join()
    assert doc.findings == [] and doc.data["ecomOrder"]["note"] == "x" * 200_000
