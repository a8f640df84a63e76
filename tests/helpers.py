"""Helpers shared by the tests (imported explicitly as tests.helpers, not a conftest).

Carts are generated from samples/reference-cart.json with distinct externalcheckoutid values; the sandbox
runs in this process on 127.0.0.1 with no rate limit and no latency unless a test asks for them.
"""

from __future__ import annotations

import collections
import copy
import json
import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from acorders.sandbox import Sandbox, SandboxConfig

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
REFERENCE = json.loads((SAMPLES / "reference-cart.json").read_text(encoding="utf-8"))["ecomOrder"]
KEY = "sandbox"
SECRET_KEY = "ZZTOPSECRET-c0ffee-4f1d-9e2b-7a7aK3YQ"  # distinctive: easy to spot in any output


def cart(i: int | str, **fields: Any) -> dict[str, Any]:
    """The reference cart as a bare order, with externalcheckoutid ``cart-<i>`` (fields override; None
    drops)."""
    order = copy.deepcopy(REFERENCE)
    checkout = i if isinstance(i, str) else f"cart-{i:05d}"
    order["externalcheckoutid"] = checkout
    order["orderUrl"] = f"https://example.com/checkout/{checkout}"
    order.update(fields)
    return {k: v for k, v in order.items() if v is not None}


def envelope(order: Mapping[str, Any]) -> dict[str, Any]:
    return {"ecomOrder": dict(order)}


def write_json(path: Path, order: Mapping[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(envelope(order), indent=2), encoding="utf-8")
    return path


def write_carts(folder: Path, n: int, start: int = 0, **fields: Any) -> list[Path]:
    """``n`` carts, one JSON file each: folder/cart-00000.json ..."""
    return [write_json(folder / f"cart-{i:05d}.json", cart(i, **fields)) for i in range(start, start + n)]


def write_ndjson(path: Path, orders: Iterable[Mapping[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(o) + "\n" for o in orders), encoding="utf-8")
    return path


@contextmanager
def sandbox(**knobs: Any) -> Iterator[Sandbox]:
    """A fresh sandbox on 127.0.0.1: rate limit off and no latency unless given."""
    knobs.setdefault("rate", 0)
    with Sandbox(SandboxConfig(**knobs)) as sb:
        yield sb


def records_per_checkout(sb: Sandbox) -> collections.Counter[str]:
    """How many ecomOrder records the sandbox holds for each externalcheckoutid."""
    return collections.Counter(str(o.get("externalcheckoutid")) for o in sb.store.orders())


def account_env(sb: Sandbox, state_dir: Path, key: str = KEY, **extra: str) -> dict[str, str]:
    """Environment for the CLI (in-process runner or subprocess) pointing at ``sb`` and ``state_dir``."""
    return {
        "ACTIVECAMPAIGN_URL": sb.url,
        "ACTIVECAMPAIGN_API_KEY": key,
        "ACORDERS_STATE_DIR": str(state_dir),
        **extra,
    }


def subprocess_env(sb: Sandbox, state_dir: Path, tmp_path: Path, key: str = KEY) -> dict[str, str]:
    """A clean process environment: no developer config, no colours, the repo importable."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ACTIVECAMPAIGN_", "ACORDERS_")) and k not in ("NO_COLOR", "FORCE_COLOR")
    }
    env.update(account_env(sb, state_dir, key))
    env["ACORDERS_CONFIG"] = str(tmp_path / "no-such-config.toml")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def acorders_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "acorders", *args]


def ledger_rows(state_dir: Path) -> list[dict[str, Any]]:
    """Every ledger entry, read with plain sqlite3 (not through acorders)."""
    db = sqlite3.connect(str(state_dir / "ledger.sqlite3"))
    try:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM entries")]
    finally:
        db.close()


def json_results(stdout: str) -> dict[str, Any]:
    data = json.loads(stdout)
    assert set(data) >= {"ok", "results", "summary"}, data
    return data


def actions(data: Mapping[str, Any]) -> collections.Counter[str]:
    return collections.Counter(r["action"] for r in data["results"])


def documents(sources: Iterable[Any], stdin: Any = None) -> list[Any]:
    """Every document of every source, in order (the loader's contract, for tests)."""
    from acorders.load import load_source

    return [doc for source in sources for doc in load_source(source, stdin)]


class Recorder:
    """A reporter (the Reporter protocol) that keeps what it is given."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.total: int | None = None
        self.summary: Any = None

    def start(self, total: int | None) -> None:
        self.total = total

    def advance(self, n: int = 1) -> None:
        pass

    def item(self, obj: Any) -> None:
        self.items.append(obj)

    def finish(self, summary: Any) -> None:
        self.summary = summary


def read_until(fd: int, wanted: bytes, timeout: float = 30) -> bytes:
    """What a pseudo-terminal's other end shows until ``wanted`` appears (or it closes, or time is up)."""
    import select
    import time

    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def unreachable_account(tmp_path: Path, monkeypatch: Any) -> dict[str, str]:
    """The environment of an account whose host refuses connections (a port just closed), with the
    retries' back-off made instant: a run gives up in milliseconds, as it would after its retries."""
    import socket

    import acorders.api.retry

    monkeypatch.setattr(acorders.api.retry, "BACKOFF_BASE", 0.001)
    monkeypatch.setattr(acorders.api.retry, "BACKOFF_CAP", 0.01)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    return {
        "ACTIVECAMPAIGN_URL": f"http://127.0.0.1:{port}",
        "ACTIVECAMPAIGN_API_KEY": "k" * 40,
        "ACORDERS_STATE_DIR": str(tmp_path / "state"),
    }
