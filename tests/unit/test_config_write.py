"""config.write_profile (acorders init): the profile replaced where it is read from, the other profiles
kept, values that need escaping round-trip, and the file ends up the owner's alone."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from acorders.config import load_settings, write_profile

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_a_nested_profile_is_replaced_in_place(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'top = 1\n[profiles.prod]\nurl = "https://old.api-us1.com"\n[default]\nconnection = "3"\n'
    )
    write_profile(path, "prod", {"url": "https://new.api-us1.com", "api_key": 'a"b\\c-0123456789abcdef'})
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data == {
        "top": 1,
        "profiles": {"prod": {"url": "https://new.api-us1.com", "api_key": 'a"b\\c-0123456789abcdef'}},
        "default": {"connection": "3"},
    }
    assert load_settings({"ACORDERS_CONFIG": str(path)}, profile="prod").api_key == 'a"b\\c-0123456789abcdef'


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_readable_file_becomes_private(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[default]\n")
    path.chmod(0o644)
    write_profile(path, "default", {"url": "https://x.api-us1.com", "api_key": "k" * 40})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]  # no temporary file left


def test_a_broken_file_is_not_overwritten(tmp_path: Path) -> None:
    from acorders.errors import ConfigError

    path = tmp_path / "config.toml"
    path.write_text("[default\n")
    with pytest.raises(ConfigError):
        write_profile(path, "default", {"url": "https://x.api-us1.com"})
    assert path.read_text() == "[default\n"
