"""CSV exports: one row per line item, grouped by the map's ``group`` column into one record per cart or
order. Order-level fields come from the group's first row (Shopify leaves them blank on the others; most
WooCommerce plugins repeat them); the group's rows are the record's ``@rows``, where a csv map's
``[products] path = "@rows"`` finds its line items. Groups keep the order of their first row, and rows
of one id need not be next to each other (the file is read whole: CSV has no streaming bound)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

from acorders.convert.maps import ConvertMap
from acorders.load import Source
from acorders.load.base import MAX_FILE_BYTES, LoadError, decode, failed
from acorders.models import Document

ROWS = "@rows"


def csv_records(
    source: Source, cmap: ConvertMap, stdin: IO[bytes] | None
) -> Iterator[Document | tuple[int | None, Any]]:
    """(line of the group's first row, record) per group, or one error document for an unreadable file."""
    try:
        text = _read(source, stdin)
    except (OSError, LoadError) as exc:
        message = exc.message if isinstance(exc, LoadError) else f"cannot read: {exc.strerror or exc}"
        yield failed(source.name, message)
        return
    assert cmap.group is not None
    try:
        yield from group_rows(text, cmap.group)
    except (csv.Error, ValueError) as exc:
        yield failed(source.name, f"not a readable CSV file: {exc}")


def group_rows(text: str, column: str) -> list[tuple[int | None, dict[str, Any]]]:
    """Rows grouped by ``column``: [(first row's line, {**first row, "@rows": [rows]})]."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        return []
    fields = [name.strip() for name in reader.fieldnames]
    if column not in fields:
        raise ValueError(f"no {column!r} column (the map's group); the header has {', '.join(fields)}")
    reader.fieldnames = fields
    groups: dict[str, tuple[int, dict[str, Any]]] = {}
    ungrouped: list[tuple[int, dict[str, Any]]] = []
    line = reader.line_num + 1
    for row in reader:
        start, line = line, reader.line_num + 1
        row = {k: v for k, v in row.items() if k is not None}  # cells past the header are dropped
        key = (row.get(column) or "").strip()
        if not key:
            ungrouped.append((start, {**row, ROWS: [row]}))  # one record: it will say what is missing
            continue
        if key in groups:
            groups[key][1][ROWS].append(row)
        else:
            groups[key] = (start, {**row, ROWS: [row]})
    out: list[tuple[int | None, dict[str, Any]]] = list(groups.values())
    out.extend(ungrouped)
    out.sort(key=lambda item: item[0] or 0)
    return out


def _read(source: Source, stdin: IO[bytes] | None) -> str:
    if source.path is None:
        if stdin is None:
            raise LoadError("standard input is not available")
        return decode(stdin.read())
    with open(source.path, "rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise LoadError(f"CSV file over the {MAX_FILE_BYTES // 2**20} MiB limit: split it")
    return decode(data)
