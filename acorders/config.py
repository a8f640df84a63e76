"""Account configuration: URL, API key and default connection, from options, environment or config.toml.

Highest first: ``--url``/``--api-key``; ``ACTIVECAMPAIGN_URL``/``ACTIVECAMPAIGN_API_KEY``; the selected
profile (``--profile``, ``ACORDERS_PROFILE``, else ``default``) of ``config.toml`` in the user config dir.
The key is kept out of every repr and message.
"""

from __future__ import annotations

import ipaddress
import json
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from acorders.errors import ConfigError

ENV_URL = "ACTIVECAMPAIGN_URL"
ENV_KEY = "ACTIVECAMPAIGN_API_KEY"
ENV_CONNECTION = "ACTIVECAMPAIGN_CONNECTION_ID"
ENV_PROFILE = "ACORDERS_PROFILE"
ENV_CONFIG = "ACORDERS_CONFIG"
DEFAULT_PROFILE = "default"


@dataclass(frozen=True)
class Account:
    url: str  # normalized: scheme://host[:port], no trailing slash, no /api/3
    api_key: str = field(repr=False)
    connection: str | None = None
    profile: str | None = None

    @property
    def masked_key(self) -> str:
        return "****" + self.api_key[-4:] if len(self.api_key) >= 12 else "****"


@dataclass(frozen=True)
class Settings:
    """What the options, the environment and the profile say, before anything is required of them."""

    url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    connection: str | None = None
    profile: str | None = None
    config_file: Path | None = None
    warnings: tuple[str, ...] = ()

    def account(self) -> Account:
        """The account to push to; a clear ConfigError (exit 3) says how to configure what is missing."""
        missing = [name for name, value in (("URL", self.url), ("API key", self.api_key)) if not value]
        if missing:
            where = self.config_file or config_path({})
            raise ConfigError(
                f"no ActiveCampaign {' or '.join(missing)} configured",
                hint=(
                    f"set {ENV_URL} and {ENV_KEY}, pass --url and --api-key, or put url and api_key under "
                    f"[{self.profile or DEFAULT_PROFILE}] in {where} (the URL and key are in your account's "
                    "Settings > Developer). To try acorders without an account: acorders push --sandbox FILES"
                ),
            )
        assert self.url is not None and self.api_key is not None
        return Account(normalize_url(self.url), self.api_key, self.connection, self.profile)


def config_path(environ: Mapping[str, str]) -> Path:
    if environ.get(ENV_CONFIG):
        return Path(environ[ENV_CONFIG])
    from platformdirs import user_config_dir

    return Path(user_config_dir("acorders")) / "config.toml"


def load_settings(
    environ: Mapping[str, str],
    *,
    url: str | None = None,
    api_key: str | None = None,
    connection: str | None = None,
    profile: str | None = None,
) -> Settings:
    profile_name = profile or environ.get(ENV_PROFILE) or None
    path = config_path(environ)
    section, warnings = _read_profile(
        path, profile_name or DEFAULT_PROFILE, explicit=profile_name is not None
    )
    return Settings(
        url=url or environ.get(ENV_URL) or _str(section.get("url")),
        api_key=api_key or environ.get(ENV_KEY) or _str(section.get("api_key")),
        connection=connection or environ.get(ENV_CONNECTION) or _str(section.get("connection")),
        profile=profile_name,
        config_file=path,
        warnings=tuple(warnings),
    )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _read_profile(path: Path, name: str, *, explicit: bool) -> tuple[dict[str, Any], list[str]]:
    if not path.is_file():
        if explicit:
            raise ConfigError(f"profile {name!r} not found: there is no config file {path}")
        return {}, []
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    section = data.get(name)
    if section is None and isinstance(data.get("profiles"), dict):
        section = data["profiles"].get(name)
    if section is None:
        if explicit:
            known = ", ".join(k for k, v in data.items() if isinstance(v, dict)) or "none"
            raise ConfigError(f"profile {name!r} not found in {path} (profiles: {known})")
        return {}, []
    if not isinstance(section, dict):
        raise ConfigError(f"profile {name!r} in {path} must be a table: [{name}]")
    has_key = any(isinstance(v, dict) and v.get("api_key") for v in [data, *data.values()]) or any(
        isinstance(v, dict) and v.get("api_key") for v in (data.get("profiles") or {}).values()
    )
    warnings = unknown_key_warnings(section, name, path)
    return section, warnings + (permission_warnings(path, has_key) if os.name == "posix" else [])


PROFILE_KEYS = ("url", "api_key", "connection")


def unknown_key_warnings(section: Mapping[str, Any], name: str, path: Path) -> list[str]:
    """A misspelt key (``apikey``) is otherwise silently ignored, and the run then asks for a key that
    seems to be right there: name the key acorders would have read. Only names, never values."""
    import difflib

    out = []
    for key in section:
        if key in PROFILE_KEYS:
            continue
        near = difflib.get_close_matches(key.lower().replace("-", "_"), PROFILE_KEYS, n=1, cutoff=0.6)
        guess = f"; did you mean {near[0]!r}?" if near else f" (known keys: {', '.join(PROFILE_KEYS)})"
        out.append(f"unknown key {key!r} in [{name}] of {path}, ignored{guess}")
    return out


def write_profile(path: Path, name: str, values: Mapping[str, str]) -> None:
    """Set profile ``name`` of config.toml to ``values`` (acorders init), keeping the other profiles. The
    file holds a key: it is written anew with mode 0600 (its folder 0700 when made here) and put in place
    with one rename, so no reader sees half a file and no other user could ever read it. Comments are not
    kept: the file is rewritten from what it parses to."""
    data: dict[str, Any] = {}
    if path.exists():
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover
            import tomli as tomllib
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(
                f"cannot read config file {path}: {exc}", hint="fix or move it, then rerun"
            ) from None
    nested = data.get("profiles")  # [profiles.NAME] is read too: replace the profile where it is
    target = nested if name not in data and isinstance(nested, dict) and name in nested else data
    target[name] = dict(values)
    text = "".join(_toml_table([k], v) for k, v in data.items() if isinstance(v, dict))
    top = "".join(f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in data.items() if not isinstance(v, dict))
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(top + ("\n" if top and text else "") + text)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _toml_table(names: list[str], table: Mapping[str, Any]) -> str:
    scalars = "".join(
        f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in table.items() if not isinstance(v, dict)
    )
    out = f"[{'.'.join(map(_toml_key, names))}]\n{scalars}\n" if scalars or not table else ""
    return out + "".join(_toml_table([*names, k], v) for k, v in table.items() if isinstance(v, dict))


def _toml_key(key: str) -> str:
    import re

    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _toml_value(value: Any) -> str:
    """JSON's strings, numbers, booleans and arrays of them are TOML's too (dates become strings)."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return json.dumps(str(value), ensure_ascii=False)


_OTHERS_READ = stat.S_IRGRP | stat.S_IROTH
_OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH


def permission_warnings(path: Path, has_key: bool) -> list[str]:
    """Who else can read the key, or change where it goes. A file holding a key must be the owner's alone.
    Any file others can write, key or not, lets them point the key (from the environment, say) at a
    server of theirs; so does a directory anyone can write, where the file can be replaced."""
    out: list[str] = []
    try:
        mode = path.stat().st_mode
        folder = path.parent.stat().st_mode
    except OSError:
        return out
    if has_key and mode & (_OTHERS_READ | _OTHERS_WRITE):
        out.append(f"{path} holds an API key and other users can read or change it; run: chmod 600 {path}")
    elif mode & _OTHERS_WRITE:
        out.append(
            f"{path} is writable by other users, who could send your API key to a server of theirs; "
            f"run: chmod go-w {path}"
        )
    if folder & stat.S_IWOTH:
        out.append(
            f"{path.parent} is writable by every user, who could replace {path.name} and send your API "
            f"key elsewhere; run: chmod o-w {path.parent} (or keep the config elsewhere)"
        )
    return out


LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_url(raw: str) -> str:
    """Accept the account URL with or without /api/3; HTTPS only, except loopback (the sandbox, tests)."""
    text = raw.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"not an account URL: {raw!r}",
            hint="use the URL from Settings > Developer, e.g. https://ACCOUNT.api-us1.com",
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"refusing to send the API key over plain http to {parts.hostname}",
            hint=f"use https://{parts.netloc}{parts.path} (http is allowed only for 127.0.0.1 and localhost)",
        )
    path = parts.path.rstrip("/")
    if path.endswith("/api/3"):
        path = path[: -len("/api/3")]
    return f"{parts.scheme}://{parts.netloc}{path}"
