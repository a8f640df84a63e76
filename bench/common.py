"""Shared helpers for the benchmarks in bench/: realistic cart corpora, timing a child process, its peak RSS.

Only the standard library is used, so a benchmark runs under whichever Python runs it (normally the dev
venv, ``/work/venv/bin/python bench/validate.py``) and finds the tools it times next to ``sys.executable``.

- ``make_cart(rng, ...)``: one realistic abandoned cart (an ``ecomOrder`` object) valid against the bundled
  schema, with totals that add up and past dates with UTC offsets, so acorders reports nothing at all.
- ``ensure_cart_files`` / ``ensure_ndjson``: deterministic corpora, generated once and cached (a marker
  records the parameters; a mismatch regenerates).
- ``run(cmd)``: wall time, CPU time, exit status and peak RSS of exactly that child, from ``os.wait4``
  (its rusage is the child's own, unlike ``getrusage(RUSAGE_CHILDREN)``, which is a running maximum over
  every child so far).
- ``repeat(cmds, n)``: each command ``n`` times, interleaved round-robin so drift hits all alike.
"""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schemas" / "ecomOrder.schema.json"
CORPUS_VERSION = 1  # bump when the generator changes, so cached corpora are rebuilt

# --- tools ----------------------------------------------------------------------------------------------


def tool(name: str) -> str:
    """The console script ``name`` next to the running interpreter (the venv's), else on PATH."""
    here = Path(sys.executable).parent / name
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(
            f"{name} not found next to {sys.executable} nor on PATH; install it (pip install -e '.[bench]')"
        )
    return found


def tool_version(cmd: Sequence[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    return (
        (out.stdout or out.stderr).strip().splitlines()[0]
        if (out.stdout or out.stderr).strip()
        else "unknown"
    )


# Dropped from the children's environment: acorders settings, and Python knobs a user's shell does not
# normally have. PYTHONDONTWRITEBYTECODE matters most: with it an editable install recompiles every
# acorders module on every run (+0.1 s), while check-jsonschema's site-packages already hold .pyc files.
_DROP_PREFIXES = ("ACORDERS_", "ACTIVECAMPAIGN_")
_DROP = (
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
    "PYTHONDEVMODE",
    "PYTHONIMPORTTIME",
    "PYTHONPROFILEIMPORTTIME",
    "PYTHONTRACEMALLOC",
    "PYTHONMALLOC",
    "PYTHONBREAKPOINT",
    "PYTHONWARNINGS",
    "PYTHONVERBOSE",
    "NO_COLOR",
)


def bench_env(**extra: str) -> dict[str, str]:
    """The environment for timed children: the caller's, minus what would skew or change the measurement."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROP_PREFIXES) and k not in _DROP}
    env.update(extra)
    return env


def cpu_busy(interval: float = 1.0) -> float | None:
    """Fraction of all CPUs busy over ``interval`` seconds (from /proc/stat): other work skews timings."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as fh:
            values = [int(v) for v in fh.readline().split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return sum(values), idle

    try:
        total0, idle0 = sample()
        time.sleep(interval)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


def wait_quiet(max_busy: float = 0.25, timeout: float = 60.0) -> float | None:
    """Wait up to ``timeout`` s for the machine to be mostly idle; return the last busy fraction seen."""
    start = time.monotonic()
    busy = cpu_busy()
    said = -1.0
    while busy is not None and busy > max_busy and time.monotonic() - start < timeout:
        if time.monotonic() - said >= 30:
            said = time.monotonic()
            log(
                f"  machine busy ({busy:.0%} of CPUs in use by other processes); waiting up to {timeout:.0f} s ..."
            )
        busy = cpu_busy(5.0)
    return busy


def git_state(root: Path = ROOT) -> dict[str, Any]:
    """The commit measured, and the files that differ from it (the figures are for the working tree)."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], capture_output=True, text=True, cwd=root, timeout=30
            ).stdout.rstrip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    dirty = [
        line[3:]
        for line in git(
            "status", "--porcelain", "--untracked-files=normal", "--", "acorders", "schemas", "pyproject.toml"
        ).splitlines()
    ]
    return {"head": git("rev-parse", "--short", "HEAD") or None, "modified": dirty}


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as fh:
            mem = int(fh.readline().split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {
        "loadavg": load,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "mem_mb": mem,
    }


# --- running and timing -----------------------------------------------------------------------------------


@dataclass
class Run:
    """One finished child (or a batch of children run one after another, as xargs would): wall seconds,
    CPU seconds (user + sys), exit status (the first non-zero), peak RSS in MB (10^6 bytes)."""

    cmd: list[str]
    wall: float
    cpu: float
    returncode: int
    max_rss_mb: float
    stderr_tail: str = ""


Command = Sequence[str]  # one argv ...
Batched = Sequence[Sequence[str]]  # ... or several run one after another (an argument list split like xargs)


GNU_TIME = "/usr/bin/time"


def rss_method() -> str:
    """How peak RSS is measured: GNU time's %M when it is there, else the (inflated) wait4 figure."""
    if os.access(GNU_TIME, os.X_OK):
        probe = subprocess.run([GNU_TIME, "-f", "%M", "true"], capture_output=True, text=True)
        if (
            probe.returncode == 0
            and probe.stderr.strip().splitlines()[-1:]
            and probe.stderr.strip().splitlines()[-1].isdigit()
        ):
            return "gnu-time"
    return "wait4"


def run(
    cmd: Command,
    *,
    stdin: IO[bytes] | int | None = subprocess.DEVNULL,
    stdout: IO[bytes] | int | None = subprocess.DEVNULL,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    rss: bool = False,
) -> Run:
    """Start ``cmd``, wait for it with ``os.wait4`` and return its wall time, CPU time and peak RSS.

    stdout goes to /dev/null by default (not a TTY); stderr to a temporary file, whose tail is kept for
    diagnostics (so neither is a terminal: no progress bar).

    Peak RSS: Linux keeps a process's high-water mark across exec, so a child forked (or vforked) from this
    benchmark starts with *our* RSS (~45 MB) as its ru_maxrss, whatever it does. With ``rss=True`` the
    command runs under GNU time (``/usr/bin/time -f %M``), a ~2 MB C program that forks it afresh, so the
    figure is the command's own; it adds about a millisecond to the wall time. Without it, ``max_rss_mb``
    is wait4's figure: an upper bound that is never below this process's RSS."""
    argv = list(cmd)
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as rss_file:
        wrapped = rss and rss_method() == "gnu-time"
        if wrapped:
            argv = [GNU_TIME, "-q", "-f", "%M", "-o", rss_file.name, *argv]
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdin=stdin, stdout=stdout, stderr=err, env=dict(env or bench_env()), cwd=cwd
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; tell Popen so it won't wait again
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
        max_rss_kib = usage.ru_maxrss  # Linux reports KiB
        if wrapped:
            text = rss_file.read().strip().splitlines()
            if text and text[-1].isdigit():
                max_rss_kib = int(text[-1])
    return Run(
        cmd=list(cmd),
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        returncode=proc.returncode,
        max_rss_mb=max_rss_kib * 1024 / 1e6,
        stderr_tail=tail,
    )


def run_batched(cmds: Batched, **kwargs: Any) -> Run:
    """Several command lines one after another (an xargs split): times and CPU add up, RSS is the max."""
    runs = [run(c, **kwargs) for c in cmds]
    if len(runs) == 1:
        return runs[0]
    return Run(
        cmd=[*runs[0].cmd[:-1], f"... ({len(runs)} batches)"],
        wall=sum(r.wall for r in runs),
        cpu=sum(r.cpu for r in runs),
        returncode=next((r.returncode for r in runs if r.returncode), 0),
        max_rss_mb=max(r.max_rss_mb for r in runs),
        stderr_tail=runs[-1].stderr_tail,
    )


def _is_batched(cmd: Command | Batched) -> bool:
    return bool(cmd) and not isinstance(cmd[0], str)


@dataclass
class Timing:
    """Repeated runs of one command: every wall time, and min / median of them."""

    name: str
    cmds: list[list[str]]  # one command line, or the batches of an xargs split
    runs: list[Run] = field(default_factory=list)

    @property
    def cmd(self) -> list[str]:
        return self.cmds[0]

    @property
    def walls(self) -> list[float]:
        return [r.wall for r in self.runs]

    @property
    def best(self) -> float:
        return min(self.walls)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def max_rss_mb(self) -> float:
        return max(r.max_rss_mb for r in self.runs)

    @property
    def returncodes(self) -> list[int]:
        return [r.returncode for r in self.runs]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cmd": self.cmd if len(self.cmds) == 1 else self.cmds,
            "command": shell_line(self.cmd)
            + (f"  # + {len(self.cmds) - 1} more batches" if len(self.cmds) > 1 else ""),
            "batches": len(self.cmds),
            "best_s": round(self.best, 4),
            "median_s": round(self.median, 4),
            "walls_s": [round(w, 4) for w in self.walls],
            "cpu_s": [round(r.cpu, 4) for r in self.runs],
            "max_rss_mb": round(self.max_rss_mb, 1),
            "returncodes": self.returncodes,
        }


def repeat(
    commands: Mapping[str, Command | Batched],
    n: int,
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    expect: Mapping[str, int] | None = None,
    progress: bool = True,
    rss: bool = False,
) -> dict[str, Timing]:
    """Run every command ``n`` times, interleaved (a b c a b c ...), and check each exit status."""
    batches = {
        name: [list(c) for c in cmd] if _is_batched(cmd) else [list(cmd)] for name, cmd in commands.items()
    }  # type: ignore[union-attr]
    timings = {name: Timing(name, cmds) for name, cmds in batches.items()}
    for i in range(n):
        for name, cmds in batches.items():
            cmd = cmds[0]
            r = run_batched(cmds, env=env, cwd=cwd, rss=rss)
            want = (expect or {}).get(name, 0)
            if r.returncode != want:
                raise SystemExit(
                    f"{name}: exit status {r.returncode}, expected {want}\n  $ {shell_line(cmd)}\n{r.stderr_tail}"
                )
            timings[name].runs.append(r)
            if progress:
                log(f"  {name} run {i + 1}/{n}: {r.wall:.3f} s")
    return timings


def shell_line(cmd: Sequence[str], limit: int = 12) -> str:
    """A copy-pasteable command line; a long list of files is shortened to 'first ... (N files)'."""
    import shlex

    args = [shlex.quote(str(a)) for a in cmd]
    if len(args) > limit:
        extra = len(args) - limit + 2
        args = [*args[: limit - 2], f"... ({extra} more args)", args[-1]]
    return " ".join(args)


def arg_batches(
    prefix: Sequence[str], args: Sequence[str], env: Mapping[str, str] | None = None
) -> list[list[str]]:
    """Split ``prefix + args`` into as few command lines as fit the system's ARG_MAX (as xargs does)."""
    try:
        arg_max = os.sysconf("SC_ARG_MAX")
    except (ValueError, OSError):
        arg_max = 131072
    env_size = sum(len(k) + len(v) + 2 + 8 for k, v in (env or os.environ).items())
    budget = max(arg_max - env_size - 4096, 16384) // 2  # half: stay well clear of the limit
    base = sum(len(a) + 1 + 8 for a in prefix)
    batches: list[list[str]] = []
    current: list[str] = []
    size = base
    for a in args:
        cost = len(a) + 1 + 8  # the string, its NUL and its argv pointer
        if current and size + cost > budget:
            batches.append([*prefix, *current])
            current, size = [], base
        current.append(a)
        size += cost
    if current or not batches:
        batches.append([*prefix, *current])
    return batches


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


# --- realistic carts ------------------------------------------------------------------------------------

_FIRST = [
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "niaj",
    "olivia",
    "peggy",
    "rupert",
    "sybil",
    "trent",
    "victor",
    "walter",
    "xavier",
    "yvonne",
    "zoe",
    "amelia",
    "liam",
    "noah",
    "emma",
    "ava",
    "sophia",
    "mia",
    "lucas",
    "mateo",
    "chloe",
    "hugo",
    "lea",
    "yuki",
    "hana",
    "kenji",
    "priya",
    "arjun",
    "ananya",
    "fatima",
    "omar",
    "layla",
    "sven",
    "ingrid",
    "lars",
    "astrid",
    "jose",
    "maria",
    "lucia",
    "diego",
]
_LAST = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "clark",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "nguyen",
    "hill",
    "green",
    "adams",
    "baker",
    "nelson",
    "carter",
    "mitchell",
    "muller",
    "schmidt",
    "dubois",
    "rossi",
    "tanaka",
    "sato",
    "kim",
    "patel",
    "singh",
    "kowalski",
    "novak",
    "jensen",
    "hansen",
]
_MAIL = [
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "proton.me",
    "aol.com",
    "gmx.de",
    "web.de",
    "orange.fr",
    "example.com",
    "example.org",
    "mail.example.net",
    "fastmail.com",
    "zoho.com",
]
_SHOPS = (
    "https://shop.example.com",
    "https://www.example-outdoor.com",
    "https://store.example.org",
    "https://example-toys.myshopify.com",
    "https://boutique.example.fr",
)
_CDN = (
    "https://cdn.example.com/img",
    "https://images.example-outdoor.com/p",
    "https://cdn.shopify.com/s/files/1/0001",
)
# (name, category, unit price in cents)
_CATALOG = (
    ("Pogo Stick", "Toys", 4900),
    ("Skateboard", "Toys", 3000),
    ("Kick Scooter", "Toys", 7999),
    ("Wooden Train Set", "Toys", 5499),
    ("Building Blocks (250 pcs)", "Toys", 2999),
    ("Plush Bear", "Toys", 1999),
    ("Trail Running Shoes", "Footwear", 12999),
    ("Leather Boots", "Footwear", 18900),
    ("Canvas Sneakers", "Footwear", 5900),
    ("Wool Socks (3 pairs)", "Apparel", 2400),
    ("Rain Jacket", "Apparel", 14900),
    ("Merino Base Layer", "Apparel", 8900),
    ("Organic Cotton T-Shirt", "Apparel", 2500),
    ("Denim Jeans", "Apparel", 7900),
    ("Down Vest", "Apparel", 11900),
    ("2-Person Tent", "Camping", 24900),
    ("Sleeping Bag -5°C", "Camping", 16900),
    ("Camping Stove", "Camping", 5999),
    ("Headlamp 400 lm", "Camping", 3499),
    ("Water Filter", "Camping", 4495),
    ("Insulated Bottle 750 ml", "Kitchen", 3295),
    ("Cast Iron Skillet", "Kitchen", 4500),
    ("Chef's Knife 8\"", "Kitchen", 8900),
    ("Pour-Over Coffee Set", "Kitchen", 3900),
    ("Espresso Beans 1 kg", "Grocery", 2890),
    ("Matcha Tea 100 g", "Grocery", 2400),
    ("Dark Chocolate Box", "Grocery", 1650),
    ("Yoga Mat", "Fitness", 3900),
    ("Adjustable Dumbbells", "Fitness", 29900),
    ("Resistance Bands", "Fitness", 1999),
    ("Foam Roller", "Fitness", 2499),
    ("Wireless Earbuds", "Electronics", 9900),
    ("Bluetooth Speaker", "Electronics", 6999),
    ("USB-C Charger 65 W", "Electronics", 3999),
    ("E-Reader", "Electronics", 13999),
    ("Phone Case", "Electronics", 1999),
    ("Desk Lamp", "Home", 4999),
    ("Linen Duvet Cover", "Home", 15900),
    ("Scented Candle", "Home", 2200),
    ("Ceramic Planter", "Home", 2800),
    ("Throw Blanket", "Home", 5900),
    ("Notebook A5 Dotted", "Stationery", 1450),
    ("Fountain Pen", "Stationery", 3500),
    ("Watercolour Set", "Stationery", 2750),
    ("Board Game: Settlers", "Games", 4499),
    ("Jigsaw Puzzle 1000 pcs", "Games", 1899),
    ("Dog Harness", "Pets", 3299),
    ("Cat Tree", "Pets", 8999),
    ("Bike Helmet", "Cycling", 6499),
    ("Bike Lights Set", "Cycling", 3999),
)
_DESCRIPTIONS = (
    "Our best seller, loved by thousands of customers.",
    "Free returns within 30 days.",
    "Made from recycled materials.",
    "Limited edition - while stocks last!",
    "Ships within 24 hours.",
    "",
)
_OFFSETS = (
    "-08:00",
    "-07:00",
    "-05:00",
    "-04:00",
    "+00:00",
    "Z",
    "+01:00",
    "+02:00",
    "+05:30",
    "+09:00",
    "+10:00",
)
_CURRENCIES = ("USD",) * 6 + ("EUR", "EUR", "GBP", "CAD", "AUD")
_SHIPPING = ("Standard", "Express", "Free shipping", "Click & collect")
ANCHOR = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)  # every generated date is before this (in the past)


def _slug(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def _num(rng: random.Random, value: int) -> int | str:
    """int32 fields: an integer, or (as the API's own examples do) a string of digits."""
    return str(value) if rng.random() < 0.3 else value


def _stamp(moment: datetime, offset: str) -> str:
    if offset == "Z":
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    sign = 1 if offset[0] == "+" else -1
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return moment.astimezone(tz).isoformat(timespec="seconds")


def make_cart(
    rng: random.Random, checkout_id: str, *, min_products: int = 1, max_products: int = 6
) -> dict[str, Any]:
    """One abandoned cart, valid against the bundled schema and clean for acorders' extra checks:
    source 1, totals = products + shipping + tax - discount, created < updated < abandoned < ANCHOR."""
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    email = f"{first}.{last}{rng.randrange(1, 999) if rng.random() < 0.5 else ''}@{rng.choice(_MAIL)}"
    shop = rng.choice(_SHOPS)
    cdn = rng.choice(_CDN)
    products = []
    subtotal = 0
    for item in rng.sample(_CATALOG, rng.randint(min_products, max_products)):
        name, category, price = item
        quantity = rng.choice((1, 1, 1, 1, 2, 2, 3, 4))
        subtotal += price * quantity
        slug = _slug(name)
        product: dict[str, Any] = {
            "externalid": f"PROD{_CATALOG.index(item) + 10001}",
            "name": name,
            "sku": f"{category[:3].upper()}-{_CATALOG.index(item):03d}-{rng.choice('SMLX')}",
            "price": _num(rng, price),
            "quantity": _num(rng, quantity),
            "category": category,
            "productUrl": f"{shop}/products/{slug}",
            "imageUrl": f"{cdn}/{slug}-{rng.randrange(1, 9)}.jpg",
        }
        description = rng.choice(_DESCRIPTIONS)
        if description:
            product["description"] = description
        products.append(product)

    offset = rng.choice(_OFFSETS)
    created = ANCHOR - timedelta(days=rng.uniform(1, 400))
    updated = created + timedelta(minutes=rng.uniform(1, 90))
    abandoned = updated + timedelta(minutes=rng.choice((30, 60, 60, 120, 240)))

    order: dict[str, Any] = {
        "externalcheckoutid": checkout_id,
        "source": _num(rng, 1),
        "email": email,
        "orderProducts": products,
        "orderUrl": f"{shop}/checkout/{checkout_id}?recover=1",
        "externalCreatedDate": _stamp(created, offset),
        "externalUpdatedDate": _stamp(updated, offset),
        "abandonedDate": _stamp(abandoned, offset),
    }
    total = subtotal
    if rng.random() < 0.6:  # all three known: acorders checks the total against them
        shipping = 0 if subtotal >= 7500 else rng.choice((499, 599, 799))
        discount = (subtotal // 10) if rng.random() < 0.25 else 0
        tax = round((subtotal - discount) * rng.choice((0.0, 0.06, 0.0725, 0.08, 0.2)))
        total = subtotal + shipping + tax - discount
        order.update(
            shippingAmount=_num(rng, shipping), taxAmount=_num(rng, tax), discountAmount=_num(rng, discount)
        )
        order["shippingMethod"] = rng.choice(_SHIPPING)
    order.update(
        totalPrice=_num(rng, total),
        currency=rng.choice(_CURRENCIES),
        connectionid=_num(rng, rng.choice((1, 1, 1, 2, 3))),
        customerid=_num(rng, rng.randrange(1, 250_000)),
    )
    return order


def _marker_ok(marker: Path, params: Mapping[str, Any]) -> bool:
    try:
        return json.loads(marker.read_text()) == dict(params)
    except (OSError, ValueError):
        return False


def ensure_cart_files(
    directory: Path, count: int, seed: int = 20261120, indent: int | None = 2
) -> list[Path]:
    """``count`` files ``cart-NNNNN.json`` holding ``{"ecomOrder": ...}``, generated unless already there.

    Returns the paths in sorted order. A marker next to the directory (``.NAME.json``) records the
    parameters; a mismatch regenerates the whole directory."""
    params = {"version": CORPUS_VERSION, "count": count, "seed": seed, "indent": indent}
    marker = directory.with_name("." + directory.name + ".json")
    width = max(5, len(str(count - 1)))
    paths = [directory / f"cart-{i:0{width}d}.json" for i in range(count)]
    if _marker_ok(marker, params) and all(p.is_file() for p in paths):
        return paths
    log(f"generating {count:,} cart files in {directory} ...")
    start = time.perf_counter()
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    rng = random.Random(seed)
    for i, path in enumerate(paths):
        cart = make_cart(rng, f"{rng.randrange(10**9, 10**10)}-{i:05d}")
        path.write_text(
            json.dumps({"ecomOrder": cart}, indent=indent, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    marker.write_text(json.dumps(params))
    log(f"  done in {time.perf_counter() - start:.1f} s")
    return paths


def ensure_ndjson(path: Path, lines: int, seed: int = 20261121, templates: int = 2000) -> Path:
    """A ``lines``-line NDJSON file of bare carts, each with its own externalcheckoutid (as a real export
    would have, and as acorders' duplicate check must remember). Built from ``templates`` distinct random
    carts whose ids are filled in per line, so a million lines take seconds, not minutes."""
    params = {"version": CORPUS_VERSION, "lines": lines, "seed": seed, "templates": templates}
    marker = path.with_name("." + path.name + ".json")
    if _marker_ok(marker, params) and path.is_file():
        return path
    log(f"generating {lines:,}-line NDJSON {path} ...")
    start = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    placeholder = "@@CHECKOUT@@"
    parts = []
    for _ in range(templates):
        text = json.dumps(make_cart(rng, placeholder), ensure_ascii=False, separators=(", ", ": "))
        parts.append(text.split(placeholder))
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        buf: list[str] = []
        for i in range(lines):
            checkout = f"nd-{i:08d}"
            buf.append(checkout.join(parts[rng.randrange(templates)]))
            buf.append("\n")
            if len(buf) >= 20000:
                fh.write("".join(buf))
                buf.clear()
        fh.write("".join(buf))
    os.replace(tmp, path)
    marker.write_text(json.dumps(params))
    log(f"  done in {time.perf_counter() - start:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")
    return path


# --- output ---------------------------------------------------------------------------------------------


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    rows = [[str(c) for c in r] for r in rows]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=_default) + "\n", encoding="utf-8")


def _default(obj: Any) -> Any:
    if isinstance(obj, (Run,)):
        return asdict(obj)
    if isinstance(obj, Timing):
        return obj.as_dict()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


# cProfile of the real entry point, in its own process (so its imports are profiled too).
PROFILE = """\
import cProfile, io, os, pstats, sys
out_path, top, *argv = sys.argv[1:]
sys.argv = ["acorders", *argv]
real_stdout = sys.stdout
sys.stdout = open(os.devnull, "w")
sequential = False
try:  # profile the per-document work itself, not a parent waiting on worker processes
    import acorders.workers as _workers
    _workers.usable = lambda sources: False
    sequential = True
except (ImportError, AttributeError):
    pass
prof = cProfile.Profile()
prof.enable()
try:
    from acorders.cli.app import main
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
prof.disable()
sys.stdout = real_stdout
prof.dump_stats(out_path)
stats = pstats.Stats(prof, stream=real_stdout).strip_dirs().sort_stats("cumulative")
print(f"exit status {code}" + ("; acorders.workers disabled: one process, so every call is seen" if sequential else ""))
stats.print_stats(int(top))
"""
