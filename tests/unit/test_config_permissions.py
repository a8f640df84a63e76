"""Config permission warnings (issue 11, item 14): every group/other read or write bit of a file holding
a key, a file others can write whatever it holds (they could point the key at their own server: the key
may come from the environment and the URL from the file), and a world-writable config directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from acorders import config
from acorders.config import load_settings

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")

SECRET = "profile-key-abcdef0123456789TOPSECRET"
WITH_KEY = f'[default]\nurl = "https://x.api-us1.com"\napi_key = "{SECRET}"\n'
URL_ONLY = '[default]\nurl = "https://x.api-us1.com"\nconnection = "1"\n'
ENV_KEY = "env-key-0123456789abcdefENVSECRET"


def write(folder: Path, text: str, mode: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def warnings_for(path: Path, **environ: str) -> tuple[str, ...]:
    settings = load_settings({config.ENV_CONFIG: str(path), **environ})
    for warning in settings.warnings:
        assert SECRET not in warning and ENV_KEY not in warning
    return settings.warnings


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o660, 0o606, 0o666, 0o640, 0o604], ids=oct)
def test_every_group_or_other_bit_of_a_file_with_a_key_warns(tmp_path: Path, mode: int) -> None:
    path = write(tmp_path / "cfg", WITH_KEY, mode)
    (warning,) = warnings_for(path)
    assert str(path) in warning and "chmod 600" in warning


@pytest.mark.parametrize("mode", [0o600, 0o400, 0o700, 0o611], ids=oct)
def test_a_private_file_with_a_key_does_not_warn(tmp_path: Path, mode: int) -> None:
    assert warnings_for(write(tmp_path / "cfg", WITH_KEY, mode)) == ()


@pytest.mark.parametrize("mode", [0o664, 0o646, 0o622], ids=oct)
def test_a_url_file_others_can_write_warns_when_the_key_comes_from_the_environment(
    tmp_path: Path, mode: int
) -> None:
    path = write(tmp_path / "cfg", URL_ONLY, mode)
    settings = load_settings({config.ENV_CONFIG: str(path), config.ENV_KEY: ENV_KEY})
    assert settings.url == "https://x.api-us1.com" and settings.api_key == ENV_KEY
    (warning,) = warnings_for(path, **{config.ENV_KEY: ENV_KEY})
    assert str(path) in warning and "writable by other users" in warning
    assert "chmod go-w" in warning


def test_a_url_file_others_can_only_read_does_not_warn(tmp_path: Path) -> None:
    assert warnings_for(write(tmp_path / "cfg", URL_ONLY, 0o644), **{config.ENV_KEY: ENV_KEY}) == ()


@pytest.mark.parametrize("text", [WITH_KEY, URL_ONLY], ids=["with-key", "url-only"])
def test_a_world_writable_config_directory_warns(tmp_path: Path, text: str) -> None:
    folder = tmp_path / "cfg"
    path = write(folder, text, 0o600)
    folder.chmod(0o777)
    try:
        (warning,) = warnings_for(path, **{config.ENV_KEY: ENV_KEY})
    finally:
        folder.chmod(0o700)
    assert str(folder) in warning and "chmod o-w" in warning


def test_file_and_directory_problems_are_each_said(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    path = write(folder, WITH_KEY, 0o666)
    folder.chmod(0o777)
    try:
        found = warnings_for(path)
    finally:
        folder.chmod(0o700)
    assert len(found) == 2
    assert any("chmod 600" in w for w in found) and any("chmod o-w" in w for w in found)
