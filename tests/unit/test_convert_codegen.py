"""The generated field functions (acorders/convert/codegen.py) say exactly what the interpreted specs
(fields.evaluate, field by field in map order) say: same rows, same first error, same message and path,
for every built-in map and a map with every spec shape, on records full of blanks, odd types and lists.
And the integer money shortcut answers what the Decimal one answers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import acorders.convert.fields as fields_mod
from acorders.convert import PLATFORMS, load_map, money, parse_map
from acorders.convert.codegen import compile_map
from acorders.convert.maps import EACH, ConvertMap, FieldSpec
from acorders.errors import ConversionError, MapError

EVERY_SHAPE = """
name = "every-shape"
id = "id"
[money]
currency = "cur"
[dates]
naive = "refuse"
formats = ["%m/%d/%Y %H:%M"]
[order]
externalcheckoutid = ["token", "id", "deep.id"]
externalid = { path = ["order_id", "n.0"], when = "done" }
email = "mail"
orderUrl = { path = "url", type = "text", const = "https://x/&amp;" }
externalCreatedDate = { path = "made", type = "date" }
externalUpdatedDate = { path = "changed", type = "date", zone = "Asia/Tokyo" }
abandonedDate = { path = "gone", type = "epoch", const = "soon" }  # a const that cannot be typed
totalPrice = { path = "total", type = "money" }
taxAmount = { path = ["tax", "taxes.0"], type = "money", const = "0" }
shippingAmount = { path = ["ship[].price", "ship2"], type = "money", sum = true, const = "0" }
discountAmount = { path = "disc", type = "money", negate = true }
shippingMethod = { path = ["m1", "m2", "deep.m"], join = " / ", type = "text" }
orderNumber = { path = ["num", "deep.num"], join = "-" }
connectionid = { path = "conn", type = "bool" }
customerid = { path = "sums[].x", sum = true, type = "money", when = "done" }
source = { const = "1" }
[products]
path = "items"
[products.fields]
externalid = ["pid", "vid"]
name = { path = ["title", "variant"], join = " - ", type = "text" }
price = { path = "line", type = "money", per = "qty" }
quantity = { path = "qty", type = "quantity" }
category = { path = "tags[]" }
description = { path = "d", join = ",", const = "none" }
imageUrl = { path = ["img", "pic"], type = "quantity", const = "many" }
"""

ODD: list[Any] = [None, "", "  ", [], {}, 0, 0.0, 1.5, -2, "12.345", "49.99", " 3.10 ", "1,50", "x"]
ODD += ["&ndash; a", "2024-03-10 01:59:30", "2024-03-10T01:59:30-05:00", "03/10/2024 13:05", 7, True]
ODD += [1700000000, "1700000000", [1, 2], {"a": 1}, "١٢", 2**40]


def _reference(node: Any, specs: dict[str, FieldSpec], ctx: Any, where: str, email: Any) -> Any:
    out = {}
    for name, spec in specs.items():
        given = name == "email" and email is not None
        value = email if given else fields_mod.evaluate(node, spec, ctx, where)
        if value is not None:
            out[name] = value
    return out


def _outcome(call: Any, *args: Any) -> Any:
    try:
        return ("value", call(*args))
    except ConversionError as exc:
        return ("error", exc.message, exc.path)


def _reference_rows(items: list[Any], specs: dict[str, FieldSpec], shown: str, ctx: Any) -> list[Any]:
    return [_reference(item, specs, ctx, f"{shown}[{i}].", None) for i, item in enumerate(items)]


def _paths(cmap: ConvertMap) -> list[tuple[str, ...]]:
    specs = [*cmap.order.values()]
    for lst in (cmap.products, cmap.discounts):
        if lst is not None:
            specs.extend(lst.fields.values())
    out: list[tuple[str, ...]] = []
    for spec in specs:
        out.extend([*spec.paths, *(p for p in (spec.when, spec.per) if p is not None)])
    return out


def _put(node: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """``value`` at ``path`` in ``node``, making the dicts and lists on the way."""
    *head, last = path
    for i, seg in enumerate(head):
        nxt = path[i + 1]
        if seg == EACH:
            return  # a [] in the middle: the list itself is the value set below
        child = node.get(seg)
        if not isinstance(child, (dict, list)):
            child = [] if nxt == EACH or nxt.isdigit() else {}
            node[seg] = child
        if isinstance(child, list):
            if nxt == EACH:
                rest = path[i + 2 :]
                for _ in range(2):
                    element: dict[str, Any] = {}
                    if rest:
                        _put(element, rest, value)
                    child.append(element if rest else value)
                return
            child.append({} if i + 2 < len(path) else value)
            if i + 2 < len(path):
                _put(child[-1], path[i + 2 :], value)
            return
        node = child
    if last != EACH and not last.isdigit():
        node[last] = value


def _records(cmap: ConvertMap) -> st.SearchStrategy[dict[str, Any]]:
    paths = _paths(cmap)

    def build(chosen: list[tuple[int, Any]]) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for index, value in chosen:
            _put(record, paths[index % len(paths)], value)
        return record

    return st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(ODD)), max_size=12).map(build)


def _contexts(cmap: ConvertMap) -> list[Any]:
    return [
        fields_mod.Context(cmap, "USD", {}, None, None),
        fields_mod.Context(cmap, "JPY", {}, "half-up", "Europe/Paris"),
        fields_mod.Context(cmap, "KWD", {"KWD": 2}, "half-even", None),
    ]


def _check(cmap: ConvertMap, record: dict[str, Any]) -> None:
    compiled = COMPILED[cmap.name]
    for ctx in _contexts(cmap):
        expected = _outcome(_reference, record, cmap.order, ctx, "", "buyer@example.com")
        assert _outcome(compiled.fill, record, ctx, "buyer@example.com") == expected, (record, ctx)
        for spec, made in ((cmap.products, compiled.products), (cmap.discounts, compiled.discounts)):
            if spec is None or made is None:
                continue
            listed = record.get(spec.path[0])
            for items in ([record, {}, "x", None, record], listed if isinstance(listed, list) else []):
                rows = _outcome(made.fill, items, ctx, None)
                assert rows == _outcome(_reference_rows, items, spec.fields, made.shown, ctx), (items, ctx)


MAPS = {name: load_map(name) for name in PLATFORMS} | {"every-shape": parse_map(EVERY_SHAPE, "every-shape")}
COMPILED = {name: compile_map(cmap) for name, cmap in MAPS.items()}


@pytest.mark.parametrize("name", sorted(MAPS))
@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_generated_fields_say_what_the_specs_say(name: str, data: st.DataObject) -> None:
    cmap = MAPS[name]
    _check(cmap, data.draw(_records(cmap)))


@pytest.mark.parametrize("name", sorted(MAPS))
def test_every_path_with_every_odd_value(name: str) -> None:
    """The deterministic sweep: each path alone, with each odd value, next to a full item."""
    cmap = MAPS[name]
    for path in _paths(cmap):
        for value in ODD:
            record: dict[str, Any] = {}
            _put(record, path, value)
            _check(cmap, record)


def test_map_text_never_becomes_code() -> None:
    """Keys, joins and consts that look like Python are read as data."""
    text = """
name = "quotes"
[money]
currency = { const = "USD" }
[order]
email = "e"
orderNumber = { path = ["a'\\"); raise SystemExit('x') #", "b\\nc"], join = "' + '" }
externalid = { path = "k", const = "__import__('os')" }
"""
    cmap = parse_map(text, "quotes")
    fill = compile_map(cmap).fill
    ctx = fields_mod.Context(cmap, "USD", {}, None, None)
    record = {"a'\"); raise SystemExit('x') #": "one", "b\nc": "two"}
    expected = {"email": "e@x", "orderNumber": "one' + 'two", "externalid": "__import__('os')"}
    assert fill(record, ctx, "e@x") == expected


@settings(max_examples=2000)
@given(
    text=st.text(alphabet="0123456789.+- _١", max_size=12),
    exponent=st.integers(0, 4),
)
def test_minor_text_is_plain_minor_or_none(text: str, exponent: int) -> None:
    """The integer shortcut gives plain_minor's answer whenever it gives one, and takes the usual amounts."""
    fast = money.minor_text(text, exponent)
    if fast is not None:
        assert fast == money.plain_minor(text, "XXX", {"XXX": exponent})


@given(minor=st.integers(0, 2**31 - 1), exponent=st.integers(0, 4))
def test_minor_text_reads_every_plain_amount(minor: int, exponent: int) -> None:
    text = str(minor).rjust(exponent + 1, "0")
    amount = f"{text[: len(text) - exponent]}.{text[len(text) - exponent :]}" if exponent else text
    assert money.minor_text(amount, exponent) == minor


def _either(call: Any, *args: Any) -> Any:
    """_outcome, and any other exception as its type and text: the generated code must fail as the
    reference fails, not in some other way."""
    try:
        return _outcome(call, *args)
    except Exception as exc:
        return ("raised", type(exc).__name__, str(exc))


REVIEW = """
name = "review"
[money]
currency = { const = "USD" }
[order]
email = "mail"
orderNumber = { path = ["a", "b"], join = JOIN }
totalPrice = { path = "total", type = "money" }
shippingAmount = { path = "ship[].price", type = "money", sum = true, const = "10" }
"""


JOINS = ["1", "-2", "1.5", "true", '["x"]', "{ a = 1 }"]


@pytest.mark.parametrize("join", JOINS)
def test_a_join_that_is_not_text_is_a_map_error(join: str) -> None:
    """A map is checked whole before any record is read: a join that is not text is one clear error
    naming the field (exit 2), not an "unexpected AttributeError" on the first record with values."""
    with pytest.raises(MapError, match=r"\[order\] orderNumber: join must be the text"):
        parse_map(REVIEW.replace("JOIN", join), "review")


@pytest.mark.parametrize("join", [1, -2, 1.5, True, ["x"], {"a": 1}])
def test_a_join_that_is_not_text_fails_only_where_the_reference_fails(join: Any) -> None:
    """Behind the map check, the generated code still never takes a spec's value for source text: a
    FieldSpec made with such a join (not through parse_map) fails where the reference fails, and
    converts every other record. Before, `join = 1` went into the source as the literal `1.join(...)`:
    a SyntaxError compiling the map, so every run stopped with an internal error."""
    parsed = parse_map(REVIEW.replace("JOIN", '" "'), "review")
    order = {**parsed.order, "orderNumber": replace(parsed.order["orderNumber"], join=join)}
    cmap = replace(parsed, order=order)
    fill = compile_map(cmap).fill
    ctx = fields_mod.Context(cmap, "USD", {}, None, None)
    for record in ({"total": "1.00"}, {"total": "1.00", "a": "x", "b": "y"}, {"a": ["x"]}):
        expected = _either(_reference, record, cmap.order, ctx, "", "e@x")
        assert _either(fill, record, ctx, "e@x") == expected, record


def test_an_amount_of_thousands_of_digits_is_an_error_finding_not_a_crash() -> None:
    """Past 4300 digits int() refuses a text (ValueError): minor_text's int(digits) and to_minor's message
    both raised it, which stopped the whole batch ("unexpected ValueError"). Such an amount is past the
    API's limit: a ConversionError naming the field, in both the reference and the generated code."""
    cmap = parse_map(REVIEW.replace("JOIN", '" "'), "review")
    fill = compile_map(cmap).fill
    ctx = fields_mod.Context(cmap, "USD", {}, None, None)
    for record in ({"total": "1" * 5000}, {"ship": [{"price": "1.00"}, {"price": "9" * 4400}]}):
        expected = _either(_reference, record, cmap.order, ctx, "", "e@x")
        assert expected[0] == "error" and "past the API's limit" in expected[1], expected
        assert _either(fill, record, ctx, "e@x") == expected


def test_a_sum_s_const_is_one_amount_not_its_characters() -> None:
    """`const = "10"` on a sum is 10.00 when nothing is summed. Before, the reference (and so the generated
    code) summed the const's characters, "1" and "0": 100 minor units, a silent $1.00; "5.00" failed on
    the amount ".", and a number const raised TypeError."""
    for const, minor in (('"10"', 1000), ('"5.00"', 500), ("7", 700), ('"0"', 0)):
        cmap = parse_map(REVIEW.replace("JOIN", '" "').replace('const = "10"', f"const = {const}"), "r")
        ctx = fields_mod.Context(cmap, "USD", {}, None, None)
        expected = {"email": "e@x", "shippingAmount": minor}
        assert _reference({}, cmap.order, ctx, "", "e@x") == expected
        assert compile_map(cmap).fill({}, ctx, "e@x") == expected


@pytest.mark.parametrize("text", ["1" * 5000, "0" * 4400 + "1.25", "1" * 4400 + ".5"])
def test_minor_text_of_thousands_of_digits_is_plain_minor_or_none(text: str) -> None:
    """What plain_minor answers (125, or None past int32) or None, not int()'s ValueError for a text past
    4300 digits."""
    assert money.minor_text(text, 2) in (None, money.plain_minor(text, "USD"))


def test_a_path_part_that_is_a_digit_but_not_ascii_is_a_key_never_a_crash() -> None:
    """ "²" is a digit to str.isdigit but int() refuses it: following such a path into a list raised
    ValueError (an "unexpected" error that stopped the batch). It names a key, as in a dict."""
    cmap = parse_map(REVIEW.replace("JOIN", '" "').replace('["a", "b"]', '["a.²", "b"]'), "review")
    ctx = fields_mod.Context(cmap, "USD", {}, None, None)
    for record in ({"a": ["x", "y", "z"], "b": "B"}, {"a": {"²": "sq"}}):
        expected = _either(_reference, record, cmap.order, ctx, "", "e@x")
        assert expected[0] == "value", expected
        assert _either(compile_map(cmap).fill, record, ctx, "e@x") == expected
    assert _reference({"a": {"²": "sq"}}, cmap.order, ctx, "", "e@x")["orderNumber"] == "sq"


def test_a_line_item_that_is_not_an_object_is_one_error_naming_it() -> None:
    """Before, `line_items: [{...}, 1]` made an empty product row, which validate then reported as
    required fields missing at orderProducts[1]: the shop's record had no such fields to fix."""
    from datetime import datetime, timezone

    from acorders.convert import ConvertOptions, convert_record

    now = datetime(2030, 1, 1, tzinfo=timezone.utc)
    record = {
        "token": "t1",
        "email": "a@example.com",
        "currency": "USD",
        "updated_at": "2024-01-01T00:00:00Z",
        "total_price": "1.00",
        "line_items": [{"product_id": 1, "title": "A", "price": "1.00", "quantity": 1}, 1],
    }
    with pytest.raises(ConversionError) as caught:
        convert_record(record, load_map("shopify"), ConvertOptions(now=now), now)
    assert (caught.value.path, caught.value.message) == ("line_items[1]", "expected an object, found int")
