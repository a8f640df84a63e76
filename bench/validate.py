"""Benchmark `acorders validate` against check-jsonschema and the parse floor (issue 2, "Performance").

    /work/venv/bin/python bench/validate.py [--carts 10000] [--lines 1000000] [--out bench/out]

Uses the Python that runs it and finds ``acorders`` and ``check-jsonschema`` next to it. Corpora are
generated once (deterministic seed) and cached under --out, which is git-ignored. It measures:

1. 10,000 cart files, best and median of --repeat runs each, interleaved, on the same files:
   ``acorders validate DIR`` (table output, stdout /dev/null, not a TTY); ``check-jsonschema --schemafile
   schemas/ecomOrder.schema.json FILE...``; and the floor, a separate Python process that os.walk()s,
   reads and json.loads() every file (interpreter start-up counted on both sides).
2. Start-up: ``acorders --version`` and ``acorders validate ONE_FILE`` against check-jsonschema on one file.
3. A --lines NDJSON stream, as a file and on stdin: wall time and the child's peak RSS (os.wait4).

It prints a Markdown table, PASS/FAIL for each bar, the exact command lines, and writes --out/validate.json.
With --profile it also prints the top of a cProfile of ``acorders.cli.main`` on the cart directory.
Exit status: 0 every bar passed, 1 some bar failed, 2 a command misbehaved (wrong exit status or count).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    PROFILE,
    ROOT,
    SCHEMA,
    Timing,
    arg_batches,
    bench_env,
    ensure_cart_files,
    ensure_ndjson,
    git_state,
    log,
    machine,
    markdown_table,
    ratio,
    repeat,
    rss_method,
    run,
    shell_line,
    tool,
    tool_version,
    wait_quiet,
    write_json,
)

# The floor: the least any Python validator must do - start, walk, read and parse every file.
FLOOR = """\
import json, os, sys
n = 0
for dirpath, dirnames, filenames in os.walk(sys.argv[1]):
    dirnames.sort()
    for name in sorted(filenames):
        if name.endswith(".json") and not name.startswith("."):
            with open(os.path.join(dirpath, name), encoding="utf-8") as fh:
                json.loads(fh.read())
            n += 1
print(n)
"""

# The same floor for NDJSON: parse every line, streaming.
FLOOR_NDJSON = """\
import json, sys
n = 0
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        if line.strip():
            json.loads(line)
            n += 1
print(n)
"""


# Start-up: which imports `acorders validate ONE_FILE` pays for (python -X importtime).
IMPORTS = """\
import sys
sys.argv = ["acorders", "validate", sys.argv[1]]
from acorders.cli.app import main
main()
"""

RSS_LIMIT_MB = 150.0


def rel(path: Path) -> str:
    """Paths as short as possible (relative to the repository, where every command runs)."""
    try:
        return os.path.relpath(path, ROOT)
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--carts", type=int, default=10_000, help="cart files to generate and validate (10000)"
    )
    parser.add_argument(
        "--lines", type=int, default=1_000_000, help="lines of the NDJSON stream; 0 skips it (1000000)"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "out", help="corpora and results (bench/out)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per command on the cart files (3)")
    parser.add_argument("--startup-repeat", type=int, default=10, help="timed runs per start-up command (10)")
    parser.add_argument(
        "--max-wait",
        type=float,
        default=60.0,
        help="seconds to wait, before each section, for other processes to leave the CPUs idle (60)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also cProfile acorders.cli.main on the cart files"
    )
    parser.add_argument("--top", type=int, default=25, help="rows of the profile to print (25)")
    args = parser.parse_args(argv)

    out: Path = args.out.resolve()
    acorders = tool("acorders")
    cjs = tool("check-jsonschema")
    py = sys.executable
    env = bench_env()
    schema = rel(SCHEMA)
    results: dict[str, Any] = {
        "machine": machine(),
        "versions": {
            "acorders": tool_version([acorders, "--version"]),
            "check-jsonschema": tool_version([cjs, "--version"]),
        },
        "argv": [rel(Path(sys.argv[0])), *(argv if argv is not None else sys.argv[1:])],
        "git": git_state(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    problems: list[str] = []
    busy: dict[str, float | None] = {}
    results["rss_method"] = rss_method()

    # --- corpora -----------------------------------------------------------------------------------
    cart_dir = out / "carts"
    files = ensure_cart_files(cart_dir, args.carts)
    ndjson = ensure_ndjson(out / f"stream-{args.lines}.ndjson", args.lines) if args.lines else None
    file_args = [rel(p) for p in files]
    one = file_args[0]

    # --- correctness first: what is timed must be doing the whole job ------------------------------------
    log("checking the corpus with acorders -o json ...")
    check = subprocess.run(
        [acorders, "validate", rel(cart_dir), "-o", "json"], capture_output=True, cwd=ROOT, env=env
    )
    summary: dict[str, Any] = {}
    try:
        report = json.loads(check.stdout)
        summary = report["summary"]
    except (ValueError, KeyError) as exc:
        problems.append(f"acorders -o json gave no parsable summary ({exc}): {check.stderr[-500:]!r}")
    if check.returncode != 0:
        problems.append(f"acorders validate {rel(cart_dir)} exited {check.returncode}, expected 0")
    if summary.get("documents") != args.carts:
        problems.append(f"acorders reported {summary.get('documents')} documents, expected {args.carts}")
    if summary.get("warnings"):
        problems.append(f"acorders reported {summary['warnings']} warnings on a corpus meant to be clean")
    results["acorders_json_summary"] = summary
    floor_check = subprocess.run(
        [py, "-c", FLOOR, rel(cart_dir)], capture_output=True, text=True, cwd=ROOT, env=env
    )
    if floor_check.stdout.strip() != str(args.carts):
        problems.append(
            f"the floor script parsed {floor_check.stdout.strip()!r} files, expected {args.carts}"
        )

    # Do both tools really check formats? One copy of a cart per format, with only that field broken.
    formats = _format_probes(files[0], out / "probes", acorders, cjs, schema, env)
    results["format_checks"] = formats
    for tool_name, rejected in formats.items():
        missing = [f for f, ok in rejected.items() if not ok]
        if missing:
            log(f"note: {tool_name} does not reject a bad {', '.join(missing)}: it checks less than acorders")

    # --- 1. the cart files ---------------------------------------------------------------------------
    cjs_cmds = arg_batches([cjs, "--schemafile", schema], file_args, env)
    results["check_jsonschema_batches"] = len(cjs_cmds)
    commands = {
        "acorders": [acorders, "validate", rel(cart_dir)],
        "check-jsonschema": cjs_cmds,
        "floor": [py, "-c", FLOOR, rel(cart_dir)],
    }
    log("warming up (page cache, bytecode) ...")
    warm = {
        **commands,
        "check-jsonschema": [cjs, "--schemafile", schema, one],
    }  # one file: bytecode, not 10 s
    repeat(warm, 1, env=env, cwd=ROOT, progress=False)
    busy["files"] = wait_quiet(timeout=args.max_wait)
    log(f"timing {args.carts:,} files, {args.repeat} runs each (interleaved) ...")
    batch = repeat(commands, args.repeat, env=env, cwd=ROOT, rss=True)

    # --- 2. start-up ---------------------------------------------------------------------------------
    busy["startup"] = wait_quiet(timeout=args.max_wait)
    log(f"timing start-up, {args.startup_repeat} runs each ...")
    startup = repeat(
        {
            "python -c pass": [py, "-c", "pass"],
            "acorders --version": [acorders, "--version"],
            "acorders validate ONE": [acorders, "validate", one],
            "check-jsonschema ONE": [cjs, "--schemafile", schema, one],
        },
        args.startup_repeat,
        env=env,
        cwd=ROOT,
        progress=False,
    )

    # --- 3. the NDJSON stream ------------------------------------------------------------------------
    stream: dict[str, dict[str, Any]] = {}
    if ndjson is not None:
        size_mb = ndjson.stat().st_size / 1e6
        results["ndjson"] = {"path": rel(ndjson), "lines": args.lines, "size_mb": round(size_mb, 1)}
        for name, cmd, use_stdin in (
            ("floor (NDJSON)", [py, "-c", FLOOR_NDJSON, rel(ndjson)], False),
            ("acorders validate FILE.ndjson", [acorders, "validate", rel(ndjson)], False),
            ("acorders validate - < FILE.ndjson", [acorders, "validate", "-"], True),
        ):
            busy[name] = wait_quiet(timeout=args.max_wait)
            log(f"timing {name} ({args.lines:,} lines, {size_mb:.0f} MB) ...")
            with tempfile.TemporaryFile() as captured, open(ndjson, "rb") as fh:
                r = run(
                    cmd,
                    stdin=fh if use_stdin else subprocess.DEVNULL,
                    stdout=captured,
                    env=env,
                    cwd=ROOT,
                    rss=True,
                )
                captured.seek(0)
                text = captured.read().decode("utf-8", "replace")
            counted = _count(text, floor=name.startswith("floor"))
            shown = shell_line(cmd) + (f" < {rel(ndjson)}" if use_stdin else "")
            log(f"  {r.wall:.1f} s, peak RSS {r.max_rss_mb:.0f} MB, {counted} documents, exit {r.returncode}")
            if r.returncode != 0:
                problems.append(f"{shown}: exit status {r.returncode}\n{r.stderr_tail}")
            if counted != args.lines:
                problems.append(f"{shown}: counted {counted} documents, expected {args.lines}")
            stream[name] = {
                "command": shown,
                "wall_s": round(r.wall, 3),
                "cpu_s": round(r.cpu, 3),
                "max_rss_mb": round(r.max_rss_mb, 1),
                "returncode": r.returncode,
                "documents": counted,
                "us_per_line": round(r.wall / args.lines * 1e6, 2),
            }

    # --- report --------------------------------------------------------------------------------------
    cj, fl, ac = batch["check-jsonschema"], batch["floor"], batch["acorders"]
    cj1 = startup["check-jsonschema ONE"]
    rows = []
    for t in (ac, cj, fl):
        rows.append(_row(f"{args.carts:,} files: {t.name}", t, cj, fl))
    for name in ("python -c pass", "acorders --version", "acorders validate ONE", "check-jsonschema ONE"):
        t = startup[name]
        rows.append(_row(f"start-up: {name}", t, cj1, None, rss=False))
    for name, s in stream.items():
        rows.append(
            [
                f"{args.lines:,}-line NDJSON: {name}",
                f"{s['wall_s']:.2f}",
                f"{s['wall_s']:.2f}",
                "1",
                "-",
                f"{ratio(s['wall_s'], stream['floor (NDJSON)']['wall_s']):.2f}x"
                if "floor (NDJSON)" in stream
                else "-",
                f"{s['cpu_s']:.2f}",
                f"{s['max_rss_mb']:.0f}",
            ]
        )
    table = markdown_table(
        [
            "benchmark",
            "best (s)",
            "median (s)",
            "runs",
            "vs check-jsonschema",
            "vs floor",
            "CPU of best (s)",
            "peak RSS (MB)",
        ],
        rows,
    )

    bars = [
        _bar(
            "acorders >= 10x faster than check-jsonschema on the files (best of runs)",
            ratio(cj.best, ac.best) >= 10,
            f"{ratio(cj.best, ac.best):.1f}x (median {ratio(cj.median, ac.median):.1f}x)",
        ),
        _bar(
            "acorders <= 1.5x the parse floor on the files (best of runs)",
            ratio(ac.best, fl.best) <= 1.5,
            f"{ratio(ac.best, fl.best):.2f}x (median {ratio(ac.median, fl.median):.2f}x)",
        ),
        _bar(
            "acorders --version <= 0.5x check-jsonschema on one file",
            ratio(startup["acorders --version"].best, cj1.best) <= 0.5,
            f"{ratio(startup['acorders --version'].best, cj1.best):.2f}x "
            f"(median {ratio(startup['acorders --version'].median, cj1.median):.2f}x)",
        ),
        _bar(
            "acorders validate ONE_FILE <= 0.5x check-jsonschema on one file",
            ratio(startup["acorders validate ONE"].best, cj1.best) <= 0.5,
            f"{ratio(startup['acorders validate ONE'].best, cj1.best):.2f}x "
            f"(median {ratio(startup['acorders validate ONE'].median, cj1.median):.2f}x)",
        ),
    ]
    for name in ("acorders validate FILE.ndjson", "acorders validate - < FILE.ndjson"):
        if name in stream:
            rss = stream[name]["max_rss_mb"]
            bars.append(
                _bar(
                    f"{args.lines:,}-line NDJSON, {name}: peak RSS < {RSS_LIMIT_MB:.0f} MB",
                    rss < RSS_LIMIT_MB,
                    f"{rss:.0f} MB in {stream[name]['wall_s']:.1f} s",
                )
            )

    commands_used = {t.name: t.as_dict()["command"] for t in (ac, cj, fl)}
    commands_used.update({t.name: t.as_dict()["command"] for t in startup.values()})
    commands_used.update({n: s["command"] for n, s in stream.items()})

    m = results["machine"]
    print(f"## acorders validate: benchmark ({time.strftime('%Y-%m-%d')})\n")
    print(
        f"Machine: {m['cpu']}, {m['cpus']} CPUs, {m['mem_mb']} MB RAM; Python {m['python']} ({m['platform']}); "
        f"{results['versions']['acorders']}, {results['versions']['check-jsonschema']}."
    )
    g = results["git"]
    print(
        f"Code: commit {g['head']}"
        + (f" plus uncommitted changes to {', '.join(g['modified'])}" if g["modified"] else "")
        + "."
    )
    print(
        f"Corpus: {args.carts:,} cart files (1-6 products, envelope, indent 2) in {rel(cart_dir)}/"
        + (f"; NDJSON {args.lines:,} lines ({results['ndjson']['size_mb']:.0f} MB)" if ndjson else "")
        + "."
    )
    checked = {t: sorted(f for f, ok in r.items() if ok) for t, r in formats.items()}
    print(
        f"check-jsonschema got every file on {len(cjs_cmds)} command line(s). Format checks, probed with one bad "
        f"value each: check-jsonschema rejects {', '.join(checked['check-jsonschema']) or 'none'} by default; "
        f"acorders rejects {', '.join(checked['acorders']) or 'none'}.\n"
    )
    noisy = {k: v for k, v in busy.items() if v is not None and v > 0.25}
    if noisy:
        print(
            "**Warning: other processes were using the CPUs when these sections started, so times are inflated "
            "(busy fraction of all CPUs): " + ", ".join(f"{k} {v:.0%}" for k, v in noisy.items()) + ".**\n"
        )
    print(f"Produced by: `{shell_line([py, *results['argv']], limit=50)}` (from the repository root)\n")
    print(table)
    print(
        "\nCPU = user + sys seconds of the command and every child it waited for (worker processes included); "
        f"peak RSS = the largest single process, from {results['rss_method']}.\n"
    )
    for b in bars:
        print(f"- **{b['result']}** {b['bar']}: {b['measured']}")
    print("\nCommands (run from the repository root):\n")
    for name, cmd in commands_used.items():
        print(f"- {name}: `{cmd}`")
    if problems:
        print("\nPROBLEMS (the figures above may not mean what they say):")
        for p in problems:
            print(f"- {p}")

    results.update(
        files={"acorders": ac.as_dict(), "check-jsonschema": cj.as_dict(), "floor": fl.as_dict()},
        startup={k: v.as_dict() for k, v in startup.items()},
        stream=stream,
        cpu_busy_before=busy,
        bars=bars,
        problems=problems,
        table_markdown=table,
    )

    if args.profile:
        prof_path = out / "validate.prof"
        log("profiling acorders.cli.main on the cart files ...")
        prof = subprocess.run(
            [py, "-c", PROFILE, str(prof_path), str(args.top), "validate", rel(cart_dir)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
        )
        (out / "validate-profile.txt").write_text(prof.stdout)
        results["profile"] = {"path": rel(prof_path), "text": rel(out / "validate-profile.txt")}
        print(f"\n### cProfile of acorders.cli.main (validate {rel(cart_dir)}), top {args.top} by cumtime\n")
        print("```\n" + prof.stdout.strip() + "\n```")
        imports = _import_times([py, "-X", "importtime", "-c", IMPORTS, one], env)
        results["profile"]["imports"] = imports
        print(
            "\n### Start-up imports of `acorders validate ONE_FILE` (python -X importtime, best of 3), top 20 "
            "by cumulative time, first two levels\n"
        )
        print(
            markdown_table(
                ["module", "cumulative (ms)", "self (ms)"],
                [
                    [("&nbsp;&nbsp;" * depth) + name, f"{cum / 1000:.1f}", f"{self_ / 1000:.1f}"]
                    for name, depth, self_, cum in imports[:20]
                ],
            )
        )

    write_json(out / "validate.json", results)
    log(f"results written to {rel(out / 'validate.json')}")
    if problems:
        return 2
    return 0 if all(b["result"] == "PASS" for b in bars) else 1


_BAD_FORMATS = {
    "date-time": ("externalCreatedDate", "2024-12-31 10:27:12"),  # no T, no offset
    "email": ("email", "alice.example.com"),
    "uri": ("orderUrl", "shop.example.com/checkout/1 2"),  # no scheme
}


def _format_probes(
    good: Path, where: Path, acorders: str, cjs: str, schema: str, env: dict[str, str]
) -> dict[str, dict[str, bool]]:
    """For each format, a copy of ``good`` with just that field broken: does each tool reject it?"""
    where.mkdir(parents=True, exist_ok=True)
    doc = json.loads(good.read_text(encoding="utf-8"))
    found: dict[str, dict[str, bool]] = {"acorders": {}, "check-jsonschema": {}}
    for fmt, (field, bad) in _BAD_FORMATS.items():
        broken = json.loads(json.dumps(doc))
        broken["ecomOrder"][field] = bad
        path = where / f"bad-{fmt}.json"
        path.write_text(json.dumps(broken, indent=2), encoding="utf-8")
        for name, cmd in (
            ("acorders", [acorders, "validate", str(path)]),
            ("check-jsonschema", [cjs, "--schemafile", schema, str(path)]),
        ):
            found[name][fmt] = subprocess.run(cmd, capture_output=True, cwd=ROOT, env=env).returncode == 1
    return found


def _import_times(cmd: list[str], env: dict[str, str], runs: int = 3) -> list[tuple[str, int, int, int]]:
    """(module, depth, self us, cumulative us) for imports at depth 0-1, best of ``runs``, by cumulative."""
    best: dict[str, tuple[str, int, int, int]] = {}
    for _ in range(runs):
        err = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env).stderr
        for line in err.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
            if not m:
                continue
            self_, cum, depth, name = int(m.group(1)), int(m.group(2)), (len(m.group(3)) - 1) // 2, m.group(4)
            if depth <= 1 and (name not in best or cum < best[name][3]):
                best[name] = (name, depth, self_, cum)
    return sorted(best.values(), key=lambda t: -t[3])


def _row(label: str, t: Timing, cj: Timing, fl: Timing | None, rss: bool = True) -> list[str]:
    return [
        label,
        f"{t.best:.3f}",
        f"{t.median:.3f}",
        str(len(t.runs)),
        f"{ratio(t.best, cj.best):.2f}x",
        f"{ratio(t.best, fl.best):.2f}x" if fl is not None else "-",
        f"{min(t.runs, key=lambda r: r.wall).cpu:.3f}",
        f"{t.max_rss_mb:.0f}" if rss else "-",
    ]


def _bar(bar: str, ok: bool, measured: str) -> dict[str, str]:
    return {"bar": bar, "result": "PASS" if ok else "FAIL", "measured": measured}


def _count(text: str, *, floor: bool) -> int | None:
    """Documents a run reports: the floor prints a number; acorders' table ends '✓ N documents valid ...'."""
    if floor:
        return int(text.strip()) if text.strip().isdigit() else None
    found = re.search(r"(\d+) documents? valid", text)
    return int(found.group(1)) if found else None


if __name__ == "__main__":
    sys.exit(main())
