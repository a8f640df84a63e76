"""The Validator: one document at a time through the schema and the extra checks, then the batch-wide
duplicate check and --strict in input order.

The part a document decides alone (``check_alone``) is safe to run in a worker process; the part that
needs the whole batch (``settle``) runs in the parent, so a parallel run says what a sequential one does.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cached_property
from typing import Any, NamedTuple

from acorders.load import reread
from acorders.load.read import Loader
from acorders.models import Document, Finding, Origin, Severity, blank
from acorders.validate import batch, checks, schema, text
from acorders.validate.messages import RESOLVED_AT_PUSH, schema_findings


class ValidateOptions(NamedTuple):
    strict: bool = False  # warnings become errors
    connection: str | None = None  # default connectionid for documents that have none
    now: datetime | None = None  # for tests; None means the real clock


class Validator:
    """Checks documents one at a time; remembers ids across the batch for the duplicate check.

    ``loader`` is what made the documents when it is not the load stage (--from: the Converter); a
    document read again goes through it, so a converted cart is converted again, never taken for the
    shop's raw record. validate's ``run`` and push's ``prepare`` set it from the loader they are given."""

    def __init__(self, options: ValidateOptions | None = None, loader: Loader | None = None) -> None:
        self.options = options if options is not None else ValidateOptions()
        self.loader = loader
        self._batch = batch.BatchIds(recheck=self._same_content)
        self._fields = schema.field_kinds()
        self._required = schema.required_of_order()
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

    def check_alone(self, doc: Document) -> batch.Fingerprint | None:
        """What can be decided from the document alone (schema, extra checks): safe to run in a worker
        process. Returns its fingerprint for the batch-wide duplicate check, which ``settle`` does."""
        if doc.data is None and doc.findings:
            return None
        order = doc.order
        if order is not None and "connectionid" not in order and self.options.connection is not None:
            order["connectionid"] = self.options.connection
        findings = doc.findings
        unencodable = text.unencodable(doc.data)  # before the schema: jsonschema-rs refuses such keys
        if unencodable:
            findings.extend(unencodable)
        try:
            # valid, and no undocumented field: the usual case; not worth asking of an order that lacks a
            # required field (every converted cart lacks the customerid that push resolves)
            complete = order is None or order.keys() >= self._required
            known_only = complete and self._closed.is_valid(doc.data)
            customer = not known_only and self._only_customer_missing(doc.data, order)
            valid = known_only or customer or self._rs.is_valid(doc.data)
        except ValueError as exc:  # outside the JSON model (loaders refuse it; a guard for other callers)
            if not unencodable:
                findings.append(Finding(None, f"not JSON data: {exc}"))
            return None
        if customer:  # what the full schema says of such a cart, and all it says
            known_only = True
            findings.append(
                Finding(
                    "ecomOrder.customerid" if order is not doc.data else "customerid",
                    RESOLVED_AT_PUSH,
                    Severity.INFO,
                )
            )
        elif not valid:
            findings.extend(schema_findings(self._rs, doc.data, self._fields))
        if order is None:
            return None
        prefix = "ecomOrder" if order is not doc.data else ""
        findings.extend(text.id_findings(order, prefix))
        warnings = checks.order_warnings(order, prefix, self._fields, self._now, known_only)
        if warnings:
            findings.extend(warnings)
        if order is not doc.data:  # the envelope: its other members (and the ecomCustomer) are checked
            findings.extend(checks.envelope_warnings(doc.data, order, self._fields, known_only))
        if unencodable:  # findings may quote such strings: make them safe to print and store
            doc.findings = [text.escaped(f) for f in findings]
        if not doc.valid:  # only what would be sent can conflict
            return None
        return batch.fingerprint(order, prefix, doc.text_hash)

    def _only_customer_missing(self, data: Any, order: dict[str, Any] | None) -> bool:
        """A cart whose one fault is the customerid push resolves (every converted cart): with any id in
        its place it passes the closed schema, so the full schema would say only that, as an info. The
        full schema costs twice the closed one and its errors more again, for every such cart."""
        if order is None or "customerid" in order or blank(order.get("email")):
            return False
        probe = {**order, "customerid": 1}
        return bool(self._closed.is_valid(probe if order is data else {**data, "ecomOrder": probe}))

    def _same_content(self, a: Origin, b: Origin) -> bool:
        """Two documents with the same id whose texts differ: is their content the same all the same?"""
        docs = [self.reread(origin) for origin in (a, b)]
        orders = [doc.order if doc is not None else None for doc in docs]
        if orders[0] is None or orders[1] is None:
            return False
        return batch.canonical_hash(orders[0]) == batch.canonical_hash(orders[1])

    def reread(self, origin: Origin) -> Document | None:
        """The document at ``origin`` read again from its file, through the loader that made it, defaults
        applied; None if gone."""
        doc = reread(origin) if self.loader is None else reread(origin, self.loader)
        order = doc.order if doc is not None else None
        if order is not None and "connectionid" not in order and self.options.connection is not None:
            order["connectionid"] = self.options.connection
        return doc

    def settle(self, doc: Document, fingerprint: batch.Fingerprint | None) -> Document:
        """The batch-wide part, in input order: duplicates across documents, then --strict."""
        if fingerprint is not None:
            conflict = self._batch.check(fingerprint, doc.origin)
            if conflict:
                doc.findings.extend(conflict)
        if self.options.strict and doc.findings:
            doc.findings = [_escalate(f) for f in doc.findings]
        return doc


def _escalate(finding: Finding) -> Finding:
    if finding.severity is Severity.WARNING:
        return Finding(finding.path, finding.message, Severity.ERROR)
    return finding
