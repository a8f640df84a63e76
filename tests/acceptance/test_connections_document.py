"""`connections create` sends what ActiveCampaign's OpenAPI document requires: service, externalid, name,
logoUrl and linkUrl. Without --logo-url or --link-url it is a usage error that names them, and nothing is
sent (a strict server, like the document, would refuse the connection)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from acorders.sandbox import Sandbox
from tests.helpers import account_env, sandbox

KEY = "9f" * 32
BASE_ARGS = [
    "connections",
    "create",
    "--service",
    "shop",
    "--externalid",
    "shop-2.example",
    "--name",
    "Shop 2",
]


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with sandbox(api_key=KEY, strict=True) as s:
        yield s


@pytest.mark.parametrize(
    ("given", "missing"),
    [([], "--logo-url"), (["--logo-url", "https://shop-2.example/logo.png"], "--link-url")],
)
def test_connections_create_needs_logo_and_link_urls(
    run_cli, sb: Sandbox, tmp_path: Path, given: list[str], missing: str
) -> None:
    code, out, err = run_cli([*BASE_ARGS, *given], env=account_env(sb, tmp_path / "state", KEY))
    assert code == 2, (out, err)
    assert missing in err and "Traceback" not in err
    assert sb.count() == 0


def test_connections_create_with_both_urls_is_accepted_by_a_strict_server(
    run_cli, sb: Sandbox, tmp_path: Path
) -> None:
    args = [
        *BASE_ARGS,
        "--logo-url",
        "https://shop-2.example/logo.png",
        "--link-url",
        "https://shop-2.example",
    ]
    code, out, err = run_cli([*args, "-o", "json"], env=account_env(sb, tmp_path / "state", KEY))
    assert code == 0, err
    (stored,) = sb.store.connections(externalid="shop-2.example")
    assert (stored["logoUrl"], stored["linkUrl"]) == (
        "https://shop-2.example/logo.png",
        "https://shop-2.example",
    )
