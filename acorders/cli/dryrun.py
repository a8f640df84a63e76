"""push --dry-run on stderr: which account the carts would go to (the key redacted) and the requests each
cart would cost (``-v``: their bodies). The results themselves stay on stdout, as for a real push."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from acorders.environment import Environment
from acorders.models import PushResult, blank, connection_of

API = "/api/3"


def announce(env: Environment, request: Any) -> None:
    """Name the target before the results, so a dry run shows where a real one would send."""
    settings = request.settings
    if request.sandbox:
        where = "a throwaway sandbox"
    elif settings.url and settings.api_key:
        account = settings.account()
        profile = f", profile {settings.profile}" if settings.profile else ""
        where = f"{account.url} (key {account.masked_key}{profile})"
    elif settings.url:
        where = f"{settings.url} (no API key configured yet)"
    else:
        env.log("dry run: no account configured; planned from the ledger alone, nothing is sent")
        return
    env.log(f"dry run: would push to {where}; nothing is sent")


def plan_logger(env: Environment, verbose: bool) -> Callable[[PushResult, Mapping[str, Any]], None]:
    """One line per request a planned cart would make; with -v, the body it would send."""

    def log_plan(result: PushResult, order: Mapping[str, Any]) -> None:
        cart = result.externalcheckoutid or result.externalid or "?"
        for line in requests_for(result, order):
            env.log(f"  {cart}: {line}")
        if verbose and result.planned in ("create", "update", "recover"):
            env.log("    " + json.dumps({"ecomOrder": order}, ensure_ascii=False))

    return log_plan


def requests_for(result: PushResult, order: Mapping[str, Any]) -> list[str]:
    """What push would send for this plan (customers are looked up once per run, then remembered)."""
    out: list[str] = []
    if result.planned == "unchanged":
        return out
    if blank(order.get("customerid")):
        out.append(
            f"GET {API}/ecomCustomers?filters[email]={order.get('email')}"
            f"&filters[connectionid]={connection_of(order)} (then POST {API}/ecomCustomers if none)"
        )
    if result.planned == "create":
        out.append(f"POST {API}/ecomOrders")
    elif result.planned == "update":
        out.append(f"PUT {API}/ecomOrders/{result.id}")
    elif result.planned == "recover":
        field = "externalcheckoutid" if result.externalcheckoutid else "externalid"
        value = result.externalcheckoutid or result.externalid
        out.append(f"GET {API}/ecomOrders?filters[{field}]={value} (look-up), then PUT or POST")
    return out
