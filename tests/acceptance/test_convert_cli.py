"""`acorders convert`, `validate --from` and `push --from shopify` through the CLI (in-process), the push
against the sandbox on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import KEY, account_env, json_results, records_per_checkout, sandbox

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "convert"
SHOPIFY = str(FIXTURES / "shopify-checkouts.json")


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_convert_writes_ndjson_and_logs_skips(run_cli) -> None:
    code, out, err = run_cli(["convert", "--from", "shopify", SHOPIFY])
    assert code == 0, err
    docs = lines(out)
    assert len(docs) == 3 and all(set(d) == {"ecomOrder"} for d in docs)
    assert docs[0]["ecomOrder"]["totalPrice"] == 40994
    assert "shopify-checkouts.json:52 (record 9b5c3f8e7d0a4c2b1e6f7a8b9c0d1e2f): warning: guest" in err
    assert "3 converted, 1 skipped, 0 failed" in err
    assert "Traceback" not in err


def test_convert_to_a_file_and_show_map(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "orders.ndjson"
    code, out, err = run_cli(
        ["convert", "--from", "woocommerce", str(FIXTURES / "woocommerce-orders.json"), "-o", str(target)]
    )
    assert code == 0, err
    assert out == "" and len(lines(target.read_text())) == 2
    code, out, _ = run_cli(["convert", "--show-map", "shopify"])
    assert code == 0 and 'records = "checkouts"' in out
    custom = tmp_path / "mine.toml"
    custom.write_text(out.replace('orderNumber = "name"', 'orderNumber = "id"'))
    code, out, err = run_cli(["convert", "--map", str(custom), SHOPIFY])
    assert code == 0, err
    assert lines(out)[0]["ecomOrder"]["orderNumber"] == "450789469"


def test_convert_errors_exit_1_and_name_the_flag(run_cli) -> None:
    code, out, err = run_cli(["convert", "--from", "magento", str(FIXTURES / "magento-quote.ndjson")])
    assert code == 1 and out == ""
    assert "magento-quote.ndjson:1 (record 3): error: created_at: cannot convert:" in err
    assert "--source-tz" in err
    code, out, err = run_cli(
        ["convert", "--from", "magento", "--source-tz", "UTC", str(FIXTURES / "magento-quote.ndjson")]
    )
    assert code == 0 and len(lines(out)) == 1


def test_convert_usage_errors(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli(["convert", SHOPIFY])
    assert code == 2 and "--from PLATFORM or --map FILE" in err
    code, _, err = run_cli(["convert", "--from", "shopify", "--exponent", "KWD", SHOPIFY])
    assert code == 2 and "CUR=N" in err
    code, _, err = run_cli(["convert", "--from", "csv", "--source-tz", "Mars/Base", SHOPIFY])
    assert code == 2 and "IANA" in err
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[money]\ncurrency = "c"\n[order]\ntotalprice = "t"\n')
    code, _, err = run_cli(["convert", "--map", str(bad), SHOPIFY])
    assert code == 2 and "unknown ecomOrder field(s) totalprice" in err
    code, _, err = run_cli(["validate", "--source-tz", "UTC", SHOPIFY])
    assert code == 2 and "--from" in err


def test_validate_from_points_at_the_shops_record(run_cli) -> None:
    code, out, err = run_cli(
        [
            "validate",
            "--from",
            "shopify",
            "--connection",
            "1",
            "-o",
            "json",
            SHOPIFY,
            str(FIXTURES / "generic.csv"),
        ]
    )
    data = json.loads(out)
    by_line = {(Path(d["source"]).name, d["line"]): d for d in data["documents"]}
    assert by_line[("shopify-checkouts.json", 3)]["record"] == "2a1ace52255252df566af0faaedfbfa7"
    assert by_line[("shopify-checkouts.json", 3)]["valid"]
    guest = by_line[("shopify-checkouts.json", 52)]
    assert guest["valid"] and guest["errors"][0]["severity"] == "warning"
    assert not by_line[("generic.csv", 1)][
        "valid"
    ]  # a CSV file read with a json map: one error, batch goes on
    assert code == 1


def test_validate_from_csv(run_cli) -> None:
    code, out, err = run_cli(
        [
            "validate",
            "--from",
            "csv",
            "--source-tz",
            "America/New_York",
            "--connection",
            "1",
            "-o",
            "json",
            str(FIXTURES),
        ]
    )
    assert code == 0, out + err
    data = json.loads(out)
    assert [d["record"] for d in data["documents"]] == ["c-1001", "c-1002"]


def test_push_from_shopify_to_the_sandbox_exactly_once(run_cli, tmp_path: Path) -> None:
    with sandbox() as sb:
        env = account_env(sb, tmp_path / "state")
        args = ["push", "--from", "shopify", "--connection", "1", "--rate", "1000", "-o", "json", SHOPIFY]
        code, out, err = run_cli(args, env=env)
        assert code == 0, out + err
        data = json_results(out)
        got = {r["record"]: r["action"] for r in data["results"]}
        assert got == {
            "2a1ace52255252df566af0faaedfbfa7": "created",
            "5c0ddc4bd1d6b0bd9d6a8a3b8f2f5e11": "created",
            "9b5c3f8e7d0a4c2b1e6f7a8b9c0d1e2f": "ignored",
            "0f1e2d3c4b5a69788796a5b4c3d2e1f0": "created",
        }
        ignored = next(r for r in data["results"] if r["action"] == "ignored")
        assert "without an email" in ignored["errors"][0]["message"]
        stored = {str(o.get("externalcheckoutid")): o for o in sb.store.orders()}
        assert int(stored["2a1ace52255252df566af0faaedfbfa7"]["totalPrice"]) == 40994
        assert records_per_checkout(sb)["2a1ace52255252df566af0faaedfbfa7"] == 1
        before = sb.count()
        code, out, err = run_cli(args, env=env)  # a rerun: the ledger knows them all
        assert code == 0, out + err
        assert sorted(r["action"] for r in json_results(out)["results"]) == [
            "ignored",
            "unchanged",
            "unchanged",
            "unchanged",
        ]
        assert sb.count() == before
        assert KEY not in out + err


def test_push_from_refuses_to_move_shop_files(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli(
        ["push", "--from", "shopify", "--dry-run", "--move-pushed", str(tmp_path), SHOPIFY]
    )
    assert code == 2 and "--move-pushed" in err
