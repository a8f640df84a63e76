"""The acorders-validate pre-commit hook (.pre-commit-hooks.yaml), as a repository that keeps carts uses it:
`pre-commit try-repo . acorders-validate --files ...` passes on the samples and fails on a bad cart.

pre-commit is not a dependency: the test runs when a `pre-commit` is on PATH or named by $PRE_COMMIT
(e.g. one installed from PyPI in a scratch venv), and is skipped otherwise. The hook's environment is
installed from this checkout (pip, so the package index must be reachable)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers import ROOT

PRE_COMMIT = os.environ.get("PRE_COMMIT") or shutil.which("pre-commit")
HOOKS = ROOT / ".pre-commit-hooks.yaml"


def test_the_hook_is_declared_as_pre_commit_reads_it() -> None:
    [hook] = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert hook["id"] == "acorders-validate"
    assert hook["entry"] == "acorders validate" and hook["language"] == "python"
    import re

    files = re.compile(hook["files"])
    for name in ("a.json", "b.yaml", "c.yml", "d.ndjson", "e.jsonl"):
        assert files.search(name), name
    assert not files.search("README.md")


@pytest.mark.slow
@pytest.mark.skipif(
    PRE_COMMIT is None, reason="pre-commit is not installed (pip install pre-commit, or set PRE_COMMIT)"
)
@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="try-repo needs a git checkout")
def test_try_repo_passes_on_the_samples_and_fails_on_a_bad_cart(tmp_path: Path) -> None:
    assert PRE_COMMIT is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACTIVECAMPAIGN_", "ACORDERS_"))}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")

    def try_repo(*files: Path) -> subprocess.CompletedProcess[str]:
        names = [str(f.relative_to(ROOT)) for f in files]
        return subprocess.run(
            [PRE_COMMIT, "try-repo", ".", "acorders-validate", "--files", *names],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
        )

    good = try_repo(*sorted((ROOT / "samples").iterdir()))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout

    bad = try_repo(ROOT / "samples" / "cart.yaml", ROOT / "tests" / "negative" / "bad-email.json")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "tests/negative/bad-email.json:1" in bad.stdout and "ecomOrder.email" in bad.stdout
