"""Shell completion as users install it: `acorders --show-completion` prints a script that bash and zsh
source, and the sourced script completes commands and options; `--install-completion` writes it under
$HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
ACORDERS = BIN / "acorders"

pytestmark = pytest.mark.skipif(not ACORDERS.exists(), reason="the acorders console script is not installed")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACTIVECAMPAIGN_", "ACORDERS_"))}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", HOME=str(tmp_path), **extra)
    env["ACORDERS_CONFIG"] = str(tmp_path / "none.toml")
    return env


BASH_COMPLETE = """
source <(acorders --show-completion)
complete -p acorders
COMP_WORDS=(acorders val); COMP_CWORD=1; _acorders_completion acorders; echo "1:${COMPREPLY[*]}"
COMP_WORDS=(acorders push --dry); COMP_CWORD=2; _acorders_completion acorders; echo "2:${COMPREPLY[*]}"
COMP_WORDS=(acorders connections l); COMP_CWORD=2; _acorders_completion acorders; echo "3:${COMPREPLY[*]}"
"""


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_sources_the_script_and_completes(tmp_path: Path) -> None:
    proc = subprocess.run(
        ["bash", "-c", BASH_COMPLETE], capture_output=True, text=True, timeout=60, env=_env(tmp_path)
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "complete -o default -F _acorders_completion acorders" in lines
    assert "1:validate" in lines
    assert "2:--dry-run" in lines
    assert "3:list" in lines


@pytest.mark.skipif(shutil.which("zsh") is None, reason="no zsh")
def test_zsh_sources_the_script(tmp_path: Path) -> None:
    # typer detects the shell from the parent process; this switch makes it take the one named
    env = _env(tmp_path, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    script = subprocess.run(
        [str(ACORDERS), "--show-completion", "zsh"], capture_output=True, text=True, timeout=60, env=env
    )
    assert script.returncode == 0, script.stderr
    assert script.stdout.startswith("#compdef acorders")
    path = tmp_path / "_acorders"
    path.write_text(script.stdout, encoding="utf-8")
    check = (
        f"autoload -U compinit && compinit -u -d {tmp_path}/zcd && source {path} "
        "&& whence -w _acorders_completion"
    )
    proc = subprocess.run(["zsh", "-f", "-c", check], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "_acorders_completion: function" in proc.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_install_completion_writes_under_home(tmp_path: Path) -> None:
    env = _env(tmp_path, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    proc = subprocess.run(
        [str(ACORDERS), "--install-completion", "bash"], capture_output=True, text=True, timeout=60, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert "_acorders_completion" in (tmp_path / ".bash_completions" / "acorders.sh").read_text()
    assert "acorders.sh" in (tmp_path / ".bashrc").read_text()
