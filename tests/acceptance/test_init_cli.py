"""`acorders init` off a terminal (as a provisioning script runs it): URL and key from options or the
environment, verified with one request, a 0600 profile with a default connection; nothing is asked."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from acorders.sandbox import Sandbox
from tests.conftest import RunCli
from tests.helpers import SECRET_KEY, sandbox

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with sandbox(api_key=SECRET_KEY) as s:
        _connect(s, "shop.example")
        yield s


def _connect(sb: Sandbox, externalid: str) -> None:
    record = {
        "service": "shop",
        "externalid": externalid,
        "name": externalid,
        "logoUrl": None,
        "linkUrl": None,
    }
    sb.store.insert("connection", record)


def _read(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_init_from_options_writes_a_private_profile(run_cli: RunCli, sb: Sandbox, tmp_path: Path) -> None:
    config = tmp_path / "cfg" / "config.toml"
    code, out, err = run_cli(
        ["init", "--url", sb.url, "--api-key", SECRET_KEY], env={"ACORDERS_CONFIG": str(config)}
    )
    assert code == 0, err
    assert _read(config) == {"default": {"url": sb.url, "api_key": SECRET_KEY, "connection": "1"}}
    if os.name == "posix":
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert str(config) in out
    assert SECRET_KEY[:-4] not in out + err
    assert sb.count("GET", "/api/3/users/me") == 1


def test_init_from_the_environment_into_a_named_profile_keeps_the_others(
    run_cli: RunCli, sb: Sandbox, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[default]\nurl = "https://x.api-us1.com"\nconnection = "4"\n', encoding="utf-8")
    env = {"ACORDERS_CONFIG": str(config), "ACTIVECAMPAIGN_URL": sb.url, "ACTIVECAMPAIGN_API_KEY": SECRET_KEY}
    code, _, err = run_cli(["init", "--profile", "staging"], env=env)
    assert code == 0, err
    data = _read(config)
    assert data["default"] == {"url": "https://x.api-us1.com", "connection": "4"}
    assert data["staging"]["api_key"] == SECRET_KEY and data["staging"]["connection"] == "1"
    if os.name == "posix":
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
    # and the profile works
    code, _, err = run_cli(["check", "--profile", "staging"], env={"ACORDERS_CONFIG": str(config)})
    assert code == 0, err


def test_init_off_a_terminal_without_a_key_asks_nothing_and_is_a_usage_error(
    run_cli: RunCli, sb: Sandbox, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    code, out, err = run_cli(["init", "--url", sb.url], env={"ACORDERS_CONFIG": str(config)}, input="")
    assert code == 2, err
    assert "--api-key" in err and "ACTIVECAMPAIGN_API_KEY" in err
    assert not config.exists()


def test_init_with_a_wrong_key_writes_nothing(run_cli: RunCli, sb: Sandbox, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    wrong = "wrong-key-0123456789abcdefghijkl"
    code, out, err = run_cli(
        ["init", "--url", sb.url, "--api-key", wrong], env={"ACORDERS_CONFIG": str(config)}
    )
    assert code == 3, err
    assert not config.exists()
    assert wrong[:-4] not in out + err


def test_init_with_an_unknown_connection_is_a_usage_error(
    run_cli: RunCli, sb: Sandbox, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    code, _, err = run_cli(
        ["init", "--url", sb.url, "--api-key", SECRET_KEY, "--connection", "99"],
        env={"ACORDERS_CONFIG": str(config)},
    )
    assert code == 2, err
    assert "99" in err and not config.exists()


def test_init_with_several_connections_takes_the_first_and_says_so(
    run_cli: RunCli, sb: Sandbox, tmp_path: Path
) -> None:
    _connect(sb, "second.example")
    config = tmp_path / "config.toml"
    code, _, err = run_cli(
        ["init", "--url", sb.url, "--api-key", SECRET_KEY], env={"ACORDERS_CONFIG": str(config)}
    )
    assert code == 0, err
    assert _read(config)["default"]["connection"] == "1"
    assert "second.example" in err and "--connection" in err
    code, _, err = run_cli(
        ["init", "--url", sb.url, "--api-key", SECRET_KEY, "--connection", "2"],
        env={"ACORDERS_CONFIG": str(config)},
    )
    assert code == 0, err
    assert _read(config)["default"]["connection"] == "2"


def test_init_without_connections_writes_none_and_says_how_to_make_one(
    run_cli: RunCli, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    with sandbox(api_key=SECRET_KEY) as empty:
        code, _, err = run_cli(
            ["init", "--url", empty.url, "--api-key", SECRET_KEY], env={"ACORDERS_CONFIG": str(config)}
        )
    assert code == 0, err
    assert "connection" not in _read(config)["default"]
    assert "connections create" in err
