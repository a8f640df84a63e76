"""YAML: safe loading, no timestamps, no duplicate keys, no alias bombs, and only what JSON can hold."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from acorders.load.base import LoadError
from acorders.models import Document, Origin

MAX_YAML_NODES = 200_000  # expanded size; stops alias bombs ("billion laughs") before they are built
_MERGE = "tag:yaml.org,2002:merge"


def _yaml_loader() -> type:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        """Safe loading; timestamps stay strings (the schema checks them); duplicate keys are errors.
        Merge keys (``<<: *base``) are YAML's way to share fields: the mapping's own keys override the
        merged ones, so only its own keys can be duplicates."""

        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            own = [k for k, _ in node.value if k.tag != _MERGE]  # the safe constructor merges the rest
            keys = [self.construct_object(k, deep=deep) for k in own]
            for i, key in enumerate(keys):
                if key in keys[:i]:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"duplicate key {key!r}: which value is meant is ambiguous",
                        node.start_mark,
                    )
            return super().construct_mapping(node, deep=deep)

    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    return Loader


_LOADER: type | None = None


def parse_yaml(name: str, text: str) -> Iterator[Document]:
    import yaml

    global _LOADER
    if _LOADER is None:
        _LOADER = _yaml_loader()
    loader = _LOADER(text)
    docs: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            _check_yaml_size(node)
            line = node.start_mark.line + 1
            docs.append(Document(Origin(name, line), _json_model(loader.construct_document(node), line)))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f" (line {line})" if line else ""
        raise LoadError(f"not valid YAML: {problem}{where}", line) from None
    except RecursionError:
        raise LoadError("not valid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    if not docs:
        raise LoadError("empty YAML: no documents")
    return iter(docs)


def _json_model(value: Any, line: int) -> Any:
    """YAML can hold what JSON (and the API) cannot: non-string keys, binary, sets, explicit timestamps.
    Timestamps become RFC 3339 strings; the rest is refused with the reason."""
    import datetime as dt

    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise LoadError(
                    f'not valid YAML for the API: key {key!r} is not a string (quote it: "{key}":)', line
                )
            out[key] = _json_model(item, line)
        return out
    if isinstance(value, list):
        return [_json_model(item, line) for item in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise LoadError(f"not valid YAML for the API: {value} is not a JSON number", line)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise LoadError(
        f"not valid YAML for the API: a {type(value).__name__} value cannot be sent as JSON", line
    )


def _check_yaml_size(root: Any) -> None:
    """Refuse documents whose aliases expand past MAX_YAML_NODES, and recursive anchors."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Any) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise LoadError("not valid YAML: an anchor refers to itself", node.start_mark.line + 1)
        active.add(key)
        total = 1
        value = node.value
        if isinstance(value, list):
            for item in value:
                children = item if isinstance(item, tuple) else (item,)
                for child in children:
                    total += size(child)
                    if total > MAX_YAML_NODES:
                        raise LoadError(
                            f"YAML aliases expand to more than {MAX_YAML_NODES:,} values (an alias bomb?)",
                            root.start_mark.line + 1,
                        )
        active.discard(key)
        sizes[key] = total
        return total

    size(root)
