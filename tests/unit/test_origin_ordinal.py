"""Two documents on one line are two origins: a minified JSON array puts every document at line 1, so an
origin also says which of its line's documents it is (``Origin.ordinal``), while it prints as before.

Reading a document again (load.reread: the batch duplicate check, push's re-read of a cart whose data
stayed in a worker) must find that document, not the line's first; and the batch duplicate check must keep
the ordinal when it packs origins into its arrays (past BatchIds.SMALL ids).
"""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from acorders.load import Source, load_source, reread
from acorders.load.formats import load_stream
from acorders.models import Document, Origin
from acorders.validate import ValidateOptions, Validator
from acorders.validate import batch as batch_ids
from tests.helpers import cart, envelope


def _minified(path: Path, *orders: dict[str, Any]) -> Path:
    path.write_text(json.dumps([envelope(o) for o in orders], separators=(",", ":")), encoding="utf-8")
    return path


def _load(path: Path) -> list[Document]:
    return list(load_source(Source(str(path), str(path), "json")))


def test_documents_on_one_line_have_their_ordinal_and_print_as_before(tmp_path: Path) -> None:
    path = _minified(tmp_path / "a.json", cart(1), cart(2), cart(3))
    origins = [doc.origin for doc in _load(path)]
    assert origins == [Origin(str(path), 1), Origin(str(path), 1, None, 1), Origin(str(path), 1, None, 2)]
    assert [str(o) for o in origins] == [f"{path}:1"] * 3  # shown to users, kept in the ledger
    assert len(set(origins)) == 3


def test_the_first_document_of_each_line_has_no_ordinal(tmp_path: Path) -> None:
    """A pretty array (one document a line) makes the origins it always made."""
    path = tmp_path / "a.json"
    one = json.dumps(envelope(cart(9)))
    path.write_text(f"[{one},{one},\n {one},\n{one}, {one}]", encoding="utf-8")
    assert [(d.origin.line, d.origin.ordinal) for d in _load(path)] == [
        (1, None),
        (1, 1),
        (2, None),
        (3, None),
        (3, 1),
    ]
    pretty = tmp_path / "b.json"
    pretty.write_text(json.dumps([envelope(cart(1)), envelope(cart(2))], indent=2), encoding="utf-8")
    assert [d.origin for d in _load(pretty)] == [Origin(str(pretty), 2), Origin(str(pretty), 39)]


def test_stdin_arrays_have_ordinals_too() -> None:
    data = json.dumps([envelope(cart(1)), envelope(cart(2))], separators=(",", ":")).encode()
    docs = list(load_stream("<stdin>", io.BytesIO(data), None))
    assert [d.origin for d in docs] == [Origin("<stdin>", 1), Origin("<stdin>", 1, None, 1)]


def test_an_origin_crosses_processes_whole() -> None:
    origin = Origin("a.json", 1, None, 7)
    assert pickle.loads(pickle.dumps(origin)) == origin
    assert Origin(*tuple(origin)) == origin


def test_reread_finds_each_document_of_a_line(tmp_path: Path) -> None:
    """Before: every document of the line was read back as the line's first."""
    path = _minified(tmp_path / "a.json", cart(1), cart(2), cart(3))
    for doc in _load(path):
        again = reread(doc.origin)
        assert again is not None and again.origin == doc.origin and again.data == doc.data


def test_reread_of_an_ordinal_the_line_does_not_have_is_none(tmp_path: Path) -> None:
    path = _minified(tmp_path / "a.json", cart(1), cart(2))
    assert reread(Origin(str(path), 1, None, 2)) is None


def _check(docs: list[Document]) -> list[str]:
    validator = Validator(ValidateOptions(connection="1"))
    checked = [validator.check(doc) for doc in docs]
    return [f.message for doc in checked for f in doc.findings if "different content" in f.message]


def test_reload_gives_each_document_of_a_line(tmp_path: Path) -> None:
    """What push sends for a cart the batch holds twice whose data stayed in a worker
    (prepare._settle_unchanged). Before: the second version was read back as the first."""
    path = _minified(tmp_path / "a.json", cart("x", orderNumber="#A"), cart("x", orderNumber="#A2"))
    validator = Validator(ValidateOptions(connection="1"))
    assert [validator.reread(doc.origin).data["ecomOrder"]["orderNumber"] for doc in _load(path)] == [
        "#A",
        "#A2",
    ]


@pytest.fixture
def few(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids move to the arrays after the third: the cart twice comes after that."""
    monkeypatch.setattr(batch_ids.BatchIds, "SMALL", 2)


@pytest.mark.usefixtures("few")
def test_past_the_dict_a_duplicate_on_one_line_is_found(tmp_path: Path) -> None:
    """Before: the first of the two (packed into the arrays) and the second were read again as the
    line's first document, b: the same, so no warning."""
    carts = [cart("b"), cart("c"), cart("d"), cart("x", orderNumber="#A"), cart("x", orderNumber="#A2")]
    (message,) = _check(_load(_minified(tmp_path / "a.json", *carts)))
    assert (
        f"externalcheckoutid 'x' is also at {tmp_path / 'a.json'}:1 (document 4 of that line) "
        "with different content" in message
    )


@pytest.mark.usefixtures("few")
def test_past_the_dict_the_same_cart_written_differently_on_one_line_is_no_duplicate(tmp_path: Path) -> None:
    """The packed origin keeps its ordinal: without it, the first x was read again as b, whose content
    differs from the second x's, and a duplicate was reported that is not one."""
    x = cart("x", orderNumber="#A")
    carts = [cart("b"), cart("c"), cart("d"), x, dict(reversed(x.items()))]
    assert _check(_load(_minified(tmp_path / "a.json", *carts))) == []


@pytest.mark.usefixtures("few")
def test_past_the_dict_the_first_origin_comes_back_whole() -> None:
    """What the recheck (and the message) is given for the first of two: the origin as it was."""
    given: list[tuple[Origin, Origin]] = []
    ids = batch_ids.BatchIds(recheck=lambda a, b: given.append((a, b)) is not None)
    fp = batch_ids.fingerprint
    firsts = [Origin("a.json", 1, None, n or None) for n in range(5)] + [Origin("b.json", 7, None, 2**40)]
    for n, origin in enumerate(firsts):
        assert ids.check(fp({"externalcheckoutid": f"c{n}"}, "", text_hash=n), origin) == []
    assert ids._small is None
    for n, origin in enumerate(firsts):
        later = Origin("z.json", 1, None, 9)
        [_] = ids.check(fp({"externalcheckoutid": f"c{n}"}, "", text_hash=-1 - n), later)
        assert given[-1] == (origin, later)
