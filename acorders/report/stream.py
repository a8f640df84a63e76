"""JSON and NDJSON: for scripts. Written as they go, so a million documents never sit in memory."""

from __future__ import annotations

import json
from typing import Any

from acorders.environment import Environment
from acorders.models import Document, display_name
from acorders.report.base import BaseReporter, Item, Summary


def document_dict(doc: Document) -> dict[str, Any]:
    out: dict[str, Any] = {"source": display_name(doc.origin.source), "line": doc.origin.line}
    if doc.origin.record is not None:  # converted from a shop's record: its id
        out["record"] = doc.origin.record
    out.update(valid=doc.valid, errors=[f.as_dict() for f in doc.findings])
    return out


def _item_dict(obj: Item) -> dict[str, Any]:
    return document_dict(obj) if isinstance(obj, Document) else obj.as_dict()


def _json(obj: Any) -> str:
    """Non-ASCII text as it is; but a string UTF-8 cannot hold (a lone surrogate in the id of an invalid
    cart) is written as JSON's \\u escape, so the output is always UTF-8 and loses nothing."""
    text = json.dumps(obj, ensure_ascii=False)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(obj)
    return text


class JsonReporter(BaseReporter):
    """One JSON document, written as it goes: the items first, then ok and summary. Each item, and the end,
    is one write: a run stopped between two of them still ends one whole document (``stop``)."""

    def __init__(self, env: Environment, quiet: bool = False, key: str = "documents") -> None:
        super().__init__(env, quiet)
        self.key = key
        self._count = 0

    def item(self, obj: Item) -> None:
        text = _json(_item_dict(obj))
        self.env.stdout.write((f'{{"{self.key}": [\n' if self._count == 0 else ",\n") + text)
        self._count += 1

    def finish(self, summary: Summary) -> None:
        if self.finished:  # ended already: one document, never two
            return
        out = self.env.stdout
        tail = {"ok": summary.ok, "summary": summary.as_dict()}
        head = f'{{"{self.key}": [' if self._count == 0 else "\n"
        out.write(head + "], " + json.dumps(tail, ensure_ascii=False)[1:] + "\n")
        self.finished = True
        out.flush()

    def stop(self, summary: Summary) -> None:
        self.finish(summary)


class NdjsonReporter(BaseReporter):
    """One object per line on stdout, flushed as it goes; the summary goes to stderr."""

    def item(self, obj: Item) -> None:
        self.env.stdout.write(_json(_item_dict(obj)) + "\n")
        self.env.stdout.flush()

    def finish(self, summary: Summary) -> None:
        if self.finished:
            return
        self.finished = True
        self.env.log(json.dumps({"ok": summary.ok, "summary": summary.as_dict()}))

    def stop(self, summary: Summary) -> None:
        self.finish(summary)
