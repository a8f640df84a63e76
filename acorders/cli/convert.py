"""`acorders convert`, and the --from options that validate and push share: a shop's export to
ecomOrder documents (the core is acorders.convert)."""

from __future__ import annotations

import functools
import inspect
import json
import os
import tempfile
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import IO, Annotated, Any, Optional, TypeVar, cast

import typer

from acorders.cli.runtime import environment
from acorders.errors import ExitStatus, UsageError

CONVERT = "Converting shop exports"


class Platform(str, Enum):
    shopify = "shopify"
    bigcommerce = "bigcommerce"
    woocommerce = "woocommerce"
    magento = "magento"
    csv = "csv"


class Rounding(str, Enum):
    half_even = "half-even"
    half_up = "half-up"


FromOpt = Annotated[
    Optional[Platform],
    typer.Option(
        "--from",
        rich_help_panel=CONVERT,
        help="Convert the inputs from this shop's export first (built-in map).",
    ),
]
MapOpt = Annotated[
    Optional[Path],
    typer.Option("--map", rich_help_panel=CONVERT, help="A convert map (TOML) instead of the built-in one."),
]
ExponentOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--exponent",
        rich_help_panel=CONVERT,
        help="CUR=N: minor-unit digits of a currency (default ISO 4217: USD 2, JPY 0, KWD 3). Repeatable.",
    ),
]
RoundOpt = Annotated[
    Optional[Rounding],
    typer.Option(
        "--round", rich_help_panel=CONVERT, help="Round amounts with more decimals than the currency has."
    ),
]
SourceTzOpt = Annotated[
    Optional[str],
    typer.Option(
        "--source-tz",
        rich_help_panel=CONVERT,
        help="IANA zone of dates written without one (America/New_York).",
    ),
]
AbandonedAfterOpt = Annotated[
    str,
    typer.Option(
        "--abandoned-after",
        rich_help_panel=CONVERT,
        help="Inactivity before a cart counts as abandoned (30m, 1h, 1d).",
    ),
]
CartUrlOpt = Annotated[
    Optional[str],
    typer.Option(
        "--cart-url", rich_help_panel=CONVERT, help="orderUrl for carts without one: https://shop/cart/{id}."
    ),
]
CatalogOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--catalog",
        rich_help_panel=CONVERT,
        help="Products (CSV or JSON) to fill imageUrl, productUrl, category.",
    ),
]


def converter(
    platform: Platform | None,
    map_file: Path | None,
    exponent: list[str] | None = None,
    rounding: Rounding | None = None,
    source_tz: str | None = None,
    abandoned_after: str = "1h",
    cart_url: str | None = None,
    catalog: Path | None = None,
) -> Any:
    """The Converter for --from/--map and their options, or None when neither was given."""
    if platform is None and map_file is None:
        for name, given in (("--exponent", exponent), ("--round", rounding), ("--source-tz", source_tz)):
            if given:
                raise UsageError(
                    f"{name} applies to converted input", hint="add --from PLATFORM or --map FILE"
                )
        return None
    from acorders import convert
    from acorders.convert.dates import zone
    from acorders.convert.fields import duration
    from acorders.convert.money import parse_exponents
    from acorders.errors import ConversionError

    try:
        exponents = parse_exponents(exponent or [])
        after = duration(abandoned_after)
        if source_tz is not None:
            zone(source_tz)
    except ConversionError as exc:
        raise UsageError(f"--source-tz: {exc.message}") from None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if cart_url is not None and "{id}" not in cart_url:
        raise UsageError(
            "--cart-url needs {id} where the cart's id goes", hint="e.g. https://shop.example/cart/{id}"
        )
    opts = convert.ConvertOptions(
        exponents=exponents,
        rounding=rounding.value if rounding else None,
        source_tz=source_tz,
        abandoned_after=after,
        cart_url=cart_url,
        catalog=convert.load_catalog(catalog) if catalog is not None else None,
    )
    cmap = convert.load_map(platform.value if platform else None, map_file)
    return convert.Converter(cmap, opts)


def _convert_options(
    platform: FromOpt = None,
    map_file: MapOpt = None,
    exponent: ExponentOpt = None,
    rounding: RoundOpt = None,
    source_tz: SourceTzOpt = None,
    abandoned_after: AbandonedAfterOpt = "1h",
    cart_url: CartUrlOpt = None,
    catalog: CatalogOpt = None,
) -> None:
    """The --from options, as validate and push take them (see with_convert_options)."""


F = TypeVar("F", bound=Callable[..., Any])


def with_convert_options(func: F) -> F:
    """Give a command (validate, push) the --from options: they join its signature, which typer reads,
    and the command gets the Converter they make (or None) as ``conv``."""
    own = inspect.signature(func, eval_str=True)
    extra = inspect.signature(_convert_options, eval_str=True).parameters

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in list(kwargs) if name in extra}
        kwargs["conv"] = converter(**given)
        return func(*args, **kwargs)

    params = [p for p in own.parameters.values() if p.name != "conv"] + list(extra.values())
    wrapper.__signature__ = own.replace(parameters=params)  # type: ignore[attr-defined]
    return cast(F, wrapper)


def convert(
    paths: Annotated[
        Optional[list[str]],
        typer.Argument(
            help="Shop export files (JSON, NDJSON, CSV), directories, or - for stdin.", show_default=False
        ),
    ] = None,
    platform: FromOpt = None,
    map_file: MapOpt = None,
    show_map: Annotated[
        Optional[Platform],
        typer.Option("--show-map", help="Print a built-in map, as a starting point for your own --map."),
    ] = None,
    out: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Write the NDJSON here (default: stdout).")
    ] = None,
    exponent: ExponentOpt = None,
    rounding: RoundOpt = None,
    source_tz: SourceTzOpt = None,
    abandoned_after: AbandonedAfterOpt = "1h",
    cart_url: CartUrlOpt = None,
    catalog: CatalogOpt = None,
) -> int:
    """Convert a shop's export (Shopify, BigCommerce, WooCommerce, Magento, CSV) to ecomOrder NDJSON."""
    env = environment()
    if show_map is not None:
        from acorders.convert import builtin_text

        env.stdout.write(builtin_text(show_map.value))
        return ExitStatus.OK
    _needs_input(paths, platform, map_file)
    assert paths is not None
    conv = converter(platform, map_file, exponent, rounding, source_tz, abandoned_after, cart_url, catalog)
    sources = conv.sources(paths)
    if out is not None and any(s.path and os.path.abspath(s.path) == os.path.abspath(out) for s in sources):
        raise UsageError(f"-o {out} is one of the inputs: it would be overwritten")
    if out is None:
        return _write(conv, sources, env.stdout, env)
    return _write_file(conv, sources, out, env)


def _needs_input(paths: list[str] | None, platform: Platform | None, map_file: Path | None) -> None:
    if not paths:
        raise UsageError(
            "give the export files to convert", hint="e.g. acorders convert --from shopify checkouts.json"
        )
    if platform is None and map_file is None:
        raise UsageError(
            "convert needs --from PLATFORM or --map FILE",
            hint="platforms: " + ", ".join(p.value for p in Platform),
        )


def _write_file(conv: Any, sources: list[Any], out: Path, env: Any) -> int:
    """Into a temporary file beside ``out``, renamed over it at the end: never half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent if str(out.parent) else ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            status = _write(conv, sources, fh, env)
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise
    return status


def _write(conv: Any, sources: list[Any], stream: IO[str], env: Any) -> int:
    """One ``{"ecomOrder": ...}`` line per converted record; every failure and skip logged to stderr."""
    from acorders.models import Severity

    counts = {"converted": 0, "skipped": 0, "failed": 0}
    for source in sources:
        for doc in conv(source, env.stdin):
            if doc.data is not None:
                stream.write(json.dumps({"ecomOrder": doc.data}, ensure_ascii=False) + "\n")
                counts["converted"] += 1
                continue
            failed = any(f.severity is Severity.ERROR for f in doc.findings)
            counts["failed" if failed else "skipped"] += 1
            for f in doc.findings:
                at = f" {f.path}:" if f.path else ""
                env.log(f"{doc.origin}: {f.severity.value}:{at} {f.message}")
    env.log(", ".join(f"{n} {what}" for what, n in counts.items()))
    return ExitStatus.INVALID if counts["failed"] else ExitStatus.OK
