"""acorders.validate.parallel and acorders.launch: a batch checked on every core reports exactly what one
process reports, in the same order; the entry point loads without Ctrl-C tracebacks or the collector."""

from __future__ import annotations

import copy
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from acorders import load
from acorders import validate as core
from acorders.validate import parallel as workers

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or (os.cpu_count() or 1) < 2, reason="the pool forks")

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


class Collect:
    """A reporter that keeps what it is given."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, list[tuple[Any, ...]]]] = []
        self.advanced = 0

    def start(self, total: int | None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        self.advanced += n

    def item(self, doc: Any) -> None:
        self.rows.append((str(doc.origin), [(f.path, f.message, f.severity.value) for f in doc.findings]))

    def finish(self, summary: Any) -> None:
        self.summary = summary.as_dict()


@pytest.fixture
def batch(tmp_path: Path, cart_order: dict[str, Any]) -> Path:
    """More files than MIN_FILES, in nested folders, with every kind of finding somewhere in them."""
    root = tmp_path / "outbox"
    for i in range(workers.MIN_FILES + 37):
        order = copy.deepcopy(cart_order)
        order["externalcheckoutid"] = f"co-{i}"
        if i % 50 == 7:
            order["currency"] = "XYZ"  # an error
        if i % 60 == 11:
            order["abandoned_date"] = order["abandonedDate"]  # an unknown field: a warning
        if i % 70 == 13:
            order["totalPrice"] = 1  # the total does not add up
        if i == 100:
            del order["connectionid"]  # the --connection default fills it in, in every worker
        if i == 101:
            order["abandonedDate"] = "2026-11-27T15:00:00Z"  # in the future of the run's clock, NOW
        if i == 300:
            order["externalcheckoutid"] = "co-5"  # the same cart as file 5, with other content
            order["email"] = "other@example.com"
        folder = root / f"d{i // 150}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"cart-{i:04}.json").write_text(
            json.dumps({"ecomOrder": order}, indent=2), encoding="utf-8"
        )
    (root / "d0" / "broken.json").write_text('{"ecomOrder": {', encoding="utf-8")
    (root / "d1" / "three.ndjson").write_text(
        "".join(json.dumps({**cart_order, "externalcheckoutid": f"nd-{n}"}) + "\n" for n in range(3)),
        encoding="utf-8",
    )
    (root / "d2" / "cart.yaml").write_text("ecomOrder:\n  email: a@example.com\n", encoding="utf-8")
    return root


def check(root: Path) -> Collect:
    reporter = Collect()
    validator = core.Validator(core.ValidateOptions(connection="1", now=NOW))
    core.run(load.iter_sources([str(root)]), validator, reporter)
    return reporter


def test_every_core_reports_what_one_process_reports(batch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parallel = check(batch)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    alone = check(batch)
    assert parallel.rows == alone.rows
    assert parallel.summary == alone.summary and parallel.advanced == alone.advanced == alone.summary["files"]
    found = {m for _, findings in alone.rows for _, m, _ in findings}
    assert any("XYZ" in m for m in found) and any("abandoned_date" in m for m in found)
    # the duplicate, across workers' chunks
    assert any("co-5" in m and "different content" in m for m in found)
    assert any("not valid JSON" in m for m in found)
    assert any("in the future" in m for m in found) and not any("connectionid" in m for m in found)
    assert alone.summary["documents"] == workers.MIN_FILES + 37 + 1 + 3 + 1


def test_an_ndjson_file_in_a_big_batch_is_streamed_here_in_its_turn(batch: Path) -> None:
    """A worker would send all of an NDJSON file's documents back at once (a million lines: a million
    results in memory); the parent checks it itself, a line at a time, between the workers' results."""
    validator = core.Validator(core.ValidateOptions(connection="1", now=NOW))
    yields = list(workers.check_sources(load.iter_sources([str(batch)]), validator))
    ndjson = [
        (files, docs)
        for files, docs in yields
        if any(d.origin.source.endswith(".ndjson") for d, _, _ in docs)
    ]
    assert [len(docs) for _, docs in ndjson] == [1, 1, 1] and {files for files, _ in ndjson} == {0}
    assert [d.origin.line for _, docs in ndjson for d, _, _ in docs] == [1, 2, 3]
    order = [str(d.origin) for _, docs in yields for d, _, _ in docs]
    assert order == [str(d.origin) for s in load.iter_sources([str(batch)]) for d in load.load_source(s)]
    assert sum(files for files, _ in yields) == workers.MIN_FILES + 37 + 3  # every file counted once


def test_split_keeps_the_order_and_sets_ndjson_files_apart() -> None:
    a, b, c, d = (
        load.Source(n, n, f) for n, f in (("a", "json"), ("b", "ndjson"), ("c", "yaml"), ("d", "ndjson"))
    )
    assert list(workers._split([a, b, c, d])) == [[a], b, [c], d]
    assert list(workers._split([a, c])) == [[a, c]] and list(workers._split([b])) == [b]
