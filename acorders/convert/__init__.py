"""Convert: what a shop exports (Shopify, BigCommerce, WooCommerce, Magento, CSV) to ecomOrder documents,
a stage between load and validate.

Each platform is a map (``maps/*.toml``, the format a user writes for ``--map``), so there is one
mechanism: ``maps`` reads and checks a map; ``read`` turns sources into records with their lines (JSON
scanned element by element, NDJSON streamed through the load stage) and records into Documents whose
Origin points at the shop's file, line and record id; ``csv_rows`` groups CSV line-item rows into
records; ``records`` applies a map to one record (a cart, an order, or a Skip with its reason);
``fields`` follows paths and types values (the reference; ``compiled`` makes a closure of each spec and
``codegen`` Python source of a map's fields, which is what runs); ``money`` (Decimal only, ISO 4217
exponents, --exponent, --round) and ``dates`` (zoneinfo; naive dates need a zone; epoch seconds) do the
parts that existing integrations get wrong; ``catalog`` fills image, URL and category from a product file.

Nothing here raises for bad input: a record that cannot be converted is a Document with one error
finding, and the batch goes on.
"""

from acorders.convert.catalog import Catalog, load_catalog
from acorders.convert.maps import PLATFORMS, ConvertMap, builtin_text, load_map, parse_map
from acorders.convert.read import Converter, convert_all, convert_source
from acorders.convert.records import ConvertOptions, Skip, convert_record

__all__ = [
    "PLATFORMS",
    "Catalog",
    "ConvertMap",
    "ConvertOptions",
    "Converter",
    "Skip",
    "builtin_text",
    "convert_all",
    "convert_record",
    "convert_source",
    "load_catalog",
    "load_map",
    "parse_map",
]
