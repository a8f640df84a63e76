"""Text no request can carry (issue 11, item 3): lone surrogates (``"\\ud800"``: valid JSON, not encodable
as UTF-8) anywhere in a document, and control characters in an id, are validation errors at their path.
They used to pass validate and then stop every push with "unexpected UnicodeEncodeError"."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from acorders import load
from acorders.load import yaml_parse
from acorders.models import Document, Finding, Origin, Severity
from acorders.validate import ValidateOptions, Validator
from tests.helpers import cart, documents, envelope

NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)


def check(data: Any) -> Document:
    return Validator(ValidateOptions(now=NOW)).check(Document(Origin("t.json", 1), data))


def errors(doc: Document) -> list[Finding]:
    return [f for f in doc.findings if f.severity is Severity.ERROR]


def error_at(doc: Document, path: str) -> Finding:
    found = [f for f in errors(doc) if f.path == path]
    assert len(found) == 1, doc.findings
    return found[0]


def load_text(tmp_path: Path, name: str, text: str) -> list[Document]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return documents(load.collect_sources([str(path)]))


def validated(tmp_path: Path, name: str, text: str) -> list[Document]:
    validator = Validator(ValidateOptions(now=NOW))
    return [validator.check(doc) for doc in load_text(tmp_path, name, text)]


# --- item 3: strings that cannot be UTF-8, control characters in ids ------------------------------------

LONE = "\ud800"


def test_a_lone_surrogate_in_a_json_file_is_an_error_at_its_path(tmp_path: Path) -> None:
    text = json.dumps(envelope(cart(1, externalcheckoutid="cart-" + LONE)))  # writes the \ud800 escape
    assert "\\ud800" in text
    (doc,) = validated(tmp_path, "c.json", text)
    assert not doc.valid
    finding = error_at(doc, "ecomOrder.externalcheckoutid")
    assert "UTF-8" in finding.message and "\\ud800" in finding.message


def product_named(name: str) -> dict[str, Any]:
    order = cart(1)
    order["orderProducts"][1]["name"] = name
    return order


def test_a_lone_surrogate_in_ndjson_is_an_error_at_its_path(tmp_path: Path) -> None:
    (doc,) = validated(tmp_path, "c.ndjson", json.dumps(product_named("Widget " + LONE)) + "\n")
    assert not doc.valid
    error_at(doc, "orderProducts[1].name")


@pytest.mark.parametrize("parser", ["libyaml", "python"])
def test_a_lone_surrogate_in_yaml_is_never_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parser: str
) -> None:
    """libyaml refuses the escape as it parses; PyYAML's own parser reads it, and validate finds it."""
    import yaml

    if parser == "python":
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML without libyaml")
    monkeypatch.setattr(yaml_parse, "_LOADER", None)
    order = product_named("Widget " + LONE)
    text = "".join(f"{k}: {json.dumps(v)}\n" for k, v in order.items())  # JSON flow style is YAML
    (doc,) = validated(tmp_path, "c.yaml", text)
    assert not doc.valid
    if parser == "python":
        error_at(doc, "orderProducts[1].name")


def test_a_lone_surrogate_anywhere_is_found_keys_and_low_halves_included() -> None:
    order = cart(1, orderNumber="#\udc00")
    order["orderProducts"][0]["x" + LONE] = 1  # an unknown field whose name is not text
    doc = check(envelope(order))
    assert not doc.valid
    error_at(doc, "ecomOrder.orderNumber")
    assert any(f.path == "ecomOrder.orderProducts[0]" and "\\ud800" in f.message for f in errors(doc))


def test_surrogate_pairs_are_ordinary_text(tmp_path: Path) -> None:
    text = json.dumps(envelope(cart(1, externalcheckoutid="cart-\U0001f600")))  # \ud83d\ude00 escapes
    assert "\\ud83d\\ude00" in text
    (doc,) = validated(tmp_path, "c.json", text)
    assert doc.valid, doc.findings


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\n", "\t", "\x7f", "\x9b"])
@pytest.mark.parametrize(
    "where", ["externalcheckoutid", "externalid", "orderProducts[0].externalid"], ids=lambda w: w
)
def test_control_characters_in_an_id_are_an_error_at_its_path(where: str, char: str) -> None:
    order = cart(1)
    if where == "orderProducts[0].externalid":
        order["orderProducts"][0]["externalid"] = f"PROD{char}1"
    else:
        order[where] = f"id{char}1"
    doc = check(envelope(order))
    assert not doc.valid
    finding = error_at(doc, f"ecomOrder.{where}")
    assert "control character" in finding.message
    assert char not in finding.message  # the message shows it escaped, never raw


def test_a_nul_from_a_json_escape_in_an_id_is_caught_through_the_loader(tmp_path: Path) -> None:
    text = json.dumps(envelope(cart(1, externalcheckoutid="cart-\x00")))
    assert "\\u0000" in text
    (doc,) = validated(tmp_path, "c.json", text)
    error_at(doc, "ecomOrder.externalcheckoutid")


def test_control_characters_outside_ids_are_left_to_the_api() -> None:
    order = cart(1)
    order["orderProducts"][0]["description"] = "line one\nline two\ttabbed"
    assert check(envelope(order)).valid


def test_ids_with_ordinary_unicode_are_valid() -> None:
    order = cart(1, externalcheckoutid="panier-été-東京", externalid="commande-№5")
    order["orderProducts"][0]["externalid"] = "Ünïcödé"
    assert check(envelope(order)).valid
