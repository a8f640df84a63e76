"""Account commands end to end against the sandbox: check, connections list/create, customers list."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import acorders.api.retry
from acorders.sandbox import Sandbox
from tests.helpers import SECRET_KEY, account_env, sandbox

# a realistic key: 64 hex digits do not collide with words in API answers (the client scrubs the key from
# them)
REAL_KEY = "9f" * 32


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with sandbox(api_key=REAL_KEY) as s:
        s.store.insert(
            "connection",
            {
                "service": "shop",
                "externalid": "shop.example",
                "name": "My Shop",
                "logoUrl": None,
                "linkUrl": "https://shop.example",
            },
        )
        yield s


@pytest.fixture
def ac(run_cli, sb: Sandbox, tmp_path: Path):
    """ac(*args, key=...) -> (code, stdout, stderr) with the account pointing at ``sb``."""

    def run(*args: str, key: str = REAL_KEY, url: str | None = None) -> tuple[int, str, str]:
        env = account_env(sb, tmp_path / "state", key)
        if url is not None:
            env["ACTIVECAMPAIGN_URL"] = url
        return run_cli(list(args), env=env)

    return run


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(acorders.api.retry, "BACKOFF_BASE", 0.001)
    monkeypatch.setattr(acorders.api.retry, "BACKOFF_CAP", 0.01)


def one(data: Any) -> dict[str, Any]:
    """`check -o json` writes one object, like every other command's -o json."""
    assert isinstance(data, dict), data
    return data


# --- check --------------------------------------------------------------------------------------------


def test_check_ok_shows_connections(ac, sb: Sandbox) -> None:
    code, out, err = ac("check")
    assert code == 0, err
    assert "key accepted" in out
    assert "shop.example" in out and "My Shop" in out
    assert REAL_KEY not in out + err
    assert "****" + REAL_KEY[-4:] in out  # at most the last 4 characters
    assert sb.count() == 2 and sb.count("GET", "/api/3/users/me") == 1


def test_check_json(ac, sb: Sandbox) -> None:
    code, out, err = ac("check", "-o", "json")
    assert code == 0, err
    data = one(json.loads(out))
    assert data["ok"] is True
    assert data["url"] == sb.url
    assert data["user"] == "sandbox"
    assert [(c["id"], c["service"], c["externalid"]) for c in data["connections"]] == [
        ("1", "shop", "shop.example")
    ]
    assert REAL_KEY not in out


@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_check_wrong_key_exit_3(ac, sb: Sandbox, verbose: list[str]) -> None:
    code, out, err = ac("check", *verbose, key=SECRET_KEY)
    assert code == 3
    assert "refused" in err
    assert SECRET_KEY[:-4] not in out + err
    assert sb.count() == 1
    if verbose:
        assert re.search(r"GET /users/me 403 \d+ ms", err)


def test_check_wrong_url_exit_3(ac, sb: Sandbox) -> None:
    code, out, err = ac("check", url=sb.url + "/not-the-api")
    assert code == 3
    assert "404" in err or "does not answer" in err


def test_check_missing_account_exit_3(run_cli) -> None:
    code, out, err = run_cli(["check"])
    assert code == 3
    assert "ACTIVECAMPAIGN_URL" in err


def test_check_refuses_plain_http_to_remote_hosts(run_cli) -> None:
    code, out, err = run_cli(["check", "--url", "http://acct.api-us1.com", "--api-key", SECRET_KEY])
    assert code == 3
    assert "http" in err and SECRET_KEY[:-4] not in out + err


def test_check_accepts_the_url_with_api_3(ac, sb: Sandbox) -> None:
    code, out, err = ac("check", "-o", "json", url=sb.url + "/api/3/")
    assert code == 0, err
    assert one(json.loads(out))["url"] == sb.url


def test_check_when_the_api_is_down_exit_3_without_unexpected(ac, sb: Sandbox, fast_retries: None) -> None:
    sb.fail_next(100, status=503)
    code, out, err = ac("check")
    sb._faults.clear()
    assert code == 3  # issue 5: "acorders check ... (exit 3 on failure)"
    assert "unexpected" not in err and "report it" not in err
    assert "503" in err


# --- connections --------------------------------------------------------------------------------------


def test_connections_list(ac) -> None:
    code, out, err = ac("connections", "list")
    assert code == 0, err
    assert "shop.example" in out and "My Shop" in out
    code, out, err = ac("connections", "list", "-o", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["id"], r["service"], r["externalid"], r["name"]) for r in rows] == [
        ("1", "shop", "shop.example", "My Shop")
    ]


def test_connections_create(ac, sb: Sandbox) -> None:
    code, out, err = ac(
        "connections",
        "create",
        "--service",
        "myshop",
        "--externalid",
        "store-2.example",
        "--name",
        "Second Store",
        "--logo-url",
        "https://store-2.example/logo.png",
        "--link-url",
        "https://store-2.example",
        "-o",
        "json",
    )
    assert code == 0, err
    (record,) = json.loads(out)
    assert record["id"] == "2"
    assert (record["service"], record["externalid"], record["name"]) == (
        "myshop",
        "store-2.example",
        "Second Store",
    )
    stored = sb.store.connections(externalid="store-2.example")
    assert len(stored) == 1
    assert stored[0]["logoUrl"] == "https://store-2.example/logo.png"
    assert stored[0]["linkUrl"] == "https://store-2.example"
    code, out, _ = ac("connections", "list", "-o", "json")
    assert [r["id"] for r in json.loads(out)] == ["1", "2"]


def test_connections_create_table(ac) -> None:
    code, out, err = ac(
        "connections",
        "create",
        "--service",
        "s",
        "--externalid",
        "e",
        "--name",
        "Shop Three",
        "--logo-url",
        "https://shop.example/logo.png",
        "--link-url",
        "https://shop.example",
    )
    assert code == 0, err
    assert "Shop Three" in out


def test_connections_create_requires_options(ac, sb: Sandbox) -> None:
    code, out, err = ac("connections", "create", "--service", "s")
    assert code == 2
    assert sb.count() == 0


def test_connections_create_duplicate_is_a_clean_error(ac, sb: Sandbox) -> None:
    code, out, err = ac(
        "connections",
        "create",
        "--service",
        "shop",
        "--externalid",
        "shop.example",
        "--name",
        "x",
        "--logo-url",
        "https://shop.example/logo.png",
        "--link-url",
        "https://shop.example",
    )
    assert code == 1
    assert "already exists" in err or "exists" in err
    assert "unexpected" not in err and "report it" not in err
    assert len(sb.store.connections()) == 1


def test_connections_wrong_key_exit_3(ac) -> None:
    code, out, err = ac("connections", "list", "-o", "json", key=SECRET_KEY)
    assert code == 3
    assert SECRET_KEY[:-4] not in out + err


# --- customers ----------------------------------------------------------------------------------------


def test_customers_list_by_email(ac, sb: Sandbox) -> None:
    sb.store.insert("customer", {"connectionid": "1", "externalid": "a", "email": "alice@example.com"})
    sb.store.insert("customer", {"connectionid": "1", "externalid": "b", "email": "bob@example.com"})
    sb.store.add_account_customer("alice@example.com")
    code, out, err = ac("customers", "list", "--email", "alice@example.com", "-o", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert sorted((r["connectionid"], r["email"]) for r in rows) == [
        ("0", "alice@example.com"),
        ("1", "alice@example.com"),
    ]
    code, out, err = ac("customers", "list", "-o", "json")
    assert code == 0 and len(json.loads(out)) == 3
    code, out, err = ac("customers", "list", "--email", "nobody@example.com", "-o", "json")
    assert code == 0 and json.loads(out) == []
    code, out, err = ac("customers", "list", "--email", "bob@example.com")
    assert code == 0 and "bob@example.com" in out and "alice" not in out


def test_customers_list_ndjson(ac, sb: Sandbox) -> None:
    sb.store.insert("customer", {"connectionid": "1", "externalid": "a", "email": "alice@example.com"})
    sb.store.insert("customer", {"connectionid": "1", "externalid": "b", "email": "bob@example.com"})
    code, out, err = ac("customers", "list", "-o", "ndjson")
    assert code == 0, err
    assert [json.loads(line)["email"] for line in out.splitlines()] == [
        "alice@example.com",
        "bob@example.com",
    ]


def test_customers_created_by_push_are_listed(ac, sb: Sandbox, tmp_path: Path) -> None:
    from tests.helpers import cart, write_json

    path = write_json(tmp_path / "c.json", cart(1, customerid=None, email="carol@example.com"))
    code, out, err = ac("push", str(path), "--rate", "1000")
    assert code == 0, err
    code, out, err = ac("customers", "list", "--email", "carol@example.com", "-o", "json")
    (row,) = json.loads(out)
    assert (row["connectionid"], row["externalid"]) == ("1", "carol@example.com")
    assert sb.store.orders()[0]["customerid"] == row["id"]


def test_sandbox_with_an_unknown_duplicates_mode_is_a_usage_error(run_cli) -> None:
    """Said before anything starts, as a usage error (it was an 'unexpected BadParameter', exit 1)."""
    code, out, err = run_cli(["sandbox", "--port", "0", "--duplicates", "sometimes"])
    assert code == 2, (code, err)
    assert "--duplicates must be reject or accept" in err and "unexpected" not in err and out == ""
