"""Prepare: load and validate (on every core for many files), and settle the unchanged from the ledger.

A cron rerun over thousands of unchanged carts must cost about a validate: the plan of each valid cart
is made beside its checks, in the worker processes, against one snapshot of the ledger, and only the
carts that need a request come back with their data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from acorders.models import Action, Document, Finding, PushResult
from acorders.push.ledger import Ledger, content_hash
from acorders.push.plan import decide, result_for
from acorders.validate import batch
from acorders.validate.batch import Fingerprint
from acorders.validate.parallel import check_sources, named
from acorders.validate.validator import Validator


@dataclass
class Prepared:
    """Loaded, validated and planned from the ledger: what is invalid, what is settled without a request
    (unchanged, or ignored: a converted shop record skipped with a reason), and what must be sent."""

    invalid: list[Document]
    unchanged: list[PushResult]
    send: list[Document]


def prepare(
    sources: Iterable[Any],
    validator: Validator,
    account: str,
    ledger: Ledger | None,
    stdin: Any = None,
    *,
    dry_run: bool = False,
    loader: Callable[[Any, Any], Iterable[Document]] | None = None,
) -> Prepared:
    """Load and validate (on every core for many files) and settle the unchanged carts against one
    snapshot of the ledger, so a rerun over thousands of unchanged carts costs about a validate.
    ``loader`` (push --from) makes the documents from a shop's export instead of the load stage; the
    validator reads a document again through it too (a cart the batch holds twice, whose data stayed in
    a worker, is sent as converted)."""
    if loader is not None:
        validator.loader = loader
    view = ledger.snapshot(account) if ledger is not None else None

    def classify(doc: Document) -> Any:  # runs in the worker processes
        order = doc.order
        assert order is not None
        plan = decide(order, account, view, content_hash(order))
        if plan.step == "unchanged" and not dry_run:
            return ("unchanged", plan.ac_id, plan.note, *doc.key)
        return ("send", doc.data)

    prepared = Prepared([], [], [])
    held: list[tuple[Document, Any, Any]] = []
    keys: dict[int, int] = {}
    for _, results in check_sources(sources, validator, stdin, classify, loader):
        for doc, fingerprint, extra in results:
            validator.settle(doc, fingerprint)
            if not doc.valid:
                prepared.invalid.append(_with_ids(doc, extra))
                continue
            if extra is None:  # no order to send: a shop record convert skipped, with its reason
                prepared.unchanged.append(
                    result_for(doc, Action.IGNORED, errors=list(doc.findings), warnings=[])
                )
                continue
            if fingerprint is not None:
                keys[fingerprint.key] = keys.get(fingerprint.key, 0) + 1
            held.append((doc, fingerprint, extra))
    _settle_unchanged(held, keys, prepared, validator)
    return prepared


def _with_ids(doc: Document, verdict: Any) -> Document:
    """A document that a worker found valid but this process did not (--strict and a duplicate in the
    batch) came back without its data: the verdict has what names the cart, for its row."""
    if doc.data is None and verdict is not None:
        doc.data = verdict[1] if verdict[0] == "send" else named(verdict[3:5])
    return doc


def _settle_unchanged(
    held: list[tuple[Document, Any, Any]], keys: dict[int, int], prepared: Prepared, validator: Validator
) -> None:
    """Unchanged carts become results without a request, unless the batch holds the same cart twice;
    the rest go to ``prepared.send`` with their data."""
    unchanged = prepared.unchanged.append
    for doc, fingerprint, verdict in held:
        repeated = fingerprint is not None and keys[fingerprint.key] > 1
        if verdict[0] == "unchanged" and not repeated:
            # the ids travel with the verdict: the data stayed in the worker
            _, ac_id, note, checkout, ext = verdict
            notes = [Finding(None, note)] if note else []
            result = PushResult(doc.origin, checkout, ext, Action.UNCHANGED, ac_id, None, notes)
            result.warnings = doc.warnings
            unchanged(result)
            continue
        if verdict[0] == "send":
            doc.data = verdict[1]
        elif doc.data is None:  # the same cart twice in the batch: send both, in order; re-read this one
            doc.data = _as_checked(doc, fingerprint, validator)
            if doc.data is None:
                _, _, _, checkout, ext = verdict
                unchanged(
                    PushResult(doc.origin, checkout, ext, Action.FAILED, errors=[Finding(None, CHANGED)])
                )
                continue
        prepared.send.append(doc)


CHANGED = "the file changed (or went) since it was checked: not sent; rerun to push what it holds now"


def _as_checked(doc: Document, fingerprint: Fingerprint, validator: Validator) -> Any:
    """The data of ``doc`` read again from its file, only if it is what was validated (the same cart and
    content, as the batch check's fingerprint says them); None otherwise: a file rewritten in between
    would be sent unchecked."""
    again = validator.reread(doc.origin)
    if again is None or again.order is None:
        return None
    now = batch.fingerprint(again.order, "", again.text_hash)
    same = now is not None and (now.key, now.content, now.exact) == fingerprint[:3]
    return again.data if same else None
