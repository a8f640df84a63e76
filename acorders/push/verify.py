"""Verify: compare the account's orders with the ledger and the files, without changing anything.

Four classes, by what the user has to do about them:

- missing: the ledger (or a file) has it, ActiveCampaign does not (deleted there, or it never arrived);
- drifted: ActiveCampaign has it with content different from what was last sent (a file whose content is
  the one the ledger last sent is the reference; compared semantically, see ``differences``);
- duplicated: the same connection and own id (``models.own_id``) more than once, whoever created them;
- unknown: ActiveCampaign has it, the ledger does not (another tool, another machine, a lost ledger).

One listing of each connection's orders is the whole cost: ``read_listing`` pages it, several passes when
the server's order of rows moves between pages, until the distinct records add up to its total.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from acorders.errors import RequestFailed
from acorders.models import CHECKOUT, EXTERNAL, Document, blank, connection_of, own_id
from acorders.push.ledger import DONE, Entry, Key, content_hash

PAGE = 100
PASSES = 10  # passes read while rows moved between pages (the distinct rows short of the total)
CLASSES = ("missing", "drifted", "duplicated", "unknown")
DATES = frozenset({"externalCreatedDate", "externalUpdatedDate", "abandonedDate"})
CASELESS = frozenset({"currency", "email"})
# source: every update is sent as a re-sync (source 0, send._resync), so a record updated once says 0
NOT_COMPARED = frozenset({"orderProducts", "orderDiscounts", "id", "source"})
FIELD_OF_KIND = {"order": EXTERNAL, "cart": CHECKOUT}
KIND_OF_FIELD = {EXTERNAL: "order", CHECKOUT: "cart"}

Ident = tuple[str, str, str]  # (connection, field, value): one record's identity on one connection


@dataclass
class Difference:
    """One record that differs, and (for --fix) what to do about it."""

    cls: str
    ident: Ident
    ids: list[str]
    detail: str
    doc: Document | None = None  # the file that identifies it, when one does
    entry: Entry | None = None  # the ledger's entry, when it has one
    body: dict[str, Any] | None = None  # what the ledger last sent, when it kept it
    keep: str | None = None  # duplicated: the record kept; the other ids are the redundant ones
    fix: str | None = None  # what --fix does (or did)
    fixed: bool | None = None

    @property
    def key(self) -> str:
        connection, name, value = self.ident
        return f"{connection}/{name}/{value}"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"class": self.cls, "key": self.key, "ids": self.ids, "detail": self.detail}
        if self.fix is not None:
            out["fix"] = self.fix
            out["fixed"] = self.fixed
        return out


@dataclass
class Listing:
    """Every order of the configured connections, by identity; how many requests that took."""

    groups: dict[Ident, list[dict[str, Any]]] = field(default_factory=dict)
    requests: int = 0
    records: int = 0


def read_listing(client: Any, connection: str) -> tuple[list[dict[str, Any]], int]:
    """Every order of ``connection`` and the requests it took. Pages are offset by what was read; rows seen
    in any pass are kept by id, and another pass is read while the distinct rows fall short of the total
    (a server whose order moves between pages skips some rows in one pass, not in all)."""
    seen: dict[str, dict[str, Any]] = {}
    requests = 0
    total: int | None = None
    for _ in range(PASSES):
        offset = 0
        while True:
            page, total = client.list_orders(connectionid=connection, limit=PAGE, offset=offset)
            requests += 1
            for record in page:
                seen[str(record.get("id"))] = record
            offset += len(page)
            if not page or (total is not None and offset >= total):
                break
        if total is None or len(seen) >= total:
            return list(seen.values()), requests
    raise RequestFailed(
        f"GET /ecomOrders: the listing of connection {connection} does not add up after {PASSES} passes "
        f"(meta.total says {total}, {len(seen)} distinct records)",
        None,
    )


def group_records(records: Iterable[dict[str, Any]], connection: str, listing: Listing) -> None:
    """File each record of the connection under its own id, oldest (smallest id) first."""
    for record in records:
        if connection_of(record) != connection:
            continue
        own = own_id(record)
        if own is None:
            continue
        listing.records += 1
        listing.groups.setdefault((connection, own[0], own[1]), []).append(record)
    for group in listing.groups.values():
        group.sort(key=_age)


def _age(record: Mapping[str, Any]) -> tuple[int, str]:
    text = str(record.get("id"))
    return (int(text), text) if text.isdigit() else (1 << 62, text)


def ledger_idents(entries: Iterable[Entry]) -> dict[Ident, Entry]:
    """The ledger's settled records by identity; a cart that became an order is the order's entry."""
    out: dict[Ident, Entry] = {}
    for entry in entries:
        key = entry.key
        if entry.state != DONE or not entry.ac_id or entry.recovered_to or key.kind not in FIELD_OF_KIND:
            continue
        out[(key.connection, FIELD_OF_KIND[key.kind], key.ext)] = entry
    return out


def file_idents(docs: Iterable[Document]) -> dict[Ident, Document]:
    """The files' documents by identity (the last one of a cart is what a push would send)."""
    out: dict[Ident, Document] = {}
    for doc in docs:
        order = doc.order
        own = own_id(order)
        if order is not None and own is not None:
            out[(connection_of(order), own[0], own[1])] = doc
    return out


def sent_bodies(
    sent: Mapping[tuple[str, str, str], tuple[str, dict[str, Any]]], known: Mapping[Ident, Entry]
) -> dict[Ident, dict[str, Any]]:
    """The bodies the ledger last sent, by identity, where they are of the content its entry has."""
    out: dict[Ident, dict[str, Any]] = {}
    for (connection, kind, ext), (digest, body) in sent.items():
        ident = (connection, FIELD_OF_KIND.get(kind, ""), ext)
        entry = known.get(ident)
        if entry is not None and entry.hash == digest:
            out[ident] = body
    return out


def key_of(ident: Ident, account: str) -> Key:
    return Key(account, ident[0], KIND_OF_FIELD[ident[1]], ident[2])


def compare(
    listing: Listing,
    known: dict[Ident, Entry],
    files: dict[Ident, Document],
    sent: Mapping[Ident, dict[str, Any]] | None = None,
) -> list[Difference]:
    """Every difference between the account, the ledger and the files, in a stable order."""
    beside = _carts_beside_orders(listing, known, files)
    out: list[Difference] = []
    sent = sent or {}
    for ident in sorted(set(known) | set(files) | set(listing.groups)):
        if ident in beside:
            out.append(beside[ident])
            continue
        found = _classify(ident, listing.groups.get(ident, []), known.get(ident), files.get(ident), sent)
        out.extend(found)
    return out


def _carts_beside_orders(
    listing: Listing, known: Mapping[Ident, Entry], files: Mapping[Ident, Document]
) -> dict[Ident, Difference]:
    """Cart records whose externalcheckoutid an order record of the connection carries too: the order is
    that cart, recovered; the cart records beside it are duplicates (another tool pushed the cart again).
    The order is kept; they are redundant if the ledger or the files know the order or the cart."""
    orders: dict[tuple[str, str], tuple[Ident, dict[str, Any]]] = {}
    for ident, group in listing.groups.items():
        checkout = group[0].get(CHECKOUT)
        if ident[1] == EXTERNAL and not blank(checkout):
            orders.setdefault((ident[0], str(checkout)), (ident, group[0]))
    out: dict[Ident, Difference] = {}
    for ident, group in listing.groups.items():
        found = orders.get((ident[0], ident[2])) if ident[1] == CHECKOUT else None
        cart = known.get(ident)
        if found is None or (cart is not None and cart.ac_id in {str(r.get("id")) for r in group}):
            continue  # no order carries it, or the ledger's own cart record: never deleted for another's
        order_ident, record = found
        keep = str(record.get("id"))
        ids = sorted({keep, *(str(r.get("id")) for r in group)}, key=lambda i: _age({"id": i}))
        detail = (
            f"{len(group)} cart record(s) beside order {order_ident[2]} ({keep}), which it became; keep it"
        )
        doc = files.get(order_ident) or files.get(ident)
        out[ident] = Difference("duplicated", ident, ids, detail, doc, known.get(order_ident), keep=keep)
    return out


def _classify(
    ident: Ident,
    group: list[dict[str, Any]],
    entry: Entry | None,
    doc: Document | None,
    sent: Mapping[Ident, dict[str, Any]],
) -> list[Difference]:
    ids = [str(r.get("id")) for r in group]
    where = f"in {doc.origin}" if doc is not None else f"in the ledger as {entry.ac_id}" if entry else ""
    body = sent.get(ident)
    if not group:
        was = [entry.ac_id] if entry and entry.ac_id else []
        return [Difference("missing", ident, was, _gone(where), doc, entry, body=body)]
    out: list[Difference] = []
    keep = entry.ac_id if entry is not None and entry.ac_id in ids else ids[0]
    if len(group) > 1:
        why = "the ledger's record" if entry is not None and entry.ac_id in ids else "the oldest"
        detail = f"{len(group)} records; keep {keep} ({why})"
        out.append(Difference("duplicated", ident, ids, detail, doc, entry, keep=keep))
    if entry is None or entry.ac_id not in ids:
        said = f"the ledger has {entry.ac_id}, gone" if entry is not None else "not in the ledger"
        by = "; the files identify it" if doc is not None else "; pushed by another tool or machine"
        out.append(Difference("unknown", ident, ids, f"{said}{by}", doc, entry, keep=keep))
        return out
    record = next(r for r in group if str(r.get("id")) == keep)
    changed = _drift(record, entry, doc, body)
    if changed:
        detail = "differs from what was last sent: " + ", ".join(changed)
        out.append(Difference("drifted", ident, [keep], detail, doc, entry, keep=keep, body=body))
    return out


def _drift(
    record: dict[str, Any], entry: Entry, doc: Document | None, body: dict[str, Any] | None
) -> list[str]:
    """What differs from what was last sent: the file, when it holds the content the ledger last sent,
    else the body the ledger kept; nothing to compare with says nothing."""
    order = doc.order if doc is not None else None
    if order is not None and entry.hash == content_hash(order):
        return differences(order, record)
    return differences(body, record) if body is not None else []


def _gone(where: str) -> str:
    return f"{where}, not in ActiveCampaign (deleted there, or it never arrived)"


# --- semantic comparison ------------------------------------------------------------------------------


def differences(sent: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """The fields of ``sent`` that ``record`` holds differently: instants compared as instants, numbers and
    ids as numbers whether strings or ints, currency and email caseless, products by count and, where the
    record holds them, in the order sent. A field the record does not carry is not compared (a listing
    shows what the server keeps), nor one the file leaves blank (customerid resolved at push time)."""
    out = [name for name, value in sent.items() if _differs(name, value, record)]
    products = sent.get("orderProducts")
    if isinstance(products, list) and not _same_products(products, record):
        out.append("orderProducts")
    return sorted(out)


def _differs(name: str, value: Any, record: Mapping[str, Any]) -> bool:
    if name in NOT_COMPARED or name not in record or blank(value):
        return False
    theirs = record[name]
    if name in DATES:
        ours, when = instant(value), instant(theirs)
        return ours != when if ours is not None and when is not None else str(value) != str(theirs)
    if name in CASELESS:
        return str(value).casefold() != str(theirs).casefold()
    return not same_value(value, theirs)


def same_value(ours: Any, theirs: Any) -> bool:
    """Equal as text, or as numbers ("4900" and 4900, "1" and 1.0)."""
    if str(ours) == str(theirs):
        return True
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return False
    try:
        return Decimal(str(ours)) == Decimal(str(theirs))
    except InvalidOperation:
        return False


def instant(value: Any) -> float | None:
    """An ISO 8601 date-time with an offset as a POSIX time; None for anything else (no offset, no
    date)."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.timestamp() if parsed.tzinfo else None


def _same_products(products: list[Any], record: Mapping[str, Any]) -> bool:
    theirs = record.get("orderProducts")
    if isinstance(theirs, list) and theirs and all(isinstance(p, dict) for p in theirs):
        if len(theirs) != len(products):
            return False
        return all(
            isinstance(ours, dict) and not any(_differs(k, v, mine) for k, v in ours.items())
            for ours, mine in zip(products, theirs, strict=True)
        )
    count = record.get("totalProducts", len(theirs) if isinstance(theirs, list) else None)
    return count is None or same_value(count, len(products))
