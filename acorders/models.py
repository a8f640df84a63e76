"""The values that flow between the stages: load -> validate -> plan -> send -> report.

Plain value types, so every stage can be tested alone and every reporter renders the same objects. The
immutable ones made for every document (Origin, Finding) are NamedTuples: a dataclass costs each run
~1 ms to create at start-up, and three times as much as a tuple to make, thousands of times a batch.

This is also the one place that says what identifies a cart or an order (``blank``, ``ids``, ``own_id``,
``is_cart``): the ledger's keys, the batch duplicate check, the grouping of a push and every message use it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple

from acorders.errors import ExitStatus


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"  # not a problem: e.g. a customerid that push resolves


def display_name(name: str) -> str:
    """A file name as text that can be printed, stored and written as UTF-8, and read back losslessly.

    On POSIX a name is bytes: os.walk and argv turn those that are not UTF-8 into surrogates, which SQLite
    and UTF-8 output refuse; ESC or a newline in a name would drive the terminal. Those become ``\\xNN``
    (a byte that is not UTF-8, or an ASCII control), ``\\n``, ``\\t``, ``\\r``, ``\\uXXXX`` (any other
    character str.isprintable refuses: C1 controls, bidi overrides) and a backslash ``\\\\`` (on Windows
    it is the separator, and kept). An ordinary name is returned as it is, after one C-level check."""
    if name.isprintable() and _BACKSLASH not in name:
        return name
    return "".join(c if c.isprintable() and c != _BACKSLASH else _escape(c) for c in name)


def printable(text: str) -> str:
    """Text from a document or a server, for a terminal: escaped as display_name does, backslashes aside
    (this is for reading, not for reading back)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


_BACKSLASH = "\\" if os.sep == "/" else "\0"  # never found on Windows: there it is not escaped
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\"}


def _escape(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if code < 0x80 or 0xDC80 <= code <= 0xDCFF:  # an ASCII control, or a byte os.fsdecode could not decode
        return f"\\x{code & 0xFF:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


class Origin(NamedTuple):
    """Where a document came from, so every message can point at it, and so a document can be read again.

    A line may hold several documents (a minified JSON array puts them all at line 1): ``ordinal`` tells
    them apart, so that re-reading one (load.reread) never gives back another. The first of a line has
    none: the origin of a document alone on its line is what it always was. It is not shown: the printed
    origin, which users see and the ledger keeps, stays the file and the line."""

    source: str  # the path as the user gave it (what opens the file), or "<stdin>"
    line: int | None = None  # 1-based line where the document starts; None for a whole-file error
    record: str | None = None  # the shop record's own id, for a document that convert made from it
    ordinal: int | None = None  # 0-based place among the documents that start on its line; None for 0

    def __str__(self) -> str:
        """For people and the ledger: the name escaped (display_name), the line, and the shop's record id
        of a converted document."""
        name = display_name(self.source)
        where = name if self.line is None else f"{name}:{self.line}"
        return where if self.record is None else f"{where} (record {printable(self.record)})"


class Finding(NamedTuple):
    """One problem with a document: a JSON path (None for the whole file), a message and a severity."""

    path: str | None
    message: str
    severity: Severity = Severity.ERROR

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "message": self.message, "severity": self.severity.value}


# --- identity: what makes two documents the same cart or order ------------------------------------------

CHECKOUT = "externalcheckoutid"  # a cart's id in the shop; an order that recovers the cart keeps it
EXTERNAL = "externalid"  # an order's id in the shop


def blank(value: Any) -> bool:
    """An id field that says nothing: absent, null or empty. The API treats them alike."""
    return value is None or value == ""


def ids(order: Any) -> tuple[str | None, str | None]:
    """(externalcheckoutid, externalid) as strings, None where blank."""
    if not isinstance(order, dict):
        return None, None
    checkout, ext = order.get(CHECKOUT), order.get(EXTERNAL)
    return (None if blank(checkout) else str(checkout)), (None if blank(ext) else str(ext))


def own_id(order: Any) -> tuple[str, str] | None:
    """The field and value that name this record: an order by its externalid, a cart by its checkout id."""
    checkout, ext = ids(order)
    if ext is not None:
        return EXTERNAL, ext
    if checkout is not None:
        return CHECKOUT, checkout
    return None


def is_cart(order: Any) -> bool:
    """A cart has a checkout id and no order id; the API then needs abandonedDate."""
    checkout, ext = ids(order)
    return ext is None and checkout is not None


def connection_of(order: Any) -> str:
    """The connectionid as the ledger and the batch check key it ("" when missing)."""
    return str(order.get("connectionid", "")) if isinstance(order, dict) else ""


def sendable(order: dict[str, Any]) -> dict[str, Any]:
    """The order as the document allows it to be sent. Blank ids are left out (the API treats absent, null
    and empty alike, and the document types them as strings), and so is an order's ``externalcheckoutid``
    without ``abandonedDate``: the document requires the date whenever the checkout id is sent. A PUT onto
    the cart's record keeps the checkout id the record has; a POST creates the order by its externalid. (A
    cart without the date is refused at validate, or by the server: it has no other id to go by.) The
    ledger keeps this body, what was really sent, for verify to compare with the account."""
    body = {k: v for k, v in order.items() if not (k in (CHECKOUT, EXTERNAL) and blank(v))}
    if EXTERNAL in body and CHECKOUT in body and blank(body.get("abandonedDate")):
        del body[CHECKOUT]
    return body


@dataclass(slots=True)
class Document:
    """One parsed document with its origin. ``data`` is None when the file could not be read or parsed,
    and ``findings`` then holds the reason."""

    origin: Origin
    data: Any = None
    findings: list[Finding] = field(default_factory=list)
    # hash of the document's source text, when the loader had it (cheap identity)
    text_hash: int | None = None

    @property
    def order(self) -> dict[str, Any] | None:
        """The order object, whether the document is the ``{"ecomOrder": ...}`` envelope or a bare order."""
        data = self.data
        if isinstance(data, dict):
            if "ecomOrder" in data:
                inner = data["ecomOrder"]
                return inner if isinstance(inner, dict) else None
            return data
        return None

    @property
    def valid(self) -> bool:
        findings = self.findings
        return not findings or not any(f.severity is Severity.ERROR for f in findings)

    @property
    def key(self) -> tuple[str | None, str | None]:
        """(externalcheckoutid, externalid) as strings, for identifying the cart in messages and the
        ledger."""
        return ids(self.order)

    @property
    def warnings(self) -> list[Finding]:
        """What validate warned about (not errors, not notes): push shows them beside the cart's result."""
        findings = self.findings
        return [f for f in findings if f.severity is Severity.WARNING] if findings else []


def canonical_json(order: Any) -> str:
    """One text per content, whatever the key order or spacing: what "same content" means everywhere."""
    return json.dumps(order, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_bytes(order: Any) -> bytes:
    """canonical_json as UTF-8, byte for byte, but several times faster (orjson): ledgers keep the hash of
    it, so it must never change, and a push rerun hashes every cart. orjson writes the same text as
    json.dumps(sort_keys=True, ensure_ascii=False) except for floats in exponent form (1e-05 / 1e-5,
    1e+16 / 1e16, 1e-05 / 0.00001); it refuses integers past 64 bits and anything that is not JSON. json
    writes those."""
    import orjson

    if not _awkward_floats(order):
        try:
            return orjson.dumps(order, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            pass
    return canonical_json(order).encode("utf-8", "surrogatepass")


def _awkward_floats(value: Any) -> bool:
    """Any float json and orjson write differently (outside 1e-4 <= |x| < 1e16)? Carts rarely hold floats."""
    stack = [value]
    while stack:
        node = stack.pop()
        for item in node.values() if isinstance(node, dict) else node:
            kind = item.__class__
            if kind is str or kind is int:  # nearly every value of a cart
                continue
            if isinstance(item, float):
                if item and not 1e-4 <= abs(item) < 1e16:
                    return True
            elif isinstance(item, (dict, list, tuple)):
                stack.append(item)
    return False


@dataclass(slots=True)
class ValidateSummary:
    """Counts for the end of a validate; reporters render it."""

    documents: int = 0
    valid: int = 0
    invalid: int = 0
    warnings: int = 0
    files: int = 0
    stopped: str | None = None  # why the run stopped before its end (Ctrl-C, an error), if it did

    def add(self, doc: Document) -> None:
        self.documents += 1
        if not doc.findings:  # the common case, once per document
            self.valid += 1
            return
        if doc.valid:
            self.valid += 1
        else:
            self.invalid += 1
        self.warnings += sum(1 for f in doc.findings if f.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        return self.invalid == 0 and self.stopped is None

    @property
    def status(self) -> ExitStatus:
        return ExitStatus.OK if self.ok else ExitStatus.INVALID

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "valid": self.valid,
            "invalid": self.invalid,
            "warnings": self.warnings,
            "files": self.files,
            **({"stopped": self.stopped} if self.stopped is not None else {}),  # a run that ended: no key
        }


class Action(str, Enum):
    """What push did (or would do) with one document."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    RECOVERED = "recovered"
    INVALID = "invalid"
    REJECTED = "rejected"
    FAILED = "failed"
    PLANNED = "planned"
    SKIPPED = "skipped"  # not attempted: the run stopped first (403, Ctrl-C)
    IGNORED = "ignored"  # a converted shop record not to send (guest without email, not yet abandoned)


@dataclass(slots=True)
class PushResult:
    origin: Origin
    externalcheckoutid: str | None
    externalid: str | None
    action: Action
    id: str | None = None
    status: int | None = None
    errors: list[Finding] = field(default_factory=list)
    planned: str | None = None  # for --dry-run: "create", "update", "recover", "unchanged"
    # what validate warned about a cart it let through (--strict refuses them): push must not hide it
    warnings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": display_name(self.origin.source),
            "line": self.origin.line,
            "externalcheckoutid": self.externalcheckoutid,
            "externalid": self.externalid,
            "action": self.action.value,
            "id": self.id,
            "status": self.status,
            "errors": [{"path": e.path, "message": e.message} for e in self.errors],
            "warnings": [{"path": w.path, "message": w.message} for w in self.warnings],
        }
        if self.planned is not None:
            out["plan"] = self.planned
        if self.origin.record is not None:  # converted from a shop's record: its id
            out["record"] = self.origin.record
        return out


@dataclass(slots=True)
class PushSummary:
    """Counts for the end of a push; reporters render it, the CLI maps it to an exit status."""

    counts: dict[str, int] = field(default_factory=lambda: {a.value: 0 for a in Action})
    elapsed: float = 0.0
    requests: int = 0
    rate_limited: int = 0
    stopped: str | None = None  # why the run stopped early (403, Ctrl-C), if it did
    warnings: int = 0  # validate's warnings about the carts of this run, as validate's summary counts them
    dry_run: bool = False  # push --dry-run: nothing was sent, so no rate to speak of

    def add(self, result: PushResult) -> None:
        self.counts[result.action._value_] += 1  # not .value: a property, and a rerun adds 10,000 results
        if result.warnings:
            self.warnings += len(result.warnings)

    @property
    def sent(self) -> int:
        done = (Action.CREATED, Action.UPDATED, Action.UNCHANGED, Action.RECOVERED)
        return sum(self.counts[a.value] for a in done)

    @property
    def ok(self) -> bool:
        bad = (Action.INVALID, Action.REJECTED, Action.FAILED, Action.SKIPPED)
        return self.stopped is None and not any(self.counts[a.value] for a in bad)

    @property
    def status(self) -> ExitStatus:
        """What the results say, for a run that was not stopped (a stop has its exception's status)."""
        counts = self.counts
        if counts[Action.FAILED.value] or counts[Action.SKIPPED.value]:
            return ExitStatus.TEMPORARY
        if counts[Action.INVALID.value] or counts[Action.REJECTED.value]:
            return ExitStatus.INVALID
        return ExitStatus.OK

    @property
    def carts_per_second(self) -> float:
        pushed = self.sent - self.counts[Action.UNCHANGED.value]
        return pushed / self.elapsed if self.elapsed > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in self.counts.items()}
        out.update(
            elapsed=round(self.elapsed, 3),
            carts_per_second=round(self.carts_per_second, 2),
            requests=self.requests,
            rate_limited=self.rate_limited,
            warnings=self.warnings,
            stopped=self.stopped,
        )
        return out
