"""The acceptance tests' account: a fresh sandbox on 127.0.0.1 per test, and the CLI's environment for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from acorders.sandbox import Sandbox
from tests.helpers import KEY, account_env, sandbox


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with sandbox() as s:
        yield s


@pytest.fixture
def env(sb: Sandbox, tmp_path: Path) -> dict[str, str]:
    return account_env(sb, tmp_path / "state", KEY)
