"""A real browser renders the preview: headless Chromium (the Debian package) screenshots the page of
``samples/`` and of a cart missing its images and checkout URL, and the PNG shows the page rendered: not
blank, the carts as tall as expected, the "Return to checkout" button's blue, the red marks of what is
missing. Skipped where Chromium is not installed (.ci/run installs it when it runs as root with apt-get).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers import cart, write_json

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install -y chromium)")

WIDTH = 800  # and a window taller than the page: all of it shows, and its content's height can be measured
BACKGROUND = (0xEE, 0xF1, 0xF5)  # body
BUTTON = (0x26, 0x80, 0xC2)  # "Return to checkout"
MISSING = (0xD6, 0x45, 0x45)  # the red of a missing image, link or button


def screenshot(page: Path, png: Path, tmp_path: Path, height: int) -> None:
    assert CHROMIUM is not None
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            f"--window-size={WIDTH},{height}",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def pixels(png: Path) -> tuple[int, int, list[list[tuple[int, int, int]]]]:
    """Width, height and RGB rows of an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes)."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        header = chunk if kind == b"IHDR" else header
        idat += chunk if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and color in (2, 6) and interlace == 0
    size = 3 if color == 2 else 4
    raw, stride = zlib.decompress(idat), width * size
    rows: list[list[tuple[int, int, int]]] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - size] if i >= size else 0
            up, corner = previous[i], previous[i - size] if i >= size else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                best = min((abs(p - left), 0, left), (abs(p - up), 1, up), (abs(p - corner), 2, corner))
                line[i] = (line[i] + best[2]) & 0xFF
        rows.append([tuple(line[x * size : x * size + 3]) for x in range(width)])  # type: ignore[misc]
        previous = line
    return width, height, rows


def content_height(rows: list[list[tuple[int, int, int]]]) -> int:
    """How far down the page has anything but the body's background."""
    return max((y for y, row in enumerate(rows) if any(p != BACKGROUND for p in row)), default=0) + 1


def near(colour: tuple[int, int, int], target: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 8 for a, b in zip(colour, target, strict=True))


def render(
    run_cli, args: list[str], tmp_path: Path, name: str, height: int
) -> list[list[tuple[int, int, int]]]:
    page, png = tmp_path / f"{name}.html", tmp_path / f"{name}.png"
    code, _, err = run_cli(["preview", *args, "-o", str(page)])
    assert code == 0, err
    screenshot(page, png, tmp_path, height)
    size = pixels(png)
    assert size[:2] == (WIDTH, height)
    return size[2]


def test_chromium_renders_the_samples(run_cli, samples_dir: Path, tmp_path: Path) -> None:
    rows = render(run_cli, [str(samples_dir)], tmp_path, "samples", 5000)
    colours = Counter(p for row in rows for p in row)
    assert len(colours) > 50  # text, images' alt text, buttons: not a blank page
    assert colours[(255, 255, 255)] > 100_000  # the white cards
    height = content_height(rows)
    assert 8 * 250 < height < 8 * 700, height  # 8 carts and orders, each card a few hundred pixels tall
    buttons = sum(1 for row in rows for p in row if near(p, BUTTON))
    assert buttons > 8 * 2000  # 8 "Return to checkout" / "View your order" buttons
    assert not any(near(p, MISSING) for row in rows for p in row)  # nothing missing in the samples


def test_chromium_renders_a_cart_missing_images(run_cli, tmp_path: Path) -> None:
    bare = cart("no-images", orderUrl=None)
    for product in bare["orderProducts"]:
        del product["imageUrl"]
    source = write_json(tmp_path / "in" / "cart.json", bare)
    rows = render(run_cli, [str(source)], tmp_path, "missing", 1400)
    height = content_height(rows)
    assert 300 < height < 1000, height  # one card: the warnings, two items, the totals, the dead button
    red = sum(1 for row in rows for p in row if near(p, MISSING))
    assert red > 500  # the dashed "no image" boxes, the flags and the dead button's label
    blue = sum(1 for row in rows for p in row if near(p, BUTTON))
    assert blue < 2000  # the product links' text, but no live button (one is ~9,000 pixels)
