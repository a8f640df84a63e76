"""YAML merge keys (``<<: *base``) load as YAML 1.1 says: the mapping's own keys override the merged ones
(issue 11, item 16: they were refused with "could not determine a constructor for the tag ...merge")."""

from __future__ import annotations

from pathlib import Path

from acorders import load
from acorders.models import Document
from tests.helpers import documents


def load_text(tmp_path: Path, name: str, text: str) -> list[Document]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return documents(load.collect_sources([str(path)]))


MERGED = """\
defaults: &product
  category: Toys
  quantity: 1
ecomOrder:
  externalcheckoutid: cart-merge
  orderProducts:
    - <<: *product
      name: Pogo Stick
      price: 4900
    - <<: *product
      name: Widget
      price: 3000
      quantity: 2
"""


def test_yaml_merge_keys_load_and_explicit_keys_win(tmp_path: Path) -> None:
    (doc,) = load_text(tmp_path, "m.yaml", MERGED)
    assert not doc.findings, doc.findings
    products = doc.data["ecomOrder"]["orderProducts"]
    assert products[0] == {"category": "Toys", "quantity": 1, "name": "Pogo Stick", "price": 4900}
    assert products[1]["quantity"] == 2  # the product's own value, not the merged one
    assert products[1]["category"] == "Toys"


def test_yaml_merge_of_a_list_of_mappings(tmp_path: Path) -> None:
    text = "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  w: 0\n"
    (doc,) = load_text(tmp_path, "m.yaml", text)
    assert not doc.findings, doc.findings
    assert doc.data["c"] == {"x": 1, "y": 1, "z": 2, "w": 0}  # the first mapping listed wins


def test_yaml_duplicate_keys_are_still_an_error_beside_a_merge(tmp_path: Path) -> None:
    text = "a: &a {x: 1}\nc:\n  <<: *a\n  w: 0\n  w: 1\n"
    (doc,) = load_text(tmp_path, "m.yaml", text)
    assert doc.data is None
    assert "duplicate key 'w'" in doc.findings[0].message


def test_a_quoted_merge_key_is_an_ordinary_key(tmp_path: Path) -> None:
    (doc,) = load_text(tmp_path, "m.yaml", '"<<": 1\nx: 2\n')
    assert doc.data == {"<<": 1, "x": 2}
