"""validate --from and push --from on every core (issue 14's speed bar): one big export is read in the
parent, converted and checked in the forked workers, and says exactly what a run in one process says,
in the same order: findings, data, duplicates across records, the counts of files."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import pytest

import acorders.validate.parallel as parallel
import acorders.validate.pool as pool
from acorders.convert import Converter, ConvertOptions, load_map
from acorders.load import Source
from acorders.push.prepare import prepare
from acorders.validate import ValidateOptions, Validator
from tests.unit.test_convert_speed import checkout

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _records(n: int) -> list[Any]:
    """Checkouts of every kind: valid, guest, completed, not yet abandoned, unconvertible, invalid
    after conversion, the same cart twice, and a line that is not JSON."""
    out: list[Any] = []
    for i in range(n):
        rec = checkout(i)
        rec["line_items"] = rec["line_items"][: 1 + i % 2]
        rec["total_price"] = "8.30" if i % 2 == 0 else "10.30"
        kind = i % 23
        if kind == 1:
            rec["email"] = None  # guest: skipped with a warning
        elif kind == 2:
            rec["completed_at"], rec["order_id"] = "2024-02-01T00:00:00Z", 9000 + i  # an order
        elif kind == 3:
            rec["updated_at"] = "2024-12-31T23:30:00+00:00"  # not yet abandoned: info
        elif kind == 4:
            rec["total_price"] = "1.234"  # cannot convert
        elif kind == 5:
            rec["email"] = "not an email"  # converted, then invalid
        elif kind == 6 and out:
            rec = dict(copy.deepcopy(out[-6]), name="#again")  # the same cart again, changed
        elif kind == 7:
            rec["total_price"] = "0.01"  # a total that does not add up: a warning
        out.append(rec)
    return out


def _write(tmp_path: Path, n: int) -> list[Source]:
    big = tmp_path / "checkouts.ndjson"
    lines = [json.dumps(r) for r in _records(n)]
    lines.insert(n // 2, "{not json")
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    small = tmp_path / "checkouts.json"
    small.write_text(json.dumps({"checkouts": _records(30)}, indent=1), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text("[", encoding="utf-8")
    empty = tmp_path / "empty.ndjson"
    empty.write_text("\n  \n", encoding="utf-8")
    odd = tmp_path / "odd.ndjson"  # blank lines, a line holding two records, a line too long
    pair = json.dumps(_records(2))
    long_line = json.dumps(dict(_records(1)[0], note="x" * (4 * 2**20)))
    odd.write_text(f"\n{pair}\n\n{long_line}\n{json.dumps(_records(1)[0])}", encoding="utf-8")
    named = ((big, "ndjson"), (broken, "json"), (small, "json"), (empty, "ndjson"), (odd, "ndjson"))
    return [Source(str(p), str(p), fmt) for p, fmt in named]


def _run(sources: list[Source]) -> tuple[list[Any], int]:
    """Every document as the runner sees it (settled in order), and the files counted done."""
    converter = Converter(load_map("shopify"), ConvertOptions(now=NOW))
    validator = Validator(ValidateOptions(connection="1", now=NOW))
    out: list[Any] = []
    done = 0
    for files, results in parallel.check_sources(sources, validator, None, loader=converter):
        for doc, fingerprint, extra in results:
            validator.settle(doc, fingerprint)
            out.append((doc.origin, doc.key, doc.findings, doc.text_hash, extra))
        done += files
    return out, done


class _Counted(pool.ForkPool):
    made: ClassVar[list[int]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _Counted.made.append(1)
        super().__init__(*args, **kwargs)


def test_one_big_export_is_converted_on_every_core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: the loader path converted and checked everything in this process (no ForkPool)."""
    sources = _write(tmp_path, 1500)
    monkeypatch.setattr(parallel, "_can_fork", lambda: False)
    alone = _run(sources)
    monkeypatch.undo()
    monkeypatch.setattr(pool, "ForkPool", _Counted)
    _Counted.made.clear()
    shared = _run(sources)
    assert _Counted.made == [1]
    assert shared == alone
    docs, files = alone
    assert files == 5 and len(docs) == 1500 + 1 + 1 + 30 + 1 + 4
    messages = [f.message for doc in docs for f in doc[2]]
    assert any(m.startswith("cannot convert") for m in messages)
    assert any("with different content" in m for m in messages)


def test_push_prepare_from_a_big_export_says_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """push --from's prepare: invalid, ignored and to-send documents the same, with their data."""
    sources = _write(tmp_path, 800)

    def prepared() -> Any:
        converter = Converter(load_map("shopify"), ConvertOptions(now=NOW))
        validator = Validator(ValidateOptions(connection="1", now=NOW))
        p = prepare(sources, validator, "acct", None, dry_run=True, loader=converter)
        return (
            [(d.origin, d.data, d.findings) for d in p.invalid],
            p.unchanged,
            [(d.origin, d.data, d.findings) for d in p.send],
        )

    monkeypatch.setattr(parallel, "_can_fork", lambda: False)
    alone = prepared()
    monkeypatch.undo()
    monkeypatch.setattr(pool, "ForkPool", _Counted)
    _Counted.made.clear()
    assert prepared() == alone
    assert _Counted.made == [1]
    assert alone[0] and alone[1] and alone[2]
