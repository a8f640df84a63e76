"""Benchmark `acorders verify` over 10,000 records at the account's rate limit (issue 15).

    .venv/bin/python bench/verify.py [--records 10000] [--rate 5] [--latency 0] [--out bench/out]

Starts an embedded sandbox in this process with its --rate requests/second limit, stores --records orders
on connection 1 (written to the sandbox's store directly: seeding is not what is measured) and the ledger
entries that pushed them (so everything agrees), then times ``acorders verify -o json --rate RATE`` in a
child process. Bars: the run costs one listing (ceil(records / 100) requests, nothing else) and its wall
time is <= 1.5x the time those requests take at the rate limit (requests / rate). Prints a Markdown table
and PASS/FAIL lines; writes --out/verify.json. Exit status: 0 every bar passed, 1 some bar failed.
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, bench_env, log, machine, markdown_table, run, tool, write_json

API_KEY = "verify-bench-key"  # a key found in no record: output redacts it wherever it appears


def seed(sandbox: Any, records: int) -> list[tuple[str, str]]:
    """``records`` carts in the sandbox's store: (checkout id, record id) of each."""

    out = []
    store = sandbox.store
    with store.transaction():
        for i in range(records):
            checkout = f"bench-{i:06d}"
            row = {
                "externalcheckoutid": checkout,
                "connectionid": "1",
                "customerid": "1",
                "email": f"c{i}@example.com",
                "currency": "usd",
                "totalPrice": str(1000 + i),
                "source": "1",
                "abandonedDate": "2026-11-01T10:00:00-05:00",
                "externalCreatedDate": "2026-11-01T10:00:00-05:00",
                "orderUrl": f"https://shop.example/cart/{checkout}",
                "state": 1,
            }
            out.append((checkout, str(store.insert("order", row)["id"])))
    return out


def seed_ledger(state: Path, url: str, records: list[tuple[str, str]]) -> None:
    """The ledger entries a push of those carts would have left (one transaction, not 10,000)."""
    from acorders.push.ledger import Ledger

    with Ledger.open(state):
        pass  # creates the schema
    db = sqlite3.connect(str(state / "ledger.sqlite3"))
    now = time.time()
    rows = [
        (url, "1", "cart", c, i, "h", "done", "created", 201, None, None, "bench", now) for c, i in records
    ]
    with db:
        db.executemany("INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=5.0, help="the sandbox's limit and --rate (5)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the sandbox adds (0)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args(argv)

    from acorders.sandbox import Sandbox, SandboxConfig

    expected = math.ceil(args.records / 100)
    floor = expected / args.rate
    sandbox = Sandbox(SandboxConfig(api_key=API_KEY, rate=args.rate, latency=args.latency)).start()
    try:
        log(f"seeding {args.records} records")
        records = seed(sandbox, args.records)
        with tempfile.TemporaryDirectory(prefix="acorders-bench-verify-") as tmp:
            state = Path(tmp)
            seed_ledger(state, sandbox.url, records)
            before = len(sandbox.requests)
            cmd = [tool("acorders"), "verify", "-o", "json", "--rate", f"{args.rate:g}"]
            env = bench_env(
                ACTIVECAMPAIGN_URL=sandbox.url,
                ACTIVECAMPAIGN_API_KEY=API_KEY,
                ACORDERS_STATE_DIR=str(state),
                ACORDERS_CONFIG=str(state / "none.toml"),
            )
            with tempfile.TemporaryFile() as out:
                log("timing acorders verify")
                result = run(cmd, stdout=out, env=env, cwd=ROOT)
                out.seek(0)
                data = json.loads(out.read() or b"{}")
            if not data.get("ok"):
                log(json.dumps(data.get("results", [])[:3]) + result.stderr_tail)
            seen = len(sandbox.requests) - before
    finally:
        sandbox.stop()
    summary = data.get("summary", {})
    bars = [
        ("one listing", f"{seen} requests seen, {summary.get('requests')} reported", seen == expected),
        ("agrees", f"ok={data.get('ok')}, listed={summary.get('listed')}", bool(data.get("ok"))),
        ("<= 1.5x the requests' time", f"{result.wall:.1f} s vs {floor:.1f} s", result.wall <= 1.5 * floor),
    ]
    print(
        markdown_table(
            ["records", "requests", "floor (s)", "wall (s)", "ratio"],
            [[args.records, seen, f"{floor:.1f}", f"{result.wall:.1f}", f"{result.wall / floor:.2f}x"]],
        )
    )
    for name, figure, passed in bars:
        print(f"{'PASS' if passed else 'FAIL'} {name}: {figure}")
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(
        args.out / "verify.json",
        {
            "machine": machine(),
            "records": args.records,
            "requests": seen,
            "wall": result.wall,
            "floor": floor,
            "exit": result.returncode,
            "bars": {n: p for n, _, p in bars},
        },
    )
    return 0 if all(p for _, _, p in bars) else 1


if __name__ == "__main__":
    raise SystemExit(main())
