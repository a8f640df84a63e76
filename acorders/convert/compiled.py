"""A field spec compiled once into a closure: what ``fields.raw`` and ``fields.evaluate`` do, with every
path parsed, shown and dispatched when the map is read, not again for each of a million records.

Interpreting a field spec cost ~0.5 ms a checkout (issue 14's speed bar): per field, the path was walked
as a list of lists, its text built with joins, the type looked up by name. Here each spec becomes one
closure; a finding's path is built only when there is a finding. codegen.py writes the usual specs out
as source and calls these closures for the rest (and for the id, currency, email and activity specs
that convert_record reads itself). ``fields`` stays the reference: the tests check that both say the
same of every record.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any, Protocol

from acorders.convert import dates, fields, money
from acorders.convert.fields import Context, _money, _string, blank, quantity, show, values
from acorders.convert.maps import EACH, FieldSpec
from acorders.errors import ConversionError

Raw = Callable[[Any], "tuple[Any, str | None]"]  # fields.raw, bound to one spec
Typed = Callable[[Any, Any, Context], Any]  # fields._typed, bound to one spec
MISSING: Any = object()


def getter(path: tuple[str, ...]) -> Callable[[Any], Any] | None:
    """The one value at a path without ``[]`` (``MISSING`` when there is none), as ``values`` finds it;
    None for a path that ``values`` must walk (a ``[]``, or a digit that is not ASCII)."""
    if EACH in path or any(seg.isdigit() and not seg.isascii() for seg in path):
        return None
    if len(path) == 1 and not path[0].isdigit():
        key = path[0]
        return lambda node: node.get(key, MISSING) if isinstance(node, dict) else MISSING
    steps = tuple((seg, int(seg) if seg.isdigit() else -1) for seg in path)

    def walk(node: Any) -> Any:
        for seg, index in steps:
            if isinstance(node, dict):
                node = node.get(seg, MISSING)
                if node is MISSING:
                    return node
            elif isinstance(node, list) and 0 <= index < len(node):
                node = node[index]
            else:
                return MISSING
        return node

    return walk


def all_values(path: tuple[str, ...]) -> Callable[[Any], list[Any]]:
    """Every value at ``path``, as a list (``values``, with the single-value case made cheap)."""
    one = getter(path)
    if one is None:
        return lambda node: values(node, path)
    return lambda node: [] if (found := one(node)) is MISSING else [found]


def compile_raw(spec: FieldSpec) -> Raw:
    """``fields.raw(node, spec)`` as one closure."""
    if spec.sum or spec.join is not None:
        found = _gathered(spec)
    else:
        found = _first(spec)
    if spec.when is None:
        return found
    when = all_values(spec.when)

    def guarded(node: Any) -> tuple[Any, str | None]:
        if all(blank(v) for v in when(node)):
            return None, None
        return found(node)

    return guarded


def _first(spec: FieldSpec) -> Raw:
    """The first non-blank value of the spec's paths, or its const."""
    const = spec.const
    shown = [(all_values(p), show(p)) for p in spec.paths]
    singles = [(get, show(p)) for p in spec.paths if (get := getter(p)) is not None]
    if len(spec.paths) == 1 and len(spec.paths[0]) == 1 and singles:  # one key: the commonest spec
        key, where = spec.paths[0][0], singles[0][1]
        walk = singles[0][0]

        def one_key(node: Any) -> tuple[Any, str | None]:
            value = node.get(key, MISSING) if node.__class__ is dict else walk(node)
            if value.__class__ is str:
                return (value, where) if value.strip() else (const, None)
            return (value, where) if value is not MISSING and not blank(value) else (const, None)

        return one_key
    if len(singles) == len(spec.paths):  # the usual case: no [] in any path

        def first_single(node: Any) -> tuple[Any, str | None]:
            for get, where in singles:
                value = get(node)
                if value.__class__ is str:  # the usual case, without blank()'s four comparisons
                    if value.strip():
                        return value, where
                elif value is not MISSING and not blank(value):
                    return value, where
            return const, None

        return first_single

    def first(node: Any) -> tuple[Any, str | None]:
        for get, where in shown:
            for value in get(node):
                if not blank(value):
                    return value, where
        return const, None

    return first


def _gathered(spec: FieldSpec) -> Raw:
    """Every non-blank value of every path (sum and join), or the const."""
    shown = [(all_values(p), show(p)) for p in spec.paths]
    const = spec.const

    def gathered(node: Any) -> tuple[Any, str | None]:
        found = [(v, where) for get, where in shown for v in get(node) if not blank(v)]
        if not found:
            return (const, None) if const is not None else (None, None)
        return [v for v, _ in found], found[0][1]

    return gathered


def compile_typed(spec: FieldSpec) -> Typed:
    """``fields._typed`` for one spec: the type chosen once."""
    kind = spec.type
    if kind == "money":
        if spec.negate or spec.per is not None or spec.sum:
            return lambda node, value, ctx: _money(node, spec, value, ctx)

        def amount(node: Any, value: Any, ctx: Context) -> Any:
            if ctx.cmap.decimal == "." and value.__class__ is str:
                minor = money.plain_minor(value, ctx.currency, ctx.exponents)
                if minor is not None:
                    return minor
            return _money(node, spec, value, ctx)  # the exact path, and its messages

        return amount
    if spec.join is not None:
        if kind == "text":
            return lambda node, value, ctx: spec.join.join(html.unescape(_string(v)) for v in value)  # type: ignore[union-attr]
        return lambda node, value, ctx: spec.join.join(_string(v) for v in value)  # type: ignore[union-attr]
    if kind == "string":
        return lambda node, value, ctx: _string(value)
    if kind == "text":
        return lambda node, value, ctx: html.unescape(_string(value))
    if kind == "date":
        zone = spec.zone
        return lambda node, value, ctx: dates.to_rfc3339(
            value, zone or ctx.source_tz or ctx.cmap.naive, ctx.cmap.formats
        )
    if kind == "epoch":
        return lambda node, value, ctx: dates.to_rfc3339(value, None, epoch=True)
    if kind == "quantity":
        return lambda node, value, ctx: quantity(value)
    return lambda node, value, ctx: fields._typed(node, spec, value, ctx)  # bool


class Field(Protocol):
    """``fields.evaluate`` bound to one spec."""

    def __call__(self, node: Any, ctx: Context, where: str = "") -> Any: ...


def compile_field(spec: FieldSpec) -> Field:
    """``fields.evaluate(node, spec, ctx, where)`` as one closure; the error's path is built only on an
    error, exactly as evaluate builds it."""
    find, typed = compile_raw(spec), compile_typed(spec)
    if spec.when is None and not spec.sum and spec.join is None and len(spec.paths) == 1:
        fused = _one_path(spec, find, typed)
        if fused is not None:
            return fused

    def evaluate(node: Any, ctx: Context, where: str = "") -> Any:
        value, path = find(node)
        if value is None:
            return None
        try:
            return typed(node, value, ctx)
        except ConversionError as exc:
            if exc.path is None:
                exc.path = f"{where}{path}" if path else where.rstrip(".") or None
            raise

    return evaluate


def _one_path(spec: FieldSpec, find: Raw, typed: Typed) -> Field | None:
    """The commonest spec (one path of one key, or of ASCII steps) as a single closure: the lookup, the
    blank test and a text value's strip without the calls between them."""
    walk = getter(spec.paths[0])
    if walk is None:
        return None
    key, shown, const = spec.paths[0][0], show(spec.paths[0]), spec.const
    one_key = len(spec.paths[0]) == 1 and not key.isdigit()
    plain = spec.type == "string"

    def evaluate(node: Any, ctx: Context, where: str = "") -> Any:
        value = node.get(key, MISSING) if one_key and node.__class__ is dict else walk(node)
        if value.__class__ is str:
            if plain:
                text = value.strip()
                if text:
                    return text
                value = MISSING
            elif not value.strip():
                value = MISSING
        elif value is not MISSING and blank(value):
            value = MISSING
        if value is MISSING:
            if const is None:
                return None
            value, at = const, where.rstrip(".") or None
        else:
            at = f"{where}{shown}"
        try:
            return typed(node, value, ctx)
        except ConversionError as exc:
            if exc.path is None:
                exc.path = at
            raise

    return evaluate
