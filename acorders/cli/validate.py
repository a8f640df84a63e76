"""`acorders validate` and `acorders schema`."""

from __future__ import annotations

from typing import Any

from acorders.cli.convert import with_convert_options
from acorders.cli.options import (
    ConnectionOpt,
    FormatOpt,
    Output,
    OutputOpt,
    Paths,
    ProfileOpt,
    QuietOpt,
    StrictOpt,
)
from acorders.cli.runtime import environment, settings_without_account, stdin_hint
from acorders.errors import ExitStatus


@with_convert_options
def validate(
    paths: Paths,
    format: FormatOpt = None,
    output: OutputOpt = Output.table,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
    connection: ConnectionOpt = None,
    profile: ProfileOpt = None,
    conv: Any = None,  # the Converter of --from and its options (with_convert_options)
) -> int:
    """Check files against the ecomOrder schema and the checks no one else makes (--from: a shop's export,
    converted on the fly)."""
    from acorders import load
    from acorders import validate as stage
    from acorders.report import build_reporter

    env = environment()
    options = stage.ValidateOptions(
        strict=strict, connection=settings_without_account(connection, profile).connection
    )
    fmt = format.value if format else None
    # Off a terminal nothing needs the count first (a progress bar does): checking starts during the walk.
    listed_first = env.stderr_isatty or load.STDIN in paths
    stdin_hint(env, paths)
    if conv is not None:
        sources = conv.sources(paths, fmt, on_skip=env.log)
    else:
        lister = load.collect_sources if listed_first else load.iter_sources
        sources = lister(paths, fmt, on_skip=env.log)  # a FIFO in a folder: skipped, said on stderr
    reporter = build_reporter(output.value, env, quiet=quiet)
    return stage.run(sources, stage.Validator(options), reporter, env.stdin, conv).status


def schema() -> int:
    """Print the bundled ecomOrder JSON Schema (the single source of truth)."""
    from acorders.validate.schema import schema_text

    environment().stdout.write(schema_text())
    return ExitStatus.OK
