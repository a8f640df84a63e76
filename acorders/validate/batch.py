"""The batch-wide duplicate check: the same cart (or order) twice in one batch with different content.

Per id only a hash and the first origin are kept, so a stream of a million carts stays small; the
fingerprint a worker sends back for each document is all the parent needs.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Mapping
from functools import cache
from itertools import repeat
from typing import Any, NamedTuple

from acorders.models import (
    Finding,
    Origin,
    Severity,
    canonical_bytes,
    connection_of,
    own_id,
)


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
    return f"{prefix}.{field}" if prefix else field


class BatchIds:
    """The same cart (or order) twice in one batch with different content: which one is meant?

    Carts are keyed by externalcheckoutid and orders by externalid, per connection, so a cart and the
    order it became may share a batch. Per id only a hash and the first origin are kept, in flat arrays
    (a dict for the first 32,768 ids, then 24 bytes an id: a stream of a million carts stays small). Texts
    that differ may still hold the same content (key order, spacing): then ``recheck`` compares the
    canonical content of both, which is rare and so may re-read the files.

    A packed origin keeps what re-reading needs: the source, the line and the ordinal on that line (a
    minified JSON array starts every document at line 1). It drops a converted document's record id:
    such documents have no text hash, so they are never re-read, but past 32,768 ids the message names
    only their line."""

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
            packed = self._pack(origin, fp.exact)
            stored = self._table.setdefault(fp.key, fp.content, packed, origin.ordinal or 0)
            if stored is None:
                return []
            content, meta, ordinal = stored
            exact = bool(meta & 1)
            line = (meta >> 1) & 0xFFFFFFFF
            first_origin = Origin(self._sources[meta >> 33], line or None, None, ordinal or None)
        if content == fp.content and exact == fp.exact:
            return []
        if not (exact and fp.exact) and self._recheck is not None and self._recheck(first_origin, origin):
            return []
        return [
            Finding(
                fp.path,
                f"{fp.field} {fp.value!r} is also at {_place(first_origin, origin)} with different "
                "content; both would be sent and the last one wins",
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
            self._table.setdefault(key, content, self._pack(origin, exact), origin.ordinal or 0)


def _place(first: Origin, here: Origin) -> str:
    """Where the first one is; on the same line as this one (a minified array), which of its documents."""
    if (first.source, first.line) != (here.source, here.line):
        return str(first)
    return f"{first} (document {(first.ordinal or 0) + 1} of that line)"


def batch_key(order: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """(connection, id field, id): what makes two documents of a batch the same record."""
    own = own_id(order)
    return None if own is None else (connection_of(order), *own)


class _IdTable:
    """id hash -> (content hash, packed origin, ordinal): an open-addressing hash table in int64 arrays,
    because a dict of a million tuples costs ~200 bytes an entry and this 48 at the worst load factor.
    The origins' ordinals (several documents on one line: a minified JSON array) have a fourth array,
    made only once one is not 0: a batch without such lines does not pay for it."""

    def __init__(self) -> None:
        self._size = 0
        self._mask = 0  # no arrays until ids are reserved
        self._ordinals: array[int] | None = None

    def reserve(self, ids: int) -> None:
        """Room for ``ids`` ids; called before the first setdefault."""
        if ids * 2 > self._mask:
            self._alloc(1 << (ids * 4).bit_length())

    def _alloc(self, capacity: int) -> None:
        self._mask = capacity - 1
        self._keys = array("q", bytes(8 * capacity))
        self._contents = array("q", bytes(8 * capacity))
        self._metas = array("q", bytes(8 * capacity))
        self._ordinals = None

    def setdefault(self, key: int, content: int, meta: int, ordinal: int = 0) -> tuple[int, int, int] | None:
        """Store (content, meta, ordinal) under key unless present; return what was there, or None."""
        key = _int64(key) or 1  # 0 marks an empty slot
        keys = self._keys
        slot = key & self._mask
        while True:
            found = keys[slot]
            if found == key:
                ordinals = self._ordinals
                return self._contents[slot], self._metas[slot], 0 if ordinals is None else ordinals[slot]
            if found == 0:
                break
            slot = (slot + 1) & self._mask
        keys[slot] = key
        self._contents[slot] = _int64(content)
        self._metas[slot] = meta
        if ordinal:
            if self._ordinals is None:
                self._ordinals = array("q", bytes(8 * len(keys)))
            self._ordinals[slot] = ordinal
        self._size += 1
        if self._size * 2 > self._mask:
            self._grow()
        return None

    def _grow(self) -> None:
        ordinals = repeat(0, len(self._keys)) if self._ordinals is None else self._ordinals
        old = zip(self._keys, self._contents, self._metas, ordinals, strict=True)
        self._size = 0
        self._alloc((self._mask + 1) * 2)
        for key, content, meta, ordinal in old:
            if key:
                self.setdefault(key, content, meta, ordinal)


def _int64(value: int) -> int:
    value &= 0xFFFFFFFFFFFFFFFF
    return value - (1 << 64) if value >= 1 << 63 else value
