"""Checks beyond the schema: each is behind a real complaint about existing integrations.

They are warnings (``--strict`` makes them errors): the API accepts such a cart, but it is probably not
what the shop meant. Every check reads only fields the schema already typed, and skips what it cannot know.
"""

from __future__ import annotations

import difflib
from array import array
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from acorders.models import Finding, Origin, Severity, canonical_bytes

INTEGER_REFS = frozenset({"cents", "int32", "id"})


def order_warnings(
    order: Mapping[str, Any], prefix: str, fields: Mapping[str, Mapping[str, str]], now: datetime,
    known_fields_only: bool = False,
) -> list[Finding]:
    """``known_fields_only``: the caller already knows every field is documented (schema.compiled_closed)."""
    out = _field_pass(order, prefix, fields, known_fields_only)
    out += _total_mismatch(order, prefix)
    out += _dates(order, prefix, now)
    if order.get("source") in (0, "0") and is_cart(order):
        out.append(
            _warn(
                prefix,
                "source",
                "a cart with source 0 (historical) does not start the 'Abandons cart' automation; "
                "send source 1 for real-time carts",
            )
        )
    return out


def _field_pass(
    order: Mapping[str, Any], prefix: str, fields: Mapping[str, Mapping[str, str]], known_fields_only: bool = False
) -> list[Finding]:
    """One pass over the order, its products and discounts: unknown fields (warnings), and amounts written
    as decimals such as 49.0, which JSON Schema counts as integers but are a dollars-for-cents smell (errors).
    This runs for every cart of every batch: an object with nothing to report costs one C-level comparison
    of its keys with the known names and a lookup per integer field; paths are built only for findings."""
    out: list[Finding] = []
    shapes = _shapes(fields)
    for key, kind in _OBJECTS:
        names, integers = shapes[kind]
        items = (order,) if key is None else order.get(key)
        if not isinstance(items, (list, tuple)):
            continue
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            if known_fields_only or item.keys() <= names:
                for name in integers:
                    if item.get(name).__class__ is float:
                        break
                else:
                    continue  # nothing to report: the common case
            _object_findings(out, prefix if key is None else _join(prefix, f"{key}[{i}]"), fields[kind], integers, item)
    return out


_OBJECTS = ((None, "order"), ("orderProducts", "orderProduct"), ("orderDiscounts", "orderDiscount"))
Shapes = dict[str, tuple[frozenset[str], tuple[str, ...]]]
_SHAPES: list[tuple[Mapping[str, Mapping[str, str]], Shapes]] = []  # the last field table seen, and its shapes


def _shapes(fields: Mapping[str, Mapping[str, str]]) -> Shapes:
    """For each object kind: its field names, and those holding integers (cents, counts, ids). Worked out
    once per field table (a run has one), not once per cart."""
    if _SHAPES and _SHAPES[0][0] is fields:
        return _SHAPES[0][1]
    shapes = {
        kind: (frozenset(known), tuple(n for n, ref in known.items() if ref in INTEGER_REFS))
        for kind, known in fields.items()
    }
    _SHAPES[:] = [(fields, shapes)]
    return shapes


def _object_findings(
    out: list[Finding], path: str, known: Mapping[str, str], integers: tuple[str, ...], obj: Mapping[str, Any]
) -> None:
    for name in [n for n in obj if n not in known]:  # in the document's order
        nearest = nearest_field(name, known)
        hint = f"; did you mean {nearest!r}?" if nearest else " (the API ignores it)"
        out.append(_warn(path, name, f"unknown field {name!r}{hint}"))
    for name in integers:
        value = obj.get(name)
        if value.__class__ is float and value.is_integer():
            out.append(Finding(_join(path, name), f"amounts are integer cents: write {int(value)}, not the decimal {value}"))


def envelope_warnings(data: Mapping[str, Any]) -> list[Finding]:
    if "ecomOrder" not in data:
        return []
    return [
        Finding(key, f"unknown top-level field {key!r}: the envelope holds only ecomOrder", Severity.WARNING)
        for key in data
        if key != "ecomOrder"
    ]


def is_cart(order: Mapping[str, Any]) -> bool:
    """A cart has a checkout id and no order id; the API then needs abandonedDate."""
    return order.get("externalid") in (None, "") and order.get("externalcheckoutid") not in (None, "")


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _warn(prefix: str, name: str, message: str) -> Finding:
    return Finding(_join(prefix, name), message, Severity.WARNING)


def nearest_field(name: str, known: Any) -> str | None:
    """``abandoned_date`` -> ``abandonedDate``: same letters ignoring case and separators, else a close spelling."""
    squash = {k.lower().replace("_", "").replace("-", ""): k for k in known}
    exact = squash.get(name.lower().replace("_", "").replace("-", "").replace(" ", ""))
    if exact:
        return exact
    close = difflib.get_close_matches(name.lower(), list(squash), n=1, cutoff=0.75)
    return squash[close[0]] if close else None


def as_int(value: Any) -> int | None:
    """The API's int32 fields come as numbers or digit strings; None for anything else."""
    cls = value.__class__
    if cls is int:  # the common case first: this runs for every amount of every cart
        return value  # type: ignore[no-any-return]
    if cls is str:
        return int(value) if value.isdigit() and value.isascii() else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _total_mismatch(order: Mapping[str, Any], prefix: str) -> list[Finding]:
    """totalPrice must include products, shipping and tax, less discounts; checked when all are given."""
    get = order.get
    total, shipping, tax, discount = (
        as_int(get("totalPrice")), as_int(get("shippingAmount")), as_int(get("taxAmount")), as_int(get("discountAmount"))
    )
    products = get("orderProducts")
    if total is None or shipping is None or tax is None or discount is None or not products:
        return []
    if not isinstance(products, list):
        return []
    subtotal = 0
    for item in products:
        if not isinstance(item, dict):
            return []
        price, quantity = item.get("price"), item.get("quantity")
        if price.__class__ is not int or quantity.__class__ is not int:  # digit strings: the reference page's way
            price, quantity = as_int(price), as_int(quantity)
            if price is None or quantity is None:
                return []
        subtotal += price * quantity
    expected = subtotal + shipping + tax - discount
    if expected == total:
        return []
    return [
        _warn(
            prefix,
            "totalPrice",
            f"totalPrice {total} differs from products {subtotal} + shipping {shipping} "
            f"+ tax {tax} - discount {discount} = {expected} (all in cents)",
        )
    ]


def parse_datetime(value: Any) -> datetime | None:
    """An aware datetime from an RFC 3339 string, or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)  # Python 3.11 reads RFC 3339 as it is: the common case
    except ValueError:
        text = value.strip()
        if text[-1:] in ("Z", "z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text.replace("t", "T", 1))
        except ValueError:
            return None
    return parsed if parsed.tzinfo is not None else None


def _dates(order: Mapping[str, Any], prefix: str, now: datetime) -> list[Finding]:
    abandoned = parse_datetime(order.get("abandonedDate"))
    if abandoned is None:
        return []
    out = []
    if abandoned > now:
        out.append(_warn(prefix, "abandonedDate", "abandonedDate is in the future; the API wants a past date"))
    created = parse_datetime(order.get("externalCreatedDate"))
    if created is not None and abandoned < created:
        out.append(
            _warn(prefix, "abandonedDate", "abandonedDate is before externalCreatedDate: a cart is abandoned after it is created")
        )
    return out


class Fingerprint(NamedTuple):
    """What the batch-wide duplicate check needs of a document: small, so it can cross processes (a
    NamedTuple: one is made for every document, and it pickles as a plain tuple)."""

    key: int  # hash of (connection, id field, id)
    content: int  # hash of the source text (cheap) or, without one, of the canonical content
    exact: bool  # content is the canonical hash: equal content means equal hash, whatever the key order
    field: str
    value: str
    path: str


def canonical_hash(order: Mapping[str, Any]) -> int:
    return hash(canonical_bytes(order))


def fingerprint(order: Mapping[str, Any], prefix: str, text_hash: int | None = None) -> Fingerprint | None:
    key = batch_key(order)
    if key is None:
        return None
    exact = text_hash is None
    content = text_hash if text_hash is not None else canonical_hash(order)
    return Fingerprint(hash(key), content, exact, key[1], key[2], _id_path(prefix, key[1]))


@cache
def _id_path(prefix: str, field: str) -> str:
    """One string per (prefix, field): a batch's fingerprints share it, so pickling them stays small."""
    return _join(prefix, field)


class BatchIds:
    """The same cart (or order) twice in one batch with different content: which one is meant?

    Carts are keyed by externalcheckoutid and orders by externalid, per connection, so a cart and the
    order it became may share a batch. Per id only a hash and the first origin are kept, in flat arrays
    (a dict for the first 32,768 ids, then 24 bytes an id: a stream of a million carts stays small). Texts that differ
    may still hold the same content (key order, spacing): then ``recheck`` compares the canonical content
    of both, which is rare and so may re-read the files."""

    SMALL = 1 << 15  # ids kept in a dict (~6 MB at most) before they move to the arrays

    def __init__(self, recheck: Callable[[Origin, Origin], bool] | None = None) -> None:
        self._small: dict[int, tuple[int, bool, Origin]] | None = {}  # id hash -> (content, exact, origin)
        self._table = _IdTable()  # past SMALL ids: the origin packed with the source's index
        self._sources: list[str] = []
        self._source_index: dict[str, int] = {}
        self._recheck = recheck

    def check(self, fp: Fingerprint, origin: Origin) -> list[Finding]:
        small = self._small
        if small is not None:  # the parent does this for every document of a batch: kept lean
            first = small.get(fp.key)
            if first is None:
                small[fp.key] = (fp.content, fp.exact, origin)
                if len(small) > self.SMALL:
                    self._spill(small)
                return []
            content, exact, first_origin = first
        else:
            stored = self._table.setdefault(fp.key, fp.content, self._pack(origin, fp.exact))
            if stored is None:
                return []
            content, meta = stored
            exact = bool(meta & 1)
            line = (meta >> 1) & 0xFFFFFFFF
            first_origin = Origin(self._sources[meta >> 33], line or None)
        if content == fp.content and exact == fp.exact:
            return []
        if not (exact and fp.exact) and self._recheck is not None and self._recheck(first_origin, origin):
            return []
        return [
            Finding(
                fp.path,
                f"{fp.field} {fp.value!r} is also at {first_origin} with different content; "
                "both would be sent and the last one wins",
                Severity.WARNING,
            )
        ]

    def _pack(self, origin: Origin, exact: bool) -> int:
        index = self._source_index.get(origin.source)
        if index is None:
            index = self._source_index[origin.source] = len(self._sources)
            self._sources.append(origin.source)
        return (index << 33) | ((origin.line or 0) << 1) | int(exact)

    def _spill(self, small: dict[int, tuple[int, bool, Origin]]) -> None:
        self._small = None
        self._table.reserve(len(small))
        for key, (content, exact, origin) in small.items():
            self._table.setdefault(key, content, self._pack(origin, exact))


def batch_key(order: Mapping[str, Any]) -> tuple[str, str, str] | None:
    connection = str(order.get("connectionid", ""))
    if order.get("externalid") not in (None, ""):
        return (connection, "externalid", str(order["externalid"]))
    if order.get("externalcheckoutid") not in (None, ""):
        return (connection, "externalcheckoutid", str(order["externalcheckoutid"]))
    return None


class _IdTable:
    """id hash -> (content hash, packed origin): an open-addressing hash table in three int64 arrays,
    because a dict of a million tuples costs ~200 bytes an entry and this 48 at the worst load factor."""

    def __init__(self) -> None:
        self._size = 0
        self._mask = 0  # no arrays until ids are reserved

    def reserve(self, ids: int) -> None:
        """Room for ``ids`` ids; called before the first setdefault."""
        if ids * 2 > self._mask:
            self._alloc(1 << (ids * 4).bit_length())

    def _alloc(self, capacity: int) -> None:
        self._mask = capacity - 1
        self._keys = array("q", bytes(8 * capacity))
        self._contents = array("q", bytes(8 * capacity))
        self._metas = array("q", bytes(8 * capacity))

    def setdefault(self, key: int, content: int, meta: int) -> tuple[int, int] | None:
        """Store (content, meta) under key unless present; return what was there, or None."""
        key = _int64(key) or 1  # 0 marks an empty slot
        keys = self._keys
        slot = key & self._mask
        while True:
            found = keys[slot]
            if found == key:
                return self._contents[slot], self._metas[slot]
            if found == 0:
                break
            slot = (slot + 1) & self._mask
        keys[slot] = key
        self._contents[slot] = _int64(content)
        self._metas[slot] = meta
        self._size += 1
        if self._size * 2 > self._mask:
            self._grow()
        return None

    def _grow(self) -> None:
        old = zip(self._keys, self._contents, self._metas)
        self._size = 0
        self._alloc((self._mask + 1) * 2)
        for key, content, meta in old:
            if key:
                self.setdefault(key, content, meta)


def _int64(value: int) -> int:
    value &= 0xFFFFFFFFFFFFFFFF
    return value - (1 << 64) if value >= 1 << 63 else value
