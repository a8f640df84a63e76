"""--catalog FILE: product image, URL and category by product id or SKU, which most platforms leave off
line items. CSV (a header row) or JSON (a list of objects, or NDJSON); column names are matched loosely
(``image_url``, ``imageUrl`` and ``Image URL`` are one)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from acorders.errors import UsageError

FILLED = ("imageUrl", "productUrl", "category")
_NAMES = {
    "id": "id",
    "productid": "id",
    "externalid": "id",
    "sku": "sku",
    "imageurl": "imageUrl",
    "image": "imageUrl",
    "producturl": "productUrl",
    "url": "productUrl",
    "category": "category",
}


class Catalog:
    """Products by id and by SKU; ``fill`` adds what a line item lacks, never overwrites."""

    def __init__(self, products: list[dict[str, Any]]) -> None:
        self.by_id: dict[str, dict[str, str]] = {}
        self.by_sku: dict[str, dict[str, str]] = {}
        for product in products:
            known = {
                _NAMES[k]: str(v) for k, v in ((_norm(k), v) for k, v in product.items()) if k in _NAMES and v
            }
            info = {k: v for k, v in known.items() if k in FILLED}
            if known.get("id"):
                self.by_id[known["id"]] = info
            if known.get("sku"):
                self.by_sku[known["sku"]] = info

    def fill(self, item: dict[str, Any]) -> None:
        info = self.by_id.get(str(item.get("externalid", ""))) or self.by_sku.get(str(item.get("sku", "")))
        if info:
            for key, value in info.items():
                item.setdefault(key, value)


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def load_catalog(path: str | Path) -> Catalog:
    """The catalog file, read whole; a usage error (exit 2) when it cannot be read."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read --catalog {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if str(path).lower().endswith(".csv"):
        return Catalog(list(csv.DictReader(io.StringIO(text))))
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise UsageError(f"--catalog {path} is neither CSV (by its .csv name) nor JSON: {exc}") from None
    if isinstance(data, dict):
        data = data.get("products", data.get("data", [data]))
    if not isinstance(data, list) or not all(isinstance(p, dict) for p in data):
        raise UsageError(f"--catalog {path}: expected a list of product objects")
    return Catalog(data)
