"""`acorders preview` through the CLI (in-process): the page, the warnings on the terminal, validate's exit
codes, --from."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from tests.helpers import cart, envelope, write_json
from tests.htmltree import parse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "convert"


def test_preview_of_the_samples(run_cli, samples_dir: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "page.html"
    code, out, err = run_cli(["preview", str(samples_dir), "-o", str(out_file)])
    assert code == 0, err
    assert "Traceback" not in err and f"written to {out_file}" in err
    root = parse(out_file.read_text(encoding="utf-8"))
    sections = root.all("section", "cart")
    assert len(sections) == 8  # 5 NDJSON lines, the YAML cart, the order, the reference cart
    assert root.all("ul", "findings") == [] and root.all(cls="flag") == []
    assert {s.attrs["data-kind"] for s in sections} == {"cart", "order"}
    assert stat.S_IMODE(os.stat(out_file).st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_missing_images_and_links_are_warnings_with_validates_exit_code(run_cli, tmp_path: Path) -> None:
    bare = cart("no-images", orderUrl=None)
    for product in bare["orderProducts"]:
        del product["imageUrl"]
    source = write_json(tmp_path / "in" / "cart.json", bare)
    page = tmp_path / "p.html"
    code, out, err = run_cli(["preview", str(source), "-o", str(page), "-o", "json"])
    assert code == 0, err
    result = json.loads(out)
    found = {e["path"]: e for e in result["documents"][0]["errors"]}
    assert set(found) == {
        "ecomOrder.orderUrl",
        "ecomOrder.orderProducts[0].imageUrl",
        "ecomOrder.orderProducts[1].imageUrl",
    }
    assert {e["severity"] for e in found.values()} == {"warning"}
    assert result["summary"]["warnings"] == 3
    cart_html = parse(page.read_text(encoding="utf-8")).one("section", "cart")
    assert [m.text for m in cart_html.all(cls="missing")] == ["no image", "no image"]
    assert len(cart_html.one("ul", "findings").all("li")) == 3
    code, out, _ = run_cli(["validate", str(source)])
    assert code == 0  # validate finds nothing: only preview says it
    code, out, err = run_cli(["preview", str(source), "-o", str(page), "--strict"])
    assert code == 1 and "no imageUrl" in out


def test_a_bad_file_is_reported_and_the_others_still_rendered(run_cli, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_json(folder / "a.json", cart("good"))
    write_json(folder / "b.json", cart("bad", email="not an email"))
    (folder / "c.json").write_text("{ not json", encoding="utf-8")
    page = tmp_path / "p.html"
    code, out, err = run_cli(["preview", str(folder), "-o", str(page)])
    validate_code, _, _ = run_cli(["validate", str(folder)])
    assert code == validate_code == 1, err
    assert "Traceback" not in err
    root = parse(page.read_text(encoding="utf-8"))
    assert [s.one("h2").text for s in root.all("section", "cart")] == ["Cart good", "Cart bad", "Not shown"]
    assert root.all("section", "cart")[1].one("ul", "findings").all("li", "error")


def test_the_page_is_escaped(run_cli, tmp_path: Path) -> None:
    evil = cart("x")
    evil["orderProducts"][0]["name"] = "<script>alert(1)</script>"
    source = tmp_path / "evil.json"
    source.write_text(json.dumps(envelope(evil)), encoding="utf-8")
    page = tmp_path / "p.html"
    code, _, err = run_cli(["preview", str(source), "-o", str(page)])
    assert code == 0, err
    html = page.read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert parse(html).all("script") == []


def test_preview_of_converted_input(run_cli, tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    code, out, err = run_cli(
        [
            "preview",
            "--from",
            "shopify",
            str(FIXTURES / "shopify-checkouts.json"),
            "-o",
            str(page),
            "-o",
            "json",
        ]
    )
    assert code == 1, err  # as validate --from: the fixture's carts have no connectionid
    sections = parse(page.read_text(encoding="utf-8")).all("section", "cart")
    shown = [s for s in sections if "data-kind" in s.attrs]
    assert [s.attrs["data-kind"] for s in shown] == ["cart", "cart", "order"]
    assert all(s.all("tr", "item") and "(record " in s.one(cls="origin").text for s in shown)
    assert [s.one("h2").text for s in sections if "unreadable" in s.classes] == ["Not shown"]  # the guest
    assert shown[0].all("td", "price")[0].text.startswith("$")
    found = [e["path"] for d in json.loads(out)["documents"] for e in d["errors"]]
    assert "orderProducts[0].imageUrl" in found


def test_usage_errors(run_cli, tmp_path: Path) -> None:
    source = write_json(tmp_path / "cart.json", cart(1))
    code, _, err = run_cli(["preview", str(source), "-o", str(source)])
    assert code == 2 and "would be overwritten" in err
    assert json.loads(source.read_text())["ecomOrder"]["externalcheckoutid"] == "cart-00001"
    code, _, err = run_cli(["preview", str(source), "-o", "json", "-o", "table"])
    assert code == 2 and "at most one -o format" in err
    code, _, err = run_cli(["preview", str(source), "-o", str(tmp_path / "no" / "dir" / "p.html")])
    assert code == 2 and "cannot write" in err and "Traceback" not in err
