"""push's prepare: a cart the batch holds twice whose data stayed in a worker is read again from its file
before it is sent. What is read must be what was validated: a file rewritten in between (a shop's
exporter, a second cron job) would otherwise be sent unchecked, and a file gone would be sent as None."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from acorders.load import load_source
from acorders.load.sources import Source
from acorders.models import Action, Document
from acorders.push.prepare import Prepared, _settle_unchanged
from acorders.validate import ValidateOptions, Validator
from tests.helpers import cart, envelope


def _held(path: Path) -> tuple[Document, Any, Any, Validator]:
    """The file's one document as the workers leave it: checked, unchanged in the ledger, data kept there."""
    validator = Validator(ValidateOptions(connection="1"))
    (doc,) = load_source(Source(str(path), str(path), "json"))
    fingerprint = validator.check_alone(doc)
    assert fingerprint is not None
    verdict = ("unchanged", "41", None, *doc.key)
    doc.data = None
    return doc, fingerprint, verdict, validator


def _settle(held: tuple[Document, Any, Any, Validator]) -> Prepared:
    doc, fingerprint, verdict, validator = held
    prepared = Prepared([], [], [])
    # the same cart twice in the batch: this one must be sent, so it is read again
    _settle_unchanged([(doc, fingerprint, verdict)], {fingerprint.key: 2}, prepared, validator)
    return prepared


@pytest.mark.parametrize("indent", [None, 2])
def test_a_file_read_again_as_it_was_is_sent(tmp_path: Path, indent: int | None) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps(envelope(cart(1)), indent=indent), encoding="utf-8")
    prepared = _settle(_held(path))
    assert [d.order["externalcheckoutid"] for d in prepared.send if d.order] == ["cart-00001"]
    assert prepared.unchanged == []


@pytest.mark.parametrize("change", ["rewritten", "invalid", "gone"])
def test_a_file_changed_since_it_was_checked_is_not_sent(tmp_path: Path, change: str) -> None:
    """Before: the rewritten cart (or one that no longer validates) was sent as it now is, unchecked;
    a file gone put a None body in the queue."""
    path = tmp_path / "a.json"
    path.write_text(json.dumps(envelope(cart(1))), encoding="utf-8")
    held = _held(path)
    if change == "gone":
        path.unlink()
    else:
        later = cart(1, totalPrice=1) if change == "rewritten" else cart(1, email="not an email")
        path.write_text(json.dumps(envelope(later)), encoding="utf-8")
    prepared = _settle(held)
    assert prepared.send == []
    (result,) = prepared.unchanged
    assert result.action is Action.FAILED and result.externalcheckoutid == "cart-00001"
    assert "changed" in result.errors[0].message and "rerun" in result.errors[0].message
