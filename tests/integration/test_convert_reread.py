"""A converted cart read again (issue 14): the batch-wide duplicate check and push's re-read of a cart
whose data stayed in a worker must go through the Converter that made the cart, never through the load
stage, which gives back the shop's raw record (or, for a ``{"checkouts": [...]}`` file, the whole file).

Both are reached only in particular cases: a converted cart's fingerprint is its canonical content (the
duplicate check re-reads only documents that carry a text hash), and push --from's workers send each
cart's data back. The tests below make those cases happen (a loader whose documents carry text hashes, as
the load stage's do; workers that keep an unchanged cart's data, as they do for files) and check what the
re-read gives, in one process and in the forked workers (a batch of MIN_FILES records or more).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import acorders.validate.parallel as parallel
from acorders.convert import Converter, ConvertOptions, load_map
from acorders.load import Source
from acorders.models import Document
from acorders.push.prepare import prepare
from acorders.validate import ValidateOptions, Validator, run
from tests.helpers import Recorder, account_env, json_results, records_per_checkout, sandbox
from tests.unit.test_convert_speed import checkout

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)
TOKEN = f"{1:032x}"  # checkout(1)'s token: the cart that is in the batch twice
SMALL, BIG = 5, parallel.MIN_FILES + 50  # converted in this process / in the forked workers


def _twin(changed: bool) -> str:
    """checkout(1) written again: keys in another order, other spacing, and a field the map does not
    read, so the shop's record differs while the converted cart is the same; ``changed``: another
    orderNumber too, so the converted cart differs."""
    record = dict(checkout(1), browser_ip="203.0.113.7")
    if changed:
        record["name"] = "#other"
    return json.dumps(dict(reversed(record.items())), separators=(" , ", " : "))


def _export(folder: Path, n: int, changed: bool = False) -> Path:
    """A Shopify NDJSON export of ``n`` checkouts with checkout(1) again at line n // 2 + 1."""
    lines = [json.dumps(checkout(i)) for i in range(n)]
    lines.insert(n // 2, _twin(changed))
    path = folder / "checkouts.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _sources(*paths: Path) -> list[Source]:
    return Converter(load_map("shopify"), ConvertOptions(now=NOW)).sources([str(p) for p in paths])


class _TextHashed:
    """The Converter, with each document carrying a text hash of its own (as the load stage's documents
    do): two documents with one id then always have "different texts", so the duplicate check compares
    their content by reading both again."""

    def __init__(self, converter: Converter) -> None:
        self.converter = converter

    def __call__(self, source: Source, stdin: Any = None) -> Iterator[Document]:
        return (self._hashed(doc) for doc in self.converter(source, stdin))

    def records(self, source: Source, stdin: Any = None) -> Iterable[Any]:
        return self.converter.records(source, stdin)

    def documents(self, source: Source, item: Any) -> list[Document]:
        return [self._hashed(doc) for doc in self.converter.documents(source, item)]

    @staticmethod
    def _hashed(doc: Document) -> Document:
        if doc.data is not None:
            doc.text_hash = hash(tuple(doc.origin))
        return doc


def _duplicates(tmp_path: Path, n: int, changed: bool) -> list[str]:
    validator = Validator(ValidateOptions(connection="1", now=NOW))
    reporter = Recorder()
    loader = _TextHashed(Converter(load_map("shopify"), ConvertOptions(now=NOW)))
    run(_sources(_export(tmp_path, n, changed)), validator, reporter, None, loader)
    return [f.message for doc in reporter.items for f in doc.findings if "different content" in f.message]


@pytest.mark.parametrize("n", [SMALL, BIG])
def test_the_same_converted_cart_written_differently_is_no_duplicate(tmp_path: Path, n: int) -> None:
    """Before: both shop records were read again through the load stage and compared raw; they differ
    (browser_ip), so the converted carts, the same, were said to have different content."""
    assert _duplicates(tmp_path, n, changed=False) == []


@pytest.mark.parametrize("n", [SMALL, BIG])
def test_a_converted_cart_twice_with_different_content_is_a_duplicate(tmp_path: Path, n: int) -> None:
    (message,) = _duplicates(tmp_path, n, changed=True)
    assert f"externalcheckoutid '{TOKEN}' is also at" in message and "checkouts.ndjson:2 (record" in message


def _one_line_json(folder: Path) -> Path:
    """The REST Admin API's answer saved as it came: {"checkouts": [...]} on one line, every record at
    line 1, told apart only by the record's id."""
    path = folder / "checkouts.json"
    path.write_text(json.dumps({"checkouts": [checkout(i) for i in range(100, 104)]}), encoding="utf-8")
    return path


def _pretty_json(folder: Path) -> Path:
    path = folder / "pretty.json"
    path.write_text(json.dumps({"checkouts": [checkout(i) for i in range(200, 203)]}, indent=2), "utf-8")
    return path


@pytest.mark.parametrize("n", [SMALL, BIG])
def test_a_converted_cart_read_again_is_the_converted_cart(tmp_path: Path, n: int) -> None:
    """What push sends for a cart whose data stayed in a worker (prepare._settle_unchanged): the cart as
    converted, defaults applied. Before: the shop's raw record for an NDJSON export (token, line_items,
    ...), the whole {"checkouts": [...]} object for a JSON file."""
    paths = (_export(tmp_path, n), _one_line_json(tmp_path), _pretty_json(tmp_path))
    validator = Validator(ValidateOptions(connection="1", now=NOW))
    converter = Converter(load_map("shopify"), ConvertOptions(now=NOW))
    prepared = prepare(_sources(*paths), validator, "acct", None, dry_run=True, loader=converter)
    assert len(prepared.send) == n + 1 + 4 + 3 and not prepared.invalid
    for doc in prepared.send:
        assert validator.reread(doc.origin).data == doc.data, doc.origin
    assert prepared.send[-1].data["connectionid"] == "1"


def test_a_converted_csv_cart_read_again_is_the_converted_cart() -> None:
    """A csv map reads any file as CSV, line items grouped. Before: the .csv file was read again as JSON,
    which it is not: nothing came back (None), for a cart push was about to send."""
    csv = Path(__file__).resolve().parents[1] / "fixtures" / "convert" / "generic.csv"
    converter = Converter(load_map("csv"), ConvertOptions(source_tz="America/New_York", now=NOW))
    validator = Validator(ValidateOptions(connection="1", now=NOW))
    sources = converter.sources([str(csv)])
    prepared = prepare(sources, validator, "acct", None, dry_run=True, loader=converter)
    assert [doc.origin.record for doc in prepared.send] == ["c-1001", "c-1002"]
    for doc in prepared.send:
        assert validator.reread(doc.origin).data == doc.data, doc.origin


def _unchanged_carts_stay_in_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers keep an unchanged cart's data, as they do for files: only its ids come back, and a cart
    the batch holds twice is read again before it is sent."""
    real = parallel._remade

    def remade(made: Any) -> Any:
        doc, fingerprint, verdict = real(made)
        if verdict is not None and verdict[0] == "unchanged":
            doc.data = None
        return doc, fingerprint, verdict

    monkeypatch.setattr(parallel, "_remade", remade)


def test_push_sends_a_repeated_converted_cart_as_converted(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rerun of push --from over a big export holding one cart twice: both are unchanged, and both are
    read again to be sent in order. Before: the shop's record was planned and sent as the ecomOrder."""
    _unchanged_carts_stay_in_the_worker(monkeypatch)
    export = str(_export(tmp_path, BIG))
    args = ["push", "--from", "shopify", "--connection", "1", "--rate", "1000", "-o", "json", export]
    with sandbox() as sb:
        env = account_env(sb, tmp_path / "state")
        code, out, err = run_cli(args, env=env)
        assert code == 0, err
        stored = next(o for o in sb.store.orders() if str(o.get("externalcheckoutid")) == TOKEN)
        before = sb.count()
        code, out, err = run_cli(args, env=env)
        assert code == 0, err
        twice = [r for r in json_results(out)["results"] if r["record"] == TOKEN]
        assert [r["action"] for r in twice] == ["unchanged", "unchanged"], twice
        assert sb.count() == before  # nothing sent: the shop's record would have been an update
        again = next(o for o in sb.store.orders() if str(o.get("externalcheckoutid")) == TOKEN)
        assert again == stored and again["orderNumber"] == "#1"
        assert records_per_checkout(sb)[TOKEN] == 1


@pytest.mark.parametrize(("n", "changed"), [(SMALL, False), (SMALL, True), (BIG, False), (BIG, True)])
def test_validate_from_says_a_duplicate_only_for_different_content(
    run_cli: Any, tmp_path: Path, n: int, changed: bool
) -> None:
    """The CLI as it is (converted carts have no text hash): the same cart written differently is no
    duplicate, a different one is, in one process and on every core."""
    export = str(_export(tmp_path, n, changed))
    code, out, err = run_cli(["validate", "--from", "shopify", "--connection", "1", "-o", "json", export])
    assert code == 0, err
    found = [
        (d["line"], e["message"])
        for d in json.loads(out)["documents"]
        for e in d["errors"]
        if "different content" in e["message"]
    ]
    assert [line for line, _ in found] == ([n // 2 + 1] if changed else [])
