"""validate over a minified JSON array: ``[{"ecomOrder":A},{"ecomOrder":A2}]`` on one line, as many
exporters write it, puts every document at line 1. The batch duplicate check compares two documents
whose texts differ by reading both again; each must be read back as itself, not as the line's first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import cart, envelope


def _minified(path: Path, *orders: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([envelope(o) for o in orders], separators=(",", ":")), encoding="utf-8")
    return path


def _duplicates(out: str) -> list[tuple[int, str]]:
    return [
        (index, e["message"])
        for index, d in enumerate(json.loads(out)["documents"])
        for e in d["errors"]
        if "different content" in e["message"]
    ]


def test_the_same_cart_twice_on_one_line_with_different_content_is_a_duplicate(
    run_cli: Any, tmp_path: Path
) -> None:
    """Before: no warning at all. Both documents were read again as "the document at line 1", the
    first one both times, so their content was found the same."""
    path = _minified(tmp_path / "carts.json", cart("x", orderNumber="#A"), cart("x", orderNumber="#A2"))
    code, out, err = run_cli(["validate", "-o", "json", str(path)])
    assert code == 0, err
    (found,) = _duplicates(out)
    assert found[0] == 1
    assert (
        f"externalcheckoutid 'x' is also at {path}:1 (document 1 of that line) with different content"
        in found[1]
    )
    assert [d["line"] for d in json.loads(out)["documents"]] == [1, 1]  # how an origin shows: unchanged


def test_the_same_cart_written_twice_differently_on_one_line_is_no_duplicate(
    run_cli: Any, tmp_path: Path
) -> None:
    """The same content in another key order: the texts differ, the carts do not."""
    order = cart("x", orderNumber="#A")
    other = cart("y", orderNumber="#B")
    path = _minified(tmp_path / "carts.json", other, order, dict(reversed(order.items())), other)
    code, out, err = run_cli(["validate", "-o", "json", str(path)])
    assert code == 0, err
    assert _duplicates(out) == []


def test_a_duplicate_on_a_line_holding_several_documents_of_a_pretty_array(
    run_cli: Any, tmp_path: Path
) -> None:
    """Lines after the first may hold several documents too: each is told apart within its line."""
    a, a2, b = cart("x", orderNumber="#A"), cart("x", orderNumber="#A2"), cart("y")
    row = ",".join(json.dumps(envelope(o), separators=(",", ":")) for o in (b, a, a2))
    path = tmp_path / "carts.json"
    path.write_text(f"[\n{json.dumps(envelope(cart('z')))},\n{row}\n]\n", encoding="utf-8")
    code, out, err = run_cli(["validate", "-o", "json", str(path)])
    assert code == 0, err
    assert [d["line"] for d in json.loads(out)["documents"]] == [2, 3, 3, 3]
    (found,) = _duplicates(out)
    assert (
        found[0] == 3 and f"is also at {path}:3 (document 2 of that line) with different content" in found[1]
    )
