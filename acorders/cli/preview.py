"""`acorders preview`: the abandoned-cart email each cart starts, as one HTML file, and what it would miss
as warnings on the terminal."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from acorders.cli.convert import with_convert_options
from acorders.cli.options import (
    ConnectionOpt,
    FormatOpt,
    Output,
    Paths,
    ProfileOpt,
    QuietOpt,
    StrictOpt,
)
from acorders.cli.runtime import environment, settings
from acorders.errors import UsageError

DEFAULT_PAGE = "preview.html"

PreviewOutputOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--output",
        "-o",
        help=f"FILE.html for the page (default: {DEFAULT_PAGE}), or table (default), json or ndjson for "
        "the findings on stdout. Repeatable: -o json -o cart.html.",
        show_default=False,
    ),
]


def _outputs(values: list[str] | None) -> tuple[Output, Path]:
    """-o values split into the terminal's format and the page's file (a value that names no format)."""
    formats = [Output(v) for v in values or () if v in Output.__members__]
    files = [Path(v) for v in values or () if v not in Output.__members__]
    if len(formats) > 1 or len(files) > 1:
        raise UsageError(
            "preview takes at most one -o format and one -o FILE.html",
            hint="e.g. acorders preview carts/ -o json -o preview.html",
        )
    return (formats[0] if formats else Output.table), (files[0] if files else Path(DEFAULT_PAGE))


@with_convert_options
def preview(
    paths: Paths,
    format: FormatOpt = None,
    output: PreviewOutputOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
    connection: ConnectionOpt = None,
    profile: ProfileOpt = None,
    conv: Any = None,  # the Converter of --from and its options (with_convert_options)
) -> int:
    """Render each cart as ActiveCampaign's abandoned-cart email shows it (one HTML file) and warn of what
    the customer would miss: no imageUrl, orderUrl or productUrl, a non-https URL, a cut description."""
    from acorders import load
    from acorders.report import build_reporter
    from acorders.validate import ValidateOptions
    from acorders.validate.preview import PreviewValidator
    from acorders.validate.preview import preview as run_preview

    env = environment()
    shown, page_file = _outputs(output)
    fmt = format.value if format else None
    if conv is not None:
        sources = conv.sources(paths, fmt, on_skip=env.log)
    else:
        sources = load.collect_sources(paths, fmt, on_skip=env.log)
    if any(s.path and os.path.abspath(s.path) == os.path.abspath(page_file) for s in sources):
        raise UsageError(f"-o {page_file} is one of the inputs: it would be overwritten")
    options = ValidateOptions(
        strict=strict, connection=settings(connection=connection, profile=profile).connection
    )
    reporter = build_reporter(shown.value, env, quiet=quiet)
    summary, html = run_preview(sources, PreviewValidator(options), reporter, env.stdin, conv)
    _write_page(page_file, html)
    env.log(f"preview of {summary.documents} document(s) written to {page_file}")
    return summary.status


def _write_page(out: Path, html: str) -> None:
    """Into a temporary file beside ``out``, renamed over it: never half a page."""
    folder = out.parent if str(out.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UsageError(
            f"cannot write {out}: {exc.strerror}", hint="give -o a file in a writable folder"
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it 0600: the page is for sharing, as any new file
        os.replace(tmp, out)
    except OSError as exc:
        os.unlink(tmp)
        raise UsageError(
            f"cannot write {out}: {exc.strerror}", hint="give -o a file in a writable folder"
        ) from None
