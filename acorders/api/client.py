"""HTTP client for ActiveCampaign's e-commerce ("Deep Data") API v3: its operations, on the transport.

A create (POST) whose outcome is unknown is never re-sent blindly: it is looked up first, so no cart is
created twice. Every record comes back with its ids as strings, and with an id that is one: a record whose
id is not (true, 1.5, an object) could not be addressed and is never taken for a found or created one.

Requests are what ActiveCampaign's OpenAPI document allows (tests/unit/test_openapi_requests.py checks each
one): no body it calls invalid (``models.sendable``), no parameter it does not name. Listings ask for no
sort (the document names none by id for these lists), so nothing here depends on a server's page order.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from acorders.api.answers import ids_as_str, is_record_id, shown
from acorders.api.listings import every_page, list_page
from acorders.api.retry import settle_delay
from acorders.api.transport import Record, Transport
from acorders.errors import NotFound, OutcomeUnknown, RequestFailed
from acorders.models import sendable

LIST_PAGE = 100  # the most records ActiveCampaign returns a request


class Client(Transport):
    """ActiveCampaign API client shared by all worker threads of one run."""

    # -- orders -------------------------------------------------------------------------------------

    def create_order(self, order: Record, *, lookup: Callable[[], Record | None]) -> tuple[Record, bool]:
        """POST the order; returns ``(record, settled_by_lookup)``.

        ``settled_by_lookup`` is False when our POST answered with the new record, True when a POST's
        outcome was unknown and ``lookup()`` (the caller's exact-match search) found the record: it exists
        now, created by that POST or earlier. If the lookup finds nothing the POST is sent again; there is
        always a lookup between two POSTs, and at most max_attempts POSTs. Raises OutcomeUnknown when
        still unsettled, or if the lookup itself fails (the order may exist)."""
        order = sendable(order)
        for round_ in range(1, self.max_attempts + 1):
            try:
                answer = self.request("POST", "/ecomOrders", body={"ecomOrder": order})
                return self._record("POST", "/ecomOrders", answer, "ecomOrder"), False
            except OutcomeUnknown as exc:
                unknown = exc
            delay = settle_delay(round_)  # a slow server may still be finishing the request we lost
            self.stats.add(retry_sleep=delay)
            self._sleep(delay)
            try:
                found = lookup()
            except RequestFailed as exc:
                raise OutcomeUnknown(
                    f"{unknown.message}; looking it up failed too: {exc.message}", unknown.status
                ) from None
            if found is not None and not is_record_id(found.get("id")):
                raise OutcomeUnknown(
                    f"{unknown.message}; the look-up found a record whose id is not an id "
                    f"({shown(found.get('id'))})",
                    unknown.status,
                )
            if found is not None:
                return ids_as_str(found), True
        raise OutcomeUnknown(
            f"{unknown.message} ({self.max_attempts} POSTs, each looked up afterwards without finding it)",
            unknown.status,
        )

    def update_order(self, id: str, order: Record) -> Record:
        """PUT the fields of ``order`` onto order ``id``; returns the updated record."""
        path = f"/ecomOrders/{quote(str(id), safe='')}"
        answer = self.request("PUT", path, body={"ecomOrder": sendable(order)})
        return self._record("PUT", path, answer, "ecomOrder")

    def get_order(self, id: str) -> Record | None:
        """The order, or None if ActiveCampaign has no such order (e.g. deleted there)."""
        path = f"/ecomOrders/{quote(str(id), safe='')}"
        try:
            return self._record("GET", path, self.request("GET", path), "ecomOrder")
        except NotFound:
            return None

    def delete_order(self, id: str) -> None:
        """Delete order ``id``; NotFound propagates (the caller decides whether that is fine)."""
        self.request("DELETE", f"/ecomOrders/{quote(str(id), safe='')}")

    def find_orders(
        self, *, connectionid: str, externalcheckoutid: str | None = None, externalid: str | None = None
    ) -> list[Record]:
        """Orders of the connection whose externalcheckoutid / externalid REALLY equal ours.

        The API's filters may match by "contains", so every returned record is checked here."""
        if externalcheckoutid is None and externalid is None:
            raise ValueError("find_orders needs externalcheckoutid or externalid")
        wanted = {
            "connectionid": connectionid,
            "externalcheckoutid": externalcheckoutid,
            "externalid": externalid,
        }
        wanted = {k: str(v) for k, v in wanted.items() if v is not None}
        params = {f"filters[{k}]": v for k, v in wanted.items()}
        rows = every_page(self.request, "/ecomOrders", params, "ecomOrders")
        matches = [r for r in rows if all(str(r.get(k)) == v for k, v in wanted.items())]
        return addressable("/ecomOrders", matches)

    def list_orders(
        self, *, connectionid: str | None = None, limit: int = 100, offset: int = 0
    ) -> tuple[list[Record], int | None]:
        """One page of orders in the server's order (no sort is documented by id, and none is relied on):
        (records, meta.total or None when the answer gives none)."""
        params = {
            "filters[connectionid]": connectionid,
            "limit": limit,
            "offset": offset,
        }
        return list_page(self.request, "/ecomOrders", params, "ecomOrders")

    # -- connections and customers ------------------------------------------------------------------

    def list_connections(
        self, *, service: str | None = None, externalid: str | None = None, limit: int = 100, offset: int = 0
    ) -> tuple[list[Record], int | None]:
        """One page of connections: (records, meta.total or None)."""
        params = {
            "filters[service]": service,
            "filters[externalid]": externalid,
            "limit": limit,
            "offset": offset,
        }
        return list_page(self.request, "/connections", params, "connections")

    def create_connection(
        self,
        service: str,
        externalid: str,
        name: str,
        *,
        logo_url: str,
        link_url: str,
    ) -> Record:
        """Create a connection (the shop); returns the record. OutcomeUnknown propagates to the caller.

        The document requires all five fields: ActiveCampaign shows the logo and links to the shop."""
        body = {
            "connection": {
                "service": service,
                "externalid": externalid,
                "name": name,
                "logoUrl": logo_url,
                "linkUrl": link_url,
            }
        }
        return self._record(
            "POST", "/connections", self.request("POST", "/connections", body=body), "connection"
        )

    def find_customers(self, *, email: str, connectionid: str) -> list[Record]:
        """E-commerce customers of this connection with this email (case-insensitive).

        Drops the account-level row (connectionid "0") and anything the filters matched loosely."""
        params = {"filters[email]": email, "filters[connectionid]": str(connectionid)}
        rows = every_page(self.request, "/ecomCustomers", params, "ecomCustomers")
        return addressable(
            "/ecomCustomers",
            [
                r
                for r in rows
                if str(r.get("connectionid")) == str(connectionid)
                and str(r.get("email") or "").casefold() == email.casefold()
            ],
        )

    def list_customers(
        self, *, email: str | None = None, connectionid: str | None = None, limit: int = 100, offset: int = 0
    ) -> tuple[list[Record], int | None]:
        """One page of e-commerce customers: (records, meta.total or None)."""
        params = {
            "filters[email]": email,
            "filters[connectionid]": connectionid,
            "limit": limit,
            "offset": offset,
        }
        return list_page(self.request, "/ecomCustomers", params, "ecomCustomers")

    def create_customer(
        self, *, connectionid: str, externalid: str, email: str, accepts_marketing: bool = False
    ) -> Record:
        """Create an e-commerce customer (the ``customerid`` orders need); OutcomeUnknown propagates."""
        body = {
            "ecomCustomer": {
                "connectionid": str(connectionid),
                "externalid": str(externalid),
                "email": email,
                "acceptsMarketing": "1" if accepts_marketing else "0",
            }
        }
        answer = self.request("POST", "/ecomCustomers", body=body)
        return self._record("POST", "/ecomCustomers", answer, "ecomCustomer")

    def delete_customer(self, id: str) -> None:
        """Delete ecomCustomer ``id`` (delete --email); NotFound propagates."""
        self.request("DELETE", f"/ecomCustomers/{quote(str(id), safe='')}")

    # -- whole listings, for the list commands --------------------------------------------------------

    def listing(
        self, what: str, *, limit: int | None = None, **filters: str | None
    ) -> tuple[list[Record], int | None]:
        """Every record of a list (``what``: "connections", "customers" or "orders"), page after page, or
        the first ``limit``: (records, meta.total or None). A list command that showed one page of 100
        records without a word hid the rest of an account (251 customers, 126 connections)."""
        lister: dict[str, Callable[..., tuple[list[Record], int | None]]] = {
            "connections": self.list_connections,
            "customers": self.list_customers,
            "orders": self.list_orders,
        }
        records: list[Record] = []
        seen: set[str] = set()
        total: int | None = None
        while limit is None or len(records) < limit:
            want = LIST_PAGE if limit is None else min(LIST_PAGE, limit - len(records))
            page, total = lister[what](**filters, limit=want, offset=len(records))
            fresh = [r for r in page if str(r.get("id")) not in seen]
            if not fresh:  # the end, or a server that ignores offset and repeats its first page
                break
            seen.update(str(r.get("id")) for r in fresh)
            records.extend(fresh)
            if total is not None and len(records) >= total:
                break
        return records, total

    def me(self) -> Record:
        """The key's user (GET /users/me): a cheap check of URL and key before a run."""
        answer = self.request("GET", "/users/me")
        user = answer.get("user")
        return ids_as_str(user) if isinstance(user, dict) else answer


def addressable(path: str, matches: list[Record]) -> list[Record]:
    """The records a look-up matched, if each has an id that is one; RequestFailed otherwise: the record
    exists (creating it again would duplicate it) but cannot be updated until the server says its id."""
    for record in matches:
        if not is_record_id(record.get("id")):
            raise RequestFailed(
                f"GET {path}: ActiveCampaign listed the record with an id that is not an id "
                f"({shown(record.get('id'))}); cannot update it",
                None,
            )
    return matches
