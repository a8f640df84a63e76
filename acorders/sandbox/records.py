"""How the sandbox answers a record: what is stored, plus the fields the document's examples carry.

The store keeps what clients sent (numbers as strings, dates as sent); everything derived is computed
when a record is answered, so it is always true: an order's product and discount ids, ``totalProducts``,
``connection``/``customer``, ``orderDate``, ``tstamp``, ``links``; a customer's aggregates over its orders
(the account-level row, connectionid "0", over every connection's customer with that email); a
connection's ``cdate``/``udate``. With ``documented`` on, dates are answered re-offset to the account's
zone, the same instant, as the examples show (sent ``17:41:39-04:00``, answered ``16:41:39-05:00``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .knobs import SandboxConfig
from .store import Record, Store

COUNTED_STATES = ("1", "3")  # completed and recovered orders make revenue; carts do not
DATE_FIELDS = frozenset(
    {
        "externalCreatedDate",
        "externalUpdatedDate",
        "abandonedDate",
        "createdDate",
        "updatedDate",
        "orderDate",
        "tstamp",
        "cdate",
        "udate",
        "lastSync",
    }
)


@lru_cache(maxsize=16)
def account_zone(name: str) -> tzinfo:
    """The zone for ``name``: an IANA name, ``UTC`` or an offset like ``-05:00``; ValueError if unknown."""
    m = re.fullmatch(r"([+-])(\d\d):(\d\d)", name.strip())
    if m:
        sign = -1 if m.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3))))
    if name.strip().upper() in ("UTC", "Z"):
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: give an IANA name such as America/Chicago (install the tzdata "
            "package where the system has none), UTC or an offset such as -05:00"
        ) from None


def instant(value: Any) -> datetime | None:
    """The moment a date-time string names, or None (absent, not a date, or without an offset)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def reoffset(value: Any, zone: tzinfo | None) -> Any:
    """``value`` as the same instant in ``zone``; anything that is not a date-time with an offset as is."""
    moment = instant(value) if zone is not None else None
    return value if moment is None else moment.astimezone(zone).isoformat()


def latest(values: list[Any]) -> Any:
    """The latest of some date-time strings (by instant, not by text), or None."""
    dated = [(m, v) for v in values if (m := instant(v)) is not None]
    return max(dated, key=lambda pair: pair[0])[1] if dated else None


class Shaper:
    """Answers stored records in the document's shapes; ``base_url`` prefixes the ``links``."""

    def __init__(self, store: Store, config: Callable[[], SandboxConfig]) -> None:
        self.store = store
        self.config = config
        self.base_url = ""

    def _link(self, path: str) -> str:
        return f"{self.base_url}/api/3/{path}"

    def _dates(self, record: Record) -> Record:
        config = self.config()
        if not config.documented:
            return record
        zone = account_zone(config.zone)
        return {k: reoffset(v, zone) if k in DATE_FIELDS else v for k, v in record.items()}

    # -- orders and their items ---------------------------------------------------------------

    def order(self, row: Record, products: list[Record] | None = None) -> Record:
        """An ecomOrder as the examples show it: ids of its items, links, orderDate and tstamp."""
        oid = row["id"]
        if products is None:
            products = self.store.all("product", orderid=oid)
        discounts = self.store.all("discount", orderid=oid)
        out = {"externalcheckoutid": None, "abandonedDate": None, **row}
        out.update(
            {
                "totalProducts": str(len(products)),
                "connection": row.get("connectionid"),
                "customer": row.get("customerid"),
                "orderProducts": [p["id"] for p in products],
                "orderDiscounts": [d["id"] for d in discounts],
                "orderDate": row.get("externalCreatedDate"),
                "tstamp": row.get("updatedDate"),
                "links": {
                    name: self._link(f"ecomOrders/{oid}/{name}")
                    for name in (
                        "connection",
                        "customer",
                        "orderProducts",
                        "orderDiscounts",
                        "orderActivities",
                    )
                },
                "id": oid,
            }
        )
        return self._dates(out)

    def order_answer(self, row: Record) -> dict[str, Any]:
        """The body of a create, update or get: the order with its connection, products and discounts."""
        products = self.store.all("product", orderid=row["id"])
        connection = self.store.get("connection", row["connectionid"]) if row.get("connectionid") else None
        return {
            "connections": [self.connection(connection)] if connection else [],
            "ecomOrderProducts": [self.product(p, row.get("connectionid")) for p in products],
            "ecomOrderDiscounts": [self.discount(d) for d in self.store.all("discount", orderid=row["id"])],
            "ecomOrder": self.order(row, products),
        }

    def product(self, row: Record, connectionid: str | None = None) -> Record:
        """An ecomOrderProduct: its order as ``orderid`` and ``ecomOrder``, the order's connection."""
        if connectionid is None:
            order = self.store.get("order", row.get("orderid") or "")
            connectionid = order.get("connectionid") if order else None
        out = {"orderid": row.get("orderid"), "connectionid": connectionid, **row}
        out.update(
            {
                "tstamp": row.get("updatedDate"),
                "links": {"ecomOrder": self._link(f"ecomOrderProducts/{row['id']}/ecomOrder")},
                "id": row["id"],
                "ecomOrder": row.get("orderid"),
            }
        )
        return self._dates(out)

    def discount(self, row: Record) -> Record:
        return self._dates(dict(row))

    # -- customers and connections ------------------------------------------------------------

    def _orders_of(self, row: Record) -> list[Record]:
        """The customer's orders; for the account-level row, those of every customer with its email."""
        ids = {row["id"]}
        if row.get("connectionid") == "0" and row.get("email"):
            ids |= {c["id"] for c in self.store.all("customer", email=row["email"])}
        return [o for cid in sorted(ids) for o in self.store.all("order", customerid=cid)]

    def customer(self, row: Record) -> Record:
        """An ecomCustomer with its aggregates (over completed and recovered orders), tstamp and links."""
        orders = [o for o in self._orders_of(row) if o.get("state") in COUNTED_STATES]
        revenue = sum(int(o.get("totalPrice") or 0) for o in orders)
        products = [p for o in orders for p in self.store.all("product", orderid=o["id"])]
        categories = Counter(p["category"] for p in products if p.get("category"))
        top = sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))
        cid = row["id"]
        out = {"acceptsMarketing": "0", **row}
        out.update(
            {
                "totalRevenue": str(revenue),
                "totalOrders": str(len(orders)),
                "totalProducts": str(len(products)),
                "avgRevenuePerOrder": str(revenue // len(orders)) if orders else "0",
                "avgProductCategory": top[0][0] if top else None,
                "tstamp": latest([row.get("tstamp"), *(o.get("updatedDate") for o in orders)]),
                "links": {
                    name: self._link(f"ecomCustomers/{cid}/{name}") for name in ("connection", "orders")
                },
                "id": cid,
                "connection": None if row.get("connectionid") in (None, "0") else row.get("connectionid"),
            }
        )
        return self._dates(out)

    def connection(self, row: Record) -> Record:
        """A connection as the examples show it: cdate/udate (not createdDate), links, listId."""
        stored = {k: v for k, v in row.items() if k not in ("createdDate", "updatedDate")}
        out = {
            "service": None,
            "externalid": None,
            "name": None,
            "isInternal": "0",
            "connectionType": "ecommerce",
            "status": "1",
            "syncStatus": "0",
            "sync_request_time": None,
            "sync_start_time": None,
            "lastSync": None,
            "logoUrl": None,
            "linkUrl": None,
            "listId": "0",
            "cdate": row.get("createdDate"),
            "udate": row.get("updatedDate"),
            "credentialExpiration": None,
            **stored,
        }
        out["listId"] = out["listId"] or "0"
        out["serviceName"] = out["service"]
        out["links"] = {
            name: self._link(f"connections/{row['id']}/{name}") for name in ("options", "customers")
        }
        out["id"] = row["id"]
        return self._dates(out)
