"""Shared fixtures: where the repository, samples and negative examples are, and a CLI runner.

``run_cli`` invokes ``acorders.cli.app`` in-process with typer's CliRunner and returns
``(exit_code, stdout, stderr)`` with the two streams kept apart (typer 0.28's CliRunner has no
``mix_stderr`` argument: it always captures ``stdout`` and ``stderr`` separately, and ``output`` mixes them).
Each call runs with the account/config environment cleared and ACORDERS_CONFIG pointing at a file that
does not exist, so a developer's own config.toml or NO_COLOR never changes a test's outcome.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
NEGATIVE = ROOT / "tests" / "negative"

# variables that would leak the developer's (or CI's) settings into a run
ISOLATED_ENV_VARS = (
    "ACTIVECAMPAIGN_URL",
    "ACTIVECAMPAIGN_API_KEY",
    "ACTIVECAMPAIGN_CONNECTION_ID",
    "ACORDERS_PROFILE",
    "ACORDERS_CONFIG",
    "ACORDERS_DEBUG",
    "ACORDERS_STATE_DIR",
    "NO_COLOR",
    "FORCE_COLOR",
)

CliResult = tuple[int, str, str]
RunCli = Callable[..., CliResult]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def negative_dir() -> Path:
    return NEGATIVE


@pytest.fixture(scope="session")
def negative_expected() -> dict[str, dict[str, Any]]:
    """tests/negative/expected.json: file name -> {"path", "field", "keyword"}."""
    return json.loads((NEGATIVE / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def cart_order(samples_dir: Path) -> dict[str, Any]:
    """A fresh copy of the reference cart's order object (bare, without the envelope); valid as it is."""
    data = json.loads((samples_dir / "reference-cart.json").read_text(encoding="utf-8"))
    return copy.deepcopy(data["ecomOrder"])


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """run_cli(args, input=None, env=None) -> (exit_code, stdout, stderr)."""
    from typer.testing import CliRunner

    import acorders.cli.app
    import acorders.cli.runtime

    runner = CliRunner()
    no_config = tmp_path / "no-such-dir" / "config.toml"

    def run(
        args: Sequence[str],
        input: str | bytes | None = None,
        env: Mapping[str, str | None] | None = None,
    ) -> CliResult:
        full_env: dict[str, str | None] = {name: None for name in ISOLATED_ENV_VARS}
        full_env["ACORDERS_CONFIG"] = str(no_config)
        full_env.update(env or {})
        # the CLI caches one Environment per process; drop it so this run picks up the runner's streams
        acorders.cli.runtime._state["env"] = None
        try:
            result = runner.invoke(acorders.cli.app.app, list(args), input=input, env=full_env)
        finally:
            acorders.cli.runtime._state["env"] = None
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            # an exception escaped the CLI: a user would have seen a traceback
            raise AssertionError(
                f"acorders {' '.join(args)} raised {result.exception!r}"
            ) from result.exception
        return result.exit_code, result.stdout, result.stderr

    return run
