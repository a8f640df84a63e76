"""Benchmark `acorders validate --from shopify` (issue 14's bars).

1. 10,000 generated Shopify checkouts (the documented REST shape, 1-6 line items, one per NDJSON line):
   ``acorders validate --from shopify`` against ``acorders validate`` on 10,000 ecomOrder files, interleaved,
   best and median of --repeat runs. Bar: <= 2x.
2. Peak RSS of ``acorders validate --from shopify`` on a --lines NDJSON of checkouts (default 1,000,000).
   Bar: < 150 MB.

Corpora go to bench/out/ (git-ignored). Run: ``python bench/convert.py [--repeat 3] [--lines 1000000]``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ensure_cart_files, repeat, run

OUT = Path(__file__).resolve().parent / "out"


def checkout(rng: random.Random, n: int) -> dict:
    """One abandoned checkout in the REST resource's shape, totals reconciling, activity in the past."""
    items = []
    subtotal = 0
    for i in range(rng.randint(1, 6)):
        cents, qty = rng.randint(100, 50_000), rng.randint(1, 3)
        subtotal += cents * qty
        items.append(
            {
                "product_id": 632910392 + i,
                "variant_id": 808950810 + i,
                "title": f"Product {i} &ndash; {n}",
                "variant_title": rng.choice(["Pink", "Black", None]),
                "sku": f"SKU-{i}",
                "quantity": qty,
                "price": f"{cents // 100}.{cents % 100:02d}",
            }
        )
    tax, ship = subtotal * 6 // 100, rng.choice([0, 500, 1000])
    when = datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=-5))) + timedelta(minutes=n)
    money = lambda c: f"{c // 100}.{c % 100:02d}"  # noqa: E731
    return {
        "id": 450789469 + n,
        "token": f"{n:032x}",
        "email": f"buyer{n}@example.com",
        "created_at": when.isoformat(),
        "updated_at": (when + timedelta(minutes=5)).isoformat(),
        "completed_at": None,
        "currency": "USD",
        "presentment_currency": "USD",
        "taxes_included": False,
        "line_items": items,
        "shipping_lines": [{"title": "Standard", "price": money(ship)}],
        "discount_codes": [],
        "total_discounts": "0.00",
        "total_tax": money(tax),
        "total_price": money(subtotal + tax + ship),
        "abandoned_checkout_url": f"https://shop.example/checkouts/{n:032x}/recover",
        "name": f"#{n}",
    }


def ensure_checkouts(path: Path, lines: int) -> Path:
    if (
        path.exists()
        and path.with_suffix(".count").exists()
        and path.with_suffix(".count").read_text() == str(lines)
    ):
        return path
    rng = random.Random(20261214)
    templates = [checkout(rng, n) for n in range(min(lines, 2000))]
    with open(path, "w", encoding="utf-8") as fh:
        for n in range(lines):
            record = dict(templates[n % len(templates)], token=f"{n:032x}", id=450789469 + n)
            fh.write(json.dumps(record) + "\n")
    path.with_suffix(".count").write_text(str(lines))
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    exe = str(Path(sys.executable).with_name("acorders"))
    files = ensure_cart_files(OUT / "carts", 10_000)
    shop = ensure_checkouts(OUT / "shopify-10000.ndjson", 10_000)
    timings = repeat(
        {
            "validate 10,000 ecomOrder files": [exe, "validate", "--connection", "1", str(files[0].parent)],
            "validate --from shopify, 10,000 checkouts": [
                exe,
                "validate",
                "--from",
                "shopify",
                "--connection",
                "1",
                str(shop),
            ],
        },
        args.repeat,
        expect={"validate 10,000 ecomOrder files": 0, "validate --from shopify, 10,000 checkouts": 0},
    )
    base, conv = timings.values()
    ratio = conv.best / base.best
    print(f"{base.name}: {base.best:.3f} s (median {base.median:.3f})")
    print(f"{conv.name}: {conv.best:.3f} s (median {conv.median:.3f}); ratio {ratio:.2f}x (bar <= 2x)")
    if args.lines:
        big = ensure_checkouts(OUT / f"shopify-{args.lines}.ndjson", args.lines)
        r = run([exe, "validate", "--from", "shopify", "--connection", "1", "-q", str(big)], rss=True)
        print(
            f"{args.lines:,}-line NDJSON: {r.wall:.1f} s, exit {r.returncode}, peak RSS {r.max_rss_mb:.0f} MB (bar < 150 MB)"
        )


if __name__ == "__main__":
    main()
