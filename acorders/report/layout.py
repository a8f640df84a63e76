"""Rows for a terminal that never cut what a user acts on, and plain rows for pipes.

On a terminal every column but the one free-text column (``Col.fold``: a message) keeps its whole value:
source:line, cart ids, field paths and times are what a user copies. The rows make a table when those
columns, and the longest word of the message, fit the width; otherwise each row's first value goes on its
own line and the others follow below it, indented, with the message wrapped at spaces. A value wider than
the terminal is written whole, for the terminal to wrap. Off a terminal rows are tab-separated, without a
header or styling (gh's convention), so that ``cut``, ``awk`` and mail readers work.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

MIN_FOLD = 24  # narrower than this, a message reads better on a line of its own
INDENT = 2
GAP = 2


@dataclass(frozen=True)
class Col:
    header: str
    fold: bool = False  # free text (a message): wraps to make room; every other column is never cut


def write_plain(stream: IO[str], rows: Iterable[Sequence[str]]) -> None:
    """One tab-separated line per row; tabs and line breaks inside a value become spaces."""
    for row in rows:
        stream.write(
            "\t".join(" ".join(value.split("\t")).replace("\r", " ").replace("\n", "; ") for value in row)
        )
        stream.write("\n")


def shown_path(source: str) -> str:
    """An absolute path inside the current directory, relative to it: shorter, and still one to open."""
    if not os.path.isabs(source):
        return source
    try:
        cwd = os.getcwd()
        if os.path.commonpath([cwd, source]) == cwd:
            return os.path.relpath(source, cwd)
    except (OSError, ValueError):
        pass
    return source


def shown_paths_in(message: str) -> str:
    """A message that names a file inside the current directory (a duplicate cart's first place), with the
    path relative to it, as in the Source column."""
    try:
        cwd = os.path.join(os.getcwd(), "")
    except OSError:
        return message
    return message.replace(cwd, "") if len(cwd) > 1 else message


def print_rows(console: Console, cols: Sequence[Col], rows: Sequence[Sequence[Text]]) -> None:
    """A table when the whole values fit the console's width, else a row's first value on its own line."""
    width = console.width
    natural = [_natural(col, [row[i] for row in rows]) for i, col in enumerate(cols)]
    if sum(natural) + 3 * len(cols) + 1 <= width:
        console.print(_table(cols, rows, natural))
    else:
        _stacked(console, cols, rows, width)


def _natural(col: Col, cells: Sequence[Text]) -> int:
    """The width a column needs to show every value whole (for a message: its longest word)."""
    from rich.cells import cell_len

    lines = [line for cell in cells for line in cell.plain.splitlines()]
    if col.fold:
        words = [cell_len(w) for line in lines for w in line.split()]
        return max([MIN_FOLD, *words])
    return max([cell_len(col.header), *(cell_len(line) for line in lines)])


def _table(cols: Sequence[Col], rows: Sequence[Sequence[Text]], natural: Sequence[int]) -> object:
    from rich.table import Table

    table = Table(header_style="bold", expand=False)
    for col, need in zip(cols, natural, strict=True):
        if col.fold:
            table.add_column(col.header, overflow="fold", min_width=need)
        else:
            table.add_column(col.header, no_wrap=True, min_width=need)
    for row in rows:
        table.add_row(*row)
    return table


def _stacked(console: Console, cols: Sequence[Col], rows: Sequence[Sequence[Text]], width: int) -> None:
    """Each first value on its own line, then the row's other values below it; the message last."""
    from rich.cells import cell_len

    rest = [i for i, col in enumerate(cols) if i and not col.fold]
    fold = next((i for i, col in enumerate(cols) if i and col.fold), None)
    widths = [max(cell_len(row[i].plain) for row in rows) for i in rest]
    offset = INDENT + sum(w + GAP for w in widths)
    aligned = offset - GAP <= width  # the other values fit one line, in columns
    inline = aligned and width - offset >= MIN_FOLD  # and the message beside them
    heading = None
    for row in rows:
        if row[0].plain != heading:
            heading = row[0].plain
            if heading:
                _line(console, row[0])
        cells = [row[i] for i in rest]
        message = row[fold] if fold is not None and row[fold].plain else None
        lines = [_join(cells, widths)] if aligned else _pack(cells, width)
        lines = [line for line in lines if line.plain.strip()]
        if message is not None and inline and _longest(message) <= width - offset:
            first = lines[0] if lines else _text(" " * offset)
            _wrapped(console, first, message, offset, width)
            continue
        for line in lines:
            _line(console, line)
        if message is not None:
            _wrapped(console, None, message, INDENT * 2, width)


def _longest(text: Text) -> int:
    from rich.cells import cell_len

    return max((cell_len(w) for w in text.plain.split()), default=0)


def _text(plain: str) -> Text:
    from rich.text import Text

    return Text(plain)


def _join(cells: Sequence[Text], widths: Sequence[int]) -> Text:
    """The values in columns of the given widths, after the indent."""
    line = _text(" " * INDENT)
    for cell, need in zip(cells, widths, strict=True):
        line.append_text(cell)
        line.append(" " * (need - cell.cell_len + GAP))
    return line


def _pack(cells: Sequence[Text], width: int) -> list[Text]:
    """The values as many to a line as fit, each whole: too many columns for one line."""
    lines = [_text(" " * INDENT)]
    for cell in cells:
        if not cell.plain:
            continue
        line = lines[-1]
        if line.plain.strip() and line.cell_len + GAP + cell.cell_len > width:
            line = _text(" " * INDENT)
            lines.append(line)
        elif line.plain.strip():
            line.append(" " * GAP)
        line.append_text(cell)
    return lines


def _wrap(text: Text, width: int) -> list[Text]:
    """Lines of at most ``width`` cells, broken at spaces only: a longer word stays whole on its line."""
    from rich.cells import cell_len

    out: list[Text] = []
    for line in text.split("\n", allow_blank=True):
        plain, start, breaks = line.plain, 0, []
        for word in re.finditer(r"\S+", plain):
            if plain[start : word.start()].strip() and cell_len(plain[start : word.end()]) > width:
                breaks.append(word.start())
                start = word.start()
        out.extend(line.divide(breaks))
    return out


def _wrapped(console: Console, first: Text | None, message: Text, offset: int, width: int) -> None:
    """The message wrapped at spaces beside (or under) ``first``, each line indented by ``offset``."""
    for n, part in enumerate(_wrap(message, max(width - offset, 1))):
        prefix = first if n == 0 and first is not None else _text(" " * offset)
        line = prefix.copy()
        line.append_text(part)
        _line(console, line)


def _line(console: Console, text: Text) -> None:
    """One line as it is: never cropped by rich (the terminal wraps a value wider than itself)."""
    text.rstrip()
    console.print(text, soft_wrap=True, crop=False, overflow="ignore")
