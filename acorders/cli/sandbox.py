"""`acorders sandbox`: an ActiveCampaign-compatible API on 127.0.0.1, to rehearse without an account."""

from __future__ import annotations

from typing import Annotated

import typer

from acorders.cli.runtime import environment
from acorders.errors import ExitStatus, UsageError

# acorders sandbox's key unless --api-key says otherwise: no word any record holds (the redaction of a key
# named "sandbox" masked "service": "sandbox"), and long enough to be masked like a real one
SANDBOX_KEY = "acorders-sandbox-key-0c5e2a9f"

ServePortOpt = Annotated[
    int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port).")
]
ServeDbOpt = Annotated[str, typer.Option("--db", help="SQLite file to keep data in (default: in memory).")]
ServeApiKeyOpt = Annotated[
    str, typer.Option("--api-key", envvar="ACORDERS_SANDBOX_KEY", help="The key clients must send.")
]
ServeStrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Reject what the API document requires: unknown connection and customer ids, "
        "externalcheckoutid without abandonedDate, a connection without logoUrl/linkUrl.",
    ),
]
ServeRateOpt = Annotated[
    float, typer.Option("--rate", min=0, help="Requests per second before 429 (0: no limit).")
]
ServeLatencyOpt = Annotated[float, typer.Option("--latency", min=0, help="Seconds added to every response.")]
ServeLimiterOpt = Annotated[
    str,
    typer.Option(
        "--limiter",
        help="Shape of the rate limit: bucket (bursts of --rate, then a trickle), sliding (at most --rate in "
        "any 1 s) or fixed (--rate per clock second).",
    ),
]
ServeJitterOpt = Annotated[
    float, typer.Option("--jitter", min=0, help="Vary --latency uniformly by +- this many seconds.")
]
ServeDocumentedOpt = Annotated[
    bool,
    typer.Option(
        "--documented/--no-documented",
        help="Answer as the API document's examples: dates in --zone, POST /connections 200, an "
        "account-level customer per email. --no-documented answers as acorders' own tests expect.",
    ),
]
ServeZoneOpt = Annotated[
    str, typer.Option("--zone", help="The account's time zone for --documented dates (IANA name or -05:00).")
]
ServeFailRateOpt = Annotated[
    float, typer.Option("--fail-rate", min=0, max=1, help="Share of requests answered 503.")
]
ServeDuplicatesOpt = Annotated[
    str,
    typer.Option(
        "--duplicates", help="reject: 422 on a second cart with the same id; accept: create it silently."
    ),
]
ServeDropAfterCommitOpt = Annotated[
    float,
    typer.Option(
        "--drop-after-commit",
        min=0,
        max=1,
        help="Share of writes committed, then answered by a dropped connection.",
    ),
]


def _check_sandbox_options(duplicates: str, limiter: str, zone: str) -> None:
    """Say a bad choice before anything starts, as a usage error."""
    from acorders.sandbox.limiters import SHAPES
    from acorders.sandbox.records import account_zone

    if duplicates not in ("reject", "accept"):
        raise UsageError("--duplicates must be reject or accept")
    if limiter not in SHAPES:
        raise UsageError(f"--limiter must be {', '.join(SHAPES[:-1])} or {SHAPES[-1]}")
    try:
        account_zone(zone)
    except ValueError as exc:
        raise UsageError(f"--zone: {exc}") from None


def sandbox_command(
    port: ServePortOpt = 8765,
    db: ServeDbOpt = ":memory:",
    api_key: ServeApiKeyOpt = SANDBOX_KEY,
    strict: ServeStrictOpt = False,
    rate: ServeRateOpt = 5.0,
    limiter: ServeLimiterOpt = "bucket",
    latency: ServeLatencyOpt = 0.0,
    jitter: ServeJitterOpt = 0.0,
    fail_rate: ServeFailRateOpt = 0.0,
    duplicates: ServeDuplicatesOpt = "reject",
    drop_after_commit: ServeDropAfterCommitOpt = 0.0,
    documented: ServeDocumentedOpt = True,
    zone: ServeZoneOpt = "America/Chicago",
) -> int:
    """Serve an ActiveCampaign-compatible API on 127.0.0.1, to rehearse pushes and pipelines without an
    account."""
    from acorders.sandbox import SandboxConfig, serve

    env = environment()
    _check_sandbox_options(duplicates, limiter, zone)
    config = SandboxConfig(
        api_key=api_key,
        rate=rate,
        limiter=limiter,
        latency=latency,
        jitter=jitter,
        strict=strict,
        duplicates=duplicates,
        fail_rate=fail_rate,
        drop_after_commit=drop_after_commit,
        documented=documented,
        zone=zone,
    )

    def ready(url: str) -> None:
        env.log(f"acorders sandbox listening on {url} (Ctrl-C to stop)")
        shown = api_key if api_key == SANDBOX_KEY else "<the --api-key you gave>"
        env.log(f"  export ACTIVECAMPAIGN_URL={url} ACTIVECAMPAIGN_API_KEY={shown}")
        env.log(f"  dashboard (read-only, for a browser on this machine): {url}/")

    if serve(config, port=port, db=db, ready=ready, log=env.log):  # True: stopped by Ctrl-C
        env.log("interrupted: sandbox stopped")
        return ExitStatus.INTERRUPTED
    return ExitStatus.OK
