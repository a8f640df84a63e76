"""The README's Quick start and CI must not drift apart."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S)]


def test_quick_start_is_exactly_two_commands_main_job_then_tests() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert "acorders push" in commands[0] and commands[0].startswith(
        "python3 -m venv .venv && .venv/bin/pip install ."
    )
    assert "pytest" in commands[1] and "[test]" in commands[1]


def test_ci_runs_the_readme_test_command_and_main_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    main, tests = quick_start_commands()
    assert tests in ci.splitlines()
    assert 'acorders" push --sandbox samples/' in ci and main.endswith("acorders push --sandbox samples/")
    assert "python3 -m venv" in ci and "set -euo pipefail" in ci


def test_quick_start_never_needs_pip_outside_a_venv_it_makes() -> None:
    """Debian 12 and Ubuntu 23.04+ refuse `pip install` into the system Python (PEP 668,
    externally-managed-environment): each command makes a venv and uses its pip, acorders and pytest."""
    for command in quick_start_commands():
        assert command.startswith("python3 -m venv .venv && "), command
        words = command.replace("&&", " ").split()
        for tool in ("pip", "acorders", "pytest"):
            assert tool not in words, f"bare {tool} in {command!r}: the system's, or none"
        assert all(w.startswith(".venv/bin/") for w in words if w.endswith(("pip", "acorders", "pytest")))
