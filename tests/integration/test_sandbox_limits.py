"""The sandbox's limiter shapes and latency jitter over real HTTP, and the ``acorders sandbox`` options that
set them (--limiter, --jitter, --documented, --zone)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

import acorders.sandbox
from acorders.sandbox import Sandbox, SandboxConfig


@pytest.fixture
def session() -> Iterator[requests.Session]:
    s = requests.Session()
    s.headers["Api-Token"] = "sandbox"
    yield s
    s.close()


def burst(sb: Sandbox, session: requests.Session, n: int) -> list[requests.Response]:
    return [session.get(sb.url + "/api/3/users/me", timeout=5) for _ in range(n)]


@pytest.mark.parametrize("shape", ["sliding", "fixed"])
def test_window_shapes_let_rate_requests_into_a_second(shape: str, session: requests.Session) -> None:
    with Sandbox(SandboxConfig(rate=5, limiter=shape)) as sb:
        if shape == "fixed":  # start just after a clock second, so the burst stays in one window
            time.sleep(1.02 - time.time() % 1)
        answers = burst(sb, session, 8)
    statuses = [r.status_code for r in answers]
    assert statuses == [200] * 5 + [429] * 3, statuses
    refused = answers[-1]
    assert refused.headers["RateLimit-Remaining"] == "0" and refused.headers["RateLimit-Limit"] == "5"
    assert int(refused.headers["Retry-After"]) >= 1 and refused.json() == {"message": "Too Many Requests"}
    assert answers[0].headers["RateLimit-Remaining"] == "4"


def test_the_shape_can_be_changed_while_running(session: requests.Session) -> None:
    with Sandbox(SandboxConfig(rate=3)) as sb:
        assert [r.status_code for r in burst(sb, session, 4)] == [200, 200, 200, 429]
        sb.config.limiter = "sliding"  # a new limiter: it starts afresh
        assert [r.status_code for r in burst(sb, session, 4)] == [200, 200, 200, 429]


@pytest.mark.parametrize("shape", ["bucket", "sliding", "fixed"])
def test_a_client_below_the_rate_is_never_refused(shape: str, session: requests.Session) -> None:
    with Sandbox(SandboxConfig(rate=40, limiter=shape)) as sb:
        statuses = []
        for _ in range(30):
            statuses.append(session.get(sb.url + "/api/3/users/me", timeout=5).status_code)
            time.sleep(1 / 32)
    assert statuses == [200] * 30


def test_jitter_varies_latency_around_its_value(session: requests.Session) -> None:
    with Sandbox(SandboxConfig(rate=0, latency=0.06, jitter=0.05, seed=3)) as sb:
        took = []
        for _ in range(12):
            start = time.monotonic()
            assert session.get(sb.url + "/api/3/users/me", timeout=5).ok
            took.append(time.monotonic() - start)
    assert min(took) >= 0.01 and max(took) < 0.11 + 0.1  # 0.06 +- 0.05, plus the machine's own time
    assert max(took) - min(took) > 0.03  # it does vary


# -- acorders sandbox ---------------------------------------------------------------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[SandboxConfig]:
    """The configs ``acorders sandbox`` would serve, without serving."""
    configs: list[SandboxConfig] = []

    def serve(config: SandboxConfig, **kwargs: Any) -> None:
        configs.append(config)

    monkeypatch.setattr(acorders.sandbox, "serve", serve)
    return configs


def test_sandbox_command_passes_the_new_knobs(run_cli, served: list[SandboxConfig]) -> None:
    code, out, err = run_cli(["sandbox", "--port", "0", "--limiter", "sliding", "--jitter", "0.1"])
    assert code == 0, err
    (config,) = served
    assert (config.limiter, config.jitter, config.documented, config.zone) == (
        "sliding",
        0.1,
        True,
        "America/Chicago",
    )
    code, _, err = run_cli(["sandbox", "--port", "0", "--no-documented", "--zone", "-04:00", "--strict"])
    assert code == 0, err
    assert (served[1].documented, served[1].zone, served[1].strict, served[1].limiter) == (
        False,
        "-04:00",
        True,
        "bucket",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--limiter", "leaky"], "--limiter must be bucket, sliding or fixed"),
        (["--zone", "Mars/Olympus"], "--zone: unknown time zone 'Mars/Olympus'"),
    ],
)
def test_sandbox_command_refuses_unknown_shapes_and_zones(
    run_cli, served: list[SandboxConfig], args: list[str], message: str
) -> None:
    code, out, err = run_cli(["sandbox", "--port", "0", *args])
    assert code == 2, err
    assert message in err and "Traceback" not in err and out == "" and served == []
    code, _, err = run_cli(["sandbox", "--port", "0", "--jitter", "-1"])
    assert code == 2 and "--jitter" in err
