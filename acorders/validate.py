"""Validate: the bundled schema plus the checks no one else makes, turned into findings a person can act on.

The schema decides validity; this module only rewords jsonschema-rs's errors (``"49.99" does not match
"^(0|[1-9]..."`` becomes "amounts are integer cents: send 4999") and adds the extra checks of
``acorders.checks``. Nothing here prints or exits.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sized
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from typing import Any, NamedTuple

from acorders import checks, schema
from acorders.models import Document, Finding, Origin, Severity

CONNECTION_HINT = (
    "set connectionid in the file, or configure a default connection: --connection ID, "
    "ACTIVECAMPAIGN_CONNECTION_ID, or connection = \"ID\" in the profile (see `acorders connections list`)"
)
RESOLVED_AT_PUSH = "customerid is missing: push looks up (or creates) the ecomCustomer for this email and connection"


class ValidateOptions(NamedTuple):
    strict: bool = False  # warnings become errors
    connection: str | None = None  # default connectionid for documents that have none
    now: datetime | None = None  # for tests; None means the real clock


@dataclass(slots=True)
class Summary:
    documents: int = 0
    valid: int = 0
    invalid: int = 0
    warnings: int = 0
    files: int = 0

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
        return self.invalid == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "valid": self.valid,
            "invalid": self.invalid,
            "warnings": self.warnings,
            "files": self.files,
        }


class Validator:
    """Checks documents one at a time; remembers ids across the batch for the duplicate check."""

    def __init__(self, options: ValidateOptions | None = None) -> None:
        self.options = options if options is not None else ValidateOptions()
        self._batch = checks.BatchIds(recheck=self._same_content)
        self._fields = schema.field_kinds()
        # one clock reading per run, in UTC: comparing with the local zone costs 10x more, for every cart
        self._now = (self.options.now or datetime.now(timezone.utc)).astimezone(timezone.utc)

    @property
    def worker_options(self) -> ValidateOptions:
        """The options a worker process needs to check as this validator does, this run's clock included."""
        return self.options._replace(now=self._now)

    @cached_property
    def _rs(self) -> Any:
        """Compiled where first used: in each worker process for a big batch, while the parent still walks
        the directories (importing jsonschema-rs and compiling cost ~15 ms)."""
        return schema.compiled()

    @cached_property
    def _closed(self) -> Any:
        return schema.compiled_closed()

    def check(self, doc: Document) -> Document:
        """Add the document's findings and return it. A document that did not load is left as it is."""
        return self.settle(doc, self.check_alone(doc))

    def check_alone(self, doc: Document) -> checks.Fingerprint | None:
        """What can be decided from the document alone (schema, extra checks): safe to run in a worker
        process. Returns its fingerprint for the batch-wide duplicate check, which ``settle`` does."""
        if doc.data is None and doc.findings:
            return None
        order = doc.order
        if order is not None and "connectionid" not in order and self.options.connection is not None:
            order["connectionid"] = self.options.connection
        findings = doc.findings
        try:
            known_only = self._closed.is_valid(doc.data)  # valid, and no undocumented field: the usual case
            valid = known_only or self._rs.is_valid(doc.data)
        except ValueError as exc:  # data outside the JSON model (loaders refuse it; a guard for other callers)
            findings.append(Finding(None, f"not JSON data: {exc}"))
            return None
        if not valid:
            findings.extend(self._schema_findings(doc.data))
        if order is None:
            return None
        prefix = "ecomOrder" if order is not doc.data else ""
        warnings = checks.order_warnings(order, prefix, self._fields, self._now, known_only)
        if warnings:
            findings.extend(warnings)
        if not known_only and isinstance(doc.data, dict):
            findings.extend(checks.envelope_warnings(doc.data))
        if not doc.valid:  # only what would be sent can conflict
            return None
        return checks.fingerprint(order, prefix, doc.text_hash)

    def _same_content(self, a: Origin, b: Origin) -> bool:
        """Two documents with the same id whose texts differ: is their content the same all the same?"""
        docs = [self._reread(origin) for origin in (a, b)]
        orders = [doc.order if doc is not None else None for doc in docs]
        if orders[0] is None or orders[1] is None:
            return False
        return checks.canonical_hash(orders[0]) == checks.canonical_hash(orders[1])

    def reload(self, origin: Origin) -> Any:
        """The data of the document at ``origin`` read again from its file, defaults applied; None if gone."""
        doc = self._reread(origin)
        return doc.data if doc is not None else None

    def _reread(self, origin: Origin) -> Document | None:
        from acorders.load import EXTENSIONS, Source, load_source

        if not os.path.isfile(origin.source):
            return None
        fmt = EXTENSIONS.get(os.path.splitext(origin.source)[1].lower(), "json")
        for doc in load_source(Source(origin.source, origin.source, fmt)):
            order = doc.order
            if doc.origin.line == origin.line and order is not None:
                if "connectionid" not in order and self.options.connection is not None:
                    order["connectionid"] = self.options.connection
                return doc
        return None

    def settle(self, doc: Document, fingerprint: checks.Fingerprint | None) -> Document:
        """The batch-wide part, in input order: duplicates across documents, then --strict."""
        if fingerprint is not None:
            conflict = self._batch.check(fingerprint, doc.origin)
            if conflict:
                doc.findings.extend(conflict)
        if self.options.strict and doc.findings:
            doc.findings = [_escalate(f) for f in doc.findings]
        return doc

    def _schema_findings(self, data: Any) -> list[Finding]:
        out: list[Finding] = []
        for error in self._rs.iter_errors(data):
            finding = self._finding(error, data)
            if finding is not None and finding not in out:
                out.append(finding)
        return out

    def _finding(self, error: Any, data: Any) -> Finding | None:
        where = list(error.instance_path)
        kind = type(error.kind).__name__
        if kind == "Required":
            name = error.kind.property
            path = format_path([*where, name])
            if name == "customerid" and _has(data, where, "email"):
                return Finding(path, RESOLVED_AT_PUSH, Severity.INFO)
            if name == "connectionid":
                return Finding(path, f"required field connectionid is missing: {CONNECTION_HINT}")
            return Finding(path, f"required field {name} is missing")
        if kind in ("AnyOf", "OneOf", "If", "Not") or (kind == "Type" and not where):
            if not where and not isinstance(data, dict):
                return Finding(None, f"a document must be an order object, not {_json_type(data)}")
        return Finding(format_path(where), self._message(kind, error, where))

    def _message(self, kind: str, error: Any, where: list[Any]) -> str:
        value = error.instance
        ref = self._ref_of(where)
        if ref in ("cents", "int32", "id") and kind in ("Type", "Pattern", "Minimum", "Maximum"):
            return _integer_message(ref, value)
        if kind == "Enum" and ref == "currency":
            upper = value.upper() if isinstance(value, str) else None
            if upper is not None and upper in schema.currencies():
                return f"currency {value!r} must be upper case: {upper!r}"
            return f"{_show(value)} is not an ISO 4217 currency code (3 letters, e.g. USD, EUR, GBP)"
        if kind == "Enum" and ref == "source":
            return f"source must be 0 (historical sync) or 1 (real-time; starts automations), not {_show(value)}"
        if kind == "Format":
            return _format_message(error.kind.format, value)
        if kind == "MinLength" and value == "":
            return "must not be empty"
        if kind == "Type":
            return f"must be {_types(error.kind.types)}, not {_json_type(value)}"
        if kind == "Enum":
            options = ", ".join(_show(o) for o in error.kind.options)
            return f"{_show(value)} is not one of {options}"
        return str(error.message)

    def _ref_of(self, where: list[Any]) -> str | None:
        """The $defs name of the field at ``where``: order fields, or fields of a product or discount."""
        names = [p for p in where if isinstance(p, str) and p != "ecomOrder"]
        if not names:
            return None
        last = names[-1]
        if len(names) >= 2 and names[-2] in ("orderProducts", "orderDiscounts") and isinstance(where[-2], int):
            kind = "orderProduct" if names[-2] == "orderProducts" else "orderDiscount"
            return self._fields[kind].get(last)
        if len(names) == 1:
            return self._fields["order"].get(last)
        return None


def _escalate(finding: Finding) -> Finding:
    if finding.severity is Severity.WARNING:
        return Finding(finding.path, finding.message, Severity.ERROR)
    return finding


def _has(data: Any, where: list[Any], name: str) -> bool:
    node = data
    for part in where:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(node, dict) and node.get(name) not in (None, "")


def format_path(parts: Iterable[Any]) -> str | None:
    """["ecomOrder", "orderProducts", 1, "price"] -> "ecomOrder.orderProducts[1].price"."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or None


_DECIMAL = re.compile(r"^\s*-?\d*\.\d+\s*$")


def _integer_message(ref: str, value: Any) -> str:
    if ref == "cents":
        if isinstance(value, float) and value.is_integer():
            return f"amounts are integer cents: write {int(value)}, not the decimal {value}"
        if isinstance(value, float) or (isinstance(value, str) and _DECIMAL.match(value)):
            try:
                cents = round(float(value) * 100)
                hint = f"; if {value} is {'dollars' if '.' in str(value) else 'an amount'}, send {cents}"
            except ValueError:
                hint = ""
            return f"amounts are integer cents (4999 for 49.99), not {_show(value)}{hint}"
        return f"amounts are integer cents from 0 to 2147483647, as a number or a string of digits, not {_show(value)}"
    what = "an id" if ref == "id" else "a whole number"
    return f"must be {what} from 0 to 2147483647 (a number or a string of digits), not {_show(value)}"


_FORMATS = {
    "date-time": "an RFC 3339 date-time with a UTC offset, e.g. 2016-09-13T17:41:39-04:00",
    "email": "an email address",
    "uri": "an absolute URL, e.g. https://example.com/cart/123",
}
_NO_OFFSET = re.compile(r"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(:\d\d(\.\d+)?)?$")


def _format_message(fmt: str, value: Any) -> str:
    expected = _FORMATS.get(fmt, f"a valid {fmt}")
    if fmt == "date-time" and isinstance(value, str) and _NO_OFFSET.match(value):
        return f"{_show(value)} has no UTC offset: write it as {expected}"
    return f"{_show(value)} is not {expected}"


def _show(value: Any) -> str:
    if value is None:
        return "null"
    text = repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _types(types: Any) -> str:
    names = [str(t) for t in (types if isinstance(types, (list, tuple)) else [types])]
    return " or ".join(f"a{'n' if n[0] in 'aeiou' else ''} {n}" for n in names)


def run(sources: Iterable[Any], validator: Validator, reporter: Any, stdin: Any = None) -> Summary:
    """validate PATH...: every document of every source, checked and handed to the reporter as it goes.

    Many files are checked on every core (acorders.workers); the result is the same, in the same order."""
    from acorders import workers

    summary = Summary()
    reporter.start(len(sources) if isinstance(sources, Sized) else None)  # a walk still going has no count

    settle, add, item = validator.settle, summary.add, reporter.item  # once per document: keep it lean
    for files, results in workers.check_sources(sources, validator, stdin):
        for doc, fingerprint, _ in results:
            settle(doc, fingerprint)
            add(doc)
            item(doc)
        if files:
            summary.files += files
            reporter.advance(files)
    reporter.finish(summary)
    return summary
