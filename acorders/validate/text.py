"""Text that no request can carry: strings that are not valid Unicode, and control characters in ids.

JSON can spell a lone surrogate (``"\\ud800"``), which no UTF-8 body can hold: such a document used to pass
validate and then stop every push. Ids name the record in the ledger, in ActiveCampaign's filters and on
the terminal, so a NUL, ESC or newline in one is refused too. Both are errors of the document, with the
path of the string. Cheap for the usual cart: one orjson serialisation proves every string is valid (it
refuses lone surrogates), and one regular expression per id; the slow walk runs only when that fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from acorders.models import CHECKOUT, EXTERNAL, Finding
from acorders.validate.messages import format_path

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_UNENCODABLE = (
    "cannot be sent as UTF-8: it holds half of a surrogate pair (a \\ud800-\\udfff escape without its "
    "other half); write the character itself, or both halves"
)


_DUMPS: list[Callable[[Any], bytes]] = []  # orjson.dumps, imported where first used (a YAML run may not)


def unencodable(data: Any) -> list[Finding]:
    """A finding for every string (value or key) of ``data`` that cannot be encoded as UTF-8."""
    if not _DUMPS:
        import orjson

        _DUMPS.append(orjson.dumps)
    try:
        _DUMPS[0](data)
        return []  # the usual case: every string is valid UTF-8
    except TypeError:  # orjson.JSONEncodeError: a lone surrogate, or data orjson refuses (big integers)
        pass
    out: list[Finding] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            if not _encodes(node):
                out.append(Finding(format_path(path), f"{node!r} {_UNENCODABLE}"))
        elif isinstance(node, dict):
            for key in node:
                if isinstance(key, str) and not _encodes(key):
                    out.append(Finding(format_path(path), f"field name {key!r} {_UNENCODABLE}"))
            stack.extend(((*path, k), v) for k, v in reversed(node.items()) if _encodes(k))
        elif isinstance(node, (list, tuple)):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(node))))
    return out


def _encodes(text: Any) -> bool:
    if not isinstance(text, str) or text.isascii():
        return True
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def id_findings(order: Mapping[str, Any], prefix: str) -> list[Finding]:
    """Control characters in externalcheckoutid, externalid and the products' externalid."""
    out: list[Finding] = []
    for name in (CHECKOUT, EXTERNAL):
        value = order.get(name)
        # isprintable: one C call that is True for the usual id; the expression decides the rest
        if value.__class__ is str and not value.isprintable() and _CONTROL.search(value):
            out.append(_control(_join(prefix, name), value))
    products = order.get("orderProducts")
    if products.__class__ is list:
        for i, product in enumerate(products):
            value = product.get(EXTERNAL) if product.__class__ is dict else None
            if value.__class__ is str and not value.isprintable() and _CONTROL.search(value):
                out.append(_control(_join(prefix, f"orderProducts[{i}].{EXTERNAL}"), value))
    return out


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _control(path: str, value: str) -> Finding:
    return Finding(
        path,
        f"an id must not hold control characters (NUL, ESC, newline, tab...): {value!r}; "
        "send it without them",
    )


def escaped(finding: Finding) -> Finding:
    """A finding about a string that is not valid Unicode can quote it: escape what UTF-8 cannot carry."""
    path, message = finding.path, finding.message
    if path is not None and not _encodes(path):
        path = path.encode("utf-8", "backslashreplace").decode("utf-8")
    if not _encodes(message):
        message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    return Finding(path, message, finding.severity)
