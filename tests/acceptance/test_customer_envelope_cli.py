"""Issue 13: the envelope README documents, {"ecomOrder": {...}, "ecomCustomer": {...}}, is the schema's:
validate does not flag ecomCustomer as unknown, push --strict sends it, and its fields are checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import account_env, cart, json_results, sandbox


def write(path: Path, customer: Any, **order: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"ecomOrder": cart("cart-env", **order), "ecomCustomer": customer}))
    return path


def findings(run_cli, path: Path, *extra: str) -> tuple[int, list[dict[str, Any]]]:
    code, out, _ = run_cli(["validate", "-o", "json", *extra, str(path)])
    [doc] = json.loads(out)["documents"]
    return code, doc["errors"]


def test_the_documented_envelope_is_valid_without_a_warning(run_cli, tmp_path: Path) -> None:
    path = write(tmp_path / "a.json", {"externalid": "shop-user-42", "acceptsMarketing": 1})
    code, found = findings(run_cli, path, "--strict")
    assert code == 0 and [f for f in found if f["severity"] != "info"] == [], found


def test_the_readme_example_pushes_with_strict(run_cli, tmp_path: Path) -> None:
    path = write(tmp_path / "a.json", {"externalid": "shop-user-42", "acceptsMarketing": 1}, customerid=None)
    with sandbox() as sb:
        code, out, err = run_cli(
            ["push", "--strict", "-o", "json", str(path)], env=account_env(sb, tmp_path / "s")
        )
        assert code == 0, out + err
        [result] = json_results(out)["results"]
        assert result["action"] == "created" and result["warnings"] == []
        [customer] = [c for c in sb.store.customers() if c.get("externalid") == "shop-user-42"]
        assert str(customer["acceptsMarketing"]) == "1"


@pytest.mark.parametrize(
    ("customer", "path", "severity", "words"),
    [
        (
            {"externalid": "u1", "accepts_marketing": 1},
            "ecomCustomer.accepts_marketing",
            "warning",
            "acceptsMarketing",
        ),
        ({"acceptsMarketing": "yes"}, "ecomCustomer.acceptsMarketing", "error", "1"),
        ({"email": "not-an-email"}, "ecomCustomer.email", "error", "email"),
        ({"externalid": ""}, "ecomCustomer.externalid", "error", "empty"),
        ({"connectionid": "x1"}, "ecomCustomer.connectionid", "error", "an id from 0"),
        ("shop-user-42", "ecomCustomer", "error", "object"),
        ({"email": "someone-else@example.com"}, "ecomCustomer.email", "warning", "ecomOrder.email"),
        ({"connectionid": "7"}, "ecomCustomer.connectionid", "warning", "ecomOrder.connectionid"),
    ],
)
def test_the_customer_member_is_checked(
    run_cli, tmp_path: Path, customer: Any, path: str, severity: str, words: str
) -> None:
    code, found = findings(run_cli, write(tmp_path / "a.json", customer))
    mine = [f for f in found if f["path"] == path and f["severity"] == severity]
    assert len(mine) == 1, found  # an invalid value may also differ from the order's: a warning besides
    assert words in mine[0]["message"], mine
    assert code == (1 if severity == "error" else 0)
    assert not any("unknown top-level field 'ecomCustomer'" in f["message"] for f in found)


def test_other_unknown_members_are_still_flagged(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"ecomOrder": cart("c1"), "ecomCustomer": {}, "extra": 1}))
    _, found = findings(run_cli, path)
    assert [(f["path"], f["severity"]) for f in found if f["severity"] != "info"] == [("extra", "warning")]


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import acorders.environment

    monkeypatch.setattr(acorders.environment, "_isatty", lambda stream: stream is sys.stdout)


@pytest.mark.parametrize("columns", [80, 100])
def test_validate_on_a_terminal_names_the_customer_field(
    run_cli, terminal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "carts" / "readme-example.json", {"externalid": "shop-user-42", "acceptsMarketing": 1})
    write(tmp_path / "carts" / "typo.json", {"accepts_marketing": 1})
    code, out, err = run_cli(["validate", "carts"], env={"COLUMNS": str(columns), "NO_COLOR": "1"})
    assert code == 0, err
    assert (
        "carts/typo.json:1" in out and "ecomCustomer.accepts_marketing" in out and "acceptsMarketing" in out
    )
    assert "readme-example.json" not in out and "ecomCustomer'" not in out
    assert "2 documents valid in 2 files, 1 warning" in out
