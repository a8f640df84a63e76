"""Issue 14's speed bar, the parts a unit test can pin: a map's paths are resolved once per map (not per
record), the compiled accessors say exactly what the interpreted specs say, and a converted cart without
customerid is checked by the fast closed schema with the same findings the full schema gives."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

import pytest

import acorders.convert.compiled as compiled_mod
import acorders.convert.fields as fields_mod
from acorders.convert import PLATFORMS, ConvertOptions, convert_record, load_map
from acorders.errors import ConversionError

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


def checkout(n: int) -> dict[str, Any]:
    return {
        "id": 450789469 + n,
        "token": f"{n:032x}",
        "email": f"buyer{n}@example.com",
        "created_at": "2024-01-01T00:00:00-05:00",
        "updated_at": "2024-01-01T00:05:00-05:00",
        "completed_at": None,
        "currency": "USD",
        "presentment_currency": "USD",
        "line_items": [
            {
                "product_id": 1,
                "title": "A &ndash; b",
                "variant_title": "Pink",
                "sku": "S1",
                "quantity": 2,
                "price": "1.50",
            },
            {
                "product_id": 2,
                "title": "C",
                "variant_title": None,
                "sku": "S2",
                "quantity": 1,
                "price": "2.00",
            },
        ],
        "shipping_lines": [{"title": "Standard", "price": "5.00"}],
        "discount_codes": [],
        "total_discounts": "0.00",
        "total_tax": "0.30",
        "total_price": "10.30",
        "abandoned_checkout_url": f"https://shop.example/checkouts/{n:032x}/recover",
        "name": f"#{n}",
    }


def test_paths_are_resolved_once_per_map(monkeypatch: pytest.MonkeyPatch) -> None:
    """Converting a record walks no path text: show() and the path parsing ran when the map was compiled.
    Before, every field of every record built its path's text (fields.show) in fields.raw."""
    cmap, opts = load_map("shopify"), ConvertOptions(now=NOW)
    first = convert_record(checkout(0), cmap, opts, NOW)  # compiles the map
    calls: list[Any] = []

    def counted(path: Any) -> str:
        calls.append(path)
        return ".".join(path)

    monkeypatch.setattr(fields_mod, "show", counted)
    monkeypatch.setattr(compiled_mod, "show", counted, raising=False)
    results = [convert_record(checkout(n), cmap, opts, NOW) for n in range(50)]
    assert calls == []
    assert isinstance(first, dict) and results[0] == first


def _outcome(call: Any, *args: Any) -> Any:
    try:
        return ("value", call(*args))
    except ConversionError as exc:
        return ("error", exc.message, exc.path)


ODD_VALUES: list[Any] = [
    None,
    "",
    "  ",
    [],
    {},
    0,
    0.0,
    1.5,
    "12.345",
    "x",
    "2024-03-10 01:59:30",
    7,
    True,
    [1, 2],
    {"a": 1},
]


def _records(spec: Any) -> list[Any]:
    """Records that reach each of a spec's paths with every odd value, and a list in between."""
    out: list[Any] = [{}, [], {"line_items": [{}, {"price": "1"}]}]
    for path in (*spec.paths, *(p for p in (spec.when, spec.per) if p is not None)):
        for value in ODD_VALUES:
            node: Any = value
            for seg in reversed(path):
                node = (
                    [node, copy.deepcopy(node)]
                    if seg == "[]"
                    else ({seg: node} if not seg.isdigit() else [node])
                )
            out.append(node)
    return out


@pytest.mark.parametrize("platform", PLATFORMS)
def test_compiled_fields_say_what_the_specs_say(platform: str) -> None:
    """Every field spec of every built-in map: the compiled accessor and fields.evaluate agree on value,
    error message and error path, on records full of blanks, odd types and lists."""
    cmap = load_map(platform)
    ctx = fields_mod.Context(cmap, "USD", {}, None, None)
    specs = [*cmap.order.values(), cmap.id, cmap.currency, *(s for s in (cmap.completed, cmap.activity) if s)]
    for lst in (cmap.products, cmap.discounts):
        if lst is not None:
            specs.extend(lst.fields.values())
    for spec in specs:
        get, find = compiled_mod.compile_field(spec), compiled_mod.compile_raw(spec)
        for record in _records(spec):
            assert find(record) == fields_mod.raw(record, spec), (spec, record)
            expected = _outcome(fields_mod.evaluate, record, spec, ctx, "items[0].")
            assert _outcome(get, record, ctx, "items[0].") == expected, (spec, record)


@pytest.mark.parametrize("currency", ["USD", "JPY", "KWD", "CLF"])
def test_plain_minor_is_to_minor_or_none(currency: str) -> None:
    """The shortcut answers what to_minor answers, or leaves the amount to it."""
    from acorders.convert import money

    texts = ["0", "0.00", "-0.00", "49.99", " 49.99 ", "1.234", "1.2345", "12.", ".5", "+3.10", "-1.00"]
    texts += ["21474836.47", "21474836.48", "2147483647", "1e3", "1,50", "", "abc", "007.10", "١٢"]
    for text in texts:
        fast = money.plain_minor(text, currency, {"KWD": 2} if currency == "KWD" else None)
        if fast is None:
            continue
        overrides = {"KWD": 2} if currency == "KWD" else None
        assert fast == money.to_minor(text, currency, overrides=overrides), text
    assert money.plain_minor("49.99", "USD") == 4999 and money.plain_minor("1.234", "USD") is None


def test_quantity_shortcut_keeps_its_answers() -> None:
    """Whole ints skip the Decimal round trip; everything else still goes through it."""
    assert [fields_mod.quantity(v) for v in (0, 2, 10**12, "3", 2.0)] == [0, 2, 10**12, 3, 2]
    for bad in (-1, True, 1.5, "x", None):
        with pytest.raises(ConversionError):
            fields_mod.quantity(bad)
