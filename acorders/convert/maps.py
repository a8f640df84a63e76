"""Convert maps: how a shop's record becomes an ecomOrder, as a TOML file.

The built-in platforms are maps shipped in ``acorders/convert/maps/*.toml``, in the same format a user
writes for ``--map``: ``acorders convert --show-map shopify`` prints one as a starting point. A map is
read and checked whole before any record is converted, so a typo is one clear error (exit 2), not a
thousand findings.

A field spec is a path (``"customer.email"``; ``"shipping_lines[].price"`` reaches into every
element; CSV maps name columns as they are), a list of paths (the first non-blank wins, or all joined
with ``join``), or a table: ``{ path, type, const, join, sum, when, zone, per, negate }``; ``type`` is
one of TYPES.
"""

from __future__ import annotations

import importlib.resources
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acorders.errors import MapError

PLATFORMS = ("shopify", "bigcommerce", "woocommerce", "magento", "csv")
TYPES = ("string", "text", "money", "date", "epoch", "quantity", "bool")
EACH = "[]"  # a path segment: every element of a list

ORDER_FIELDS = (
    "externalid",
    "externalcheckoutid",
    "source",
    "email",
    "orderUrl",
    "externalCreatedDate",
    "externalUpdatedDate",
    "abandonedDate",
    "shippingMethod",
    "totalPrice",
    "shippingAmount",
    "taxAmount",
    "discountAmount",
    "currency",
    "orderNumber",
    "connectionid",
    "customerid",
)
PRODUCT_FIELDS = (
    "externalid",
    "name",
    "price",
    "quantity",
    "category",
    "sku",
    "description",
    "imageUrl",
    "productUrl",
)
DISCOUNT_FIELDS = ("name", "type", "discountAmount")
_SPEC_KEYS = {"path", "type", "const", "join", "sum", "when", "zone", "per", "negate"}
_TOP_KEYS = {"name", "description", "format", "records", "id", "group", "money", "dates", "cart"}
_TOP_KEYS |= {"order", "products", "discounts"}


@dataclass(frozen=True)
class FieldSpec:
    """Where one value comes from, and what it is."""

    paths: tuple[tuple[str, ...], ...] = ()
    type: str = "string"
    const: Any = None
    join: str | None = None  # all non-blank values joined (a product name + its variant), else the first
    sum: bool = False  # money over a [] path: the sum of every element's amount
    when: tuple[str, ...] | None = None  # only when this path is non-blank (an order id once completed)
    zone: str | None = None  # this date field's naive dates are in this zone
    per: tuple[str, ...] | None = None  # money: a line total divided by this (the quantity) gives the unit
    negate: bool = False  # money written negative in the source (Magento's discount_amount)


@dataclass(frozen=True)
class ListSpec:
    """Line items or discounts: where the list is, and each element's fields."""

    path: tuple[str, ...]
    fields: dict[str, FieldSpec]


@dataclass(frozen=True)
class ConvertMap:
    name: str
    format: str = "json"  # json: records in JSON/NDJSON documents; csv: rows grouped by ``group``
    records: tuple[str, ...] | None = None  # a document holding a list of records there
    id: FieldSpec = field(default_factory=FieldSpec)  # the record's id, for messages
    group: str | None = None  # csv: the column that groups rows into one cart or order
    currency: FieldSpec = field(default_factory=FieldSpec)
    decimal: str = "."
    naive: str | None = None  # the zone of naive dates; None: --source-tz is needed
    formats: tuple[str, ...] = ()
    completed: FieldSpec | None = None  # non-blank: the record is an order, not a cart
    activity: FieldSpec | None = None  # last activity: abandonedDate, and the --abandoned-after clock
    order: dict[str, FieldSpec] = field(default_factory=dict)
    products: ListSpec | None = None
    discounts: ListSpec | None = None


def builtin_text(name: str) -> str:
    """The TOML text of a built-in map, as shipped in the package."""
    if name not in PLATFORMS:
        raise MapError(f"no built-in map {name!r}", hint=f"choose one of {', '.join(PLATFORMS)}")
    return (importlib.resources.files("acorders.convert") / "maps" / f"{name}.toml").read_text("utf-8")


def load_map(platform: str | None, path: str | Path | None = None) -> ConvertMap:
    """The map to use: ``--map FILE`` when given, else the built-in one of ``--from``."""
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise MapError(f"cannot read map {path}: {getattr(exc, 'strerror', None) or exc}") from None
        return parse_map(text, str(path))
    if platform is None:
        raise MapError(
            "convert needs --from PLATFORM or --map FILE", hint=f"platforms: {', '.join(PLATFORMS)}"
        )
    return parse_map(builtin_text(platform), f"built-in map {platform}")


def parse_map(text: str, where: str) -> ConvertMap:
    """A map's TOML checked whole: unknown keys, fields and types are errors that name the place."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MapError(f"{where} is not valid TOML: {exc}") from None
    return _build(data, where)


def _build(data: dict[str, Any], where: str) -> ConvertMap:
    _only(data, _TOP_KEYS, where)
    fmt = data.get("format", "json")
    if fmt not in ("json", "csv"):
        raise MapError(f"{where}: format must be json or csv, not {fmt!r}")
    csv = fmt == "csv"
    money, dates, cart = (_table(data, k, where) for k in ("money", "dates", "cart"))
    _only(money, {"currency", "decimal"}, f"{where} [money]")
    _only(dates, {"naive", "formats"}, f"{where} [dates]")
    _only(cart, {"completed", "activity"}, f"{where} [cart]")
    if money.get("decimal", ".") not in (".", ","):
        raise MapError(f'{where} [money]: decimal must be "." or ","')
    if csv and not isinstance(data.get("group"), str):
        raise MapError(f'{where}: a csv map needs group = "COLUMN" (the cart or order id column)')
    if "currency" not in money:
        raise MapError(f'{where} [money]: currency is needed (a path, or {{ const = "USD" }})')
    formats = dates.get("formats", [])
    if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
        raise MapError(f"{where} [dates]: formats must be a list of strptime formats")
    return ConvertMap(
        name=str(data.get("name", where)),
        format=fmt,
        records=_path(data["records"], csv, where) if "records" in data else None,
        id=_spec(data.get("id", ""), csv, f"{where} id"),
        group=data.get("group"),
        currency=_spec(money["currency"], csv, f"{where} [money] currency"),
        decimal=money.get("decimal", "."),
        naive=_naive(dates.get("naive"), where),
        formats=tuple(formats),
        completed=_spec(cart["completed"], csv, f"{where} [cart] completed") if "completed" in cart else None,
        activity=_date_spec(cart["activity"], csv, f"{where} [cart] activity")
        if "activity" in cart
        else None,
        order=_fields(_table(data, "order", where), ORDER_FIELDS, csv, f"{where} [order]"),
        products=_list(data, "products", PRODUCT_FIELDS, csv, where),
        discounts=_list(data, "discounts", DISCOUNT_FIELDS, csv, where),
    )


def _date_spec(value: Any, csv: bool, where: str) -> FieldSpec:
    """A spec that is a date unless it says epoch: the last activity becomes abandonedDate."""
    spec = _spec(value, csv, where)
    if spec.type not in ("date", "epoch"):
        from dataclasses import replace

        spec = replace(spec, type="date")
    return spec


def _naive(value: Any, where: str) -> str | None:
    if value is None or value == "refuse":
        return None
    if not isinstance(value, str):
        raise MapError(f'{where} [dates]: naive must be "refuse" or an IANA zone name')
    from acorders.convert.dates import DateError, zone

    try:
        zone(value)
    except DateError as exc:
        raise MapError(f"{where} [dates] naive: {exc.message}") from None
    return value


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise MapError(f"{where}: {key} must be a table ([{key}])")
    return value


def _only(data: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise MapError(
            f"{where}: unknown key(s) {', '.join(unknown)}", hint=f"known: {', '.join(sorted(known))}"
        )


def _list(data: dict[str, Any], key: str, names: tuple[str, ...], csv: bool, where: str) -> ListSpec | None:
    if key not in data:
        return None
    table = _table(data, key, where)
    _only(table, {"path", "fields"}, f"{where} [{key}]")
    if "path" not in table:
        raise MapError(
            f'{where} [{key}]: path is needed (where the list is; "@rows" for a csv group\'s rows)'
        )
    fields = _fields(_table(table, "fields", where), names, csv, f"{where} [{key}.fields]")
    return ListSpec(_path(table["path"], False, where), fields)


def _fields(table: dict[str, Any], names: tuple[str, ...], csv: bool, where: str) -> dict[str, FieldSpec]:
    unknown = sorted(set(table) - set(names))
    if unknown:
        raise MapError(
            f"{where}: unknown ecomOrder field(s) {', '.join(unknown)}", hint=f"known: {', '.join(names)}"
        )
    return {name: _spec(value, csv, f"{where} {name}") for name, value in table.items()}


def _spec(value: Any, csv: bool, where: str) -> FieldSpec:
    if isinstance(value, (str, list)):
        value = {"path": value}
    if not isinstance(value, dict):
        raise MapError(f"{where}: give a path, a list of paths, or a table {{ path = ..., type = ... }}")
    _only(value, _SPEC_KEYS, where)
    kind = value.get("type", "string")
    if kind not in TYPES:
        raise MapError(f"{where}: type {kind!r} is not one of {', '.join(TYPES)}")
    raw = value.get("path", [])
    paths = tuple(_path(p, csv, where) for p in ([raw] if isinstance(raw, str) else raw) if p != "")
    if not paths and "const" not in value and value != {"path": ""}:
        raise MapError(f"{where}: needs a path or a const")
    when, join = value.get("when"), value.get("join")
    if join is not None and not isinstance(join, str):
        raise MapError(f'{where}: join must be the text that goes between the values, e.g. join = " - "')
    return FieldSpec(
        paths=paths,
        type=kind,
        const=value.get("const"),
        join=join,
        sum=bool(value.get("sum", False)),
        when=_path(when, csv, where) if when is not None else None,
        zone=_naive(value.get("zone"), where),
        per=_path(value["per"], csv, where) if "per" in value else None,
        negate=bool(value.get("negate", False)),
    )


def _path(value: Any, csv: bool, where: str) -> tuple[str, ...]:
    """ "a.b[].c" -> ("a", "b", "[]", "c"); a csv column name stays whole (it may hold dots)."""
    if not isinstance(value, str) or not value:
        raise MapError(f"{where}: a path must be a non-empty string")
    if csv:
        return (value,)
    out: list[str] = []
    for part in value.split("."):
        if part.endswith(EACH):
            out.extend([part[: -len(EACH)], EACH] if part != EACH else [EACH])
        else:
            out.append(part)
    return tuple(out)
