"""The bundled ecomOrder JSON Schema: the single source of truth for what a document may hold.

It lives in ``schemas/`` at the top of the repository and is shipped inside the wheel as
``acorders/schemas/`` (see pyproject.toml), so a plain ``pip install .`` finds it as well as a checkout.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_NAME = "ecomOrder.schema.json"
KINDS = ("order", "orderProduct", "orderDiscount", "customer")  # objects whose fields the schema documents
_PACKAGE = Path(__file__).resolve().parents[1]  # acorders/
_CANDIDATES = (_PACKAGE / "schemas" / SCHEMA_NAME, _PACKAGE.parent / "schemas" / SCHEMA_NAME)  # wheel, repo


def schema_path() -> Path:
    for candidate in _CANDIDATES:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"the bundled schema {SCHEMA_NAME} is missing from this installation; reinstall acorders"
    )


@cache
def schema_bytes() -> bytes:
    return schema_path().read_bytes()


def schema_text() -> str:
    return schema_bytes().decode("utf-8")


@cache
def load_schema() -> dict[str, Any]:
    return _parse(schema_bytes())


def _parse(data: bytes) -> dict[str, Any]:
    import orjson  # ten times faster than json here, and every run starts by reading the schema

    return orjson.loads(data)


@cache
def compiled() -> Any:
    """The compiled validator (jsonschema-rs: ~20x faster than pure-Python jsonschema), formats checked."""
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(load_schema(), validate_formats=True)


@cache
def compiled_closed() -> Any:
    """The same schema with every object closed (additionalProperties: false), derived here rather than
    kept as a second file. A document valid under it has no field the API doesn't document, so the
    unknown-field scan, which costs more than this check, can be skipped for it: the common case."""
    import jsonschema_rs

    closed = _parse(schema_bytes())  # a fresh copy to change
    for kind in KINDS:
        closed["$defs"][kind]["additionalProperties"] = False
    closed["then"]["additionalProperties"] = False  # the envelope holds only ecomOrder (and ecomCustomer)
    return jsonschema_rs.Draft202012Validator(closed, validate_formats=True)


@cache
def required_of_order() -> frozenset[str]:
    """The fields every order must have (both schemas say so): without one, neither can pass it."""
    return frozenset(load_schema()["$defs"]["order"].get("required", ()))


@cache
def field_kinds() -> dict[str, dict[str, str]]:
    """For each object kind (order, orderProduct, orderDiscount, customer): field name -> the $defs name it
    refers to (or its JSON type). Messages and the unknown-field check are derived from this, not
    hard-coded."""
    defs = load_schema()["$defs"]
    kinds: dict[str, dict[str, str]] = {}
    for kind in KINDS:
        fields: dict[str, str] = {}
        for name, prop in defs[kind].get("properties", {}).items():
            ref = prop.get("$ref", "")
            fields[name] = ref.rsplit("/", 1)[-1] if ref else str(prop.get("type", "any"))
        kinds[kind] = fields
    return kinds


def currencies() -> list[str]:
    return list(load_schema()["$defs"]["currency"]["enum"])
