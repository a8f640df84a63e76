"""Issue 13's first-hour edges, through the CLI: --sandbox's options and ledger, --debug after the
subcommand, validate without the account configuration, unknown config keys, stdin twice, help text."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCli
from tests.helpers import SAMPLES, cart, unreachable_account, write_json

REFERENCE = str(SAMPLES / "reference-cart.json")


# --------------------------------------------------------------------------- --sandbox


def test_sandbox_with_url_is_a_usage_error(run_cli: RunCli) -> None:
    code, out, err = run_cli(["push", "--sandbox", "--url", "https://x.api-us1.com", REFERENCE])
    assert code == 2, err
    assert "--sandbox" in err and "--url" in err
    assert out == ""


def test_sandbox_with_api_key_is_a_usage_error(run_cli: RunCli) -> None:
    code, _, err = run_cli(["push", "--sandbox", "--api-key", "k" * 40, REFERENCE])
    assert code == 2, err
    assert "--api-key" in err
    assert "k" * 40 not in err


def test_sandbox_with_the_account_in_the_environment_is_fine(run_cli: RunCli) -> None:
    env = {"ACTIVECAMPAIGN_URL": "https://x.api-us1.com", "ACTIVECAMPAIGN_API_KEY": "k" * 40}
    code, _, err = run_cli(["push", "--sandbox", "--rate", "1000", REFERENCE], env=env)
    assert code == 0, err


def test_sandbox_says_the_carts_went_to_a_throwaway_sandbox(run_cli: RunCli) -> None:
    code, out, err = run_cli(["push", "--sandbox", "--rate", "1000", REFERENCE])
    assert code == 0, err
    assert "throwaway sandbox" in err
    assert "throwaway" not in out


def test_sandbox_never_writes_into_the_state_dir_of_the_environment(run_cli: RunCli, tmp_path: Path) -> None:
    state = tmp_path / "state"
    code, _, err = run_cli(
        ["push", "--sandbox", "--rate", "1000", REFERENCE], env={"ACORDERS_STATE_DIR": str(state)}
    )
    assert code == 0, err
    assert not state.exists() or not any(state.iterdir())


# --------------------------------------------------------------------------- --debug


def test_debug_is_accepted_after_the_subcommand(run_cli: RunCli) -> None:
    code, _, err = run_cli(["validate", "--debug", REFERENCE])
    assert code == 0, err


def test_debug_after_the_subcommand_shows_the_traceback(run_cli: RunCli, monkeypatch) -> None:
    import acorders.cli.runtime as runtime

    code, _, _ = run_cli(["validate", "--debug", REFERENCE])
    assert code == 0
    assert runtime._state["debug"] is True


def test_acorders_debug_in_the_environment(run_cli: RunCli) -> None:
    import acorders.cli.runtime as runtime

    code, _, err = run_cli(["validate", REFERENCE], env={"ACORDERS_DEBUG": "1"})
    assert code == 0, err
    assert runtime._state["debug"] is True


# --------------------------------------------------------------------------- config.toml


def test_validate_with_a_broken_config_is_a_warning(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[default\nurl = ", encoding="utf-8")
    code, out, err = run_cli(["validate", REFERENCE], env={"ACORDERS_CONFIG": str(config)})
    assert code == 0, err
    assert "warning" in err and str(config) in err
    assert "1 document valid" in out


def test_push_with_a_broken_config_is_still_exit_3(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[default\nurl = ", encoding="utf-8")
    code, _, err = run_cli(["push", REFERENCE], env={"ACORDERS_CONFIG": str(config)})
    assert code == 3, err


def test_unknown_config_key_is_warned_with_the_nearest_known_one(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[default]\nurl = "https://x.api-us1.com"\napikey = "secret-value-123456"\n')
    config.chmod(0o600)
    code, _, err = run_cli(["validate", REFERENCE], env={"ACORDERS_CONFIG": str(config)})
    assert code == 0, err
    assert "apikey" in err and "api_key" in err
    assert "secret-value-123456" not in err


# --------------------------------------------------------------------------- stdin


def test_stdin_twice_is_a_usage_error(run_cli: RunCli) -> None:
    code, out, err = run_cli(["validate", "-", "-"], input="{}")
    assert code == 2, err
    assert "-" in err and "once" in err
    assert out == ""


def test_stdin_once_still_works(run_cli: RunCli, tmp_path: Path) -> None:
    text = write_json(tmp_path / "c.json", cart(1)).read_text(encoding="utf-8")
    code, out, err = run_cli(["validate", "-"], input=text)
    assert code == 0, err
    assert "1 document valid" in out
    assert "Ctrl-D" not in err  # not a terminal: no hint


# --------------------------------------------------------------------------- help


@pytest.mark.parametrize("columns", ["80", "100", "200"])
def test_profile_help_has_no_empty_default(run_cli: RunCli, columns: str) -> None:
    for command in ("push", "validate", "check", "init"):
        code, out, _ = run_cli([command, "--help"], env={"COLUMNS": columns})
        assert code == 0
        flat = " ".join(line.strip(" │") for line in out.splitlines())
        assert "(default: )" not in flat
        assert "[default]" in flat


@pytest.mark.parametrize("columns", ["80", "100"])
def test_usage_line_reads_path(run_cli: RunCli, columns: str) -> None:
    for command in ("push", "validate"):
        code, out, _ = run_cli([command, "--help"], env={"COLUMNS": columns})
        assert code == 0
        [usage] = [line for line in out.splitlines() if "Usage:" in line]
        assert usage.split() == ["Usage:", "acorders", command, "[OPTIONS]", "PATH..."]
        assert "{paths}" not in out


def test_dry_run_summary_has_no_rate(run_cli: RunCli, tmp_path: Path) -> None:
    code, out, err = run_cli(
        ["push", "--dry-run", REFERENCE], env={"ACORDERS_STATE_DIR": str(tmp_path / "s")}
    )
    assert code == 0, err
    assert "carts/s" not in out + err


# --------------------------------------------------------------------------- unreachable host


def test_an_unreachable_host_exits_4_from_check_and_push(
    run_cli: RunCli, tmp_path: Path, monkeypatch
) -> None:
    env = unreachable_account(tmp_path, monkeypatch)
    codes = {}
    for args in (["check"], ["push", "--rate", "1000", REFERENCE]):
        code, out, err = run_cli(args, env=env)
        codes[args[0]] = code
        assert "could not connect" in out + err, err
        assert "unexpected" not in err
    assert codes == {"check": 4, "push": 4}


# --------------------------------------------------------------------------- push --dry-run

SECRET = "ZZTOPSECRET-c0ffee-4f1d-9e2b-7a7aK3YQ"


def _dry_env(tmp_path: Path) -> dict[str, str]:
    return {
        "ACTIVECAMPAIGN_URL": "https://shop.api-us1.com",
        "ACTIVECAMPAIGN_API_KEY": SECRET,
        "ACORDERS_STATE_DIR": str(tmp_path / "state"),
    }


def test_dry_run_names_the_account_with_the_key_redacted(run_cli: RunCli, tmp_path: Path) -> None:
    code, out, err = run_cli(["push", "--dry-run", REFERENCE], env=_dry_env(tmp_path))
    assert code == 0, err
    assert "https://shop.api-us1.com" in err
    assert "****" + SECRET[-4:] in err
    assert SECRET[:-4] not in out + err


def test_dry_run_lists_the_requests_it_would_make(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_json(tmp_path / "c.json", cart(1, customerid=None))
    code, out, err = run_cli(["push", "--dry-run", str(path)], env=_dry_env(tmp_path))
    assert code == 0, err
    assert "POST /api/3/ecomOrders" in err
    assert "GET /api/3/ecomCustomers" in err  # no customerid: found (or created) by email
    assert "cart-00001" in err
    assert '"externalcheckoutid"' not in err  # bodies only with -v


def test_dry_run_verbose_shows_the_bodies(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_json(tmp_path / "c.json", cart(1))
    code, out, err = run_cli(["push", "--dry-run", "-v", "-o", "json", str(path)], env=_dry_env(tmp_path))
    assert code == 0, err
    assert "POST /api/3/ecomOrders" in err
    assert '"externalcheckoutid": "cart-00001"' in err
    import json

    json.loads(out)  # stdout stays the results alone


def test_dry_run_without_an_account_says_so(run_cli: RunCli, tmp_path: Path) -> None:
    code, out, err = run_cli(
        ["push", "--dry-run", REFERENCE], env={"ACORDERS_STATE_DIR": str(tmp_path / "state")}
    )
    assert code == 0, err
    assert "no account configured" in err


@pytest.mark.parametrize("columns", [80, 100, None])  # None: piped
def test_dry_run_on_a_terminal_and_piped(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columns: int | None
) -> None:
    import sys

    import acorders.environment

    if columns is not None:  # stdout a terminal of that width; stderr stays a pipe (no progress bar)
        monkeypatch.setattr(acorders.environment, "_isatty", lambda stream: stream is sys.stdout)
    env = {**_dry_env(tmp_path), "COLUMNS": str(columns or 80), "NO_COLOR": "1"}
    code, out, err = run_cli(["push", "--dry-run", str(SAMPLES)], env=env)
    assert code == 0, err
    for cart_id in ("3246315233", "5187326611", "cart-20261101-0001"):
        assert cart_id in out and f"{cart_id}: POST /api/3/ecomOrders" in err
    assert "reference-cart.json:1" in out
    assert "dry run: no requests sent" in out and "carts/s" not in out
    assert err.startswith("dry run: would push to https://shop.api-us1.com (key ****")
    if columns is None:
        assert "\t" in out.splitlines()[0]
    else:
        assert all(len(line) <= columns for line in out.splitlines())
