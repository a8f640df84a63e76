"""Benchmark `acorders push` against the sandbox at the account's rate limit (issue 3, "Performance").

    python bench/push.py [--carts 200] [--latency 0.3] [--jitter 0.1] [--rate 5]
                         [--limiters bucket,sliding,fixed] [--out bench/out]

Starts an embedded sandbox (``acorders.sandbox.Sandbox``) in this process with --latency +- --jitter seconds
added to every response and its --rate requests/second limit (429 + Retry-After beyond it) in the shape of
each of --limiters (token bucket, sliding 1 s window, fixed window aligned to the second), generates
--carts realistic valid carts (distinct externalcheckoutid, ``{"ecomOrder": ...}`` envelope,
bench/common.py's generator, cached under --out), then, each in a child process against its own fresh
sandbox:

(a) for each limiter shape, ``acorders push DIR -o json --url URL --api-key bench --state-dir FRESH_TMP``;
(b) against the first shape, a plain sequential loop of ``requests.post(url + "/api/3/ecomOrders", json={"ecomOrder": ...},
    headers={"Api-Token": ...})`` over the same files, what users write by hand (no retry on 429: counted).

For each: wall time of the child (start-up included) and carts/s = carts / wall; the child's own elapsed
and carts/s (acorders' JSON summary, the loop's timer); requests the sandbox saw and per cart; 429 answers
and their share; the child's peak RSS (os.wait4); every cart created exactly once (the sandbox's store).

Bars (issues 3 and 12), on each shape: acorders >= 4.75 carts/s (95% of 5/s); <= 2% of its requests
answered 429; every cart created exactly once. Prints a Markdown table, PASS/FAIL lines and the exact commands; writes --out/push.json.
Exit status: 0 every bar passed, 1 some bar failed, 2 a command misbehaved.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    ROOT,
    Run,
    bench_env,
    ensure_cart_files,
    log,
    machine,
    markdown_table,
    run,
    shell_line,
    tool,
    tool_version,
    write_json,
)

API_KEY = "bench"

# What users write by hand: one requests.post per cart, in order, no session, no retry.
HAND_LOOP = """\
import json, pathlib, sys, time
import requests
url, key, directory = sys.argv[1:4]
files = sorted(p for p in pathlib.Path(directory).glob("*.json") if not p.name.startswith("."))
statuses = {}
start = time.perf_counter()
for path in files:
    cart = json.loads(path.read_text(encoding="utf-8"))["ecomOrder"]
    r = requests.post(url + "/api/3/ecomOrders", json={"ecomOrder": cart}, headers={"Api-Token": key}, timeout=30)
    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
elapsed = time.perf_counter() - start
print(json.dumps({"carts": len(files), "elapsed": elapsed, "statuses": statuses}))
"""


# --- helpers shared with bench/ledger.py -------------------------------------------------------------------


def rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def start_sandbox(
    *, latency: float, rate: float, limiter: str = "bucket", jitter: float = 0.0, seed: int | None = None
) -> Any:
    """A fresh in-process sandbox (in-memory store) on a free loopback port, with key ``bench``."""
    from acorders.sandbox import Sandbox, SandboxConfig

    config = SandboxConfig(
        api_key=API_KEY, latency=latency, rate=rate, limiter=limiter, jitter=jitter, seed=seed
    )
    return Sandbox(config).start()


def run_capture(
    cmd: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> tuple[Run, str, float]:
    """common.run with stdout kept: (Run, stdout text, time.time() just before the child started); peak RSS
    is the child's own (GNU time's %M when common.run supports it)."""
    with tempfile.TemporaryFile() as out:
        started = time.time()
        try:  # peak RSS under GNU time when common.run offers it (wait4's figure starts at this process's RSS)
            r = run(cmd, stdout=out, env=env or bench_env(), cwd=cwd, rss=True)
        except TypeError:
            r = run(cmd, stdout=out, env=env or bench_env(), cwd=cwd)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return r, text, started


def read_carts(files: Iterable[Path]) -> dict[str, dict[str, Any]]:
    """externalcheckoutid -> ecomOrder, from the corpus files."""
    carts: dict[str, dict[str, Any]] = {}
    for path in files:
        order = json.loads(path.read_text(encoding="utf-8"))["ecomOrder"]
        carts[str(order["externalcheckoutid"])] = order
    return carts


@dataclass
class Exactly:
    """How the sandbox's records compare with the carts we meant to create."""

    expected: int
    records: int
    missing: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    unexpected: int = 0
    stale: list[str] = field(default_factory=list)  # totalPrice differs from the file's

    @property
    def ok(self) -> bool:
        return not (self.missing or self.duplicated or self.unexpected or self.stale)

    def describe(self) -> str:
        parts = [f"{self.records} records for {self.expected} carts"]
        if self.missing:
            parts.append(f"{len(self.missing)} missing (e.g. {self.missing[0]})")
        if self.duplicated:
            parts.append(f"{len(self.duplicated)} duplicated (e.g. {self.duplicated[0]})")
        if self.unexpected:
            parts.append(f"{self.unexpected} records of no cart")
        if self.stale:
            parts.append(f"{len(self.stale)} with a stale totalPrice (e.g. {self.stale[0]})")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "expected": self.expected,
            "records": self.records,
            "missing": len(self.missing),
            "duplicated": len(self.duplicated),
            "unexpected": self.unexpected,
            "stale": len(self.stale),
        }


def exactly_once(sandbox: Any, carts: dict[str, dict[str, Any]], *, check_content: bool = False) -> Exactly:
    """Every cart is exactly one ecomOrder record in the sandbox (and, optionally, holds its latest
    totalPrice)."""
    records = sandbox.store.orders()
    by_checkout: dict[str, list[dict[str, Any]]] = {}
    unexpected = 0
    for record in records:
        checkout = record.get("externalcheckoutid")
        if checkout is None or str(checkout) not in carts:
            unexpected += 1
            continue
        by_checkout.setdefault(str(checkout), []).append(record)
    result = Exactly(expected=len(carts), records=len(records), unexpected=unexpected)
    for checkout, cart in carts.items():
        found = by_checkout.get(checkout, [])
        if not found:
            result.missing.append(checkout)
        elif len(found) > 1:
            result.duplicated.append(checkout)
        elif check_content and str(found[0].get("totalPrice")) != str(int(cart["totalPrice"])):
            result.stale.append(checkout)
    return result


def requests_since(sandbox: Any, start: int) -> list[Any]:
    with sandbox._lock:  # the sandbox appends from its handler threads
        return list(sandbox.requests[start:])


def by_route(records: Iterable[Any]) -> dict[str, int]:
    """'POST /ecomOrders 201': count, with ids collapsed, for the report."""
    counts: Counter[str] = Counter()
    for r in records:
        parts = r.path.split("/")
        route = (
            "/".join("{id}" if p.isdigit() else p for p in parts[3:])
            if r.path.startswith("/api/3/")
            else r.path
        )
        counts[f"{r.method} /{route} {r.status}"] += 1
    return dict(sorted(counts.items()))


def bar(name: str, ok: bool, measured: str) -> dict[str, str]:
    return {"bar": name, "result": "PASS" if ok else "FAIL", "measured": measured}


# --- the benchmark ------------------------------------------------------------------------------------------


def measure(
    name: str,
    cmd: list[str],
    shown: str,
    sandbox: Any,
    carts: dict[str, dict[str, Any]],
    problems: list[str],
    expect_status: int | None = 0,
) -> dict[str, Any]:
    """Run one contender against its own sandbox and collect every figure the table needs."""
    before = len(sandbox.requests)
    log(f"{name}: {shown}")
    r, stdout, started = run_capture(cmd)
    seen = requests_since(sandbox, before)
    n = len(carts)
    statuses = Counter(rec.status for rec in seen)
    throttled = statuses.get(429, 0)
    once = exactly_once(sandbox, carts)
    first = min((rec.time for rec in seen), default=None)
    last = max((rec.time for rec in seen), default=None)
    own: dict[str, Any] = {}
    try:
        own = json.loads(stdout)
    except ValueError:
        problems.append(f"{name}: stdout is not JSON: {stdout[:300]!r}\n{r.stderr_tail}")
    if expect_status is not None and r.returncode != expect_status:
        problems.append(
            f"{name}: exit status {r.returncode}, expected {expect_status}\n  $ {shown}\n{r.stderr_tail}"
        )
    summary = own.get("summary", {}) if isinstance(own.get("summary"), dict) else {}
    own_elapsed = summary.get("elapsed", own.get("elapsed"))
    own_cps = summary.get("carts_per_second")
    if own_cps is None and own_elapsed:
        own_cps = round(n / own_elapsed, 2)
    result = {
        "name": name,
        "command": shown,
        "returncode": r.returncode,
        "wall_s": round(r.wall, 3),
        "cpu_s": round(r.cpu, 3),
        "carts_per_s": round(n / r.wall, 3),
        "own_elapsed_s": own_elapsed,
        "own_carts_per_s": own_cps,
        "requests": len(seen),
        "requests_per_cart": round(len(seen) / n, 3),
        "status_429": throttled,
        "share_429": round(throttled / len(seen), 4) if seen else 0.0,
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))},
        "routes": by_route(seen),
        "time_to_first_request_s": round(first - started, 3) if first else None,
        "sending_span_s": round(last - first, 3) if first and last else None,
        "max_rss_mb": round(r.max_rss_mb, 1),
        "exactly_once": once.as_dict(),
        "exactly_once_detail": once.describe(),
        "own_summary": summary or {k: v for k, v in own.items() if k != "results"},
    }
    log(
        f"  {r.wall:.2f} s, {n / r.wall:.2f} carts/s, {len(seen)} requests, {throttled} x 429, "
        f"peak RSS {r.max_rss_mb:.0f} MB; {once.describe()}"
    )
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--carts", type=int, default=200, help="carts to push (200)")
    parser.add_argument(
        "--latency", type=float, default=0.3, help="seconds the sandbox adds to every response (0.3)"
    )
    parser.add_argument("--jitter", type=float, default=0.1, help="latency varies by +- this much (0.1)")
    parser.add_argument("--rate", type=float, default=5.0, help="the sandbox's requests/second limit (5)")
    parser.add_argument(
        "--limiters", default="bucket,sliding,fixed", help="the sandbox's limit shapes, one run each"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "out", help="corpus and results (bench/out)"
    )
    parser.add_argument("--skip-hand", action="store_true", help="skip the hand-written requests.post loop")
    args = parser.parse_args(argv)
    args.shapes = [s.strip() for s in args.limiters.split(",") if s.strip()]
    return args


def sandbox_for(args: argparse.Namespace, shape: str) -> Any:
    return start_sandbox(latency=args.latency, rate=args.rate, limiter=shape, jitter=args.jitter, seed=12)


def push_on(
    args: argparse.Namespace, shape: str, cart_dir: str, carts: dict[str, Any], problems: list[str]
) -> dict[str, Any]:
    """(a) acorders push against a fresh sandbox limiting in ``shape``."""
    with tempfile.TemporaryDirectory(prefix="acorders-bench-state-") as state:
        sandbox = sandbox_for(args, shape)
        try:
            cmd = [tool("acorders"), "push", cart_dir, "-o", "json", "--url", sandbox.url]
            cmd += ["--api-key", API_KEY, "--state-dir", state]
            ac = measure(f"acorders push ({shape})", cmd, shell_line(cmd, limit=50), sandbox, carts, problems)
        finally:
            sandbox.stop()
    ac["limiter"] = shape
    created = ac["own_summary"].get("created")
    if created != args.carts:
        problems.append(f"acorders push ({shape}) reported {created} created, expected {args.carts}")
    return ac


def hand_loop(
    args: argparse.Namespace, cart_dir: str, carts: dict[str, Any], problems: list[str]
) -> dict[str, Any]:
    """(b) the hand-written loop, against the first shape."""
    py = sys.executable
    sandbox = sandbox_for(args, args.shapes[0])
    try:
        cmd = [py, "-c", HAND_LOOP, sandbox.url, API_KEY, cart_dir]
        shown = (
            f"{shell_line([py, '-c', 'HAND_LOOP'])} {sandbox.url} {API_KEY} {cart_dir}  "
            "# HAND_LOOP: see bench/push.py"
        )
        hand = measure(
            f"requests.post loop ({args.shapes[0]})", cmd, shown, sandbox, carts, problems, expect_status=0
        )
    finally:
        sandbox.stop()
    return hand


def row(m: dict[str, Any], carts: int) -> list[str]:
    return [
        m["name"],
        f"{m['wall_s']:.2f}",
        f"{m['carts_per_s']:.2f}",
        f"{m['own_elapsed_s']:.2f}" if m["own_elapsed_s"] is not None else "-",
        f"{m['own_carts_per_s']:.2f}" if m["own_carts_per_s"] is not None else "-",
        str(m["requests"]),
        f"{m['requests_per_cart']:.3f}",
        str(m["status_429"]),
        f"{m['share_429'] * 100:.1f}%",
        f"{m['exactly_once']['records']}/{carts}" + ("" if m["exactly_once"]["ok"] else " (!)"),
        f"{m['time_to_first_request_s']:.2f}" if m["time_to_first_request_s"] is not None else "-",
        f"{m['max_rss_mb']:.0f}",
    ]


HEADERS = [
    "contender",
    "wall (s)",
    "carts/s (wall)",
    "own elapsed (s)",
    "own carts/s",
    "requests",
    "requests/cart",
    "429s",
    "429 share",
    "records created",
    "1st request after (s)",
    "peak RSS (MB)",
]


def bars_for(ac: dict[str, Any], carts: int) -> list[dict[str, str]]:
    """The three bars of one shape's push."""
    shape = ac["limiter"]
    return [
        bar(
            f"acorders ({shape}) >= 4.75 carts/s ({carts} carts / wall time of the push child)",
            ac["carts_per_s"] >= 4.75,
            f"{ac['carts_per_s']:.2f} carts/s ({carts} in {ac['wall_s']:.2f} s; own summary "
            f"{ac['own_carts_per_s']} carts/s in {ac['own_elapsed_s']} s)",
        ),
        bar(
            f"acorders ({shape}) <= 2% of its requests answered 429",
            ac["share_429"] <= 0.02,
            f"{ac['status_429']} of {ac['requests']} ({ac['share_429'] * 100:.1f}%)",
        ),
        bar(
            f"acorders ({shape}) created every cart exactly once",
            ac["exactly_once"]["ok"] and ac["returncode"] == 0,
            f"{ac['exactly_once_detail']}; exit status {ac['returncode']}",
        ),
    ]


def report(
    args: argparse.Namespace, results: dict[str, Any], pushes: list[dict[str, Any]], hand: Any
) -> None:
    """The Markdown the README quotes: table, bars, routes and commands."""
    m = results["machine"]
    cart_dir = results["settings"]["corpus"]
    print(f"## acorders push: benchmark ({time.strftime('%Y-%m-%d %H:%M %Z')})\n")
    print(
        f"Machine: {m['cpu']}, {m['cpus']} CPUs; Python {m['python']} ({m['platform']}); "
        f"{results['versions']['acorders']}."
    )
    print(
        f"Sandbox in the benchmark process: {args.latency:g} s +- {args.jitter:g} s added latency, "
        f"{args.rate:g} requests/s limit shaped as {', '.join(args.shapes)} (429 + Retry-After beyond it), "
        f"a fresh in-memory store per contender. Corpus: {args.carts} valid carts in {cart_dir}/ "
        "(envelope, distinct externalcheckoutid, connectionid 1-3, customerid set).\n"
    )
    print(
        f"Produced by: `{shell_line([sys.executable, *results['argv']], limit=50)}` (from the repository root)\n"
    )
    print(results["table_markdown"])
    print(
        "\ncarts/s (wall) counts the child's whole life (interpreter start-up, loading and validating the "
        "files, then sending); own elapsed/carts/s is acorders' JSON summary (the loop's own timer).\n"
    )
    for b in results["bars"]:
        print(f"- **{b['result']}** {b['bar']}: {b['measured']}")
    print("\nRequests by route:\n")
    for contender in [*pushes, *([hand] if hand else [])]:
        print(f"- {contender['name']}: " + ", ".join(f"`{k}` x{v}" for k, v in contender["routes"].items()))
    if hand:
        print(
            f"\nacorders ({pushes[0]['limiter']}) vs the hand-written loop: "
            f"{pushes[0]['carts_per_s'] / hand['carts_per_s']:.2f}x the carts/s; the loop lost "
            f"{args.carts - hand['exactly_once']['records']} carts to 429s it does not retry."
        )
    print("\nCommands (run from the repository root; the port is a free one picked per run):\n")
    for contender in [*pushes, *([hand] if hand else [])]:
        print(f"- {contender['name']}: `{contender['command']}`")
    if results["problems"]:
        print("\nPROBLEMS (the figures above may not mean what they say):")
        for p in results["problems"]:
            print(f"- {p}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out: Path = args.out.resolve()
    files = ensure_cart_files(out / f"push-carts-{args.carts}", args.carts)
    carts = read_carts(files)
    if len(carts) != args.carts:
        raise SystemExit(f"the corpus holds {len(carts)} distinct externalcheckoutids, expected {args.carts}")
    cart_dir = rel(files[0].parent)
    problems: list[str] = []
    results: dict[str, Any] = {
        "machine": machine(),
        "versions": {"acorders": tool_version([tool("acorders"), "--version"])},
        "argv": [rel(Path(sys.argv[0])), *(argv if argv is not None else sys.argv[1:])],
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "settings": {
            "carts": args.carts,
            "latency_s": args.latency,
            "jitter_s": args.jitter,
            "sandbox_rate": args.rate,
            "limiters": args.shapes,
            "corpus": cart_dir,
        },
    }
    pushes = [push_on(args, shape, cart_dir, carts, problems) for shape in args.shapes]
    hand = None if args.skip_hand else hand_loop(args, cart_dir, carts, problems)
    rows = [row(m, args.carts) for m in [*pushes, *([hand] if hand else [])]]
    bars = [b for ac in pushes for b in bars_for(ac, args.carts)]
    results.update(
        acorders=pushes,
        hand_loop=hand,
        bars=bars,
        problems=problems,
        table_markdown=markdown_table(HEADERS, rows),
        hand_loop_script=HAND_LOOP,
    )
    report(args, results, pushes, hand)
    write_json(out / "push.json", results)
    log(f"results written to {rel(out / 'push.json')}")
    if problems:
        return 2
    return 0 if all(b["result"] == "PASS" for b in bars) else 1


if __name__ == "__main__":
    sys.exit(main())
