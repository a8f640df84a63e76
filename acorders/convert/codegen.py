"""A map's fields as Python source: one function for the order's fields, one per list (line items,
discounts), made when the map is compiled.

Why: with a closure per field (compiled.py), a converted cart spent as long calling between closures as
doing the work: ~30 fields a cart, each a lookup, a blank test and a type. Here the usual specs (paths
without ``[]``, first non-blank or joined, sums of amounts, the common types) are written out inline,
with the currency's exponent looked up once per record and a finding's path built only on an error;
every other spec calls its compiled closure. ``fields`` stays the reference, and the tests check that
both say the same of every record, error paths included.

No text a map wrote becomes code: its keys (and the paths findings show) go in as ``repr`` literals,
which a ``str``'s repr always is; every other value (a const, a join, a spec, a closure) is a name bound
in the function's namespace (``_Source.name``), whatever its type.

The generated code's names: ``node`` the record or item, ``o`` its fields so far, ``at`` the path the
current value came from (None for a const), ``v`` that value (``M``: none, or blank), ``r`` it typed,
``j`` the values of a sum or a join, ``e`` the currency's exponent, ``w`` the ``when`` path's value.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from acorders.convert import dates, fields, money
from acorders.convert.compiled import MISSING, Field, Raw, all_values, compile_field, compile_raw, getter
from acorders.convert.fields import Context, _money, _string, blank, quantity, show
from acorders.convert.maps import ConvertMap, FieldSpec, ListSpec
from acorders.currency import exponent_of
from acorders.errors import ConversionError

OrderFill = Callable[[Any, Context, Any], "dict[str, Any]"]  # (record, ctx, email) -> the order's fields
ListFill = Callable[[list[Any], Context, Any], "list[dict[str, Any]]"]  # (items, ctx, catalog) -> rows


def _text(value: Any) -> str:
    """The ``text`` type (fields._typed: html.unescape of _string) without unescaping text with no "&"."""
    text = value.strip() if value.__class__ is str else _string(value)
    return html.unescape(text) if "&" in text else text


_BASE: dict[str, Any] = {
    "M": MISSING,
    "ConversionError": ConversionError,
    "blank": blank,
    "_string": _string,
    "_text": _text,
    "_money": _money,
    "typed": fields._typed,
    "quantity": quantity,
    "minor": money.minor_text,
    "exponent_of": exponent_of,
    "to_rfc3339": dates.to_rfc3339,
    "RFC": dates.RFC3339.match,
}


class _Source:
    """The lines of one generated function, and the namespace its names refer to."""

    def __init__(self, decimal: str) -> None:
        self.lines: list[str] = []
        self.ns: dict[str, Any] = dict(_BASE)
        self.decimal = decimal

    def name(self, value: Any) -> str:
        """A name in the namespace bound to ``value`` (a spec, a const, a closure)."""
        key = f"_{len(self.ns)}"
        self.ns[key] = value
        return key

    def add(self, depth: int, *lines: str) -> None:
        self.lines.extend("    " * depth + line for line in lines)

    def build(self, name: str) -> Any:
        code = compile("\n".join(self.lines), f"<acorders map: {name}>", "exec")
        exec(code, self.ns)  # the text is ours: see the module docstring
        return self.ns[name]


def _inline(spec: FieldSpec) -> bool:
    """Can this spec be written out? Its paths (and its ``when``) reach one value each (sums may cross
    ``[]``), and its typing needs no line total, negation or const joined."""
    simple = all(getter(p) is not None for p in spec.paths)
    if spec.per is not None or spec.negate or (spec.when is not None and getter(spec.when) is None):
        return False
    if spec.sum:
        return spec.type == "money" and spec.join is None
    if spec.join is not None:
        return simple and spec.const is None and spec.type in ("string", "text")
    return simple


def _lookup(src: _Source, depth: int, path: tuple[str, ...], var: str = "v") -> None:
    """``var`` = the value at ``path`` under ``node``, MISSING when there is none or it is blank."""
    get = getter(path)
    assert get is not None
    if len(path) == 1:  # a digit too: a dict's key, and a list goes to the getter
        walk = src.name(get)
        src.add(depth, f"{var} = node.get({path[0]!r}, M) if node.__class__ is dict else {walk}(node)")
    else:
        src.add(depth, f"{var} = {src.name(get)}(node)")
    src.add(
        depth,
        f"c = {var}.__class__",
        "if c is str:",
        f"    if not {var}.strip(): {var} = M",
        f"elif c is not int and {var} is not M and blank({var}): {var} = M",
    )


def _minor(src: _Source, var: str) -> str:
    """The expression for ``var``'s minor units by money.minor_text, None where fields._money must say:
    a text amount only, and only where the decimal mark is "."."""
    return f"minor({var}, e) if {var}.__class__ is str else None" if src.decimal == "." else "None"


def _typed(src: _Source, depth: int, spec: FieldSpec) -> None:
    """``r`` = the typed ``v``, as fields._typed types it."""
    kind = spec.type
    if kind == "string":
        src.add(depth, "r = v.strip() if v.__class__ is str else _string(v)")
    elif kind == "text":
        src.add(depth, "r = _text(v)")
    elif kind == "money":
        exact = f"    r = _money(node, {src.name(spec)}, v, ctx)"  # the exact path, and its messages
        src.add(depth, f"r = {_minor(src, 'v')}", "if r is None:", exact)
    elif kind == "date":
        zone = repr(spec.zone) if spec.zone else "ctx.source_tz or ctx.cmap.naive"
        src.add(
            depth,
            "t = v.strip() if v.__class__ is str else None",
            f"r = t if t is not None and RFC(t) else to_rfc3339(v, {zone}, ctx.cmap.formats)",
        )
    elif kind == "epoch":
        src.add(depth, "r = to_rfc3339(v, None, epoch=True)")
    elif kind == "quantity":
        src.add(depth, "r = v if v.__class__ is int and v >= 0 else quantity(v)")
    else:
        src.add(depth, f"r = typed(node, {src.name(spec)}, v, ctx)")  # bool


def _first(src: _Source, depth: int, out: str, spec: FieldSpec) -> None:
    """The first non-blank path, else the const, typed: compiled._first and fields._typed."""
    src.add(depth, "v = M")
    for path in spec.paths:
        src.add(depth, "if v is M:", f"    at = {show(path)!r}")
        _lookup(src, depth + 1, path)
    if spec.const is None:
        src.add(depth, "if v is not M:")
        depth += 1
    else:
        src.add(depth, "if v is M:", "    at = None", f"    v = {src.name(spec.const)}")
    _typed(src, depth, spec)
    src.add(depth, f"if r is not None: o[{out!r}] = r")


def _gathered(src: _Source, depth: int, spec: FieldSpec) -> None:
    """``j`` = every non-blank value of the spec's paths; ``at`` where the first came from."""
    src.add(depth, "j = []")
    for path in spec.paths:
        shown = show(path)
        if getter(path) is not None:
            _lookup(src, depth, path)
            src.add(depth, "if v is not M:", f"    if not j: at = {shown!r}", "    j.append(v)")
            continue
        src.add(
            depth,
            f"for x in {src.name(all_values(path))}(node):",
            "    if not blank(x):",
            f"        if not j: at = {shown!r}",
            "        j.append(x)",
        )


def _joined(src: _Source, depth: int, out: str, spec: FieldSpec) -> None:
    """Every non-blank value typed and joined: the join is a name, not a literal (a map may write any
    TOML value there, and the reference fails only on a record that has values to join)."""
    _gathered(src, depth, spec)
    each = "_text(x)" if spec.type == "text" else "_string(x)"
    src.add(depth, "if j:", f"    o[{out!r}] = {src.name(spec.join)}.join([{each} for x in j])")


def _summed(src: _Source, depth: int, out: str, spec: FieldSpec) -> None:
    """A sum of amounts: each by minor_text when it can, else the whole sum by fields._money."""
    _gathered(src, depth, spec)
    name = src.name(spec)
    src.add(
        depth,
        "if j:",
        "    r = 0",
        "    for x in j:",
        f"        m = {_minor(src, 'x')}",
        "        if m is None:",
        f"            r = _money(node, {name}, j, ctx)",
        "            break",
        "        r += m",
        f"    o[{out!r}] = r",
    )
    if spec.const is not None:
        const = src.name(spec.const)
        src.add(depth, "else:", "    at = None", f"    o[{out!r}] = _money(node, {name}, {const}, ctx)")


def _field(src: _Source, depth: int, out: str, spec: FieldSpec, where: str) -> None:
    """One field into ``o``: its ``when`` guard, then the inline code or a call of its closure."""
    src.add(depth, "at = None")
    inline = _inline(spec)
    if spec.when is not None and inline:
        _lookup(src, depth, spec.when, "w")
        src.add(depth, "if w is not M:")
        depth += 1
    if not inline:
        closure: Field = compile_field(spec)
        src.add(depth, f"r = {src.name(closure)}(node, ctx, {where})", f"if r is not None: o[{out!r}] = r")
    elif spec.sum:
        _summed(src, depth, out, spec)
    elif spec.join is not None:
        _joined(src, depth, out, spec)
    else:
        _first(src, depth, out, spec)


def _body(
    src: _Source, depth: int, specs: Iterator[tuple[str, FieldSpec]], where: str, given: str | None
) -> None:
    """Every field in map order; ``given`` (the order's email) is the parameter of that name."""
    for out, spec in specs:
        if out == given:
            src.add(depth, f"o[{out!r}] = {given}")
        else:
            _field(src, depth, out, spec, where)


def _on_error(src: _Source, depth: int, where: str) -> None:
    """Name the field in an error that has no path yet, as fields.evaluate names it."""
    src.add(
        depth,
        "except ConversionError as exc:",
        "    if exc.path is None:",
        f"        exc.path = {where} + at if at is not None else {where}.rstrip('.') or None",
        "    raise",
    )


def order_fill(specs: dict[str, FieldSpec], decimal: str, given: str = "email") -> OrderFill:
    """``fill(record, ctx, email)``: the order's fields of ``record`` in map order, ``given`` (the email,
    read first to skip guest carts) as passed."""
    src = _Source(decimal)
    src.add(0, f"def fill(node, ctx, {given}):", "    o = {}", "    at = None")
    src.add(1, "e = exponent_of(ctx.currency, ctx.exponents)", "try:")
    _body(src, 2, iter(specs.items()), "''", given)
    _on_error(src, 1, "''")
    src.add(1, "return o")
    fill: OrderFill = src.build("fill")
    return fill


def list_fill(specs: dict[str, FieldSpec], shown: str, decimal: str) -> ListFill:
    """``fill(items, ctx, catalog)``: one row per item, the catalog's details added; an error names
    the item as ``shown[index].``."""
    src = _Source(decimal)
    where = f"{src.name(shown)} + '[' + str(i) + '].'"
    src.add(0, "def fill(items, ctx, catalog):", "    out = []")
    src.add(1, "e = exponent_of(ctx.currency, ctx.exponents)", "for i, node in enumerate(items):")
    src.add(2, "o = {}", "at = None", "try:")
    _body(src, 3, iter(specs.items()), f"({where})", None)
    _on_error(src, 2, f"({where})")
    src.add(2, "if catalog is not None: catalog.fill(o)", "out.append(o)")
    src.add(1, "return out")
    fill: ListFill = src.build("fill")
    return fill


class CompiledList(NamedTuple):
    """Line items or discounts: the list's accessor, its path as messages show it, its rows' maker."""

    items: Callable[[Any], list[Any]]
    shown: str
    fill: ListFill


class CompiledMap(NamedTuple):
    """One map, compiled; ``convert_record`` reads records through it."""

    cmap: ConvertMap
    id: Raw
    currency: Raw
    completed: Raw | None
    activity: Field | None
    email: Field | None
    fill: OrderFill
    products: CompiledList | None
    discounts: CompiledList | None


def _list(spec: ListSpec | None, decimal: str) -> CompiledList | None:
    """Line items or discounts compiled; None for a map without them."""
    if spec is None:
        return None
    shown = show(spec.path)
    return CompiledList(all_values(spec.path), shown, list_fill(spec.fields, shown, decimal))


def compile_map(cmap: ConvertMap) -> CompiledMap:
    """Every spec of ``cmap``: the record-level ones as closures (compiled.py), the fields generated."""
    email = cmap.order.get("email")
    return CompiledMap(
        cmap,
        compile_raw(cmap.id),
        compile_raw(cmap.currency),
        None if cmap.completed is None else compile_raw(cmap.completed),
        None if cmap.activity is None else compile_field(cmap.activity),
        None if email is None else compile_field(email),
        order_fill(cmap.order, cmap.decimal),
        _list(cmap.products, cmap.decimal),
        _list(cmap.discounts, cmap.decimal),
    )


_CACHE: dict[int, CompiledMap] = {}


def compiled(cmap: ConvertMap) -> CompiledMap:
    """The compiled form of ``cmap``, made once (a map is frozen; the entry keeps it alive, so its id
    names it for as long as the entry is here)."""
    entry = _CACHE.get(id(cmap))
    if entry is None or entry.cmap is not cmap:
        if len(_CACHE) >= 16:
            _CACHE.clear()
        entry = _CACHE[id(cmap)] = compile_map(cmap)
    return entry
