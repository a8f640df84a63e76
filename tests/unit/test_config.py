"""acorders.config: account URL, API key and default connection from options, environment and config.toml."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from acorders import config
from acorders.config import Account, Settings, load_settings, normalize_url
from acorders.errors import ConfigError, ExitStatus

KEY = "0123456789abcdef0123456789abcdefSECRET"
PROFILE_KEY = "profile-key-abcdef0123456789TOPSECRET"

CONFIG = f"""
[default]
url = "https://default.api-us1.com"
api_key = "{PROFILE_KEY}"
connection = 3

[staging]
url = "https://staging.api-us1.com/api/3/"
api_key = "staging-key-0123456789"
connection = "9"

[profiles.legacy]
url = "legacy.api-us1.com"
api_key = "legacy-key-0123456789"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    path.chmod(0o600)
    return path


def env_for(path: Path, **extra: str) -> dict[str, str]:
    return {config.ENV_CONFIG: str(path), **extra}


# --------------------------------------------------------------------------- precedence


def test_profile_is_the_fallback(config_file: Path) -> None:
    settings = load_settings(env_for(config_file))
    assert settings.url == "https://default.api-us1.com"
    assert settings.api_key == PROFILE_KEY
    assert settings.connection == "3"  # a TOML integer becomes the id string
    assert settings.config_file == config_file
    assert settings.warnings == ()


def test_environment_beats_profile(config_file: Path) -> None:
    environ = env_for(
        config_file,
        ACTIVECAMPAIGN_URL="https://env.api-us1.com",
        ACTIVECAMPAIGN_API_KEY="env-key",
        ACTIVECAMPAIGN_CONNECTION_ID="5",
    )
    settings = load_settings(environ)
    assert (settings.url, settings.api_key, settings.connection) == (
        "https://env.api-us1.com",
        "env-key",
        "5",
    )


def test_option_beats_environment(config_file: Path) -> None:
    environ = env_for(
        config_file,
        ACTIVECAMPAIGN_URL="https://env.api-us1.com",
        ACTIVECAMPAIGN_API_KEY="env-key",
        ACTIVECAMPAIGN_CONNECTION_ID="5",
    )
    settings = load_settings(environ, url="https://opt.api-us1.com", api_key="opt-key", connection="8")
    assert (settings.url, settings.api_key, settings.connection) == (
        "https://opt.api-us1.com",
        "opt-key",
        "8",
    )


def test_each_setting_falls_back_on_its_own(config_file: Path) -> None:
    settings = load_settings(env_for(config_file, ACTIVECAMPAIGN_API_KEY="env-key"), connection="8")
    assert settings.url == "https://default.api-us1.com"  # profile
    assert settings.api_key == "env-key"  # environment
    assert settings.connection == "8"  # option


def test_empty_environment_variable_does_not_hide_the_profile(config_file: Path) -> None:
    settings = load_settings(env_for(config_file, ACTIVECAMPAIGN_URL=""))
    assert settings.url == "https://default.api-us1.com"


# --------------------------------------------------------------------------- profiles


def test_profile_option_selects_a_profile(config_file: Path) -> None:
    settings = load_settings(env_for(config_file), profile="staging")
    assert settings.profile == "staging"
    assert settings.connection == "9"
    assert settings.account().url == "https://staging.api-us1.com"


def test_acorders_profile_selects_a_profile(config_file: Path) -> None:
    settings = load_settings(env_for(config_file, ACORDERS_PROFILE="staging"))
    assert settings.api_key == "staging-key-0123456789"


def test_profile_option_beats_acorders_profile(config_file: Path) -> None:
    settings = load_settings(env_for(config_file, ACORDERS_PROFILE="staging"), profile="default")
    assert settings.api_key == PROFILE_KEY


def test_profiles_table_is_accepted(config_file: Path) -> None:
    account = load_settings(env_for(config_file), profile="legacy").account()
    assert account.url == "https://legacy.api-us1.com"
    assert account.profile == "legacy"


def test_unknown_profile_is_a_config_error_naming_the_known_ones(config_file: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(env_for(config_file), profile="prod")
    assert info.value.exit_status == ExitStatus.CONFIG == 3
    assert "'prod'" in info.value.message
    assert "default" in info.value.message and "staging" in info.value.message


def test_unknown_profile_from_the_environment_is_an_error_too(config_file: Path) -> None:
    with pytest.raises(ConfigError):
        load_settings(env_for(config_file, ACORDERS_PROFILE="prod"))


def test_explicit_profile_without_a_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(env_for(tmp_path / "none.toml"), profile="staging")
    assert "none.toml" in info.value.message


def test_no_config_file_and_no_profile_is_fine(tmp_path: Path) -> None:
    settings = load_settings(env_for(tmp_path / "none.toml"))
    assert (settings.url, settings.api_key, settings.connection, settings.warnings) == (None, None, None, ())


def test_config_without_a_default_section_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[staging]\nurl = "https://s.example.com"\n')
    assert load_settings(env_for(path)).url is None


def test_broken_config_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[default\nurl = \n")
    with pytest.raises(ConfigError) as info:
        load_settings(env_for(path))
    assert str(path) in info.value.message


def test_profile_that_is_not_a_table(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('default = "https://x.example.com"\n')
    with pytest.raises(ConfigError):
        load_settings(env_for(path))


# --------------------------------------------------------------------------- the account


def test_missing_url_and_key_is_a_config_error_with_a_hint(tmp_path: Path) -> None:
    settings = load_settings(env_for(tmp_path / "none.toml"))
    with pytest.raises(ConfigError) as info:
        settings.account()
    exc = info.value
    assert exc.exit_status == 3
    assert "URL" in exc.message and "API key" in exc.message
    assert exc.hint is not None
    for needle in ("ACTIVECAMPAIGN_URL", "ACTIVECAMPAIGN_API_KEY", "--sandbox"):
        assert needle in exc.hint


@pytest.mark.parametrize(
    ("url", "key", "missing"), [("https://x.api-us1.com", None, "API key"), (None, "k", "URL")]
)
def test_missing_one_of_them(url: str | None, key: str | None, missing: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings(url=url, api_key=key).account()
    assert info.value.message == f"no ActiveCampaign {missing} configured"
    assert "ACTIVECAMPAIGN_URL" in (info.value.hint or "")


def test_account_is_normalized(config_file: Path) -> None:
    account = load_settings(env_for(config_file), url="acct.api-us1.com/api/3/").account()
    assert account == Account("https://acct.api-us1.com", PROFILE_KEY, "3", None)


def test_account_repr_never_contains_the_key() -> None:
    account = Account("https://acct.api-us1.com", KEY, "1", "default")
    for text in (repr(account), str(account), f"{account}", f"{account!r}"):
        assert KEY not in text
        assert "SECRET" not in text
    assert account.masked_key == "****" + KEY[-4:]
    assert KEY not in account.masked_key
    assert Account("https://a.example.com", "short").masked_key == "****"


def test_settings_repr_never_contains_the_key(config_file: Path) -> None:
    settings = load_settings(env_for(config_file))
    assert PROFILE_KEY not in repr(settings)
    assert "TOPSECRET" not in repr(settings)


def test_config_errors_never_contain_the_key(config_file: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(env_for(config_file), url="http://evil.example.com").account()
    assert PROFILE_KEY not in f"{info.value.message} {info.value.hint}"


# --------------------------------------------------------------------------- URL normalization


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("https://acct.api-us1.com", "https://acct.api-us1.com"),
        ("https://acct.api-us1.com/", "https://acct.api-us1.com"),
        ("https://acct.api-us1.com/api/3", "https://acct.api-us1.com"),
        ("https://acct.api-us1.com/api/3/", "https://acct.api-us1.com"),
        ("acct.api-us1.com", "https://acct.api-us1.com"),
        ("acct.api-us1.com/", "https://acct.api-us1.com"),
        ("acct.api-us1.com/api/3", "https://acct.api-us1.com"),
        ("  https://acct.api-us1.com/api/3/  ", "https://acct.api-us1.com"),
        ("https://acct.api-us1.com:8443/api/3", "https://acct.api-us1.com:8443"),
        ("https://proxy.example.com/ac/api/3", "https://proxy.example.com/ac"),
    ],
)
def test_normalize_url(raw: str, normalized: str) -> None:
    assert normalize_url(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        "http://acct.api-us1.com",
        "http://acct.api-us1.com/api/3",
        "HTTP://acct.api-us1.com",
        "http://10.0.0.1:8080",
        "http://127.0.0.1.evil.example.com",
        "http://localhost@evil.example.com",
    ],
)
def test_plain_http_is_refused_for_non_loopback(raw: str) -> None:
    with pytest.raises(ConfigError) as info:
        normalize_url(raw)
    assert info.value.exit_status == 3
    assert "http" in info.value.message
    assert info.value.hint and "https://" in info.value.hint


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("http://127.0.0.1:8080/api/3", "http://127.0.0.1:8080"),
        ("http://127.0.0.1", "http://127.0.0.1"),
        ("http://localhost:5000/", "http://localhost:5000"),
        ("http://LOCALHOST:5000", "http://LOCALHOST:5000"),
        ("http://[::1]:8080/api/3/", "http://[::1]:8080"),
    ],
)
def test_plain_http_is_allowed_for_loopback(raw: str, normalized: str) -> None:
    assert normalize_url(raw) == normalized


@pytest.mark.parametrize("raw", ["ftp://acct.api-us1.com", "https:///api/3", "", "   "])
def test_not_a_url(raw: str) -> None:
    with pytest.raises(ConfigError) as info:
        normalize_url(raw)
    assert info.value.exit_status == 3


@pytest.mark.parametrize("raw", ["https://", "http://", "https:///"])
def test_scheme_without_host_is_not_a_url(raw: str) -> None:
    with pytest.raises(ConfigError):
        normalize_url(raw)


def test_is_loopback() -> None:
    assert config.is_loopback("127.0.0.1") and config.is_loopback("::1") and config.is_loopback("localhost")
    assert not config.is_loopback("example.com") and not config.is_loopback("10.0.0.1")


# --------------------------------------------------------------------------- file permissions


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_world_or_group_readable_file_with_a_key_warns(config_file: Path, mode: int) -> None:
    config_file.chmod(mode)
    settings = load_settings(env_for(config_file))
    assert len(settings.warnings) == 1
    assert str(config_file) in settings.warnings[0]
    assert "chmod 600" in settings.warnings[0]
    assert PROFILE_KEY not in settings.warnings[0]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_private_file_does_not_warn(config_file: Path) -> None:
    config_file.chmod(0o600)
    assert load_settings(env_for(config_file)).warnings == ()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_readable_file_without_a_key_does_not_warn(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[default]\nurl = "https://x.api-us1.com"\nconnection = "1"\n')
    path.chmod(0o644)
    assert load_settings(env_for(path)).warnings == ()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_readable_file_with_a_key_in_another_profile_warns(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[default]\nurl = "https://x.api-us1.com"\n\n[prod]\napi_key = "prod-key-0123456789"\n')
    path.chmod(0o644)
    assert len(load_settings(env_for(path)).warnings) == 1


def test_config_path_honours_acorders_config(tmp_path: Path) -> None:
    assert config.config_path({config.ENV_CONFIG: str(tmp_path / "x.toml")}) == tmp_path / "x.toml"
    assert config.config_path({}).name == "config.toml"
