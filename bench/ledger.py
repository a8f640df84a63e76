"""Benchmark the push ledger: requests per cart, and a rerun over unchanged carts (issue 4, "Performance").

    /work/venv/bin/python bench/ledger.py [--carts 200] [--big 10000] [--latency 0.3] [--rate 5] [--out
    bench/out]

1. Requests per cart, against an in-process sandbox (--latency s added, --rate requests/s limit), --carts
   carts (the bench/push.py corpus, copied to --out/ledger-carts-N so it can be edited), one fresh ledger:
   - new:        ``acorders push DIR`` with an empty ledger and an empty account;
   - changed:    every cart's totalPrice raised by 1.00 (shippingAmount too, so totals still add up), pushed
   again;
   - unchanged:  the same files pushed again;
   - lost ledger (extra): the same files with a fresh, empty --state-dir against the same account (a new
     machine, lost state): every cart must be found and adopted, never created a second time.
   The sandbox counts the requests of each phase by route; after each, every cart must be exactly one record
   holding the file's latest totalPrice.
2. A rerun over --big unchanged carts (bench/common.py's cached corpus, the one bench/validate.py times): a
   sandbox without rate limit or latency, ``--rate 1000 --workers 16`` to fill the ledger; then
   ``acorders push DIR`` and ``acorders validate DIR`` (default output, stdout /dev/null), best of --repeat
   interleaved runs each, after a warm-up. The push must send zero requests and take <= 2x validate.

Prints a Markdown table, PASS/FAIL for each bar, the exact commands, and writes --out/ledger.json. With
--profile, also the top of a cProfile of ``acorders.cli.main`` for the unchanged rerun.
Exit status: 0 every bar passed, 1 some bar failed, 2 a command misbehaved.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    PROFILE,
    ROOT,
    bench_env,
    ensure_cart_files,
    log,
    machine,
    markdown_table,
    ratio,
    repeat,
    shell_line,
    tool,
    tool_version,
    write_json,
)
from push import (
    API_KEY,
    bar,
    by_route,
    exactly_once,
    read_carts,
    rel,
    requests_since,
    run_capture,
    start_sandbox,
)

try:  # newer bench/common.py: wait for other work on the machine to settle before timing
    from common import wait_quiet
except ImportError:  # pragma: no cover
    wait_quiet = None  # type: ignore[assignment]


def bump(directory: Path, cents: int = 100) -> None:
    """Raise every cart's totalPrice (and shippingAmount, when given, so the totals still add up)."""
    for path in sorted(directory.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        order = doc["ecomOrder"]
        order["totalPrice"] = int(order["totalPrice"]) + cents
        if "shippingAmount" in order:
            order["shippingAmount"] = int(order["shippingAmount"]) + cents
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def phase(
    name: str,
    expect: str,
    cmd: list[str],
    sandbox: Any,
    carts: dict[str, dict[str, Any]],
    problems: list[str],
) -> dict[str, Any]:
    """One push: its requests (from the sandbox), its own JSON summary, and the exactly-once check."""
    shown = shell_line(cmd, limit=50)
    log(f"{name}: {shown}")
    before = len(sandbox.requests)
    r, stdout, _ = run_capture(cmd)
    seen = requests_since(sandbox, before)
    n = len(carts)
    summary: dict[str, Any] = {}
    try:
        summary = json.loads(stdout)["summary"]
    except (ValueError, KeyError, TypeError):
        problems.append(f"{name}: no JSON summary on stdout: {stdout[:300]!r}\n{r.stderr_tail}")
    if r.returncode != 0:
        problems.append(f"{name}: exit status {r.returncode}, expected 0\n  $ {shown}\n{r.stderr_tail}")
    if summary and summary.get(expect) != n:
        problems.append(f"{name}: {summary.get(expect)} carts {expect}, expected {n} ({summary})")
    once = exactly_once(sandbox, carts, check_content=True)
    methods = Counter(rec.method for rec in seen)
    log(f"  {r.wall:.2f} s, {len(seen)} requests ({dict(methods)}); {once.describe()}")
    return {
        "phase": name,
        "expected_action": expect,
        "command": shown,
        "returncode": r.returncode,
        "wall_s": round(r.wall, 3),
        "requests": len(seen),
        "requests_per_cart": round(len(seen) / n, 4),
        "by_method": dict(sorted(methods.items())),
        "routes": by_route(seen),
        "status_429": sum(1 for rec in seen if rec.status == 429),
        "summary": summary,
        "exactly_once": once.as_dict(),
        "exactly_once_detail": once.describe(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--carts", type=int, default=200, help="carts for the requests-per-cart phases (200)")
    parser.add_argument(
        "--big", type=int, default=10_000, help="unchanged carts for the rerun timing (10000)"
    )
    parser.add_argument("--latency", type=float, default=0.3, help="sandbox latency for the phases (0.3)")
    parser.add_argument(
        "--rate", type=float, default=5.0, help="sandbox requests/second limit for the phases (5)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs of each command on the big corpus (3)"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "out", help="corpora and results (bench/out)"
    )
    parser.add_argument("--skip-phases", action="store_true", help="only the big unchanged rerun")
    parser.add_argument("--skip-lost", action="store_true", help="skip the lost-ledger phase")
    parser.add_argument(
        "--profile", action="store_true", help="also cProfile acorders.cli.main on the unchanged rerun"
    )
    parser.add_argument("--top", type=int, default=25, help="rows of the profile to print (25)")
    args = parser.parse_args(argv)

    out: Path = args.out.resolve()
    acorders = tool("acorders")
    py = sys.executable
    env = bench_env()
    problems: list[str] = []
    results: dict[str, Any] = {
        "machine": machine(),
        "versions": {"acorders": tool_version([acorders, "--version"])},
        "argv": [rel(Path(sys.argv[0])), *(argv if argv is not None else sys.argv[1:])],
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "settings": {
            "carts": args.carts,
            "big": args.big,
            "latency_s": args.latency,
            "sandbox_rate": args.rate,
            "repeat": args.repeat,
        },
    }
    bars: list[dict[str, str]] = []
    phases: list[dict[str, Any]] = []
    commands: dict[str, str] = {}

    # --- 1. requests per cart: new, changed, unchanged (, lost ledger) --------------------------------------
    if not args.skip_phases:
        source = ensure_cart_files(out / f"push-carts-{args.carts}", args.carts)
        work = out / f"ledger-carts-{args.carts}"
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        for path in source:
            shutil.copy2(path, work / path.name)
        cart_dir = rel(work)
        sandbox = start_sandbox(latency=args.latency, rate=args.rate)
        try:
            with (
                tempfile.TemporaryDirectory(prefix="acorders-bench-ledger-") as state,
                tempfile.TemporaryDirectory(prefix="acorders-bench-lost-") as lost,
            ):
                cmd = [
                    acorders,
                    "push",
                    cart_dir,
                    "-o",
                    "json",
                    "--url",
                    sandbox.url,
                    "--api-key",
                    API_KEY,
                    "--state-dir",
                    state,
                ]
                carts = read_carts(sorted(work.glob("*.json")))
                phases.append(phase("new", "created", cmd, sandbox, carts, problems))
                bump(work)
                carts = read_carts(sorted(work.glob("*.json")))
                phases.append(phase("changed (totalPrice + 1.00)", "updated", cmd, sandbox, carts, problems))
                phases.append(phase("unchanged", "unchanged", cmd, sandbox, carts, problems))
                if not args.skip_lost:
                    lost_cmd = [*cmd[:-1], lost]
                    phases.append(
                        phase(
                            "lost ledger (fresh --state-dir, same account)",
                            "updated",
                            lost_cmd,
                            sandbox,
                            carts,
                            problems,
                        )
                    )
                commands["phases (each)"] = shell_line(cmd, limit=50).replace(state, "$STATE")
        finally:
            sandbox.stop()
        by_name = {p["phase"].split(" ")[0]: p for p in phases}
        unchanged = by_name["unchanged"]
        bars.append(
            bar(
                f"{args.carts} unchanged carts: zero requests",
                unchanged["requests"] == 0,
                f"{unchanged['requests']} requests",
            )
        )
        bars.append(
            bar(
                "every phase left each cart exactly once, with its latest content",
                all(p["exactly_once"]["ok"] and p["returncode"] == 0 for p in phases),
                "; ".join(f"{p['phase'].split(' ')[0]}: {p['exactly_once_detail']}" for p in phases),
            )
        )

    # --- 2. a rerun over many unchanged carts ---------------------------------------------------------------
    big_files = ensure_cart_files(out / "carts", args.big)
    big_dir = rel(big_files[0].parent)
    big_carts = read_carts(big_files)
    sandbox = start_sandbox(latency=0.0, rate=0.0)
    big: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="acorders-bench-big-") as state:
            account = ["--url", sandbox.url, "--api-key", API_KEY, "--state-dir", state]
            fill_cmd = [
                acorders,
                "push",
                big_dir,
                "-o",
                "json",
                *account,
                "--rate",
                "1000",
                "--workers",
                "16",
            ]
            fill = phase(
                f"fill the ledger ({args.big:,} new)", "created", fill_cmd, sandbox, big_carts, problems
            )
            check_cmd = [acorders, "push", big_dir, "-o", "json", *account]
            check = phase(
                f"rerun, -o json ({args.big:,} unchanged)",
                "unchanged",
                check_cmd,
                sandbox,
                big_carts,
                problems,
            )
            push_cmd = [acorders, "push", big_dir, *account]
            validate_cmd = [acorders, "validate", big_dir]
            timed = {"acorders push (unchanged)": push_cmd, "acorders validate": validate_cmd}
            if wait_quiet is not None:
                busy = wait_quiet()
                results["cpu_busy_before_timing"] = busy
            log("warming up (page cache, bytecode) ...")
            before = len(sandbox.requests)
            repeat(timed, 1, env=env, cwd=ROOT, progress=False)
            log(f"timing {args.big:,} unchanged carts, {args.repeat} runs each (interleaved) ...")
            try:  # peak RSS under GNU time, when common.repeat offers it (wait4 starts at this process's RSS)
                timings = repeat(timed, args.repeat, env=env, cwd=ROOT, rss=True)
            except TypeError:
                timings = repeat(timed, args.repeat, env=env, cwd=ROOT)
            rerun_requests = len(sandbox.requests) - before
            once = exactly_once(sandbox, big_carts, check_content=True)
            pt, vt = timings["acorders push (unchanged)"], timings["acorders validate"]
            big = {
                "fill": fill,
                "check": check,
                "timed_push": pt.as_dict(),
                "timed_validate": vt.as_dict(),
                "requests_during_timed_runs": rerun_requests,
                "exactly_once_after": once.as_dict(),
                "ratio_best": round(ratio(pt.best, vt.best), 3),
                "ratio_median": round(ratio(pt.median, vt.median), 3),
            }
            state_shown = "$STATE"
            commands["fill the ledger"] = shell_line(fill_cmd, limit=50).replace(state, state_shown)
            commands["acorders push (unchanged), timed"] = shell_line(push_cmd, limit=50).replace(
                state, state_shown
            )
            commands["acorders validate, timed"] = shell_line(validate_cmd)

            if args.profile:
                prof_path = out / "ledger-rerun.prof"
                log("profiling acorders.cli.main on the unchanged rerun ...")
                before = len(sandbox.requests)
                prof = subprocess.run(
                    [py, "-c", PROFILE, str(prof_path), str(args.top), *push_cmd[1:]],
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                    env=env,
                )
                (out / "ledger-rerun-profile.txt").write_text(prof.stdout)
                big["profile"] = {
                    "path": rel(prof_path),
                    "text": rel(out / "ledger-rerun-profile.txt"),
                    "requests": len(sandbox.requests) - before,
                }
    finally:
        sandbox.stop()

    zero = big["check"]["requests"] + big["requests_during_timed_runs"]
    bars.append(
        bar(
            f"rerun over {args.big:,} unchanged carts sends zero requests",
            zero == 0,
            f"{big['check']['requests']} requests on the -o json rerun, {big['requests_during_timed_runs']} "
            f"during the {args.repeat + 1} timed/warm-up runs",
        )
    )
    bars.append(
        bar(
            f"rerun over {args.big:,} unchanged carts <= 2x validate (best of {args.repeat})",
            big["ratio_best"] <= 2.0,
            f"{pt.best:.3f} s vs {vt.best:.3f} s = {big['ratio_best']:.2f}x (median {big['ratio_median']:.2f}x)",
        )
    )
    if not big["exactly_once_after"]["ok"]:
        problems.append(f"{args.big:,} corpus after the reruns: {once.describe()}")

    # --- report ---------------------------------------------------------------------------------------------
    rows = []
    for p in phases:
        m = p["by_method"]
        rows.append(
            [
                f"{args.carts} carts: {p['phase']}",
                str(p["requests"]),
                f"{p['requests_per_cart']:.3f}",
                ", ".join(f"{k} {v}" for k, v in m.items()) or "-",
                str(p["status_429"]),
                f"{p['summary'].get('elapsed', '-')}",
                f"{p['wall_s']:.2f}",
                p["exactly_once_detail"],
            ]
        )
    for p in (big["fill"], big["check"]):
        m = p["by_method"]
        rows.append(
            [
                p["phase"],
                str(p["requests"]),
                f"{p['requests_per_cart']:.4f}",
                ", ".join(f"{k} {v}" for k, v in m.items()) or "-",
                str(p["status_429"]),
                f"{p['summary'].get('elapsed', '-')}",
                f"{p['wall_s']:.2f}",
                p["exactly_once_detail"],
            ]
        )
    table = markdown_table(
        [
            "phase",
            "requests",
            "requests/cart",
            "by method",
            "429s",
            "own elapsed (s)",
            "wall (s)",
            "records after",
        ],
        rows,
    )
    timing_rows = []
    for t in (pt, vt):
        timing_rows.append(
            [
                f"{args.big:,} files: {t.name}",
                f"{t.best:.3f}",
                f"{t.median:.3f}",
                str(len(t.runs)),
                f"{ratio(t.best, vt.best):.2f}x",
                f"{t.max_rss_mb:.0f}",
            ]
        )
    timing_table = markdown_table(
        ["benchmark", "best (s)", "median (s)", "runs", "vs validate (best)", "peak RSS (MB)"], timing_rows
    )

    m = results["machine"]
    print(f"## acorders push ledger: benchmark ({time.strftime('%Y-%m-%d')})\n")
    print(
        f"Machine: {m['cpu']}, {m['cpus']} CPUs; Python {m['python']} ({m['platform']}); {results['versions']['acorders']}."
    )
    if phases:
        print(
            f"Requests per cart: an in-process sandbox, {args.latency:g} s latency, {args.rate:g} requests/s "
            f"limit; {args.carts} carts (connectionid 1-3, customerid set) in {rel(out / f'ledger-carts-{args.carts}')}/."
        )
    print(
        f"Rerun: {args.big:,} cart files in {big_dir}/, a sandbox without limit or latency; stdout /dev/null.\n"
    )
    print(f"Produced by: `{shell_line([py, *results['argv']], limit=50)}` (from the repository root)\n")
    print(table)
    print()
    print(timing_table)
    print()
    for b in bars:
        print(f"- **{b['result']}** {b['bar']}: {b['measured']}")
    print("\nRequests by route:\n")
    for p in [*phases, big["fill"]]:
        print(f"- {p['phase']}: " + (", ".join(f"`{k}` x{v}" for k, v in p["routes"].items()) or "none"))
    print(
        "\nCommands (run from the repository root; $STATE is a fresh temporary --state-dir, the port a free one):\n"
    )
    for name, cmd in commands.items():
        print(f"- {name}: `{cmd}`")
    if "profile" in big:
        text = (out / "ledger-rerun-profile.txt").read_text()
        print(f"\n### cProfile of acorders.cli.main (push {big_dir}, all unchanged)\n")
        print("```\n" + text.strip() + "\n```")
    if problems:
        print("\nPROBLEMS (the figures above may not mean what they say):")
        for p in problems:
            print(f"- {p}")

    results.update(
        phases=phases,
        rerun=big,
        bars=bars,
        problems=problems,
        commands=commands,
        table_markdown=table,
        timing_table_markdown=timing_table,
    )
    write_json(out / "ledger.json", results)
    log(f"results written to {rel(out / 'ledger.json')}")
    if problems:
        return 2
    return 0 if all(b["result"] == "PASS" for b in bars) else 1


if __name__ == "__main__":
    sys.exit(main())
