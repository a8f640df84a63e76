"""Each shared option is defined once (as pip-tools does) and reused by every command."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer


class Output(str, Enum):
    table = "table"
    json = "json"
    ndjson = "ndjson"


class InputFormat(str, Enum):
    json = "json"
    yaml = "yaml"
    ndjson = "ndjson"


ACCOUNT = "Account"

Paths = Annotated[
    list[str],
    typer.Argument(
        metavar="PATH...",
        help="Files, directories (searched for *.json, *.yaml, *.yml, *.ndjson, *.jsonl), or - for stdin.",
        show_default=False,
    ),
]
FormatOpt = Annotated[
    Optional[InputFormat],
    typer.Option(
        "--format", "-f", help="Input format for stdin or files with other extensions (default: sniffed)."
    ),
]
OutputOpt = Annotated[
    Output, typer.Option("--output", "-o", help="table on a terminal; json or ndjson for scripts.")
]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")]
LimitOpt = Annotated[
    Optional[int],
    typer.Option("--limit", min=1, help="Show at most N records (default: all); says 'showing N of M'."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only problems.")]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", "-v", help="Log every HTTP request to stderr (never the key).")
]
UrlOpt = Annotated[
    Optional[str],
    typer.Option(
        "--url",
        envvar="ACTIVECAMPAIGN_URL",
        show_envvar=True,
        rich_help_panel=ACCOUNT,
        help="Account API URL, e.g. https://ACCOUNT.api-us1.com (with or without /api/3).",
    ),
]
ApiKeyOpt = Annotated[
    Optional[str],
    typer.Option(
        "--api-key",
        envvar="ACTIVECAMPAIGN_API_KEY",
        show_envvar=True,
        show_default=False,
        rich_help_panel=ACCOUNT,
        help="API key (Settings > Developer). Prefer the environment variable.",
    ),
]
ProfileOpt = Annotated[
    Optional[str],
    typer.Option(
        "--profile",
        envvar="ACORDERS_PROFILE",
        show_envvar=True,
        rich_help_panel=ACCOUNT,
        help="Profile of config.toml to use (default: the \\[default] table).",
    ),
]
ConnectionOpt = Annotated[
    Optional[str],
    typer.Option(
        "--connection",
        envvar="ACTIVECAMPAIGN_CONNECTION_ID",
        show_envvar=True,
        rich_help_panel=ACCOUNT,
        help="Default connectionid for documents that have none.",
    ),
]
StateDirOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--state-dir",
        envvar="ACORDERS_STATE_DIR",
        show_envvar=True,
        help="Where the push ledger lives (default: the user state dir).",
    ),
]
