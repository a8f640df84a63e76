"""`acorders validate`, `acorders schema` and `acorders --version` through the CLI (typer's CliRunner).

Every run gets a clean environment (see tests/conftest.py: run_cli). Output is piped, as under cron.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

import acorders
from acorders.environment import Environment

ANSI = re.compile(r"\x1b\[")


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def expected_path(entry: dict[str, Any]) -> str | None:
    if entry["keyword"] == "required" and entry["field"]:
        return f"{entry['path']}.{entry['field']}" if entry["path"] else entry["field"]
    return entry["path"]


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text
        assert 'File "' not in text


@pytest.fixture
def cart_file(tmp_path: Path, cart_order: dict[str, Any]) -> Path:
    return write(tmp_path / "cart.json", json.dumps({"ecomOrder": cart_order}, indent=2))


# --------------------------------------------------------------------------- exit statuses


def test_samples_are_valid(run_cli, samples_dir: Path) -> None:
    code, out, err = run_cli(["validate", str(samples_dir)])
    assert code == 0
    assert "8 documents valid in 4 files" in out
    assert err == ""
    assert not ANSI.search(out)


@pytest.mark.parametrize(
    "name", ["batch.ndjson", "cart.yaml", "order-with-discounts.json", "reference-cart.json"]
)
def test_each_sample_is_valid(run_cli, samples_dir: Path, name: str) -> None:
    code, out, _ = run_cli(["validate", "-o", "json", str(samples_dir / name)])
    assert code == 0
    data = json.loads(out)
    assert data["ok"] is True
    assert all(d["valid"] and d["errors"] == [] for d in data["documents"])


def test_every_negative_file_exits_1_with_its_path(run_cli, negative_dir: Path, negative_expected) -> None:
    for name, entry in sorted(negative_expected.items()):
        code, out, err = run_cli(["validate", "-o", "json", str(negative_dir / name)])
        data = json.loads(out)
        [doc] = data["documents"]
        paths = [e["path"] for e in doc["errors"] if e["severity"] == "error"]
        if name == "missing-customerid.json":  # resolved by push from the email: info, not an error
            assert code == 0 and doc["valid"]
            assert [(e["path"], e["severity"]) for e in doc["errors"]] == [("ecomOrder.customerid", "info")]
            continue
        assert code == 1, name
        assert doc["valid"] is False
        assert paths == [expected_path(entry)], name
        no_traceback(out, err)


def test_negative_directory_in_one_run(run_cli, negative_dir: Path, negative_expected) -> None:
    code, out, err = run_cli(["validate", "-o", "json", str(negative_dir)])
    assert code == 1
    data = json.loads(out)
    by_file = {Path(d["source"]).name: d for d in data["documents"]}
    assert set(by_file) == set(negative_expected) | {"expected.json"}
    for name, entry in negative_expected.items():
        if name != "missing-customerid.json":
            assert expected_path(entry) in [e["path"] for e in by_file[name]["errors"]]
    assert data["summary"]["files"] == len(negative_expected) + 1
    assert data["summary"]["invalid"] == data["summary"]["documents"] - 1


def test_missing_path_exits_2_and_validates_nothing(run_cli, samples_dir: Path, tmp_path: Path) -> None:
    code, out, err = run_cli(["validate", str(samples_dir), str(tmp_path / "nope.json")])
    assert code == 2
    assert out == ""
    assert "no such file or directory" in err and "nope.json" in err
    no_traceback(err)


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--bogus", "x.json"],
        ["validate"],
        ["validate", "-o", "xml", "x.json"],
        ["validate", "--format", "csv", "-"],
        ["--bogus"],
        ["no-such-command"],
    ],
)
def test_usage_errors_exit_2(run_cli, args: list[str]) -> None:
    code, out, err = run_cli(args)
    assert code == 2
    assert out == ""
    assert err
    no_traceback(err)


def test_help_documents_the_exit_codes(run_cli) -> None:
    code, out, _ = run_cli(["--help"])
    assert code == 0
    text = " ".join(out.split())
    for fragment in (
        "0 all valid",
        "1 some document invalid",
        "2 usage error",
        "3 configuration",
        "4 temporary",
        "130",
    ):
        assert fragment in text


def test_version(run_cli) -> None:
    code, out, err = run_cli(["--version"])
    assert code == 0
    assert out.strip() == f"acorders {acorders.__version__}"
    assert re.fullmatch(r"acorders \d+\.\d+\.\d+\S*", out.strip())


# --------------------------------------------------------------------------- output formats


def test_json_output_is_one_document_with_the_documented_shape(run_cli, tmp_path: Path, cart_order) -> None:
    good = write(tmp_path / "a-good.json", json.dumps({"ecomOrder": cart_order}))
    bad_order = dict(cart_order, currency="usd", externalcheckoutid="2")
    bad = write(
        tmp_path / "b-bad.ndjson",
        json.dumps(cart_order | {"externalcheckoutid": "3"}) + "\n\n" + json.dumps(bad_order) + "\n",
    )
    broken = write(tmp_path / "c-broken.json", "{")
    code, out, err = run_cli(["validate", "-o", "json", str(good), str(bad), str(broken)])
    assert code == 1
    data = json.loads(out)  # the whole of stdout is one JSON document
    assert data["ok"] is False
    assert [(d["source"], d["line"], d["valid"]) for d in data["documents"]] == [
        (str(good), 1, True),
        (str(bad), 1, True),
        (str(bad), 3, False),
        (str(broken), 1, False),
    ]
    assert data["documents"][2]["errors"] == [
        {"path": "currency", "message": "currency 'usd' must be upper case: 'USD'", "severity": "error"}
    ]
    [broken_error] = data["documents"][3]["errors"]
    assert broken_error["path"] is None and broken_error["severity"] == "error"
    assert "not valid JSON" in broken_error["message"]
    assert data["summary"] == {"documents": 4, "valid": 2, "invalid": 2, "warnings": 0, "files": 3}
    assert err == ""


def test_json_output_when_all_valid(run_cli, samples_dir: Path) -> None:
    code, out, _ = run_cli(["validate", "-o", "json", str(samples_dir)])
    assert code == 0
    data = json.loads(out)
    assert data["ok"] is True and data["summary"]["documents"] == 8
    assert [Path(d["source"]).name for d in data["documents"]] == (
        ["batch.ndjson"] * 5 + ["cart.yaml", "order-with-discounts.json", "reference-cart.json"]
    )


def test_ndjson_output_one_object_per_line_summary_on_stderr(
    run_cli, samples_dir: Path, negative_dir: Path
) -> None:
    code, out, err = run_cli(
        ["validate", "-o", "ndjson", str(samples_dir), str(negative_dir / "bad-date.json")]
    )
    assert code == 1
    objects = [json.loads(line) for line in out.splitlines()]
    assert len(objects) == 9
    assert all(set(o) >= {"source", "line", "valid", "errors"} for o in objects)
    assert objects[-1]["errors"][0]["path"] == "ecomOrder.externalCreatedDate"
    tail = json.loads(err.strip().splitlines()[-1])
    assert tail["ok"] is False
    assert tail["summary"]["documents"] == 9 and tail["summary"]["invalid"] == 1


def test_table_output(run_cli, negative_dir: Path, tmp_path: Path, cart_order, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # short relative paths: each cell stays on one line
    cart_order["abandoned_date"] = cart_order["abandonedDate"]
    cart_order["externalcheckoutid"] = "w-1"
    write(tmp_path / "warned.json", json.dumps({"ecomOrder": cart_order}))
    write(tmp_path / "decimal.json", (negative_dir / "decimal-price.json").read_bytes())
    warned = "warned.json"
    code, out, err = run_cli(["validate", "decimal.json", warned])
    assert code == 1
    assert "decimal.json:1" in out
    assert "ecomOrder.orderProducts[0].price" in out
    assert "integer cents" in out
    assert "error" in out
    assert f"{warned}:1" in out and "ecomOrder.abandoned_date" in out and "warning" in out
    assert "abandonedDate" in out
    assert "1 of 2 documents invalid in 2 files, 1 warning" in out
    assert not ANSI.search(out) and not ANSI.search(err)


def test_piped_output_has_no_escape_codes(run_cli, negative_dir: Path) -> None:
    for output in ("table", "json", "ndjson"):
        _, out, err = run_cli(["validate", "-o", output, str(negative_dir)])
        assert not ANSI.search(out), output
        assert not ANSI.search(err), output


def test_quiet_prints_nothing_for_valid_input(run_cli, samples_dir: Path, negative_dir: Path) -> None:
    code, out, err = run_cli(["validate", "-q", str(samples_dir)])
    assert code == 0
    assert out == "" and err == ""
    # an info finding (customerid resolved at push) is not a problem either
    code, out, err = run_cli(["validate", "-q", str(negative_dir / "missing-customerid.json")])
    assert code == 0
    assert out == "" and err == ""
    # without -q both runs say so
    assert "valid" in run_cli(["validate", str(samples_dir)])[1]


def test_quiet_prints_the_problems(run_cli, samples_dir: Path, negative_dir: Path) -> None:
    code, out, _ = run_cli(["validate", "-q", str(samples_dir), str(negative_dir / "bad-email.json")])
    assert code == 1
    assert "ecomOrder.email" in out and "bad-email.json:1" in out
    assert "samples" not in out  # no rows for the valid documents
    assert "invalid" in out


# --------------------------------------------------------------------------- stdin


def test_stdin_is_read_only_with_dash(run_cli, samples_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Exploding(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            raise AssertionError("stdin was read")

        def readline(self, size: Any = -1) -> bytes:  # type: ignore[override]
            raise AssertionError("stdin was read")

    real = Environment.from_system.__func__  # type: ignore[attr-defined]

    def from_system(cls: type[Environment]) -> Environment:
        env = real(cls)
        env.stdin = Exploding()  # type: ignore[assignment]
        return env

    monkeypatch.setattr(Environment, "from_system", classmethod(from_system))
    code, out, err = run_cli(["validate", str(samples_dir)])
    assert code == 0, err
    # and the same fake stdin is read (and fails the run) once '-' is given
    code, _, err = run_cli(["validate", "-"])
    assert code != 0 and "stdin was read" in err


@pytest.mark.parametrize(
    ("sample", "fmt", "count"),
    [
        ("reference-cart.json", None, 1),
        ("cart.yaml", None, 1),
        ("batch.ndjson", None, 5),
        ("cart.yaml", "yaml", 1),
        ("batch.ndjson", "ndjson", 5),
        ("order-with-discounts.json", "json", 1),
    ],
)
def test_stdin_samples(run_cli, samples_dir: Path, sample: str, fmt: str | None, count: int) -> None:
    args = ["validate", "-o", "json", "-"] + (["--format", fmt] if fmt else [])
    code, out, err = run_cli(args, input=(samples_dir / sample).read_bytes())
    assert code == 0, out + err
    data = json.loads(out)
    assert len(data["documents"]) == count
    assert {d["source"] for d in data["documents"]} == {"<stdin>"}


def test_stdin_json_array_lines(run_cli, cart_order) -> None:
    text = "[\n" + json.dumps(cart_order) + ",\n" + json.dumps(dict(cart_order, currency="usd")) + "\n]\n"
    code, out, _ = run_cli(["validate", "-o", "json", "-"], input=text)
    assert code == 1
    docs = json.loads(out)["documents"]
    assert [(d["line"], d["valid"]) for d in docs] == [(2, True), (3, False)]


def test_stdin_format_overrides_sniffing(run_cli, samples_dir: Path) -> None:
    code, out, _ = run_cli(
        ["validate", "-o", "json", "-", "--format", "json"], input=(samples_dir / "batch.ndjson").read_bytes()
    )
    assert code == 1
    [doc] = json.loads(out)["documents"]
    assert "extra data" in doc["errors"][0]["message"]


# --------------------------------------------------------------------------- bad input never crashes

BAD_FILES: dict[str, bytes] = {
    "empty.json": b"",
    "blank.yaml": b"\n  \n",
    "truncated.json": b'{"ecomOrder": {"email": ',
    "text.json": b"hello",
    "nan.json": b'{"totalPrice": NaN}',
    "dupe.json": b'{"a": 1, "a": 2}',
    "dupe.yaml": b"a: 1\na: 2\n",
    "latin1.json": b'{"email": "caf\xe9@example.com"}',
    "deep.json": b"[" * 5000 + b"]" * 5000,
    "deep.yaml": b"a: " + b"[" * 5000 + b"]" * 5000,
    "bomb.yaml": (
        b'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
        + b"".join(
            f"{n}: &{n} [{','.join(['*' + p] * 10)}]\n".encode()
            for p, n in zip("abcdefgh", "bcdefghi", strict=False)
        )
    ),
    "self.yaml": b"&a [*a]\n",
    "empty-array.json": b"[]",
    "two.json": b'{"a": 1}\n{"b": 2}\n',
    "scalar.json": b"42",
    "python.yaml": b"!!python/object/apply:os.system ['echo hi']\n",
}


@pytest.mark.parametrize("output", ["table", "json", "ndjson"])
def test_bad_inputs_never_crash_and_never_stop_the_batch(
    run_cli, tmp_path: Path, samples_dir: Path, output: str
) -> None:
    paths = [write(tmp_path / "bad" / name, data) for name, data in BAD_FILES.items()]
    good = samples_dir / "reference-cart.json"
    code, out, err = run_cli(["validate", "-o", output, *map(str, paths), str(good)])
    assert code == 1
    no_traceback(out, err)
    assert "unexpected" not in err
    if output == "json":
        docs = json.loads(out)["documents"]
        assert len(docs) == len(BAD_FILES) + 1
        assert [d["valid"] for d in docs] == [False] * len(BAD_FILES) + [True]
        assert all(len(d["errors"]) == 1 for d in docs[:-1])
    elif output == "ndjson":
        assert len(out.splitlines()) == len(BAD_FILES) + 1
    else:
        assert f"{len(BAD_FILES)} of {len(BAD_FILES) + 1} documents invalid" in out


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_unreadable_file_exits_1(run_cli, tmp_path: Path, samples_dir: Path) -> None:
    locked = write(tmp_path / "locked.json", b"{}")
    locked.chmod(0)
    try:
        code, out, err = run_cli(["validate", "-o", "json", str(locked), str(samples_dir / "cart.yaml")])
    finally:
        locked.chmod(0o644)
    assert code == 1
    docs = json.loads(out)["documents"]
    assert "cannot read" in docs[0]["errors"][0]["message"] and docs[1]["valid"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("taxAmount: 0", "1: 0"),
        ("taxAmount: 0", "yes: 0"),
        ("abandonedDate: 2026", "abandonedDate: !!timestamp 2026"),
    ],
    ids=["int-key", "bool-key", "timestamp-tag"],
)
def test_yaml_outside_json_is_one_error_and_the_batch_goes_on(
    run_cli, tmp_path: Path, samples_dir: Path, old: str, new: str
) -> None:
    text = (samples_dir / "cart.yaml").read_text()
    assert old in text
    odd = write(tmp_path / "odd.yaml", text.replace(old, new))
    code, out, err = run_cli(
        [
            "validate",
            "-o",
            "json",
            str(samples_dir / "reference-cart.json"),
            str(odd),
            str(samples_dir / "order-with-discounts.json"),
        ]
    )
    assert "unexpected" not in err
    data = json.loads(out)
    if "timestamp" in new:  # an explicit !!timestamp is converted to the same RFC 3339 string, and valid
        assert [d["valid"] for d in data["documents"]] == [True, True, True]
        assert code == 0
        return
    assert [d["valid"] for d in data["documents"]] == [True, False, True]
    assert code == 1


def test_closed_pipe_is_not_a_temporary_failure(
    run_cli, samples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, s: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    real = Environment.from_system.__func__  # type: ignore[attr-defined]

    def from_system(cls: type[Environment]) -> Environment:
        env = real(cls)
        env.stdout = ClosedPipe()
        return env

    monkeypatch.setattr(Environment, "from_system", classmethod(from_system))
    code, _, err = run_cli(["validate", "-o", "ndjson", str(samples_dir)])
    assert "unexpected" not in err
    assert code != 4


# --------------------------------------------------------------------------- options and configuration


def test_strict_turns_a_warning_into_exit_1(run_cli, tmp_path: Path, cart_order) -> None:
    cart_order["totalprice"] = "1"
    path = write(tmp_path / "warned.json", json.dumps({"ecomOrder": cart_order}))
    code, out, _ = run_cli(["validate", "-o", "json", str(path)])
    assert code == 0
    assert json.loads(out)["documents"][0]["errors"][0]["severity"] == "warning"
    code, out, _ = run_cli(["validate", "-o", "json", "--strict", str(path)])
    assert code == 1
    assert json.loads(out)["documents"][0]["errors"][0]["severity"] == "error"


def test_missing_connectionid_and_the_connection_option(run_cli, tmp_path: Path, cart_order) -> None:
    del cart_order["connectionid"]
    path = write(tmp_path / "noconn.json", json.dumps({"ecomOrder": cart_order}))
    code, out, _ = run_cli(["validate", "-o", "json", str(path)])
    assert code == 1
    [error] = json.loads(out)["documents"][0]["errors"]
    assert error["path"] == "ecomOrder.connectionid" and "--connection" in error["message"]
    assert run_cli(["validate", "--connection", "1", str(path)])[0] == 0
    assert run_cli(["validate", str(path)], env={"ACTIVECAMPAIGN_CONNECTION_ID": "1"})[0] == 0


def test_connection_from_the_profile(run_cli, tmp_path: Path, cart_order) -> None:
    del cart_order["connectionid"]
    path = write(tmp_path / "noconn.json", json.dumps({"ecomOrder": cart_order}))
    cfg = write(
        tmp_path / "config.toml", '[default]\nconnection = "4"\n\n[other]\nurl = "https://x.api-us1.com"\n'
    )
    assert run_cli(["validate", str(path)], env={"ACORDERS_CONFIG": str(cfg)})[0] == 0
    assert run_cli(["validate", "--profile", "other", str(path)], env={"ACORDERS_CONFIG": str(cfg)})[0] == 1
    assert (
        run_cli(["validate", str(path)], env={"ACORDERS_CONFIG": str(cfg), "ACORDERS_PROFILE": "other"})[0]
        == 1
    )


def test_unknown_profile_exits_3(run_cli, tmp_path: Path, samples_dir: Path) -> None:
    cfg = write(tmp_path / "config.toml", '[default]\nconnection = "4"\n')
    code, out, err = run_cli(
        ["validate", "--profile", "nope", str(samples_dir)], env={"ACORDERS_CONFIG": str(cfg)}
    )
    assert code == 3
    assert out == ""
    assert "error:" in err and "'nope'" in err
    no_traceback(err)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_world_readable_config_with_a_key_warns_on_stderr(run_cli, tmp_path: Path, samples_dir: Path) -> None:
    cfg = write(
        tmp_path / "config.toml", '[default]\nurl = "https://x.api-us1.com"\napi_key = "k-0123456789abc"\n'
    )
    cfg.chmod(0o644)
    code, out, err = run_cli(["validate", "-o", "json", str(samples_dir)], env={"ACORDERS_CONFIG": str(cfg)})
    assert code == 0
    json.loads(out)  # the warning does not pollute stdout
    assert "warning:" in err and "chmod 600" in err
    assert "k-0123456789abc" not in out + err
    cfg.chmod(0o600)
    _, _, err = run_cli(["validate", str(samples_dir)], env={"ACORDERS_CONFIG": str(cfg)})
    assert "warning" not in err


# --------------------------------------------------------------------------- acorders schema


def test_schema_prints_the_bundled_schema(run_cli, repo_root: Path) -> None:
    code, out, err = run_cli(["schema"])
    assert code == 0
    assert err == ""
    on_disk = (repo_root / "schemas" / "ecomOrder.schema.json").read_text(encoding="utf-8")
    assert json.loads(out) == json.loads(on_disk)
    assert out == on_disk
    assert json.loads(out)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.slow
def test_main_builds_only_the_command_asked_for(samples_dir: Path) -> None:
    """`acorders validate` from cron builds one command's parser; help and groups still see every command."""
    import acorders.cli.app as cli

    single = cli._only_the_command_asked_for(["--debug", "validate", str(samples_dir)])
    assert [c.callback.__name__ for c in single.registered_commands] == ["validate"]
    assert single.registered_callback is cli.app.registered_callback
    for args in (["--help"], ["validate", "--help"], ["connections", "list"], [], ["nope"]):
        assert cli._only_the_command_asked_for(args) is cli.app
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "acorders", "validate", str(samples_dir), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["documents"] == 8


@pytest.mark.slow
def test_the_console_entry_gives_a_big_batch_the_same_answer(
    run_cli, tmp_path: Path, cart_order: dict[str, Any]
) -> None:
    """`acorders validate DIR` as cron runs it: the workers start before the CLI is loaded, and the
    report is the one the CLI gives in-process, problems and order included."""
    import subprocess
    import sys

    from acorders.validate.parallel import MIN_FILES

    for i in range(MIN_FILES + 20):
        order = {**cart_order, "externalcheckoutid": f"co-{i}"}
        if i % 97 == 3:
            order["currency"] = "US"
        (tmp_path / f"cart-{i:04}.json").write_text(json.dumps({"ecomOrder": order}), encoding="utf-8")
    env = {**os.environ, "ACORDERS_CONFIG": str(tmp_path / "none.toml")}
    env.pop("ACTIVECAMPAIGN_CONNECTION_ID", None)
    done = subprocess.run(
        [sys.executable, "-m", "acorders", "validate", str(tmp_path), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    code, out, _ = run_cli(["validate", str(tmp_path), "-o", "json"])
    assert (done.returncode, code) == (1, 1), done.stderr
    assert json.loads(done.stdout) == json.loads(out)
    assert json.loads(out)["summary"]["invalid"] == len([i for i in range(MIN_FILES + 20) if i % 97 == 3])


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="process groups and fork")
def test_ctrl_c_at_any_moment_of_a_big_batch_stops_it_without_a_traceback(
    tmp_path: Path, cart_order: dict[str, Any]
) -> None:
    """Ctrl-C reaches the whole process group, workers included: while loading, while workers start,
    while they check. No traceback, and no worker left."""
    import shutil
    import signal
    import subprocess
    import sys
    import time

    from acorders.validate.parallel import MIN_FILES

    outbox = tmp_path / "interrupted-outbox"
    outbox.mkdir()
    for i in range(MIN_FILES * 5):
        (outbox / f"cart-{i:04}.json").write_text(
            json.dumps({"ecomOrder": {**cart_order, "externalcheckoutid": f"c{i}"}}), encoding="utf-8"
        )
    env = {**os.environ, "ACORDERS_CONFIG": str(tmp_path / "none.toml")}
    for delay in (0.05, 0.1, 0.15, 0.2, 0.3):
        proc = subprocess.Popen(
            [sys.executable, "-m", "acorders", "validate", str(outbox), "-o", "json"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        if proc.returncode == 0:
            continue  # done before the signal came
        # While loading, the signal ends the process (a shell shows 130). Once the command runs, it stops
        # its workers and says so, exit 130; or, when Ctrl-C lands in source text that Python exec()s (a
        # dataclass being made by an import), says so and then ends by the signal: CPython marks that
        # KeyboardInterrupt as unhandled even though it was caught. A shell shows 130 in every case.
        outcomes = ((-signal.SIGINT, ""), (130, "interrupted\n"), (-signal.SIGINT, "interrupted\n"))
        assert (proc.returncode, err) in outcomes, f"after {delay} s: {err}"
    time.sleep(0.2)
    if shutil.which("pgrep"):
        left = subprocess.run(["pgrep", "-f", str(outbox)], capture_output=True, text=True).stdout.split()
        assert left == []
