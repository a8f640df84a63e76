"""Send: planned documents to ActiveCampaign through the ledger, at the account's rate, one result each.

Documents about the same cart (a cart, its later versions, the order it became) are grouped and sent in
order by one worker (dispatch.py), so two threads never race to create one cart. A 403, a wrong URL or a
ledger that cannot record stops the run at once; a cart the API rejects is reported and the others go on.
A PUT answered 404 means only that the record is not at the id the ledger has: the cart is looked up and
adopted where it is, and created again only if it is really gone. Ctrl-C (or SIGTERM, interrupts.py): no
new requests; those in flight get GRACE_S seconds, none after a second signal; every cart still gets its
result and the intents left pending are settled by the next run.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from acorders.errors import (
    Cancelled,
    ConfigError,
    LedgerError,
    NotFound,
    Rejected,
    RequestFailed,
    RunError,
    UnavailableError,
)
from acorders.models import (
    Action,
    Document,
    Finding,
    PushResult,
    blank,
    ids,
    sendable,
)
from acorders.push import plan as planner
from acorders.push.customers import CustomerResolver, customer_hints
from acorders.push.interrupts import Interrupts
from acorders.push.ledger import DONE, PENDING, REJECTED, Ledger, content_hash
from acorders.push.lookup import Remote
from acorders.push.plan import result_for

if TYPE_CHECKING:
    pass

FAILURES_IN_A_ROW = 3  # then the API is down or refusing us: stop instead of waiting out every cart
GRACE_S = 5.0  # after one Ctrl-C, what the requests in flight get to finish


class Pusher:
    """Executes the plan for one document at a time; shared by the worker threads."""

    def __init__(
        self, client: Any, ledger: Ledger | None, account: str, resolver: CustomerResolver | None
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.account = account
        self.remote = Remote(client)
        self.resolver = resolver
        self.stop: RunError | None = None  # why the whole run must stop, once it must
        self.historical = False  # push --historical: every record sent with source 0 (backfill.py)
        self._failures = 0
        self._lock = threading.Lock()

    def push_group(self, docs: list[Document]) -> list[PushResult]:
        results = []
        for doc in docs:
            if self.stop is not None:
                results.append(
                    result_for(doc, Action.SKIPPED, errors=[Finding(None, f"not sent: {self.stop.message}")])
                )
                continue
            results.append(self.push_one(doc))
        return results

    def on_interrupt(self, interrupts: Interrupts) -> None:
        """From the signal handler (so no locks): no new carts, no new requests; those in flight get
        GRACE_S seconds after the first signal, none after the second."""
        if self.stop is None:
            self.stop = interrupts.stop()
        stop_sending = getattr(self.client, "stop_sending", None)  # a test's fake client may have none
        if stop_sending is not None:  # and nothing may raise in a signal handler
            stop_sending(GRACE_S if interrupts.count == 1 else 0.0)

    def push_one(self, doc: Document) -> PushResult:
        order = doc.order
        assert order is not None
        digest = content_hash(order)
        try:
            plan = planner.decide(order, self.account, self.ledger, digest)
            result = self._push(doc, order, plan, digest)
        except LedgerError as exc:  # it cannot record: stop sending, and say what this cart's request did
            self._halt(exc)
            result = _unrecorded(doc, exc)
        self._count(result)
        return result

    def _push(self, doc: Document, order: dict[str, Any], plan: planner.Plan, digest: str) -> PushResult:
        try:
            body = self._body(doc, order)
            result = self._execute(doc, order, body, plan, digest)
        except Cancelled:  # the run is stopping: this request was never sent (an intent stays pending)
            reason = self.stop.message if self.stop is not None else "the run is stopping"
            result = result_for(
                doc, Action.SKIPPED, id=plan.ac_id, errors=[Finding(None, f"not sent: {reason}")]
            )
        except NotFound as exc:  # a 404 with the API's message to a create: what it refers to is missing
            message = f"ActiveCampaign answered 404: {exc.message} (check the connectionid and customerid)"
            self._record(plan, REJECTED, Action.REJECTED, status=404, error=message, doc=doc)
            result = result_for(
                doc, Action.REJECTED, id=plan.ac_id, status=404, errors=[Finding(None, message)]
            )
        except Rejected as exc:
            self._record(plan, REJECTED, Action.REJECTED, status=exc.status, error=exc.message, doc=doc)
            errors = [Finding(path, message) for path, message in exc.errors] or [Finding(None, exc.message)]
            result = result_for(doc, Action.REJECTED, id=plan.ac_id, status=exc.status, errors=errors)
        except ConfigError as exc:  # 403, a wrong URL: nothing else will go through either
            self._halt(exc)
            result = result_for(doc, Action.FAILED, errors=[Finding(None, exc.message)])
        except RequestFailed as exc:  # OutcomeUnknown too: the intent stays pending for a rerun
            self._record(plan, PENDING, Action.FAILED, status=exc.status, error=exc.message, doc=doc)
            result = result_for(
                doc, Action.FAILED, id=plan.ac_id, status=exc.status, errors=[Finding(None, exc.message)]
            )
        except LedgerError:
            raise
        except Exception as exc:
            result = result_for(
                doc, Action.FAILED, errors=[Finding(None, f"internal error: {type(exc).__name__}: {exc}")]
            )
        return result

    def _count(self, result: PushResult) -> None:
        with self._lock:
            self._failures = self._failures + 1 if result.action is Action.FAILED else 0
            if self._failures >= FAILURES_IN_A_ROW and self.stop is None:
                reason = (
                    f"{FAILURES_IN_A_ROW} carts in a row failed ({result.errors[0].message}); rerun later"
                )
                self.stop = UnavailableError(reason)

    def _halt(self, stop: RunError) -> None:
        with self._lock:
            if self.stop is None:
                self.stop = stop

    def _body(self, doc: Document, order: dict[str, Any]) -> dict[str, Any]:
        body = dict(order)
        if self.historical:
            body["source"] = 0
        if blank(body.get("customerid")) and self.resolver is not None:
            try:
                body["customerid"] = self.resolver.resolve(
                    str(body["connectionid"]), str(body["email"]), customer_hints(doc.data)
                )
            except Rejected as exc:
                raise Rejected(
                    exc.message,
                    exc.status,
                    [("ecomOrder.customerid", f"cannot create the ecomCustomer: {exc.message}")],
                ) from None
        return body

    def _execute(
        self, doc: Document, order: dict[str, Any], body: dict[str, Any], plan: planner.Plan, digest: str
    ) -> PushResult:
        source = str(doc.origin)
        if plan.step == "unchanged":
            errors = [Finding(None, plan.note)] if plan.note else []
            return result_for(doc, Action.UNCHANGED, id=plan.ac_id, errors=errors)
        if plan.step == "update":
            try:
                return self._put(doc, plan.key, plan.ac_id, _resync(body), digest, Action.UPDATED)
            except NotFound:
                return self._relocate(doc, order, body, plan, digest)
        if plan.step == "recover":
            try:
                result = self._put(doc, plan.key, plan.ac_id, body, digest, Action.RECOVERED)
            except NotFound:
                result = self._relocate(doc, order, body, plan, digest)
            if self.ledger and plan.cart_key and result.action is Action.RECOVERED:
                self.ledger.settle(
                    plan.cart_key,
                    state=DONE,
                    action="recovered",
                    ac_id=result.id,
                    recovered_to=str(order.get("externalid")),
                    source=source,
                )
            return result
        return self._create(doc, order, body, plan, digest, lookup=True)

    def _relocate(
        self, doc: Document, order: dict[str, Any], body: dict[str, Any], plan: planner.Plan, digest: str
    ) -> PushResult:
        """A PUT answered 404: the record is not at the id the ledger has (a wrong id, or deleted in
        ActiveCampaign). Look it up by the shop's ids: adopt it where it is, create it only if it is really
        gone. The ledger keeps the old id until one of them records the new outcome, so a crash in between
        makes the rerun try the old id, get its 404 and come here again."""
        create = planner.Plan("create", plan.key)  # no adopt_hash: what is found is not our create
        found = self._find(order, fresh=True)
        if found is None:
            return self._create(doc, order, body, create, digest, lookup=False)
        return self._adopt(doc, order, body, create, digest, found)

    def _put(
        self, doc: Document, key: Any, ac_id: str | None, body: dict[str, Any], digest: str, action: Action
    ) -> PushResult:
        assert ac_id is not None
        if self.ledger:
            self.ledger.intend(key, ac_id, digest, str(doc.origin), sendable(body))
        self.client.update_order(ac_id, body)
        if self.ledger:
            self.ledger.settle(
                key,
                state=DONE,
                action=action.value,
                ac_id=ac_id,
                digest=digest,
                status=200,
                source=str(doc.origin),
            )
        return result_for(doc, action, id=ac_id, status=200)

    def _find(self, order: dict[str, Any], fresh: bool = False) -> dict[str, Any] | None:
        """The record of this order in ActiveCampaign: by its own id first, then by the cart it recovers."""
        connection = str(order["connectionid"])
        checkout, ext = ids(order)
        for field, value in (("externalid", ext), ("externalcheckoutid", checkout)):
            if value is not None:
                record = self.remote.find(connection, field, value, fresh=fresh)
                if record is not None:
                    return record
        return None

    def _create(
        self,
        doc: Document,
        order: dict[str, Any],
        body: dict[str, Any],
        plan: planner.Plan,
        digest: str,
        *,
        lookup: bool,
    ) -> PushResult:
        found = self._find(order) if lookup else None
        if found is not None:
            return self._adopt(doc, order, body, plan, digest, found)
        if self.ledger:
            self.ledger.intend(plan.key, None, digest, str(doc.origin), sendable(body))
        try:
            record, settled = self.client.create_order(body, lookup=lambda: self._find(order, fresh=True))
        except Rejected as exc:
            if not exc.duplicate:
                raise
            found = self._find(order, fresh=True)
            if found is None:
                raise
            return self._adopt(doc, order, body, plan, digest, found)
        ac_id = str(record["id"])
        self.remote.learn(str(order["connectionid"]), record)
        if self.ledger:
            self.ledger.settle(
                plan.key,
                state=DONE,
                action="created",
                ac_id=ac_id,
                digest=digest,
                status=None if settled else 201,
                source=str(doc.origin),
            )
            self._order_of_cart(order, ac_id, str(doc.origin))
        return result_for(doc, Action.CREATED, id=ac_id, status=None if settled else 201)

    def _order_of_cart(self, order: dict[str, Any], ac_id: str, source: str) -> None:
        """An order created with a checkout id the ledger never saw: the cart's entry says it became this
        order, so the cart pushed later is unchanged without a request instead of downgrading the order
        (and the record cannot say so itself: without abandonedDate its checkout id is not sent,
        models.sendable)."""
        assert self.ledger is not None
        order_key, cart_key = planner.keys_for(order, self.account)
        if order_key is None or cart_key is None or self.ledger.get(cart_key) is not None:
            return
        self.ledger.settle(
            cart_key, state=DONE, action="ordered", ac_id=ac_id, recovered_to=order_key.ext, source=source
        )

    def _adopt(
        self,
        doc: Document,
        order: dict[str, Any],
        body: dict[str, Any],
        plan: planner.Plan,
        digest: str,
        record: dict[str, Any],
    ) -> PushResult:
        """ActiveCampaign has the record already: make it ours instead of creating a second one."""
        ac_id = str(record["id"])
        source = str(doc.origin)
        is_order = ids(order)[1] is not None
        remote_ext = ids(record)[1]
        if is_order and remote_ext is None:  # the cart it came from: recover it
            return self._put(doc, plan.key, ac_id, body, digest, Action.RECOVERED)
        if not is_order and remote_ext is not None:  # this cart is an order already
            if self.ledger:
                self.ledger.settle(
                    plan.key,
                    state=DONE,
                    action="unchanged",
                    ac_id=ac_id,
                    digest=digest,
                    recovered_to=str(remote_ext),
                    source=source,
                )
            return result_for(
                doc,
                Action.UNCHANGED,
                id=ac_id,
                errors=[Finding(None, planner.already_an_order(str(remote_ext)))],
            )
        if plan.adopt_hash == digest:  # our own create, committed before a crash or a lost answer
            if self.ledger:
                self.ledger.settle(
                    plan.key, state=DONE, action="created", ac_id=ac_id, digest=digest, source=source
                )
            return result_for(doc, Action.CREATED, id=ac_id)
        return self._put(doc, plan.key, ac_id, _resync(body), digest, Action.UPDATED)

    def _record(
        self, plan: planner.Plan, state: str, action: Action, *, status: int | None, error: str, doc: Document
    ) -> None:
        if self.ledger is not None and plan.step != "unchanged":
            self.ledger.settle(
                plan.key, state=state, action=action.value, status=status, error=error, source=str(doc.origin)
            )


def _unrecorded(doc: Document, exc: LedgerError) -> PushResult:
    """The result of a cart whose outcome the ledger could not record: what its request did (``outcome``,
    from the settle that failed), or "not sent" when it failed before any request."""
    outcome = exc.outcome
    if outcome is None:
        return result_for(doc, Action.FAILED, errors=[Finding(None, f"not sent: {exc.message}")])
    note = Finding(None, f"not recorded in the ledger ({exc.message}); the next run looks it up")
    errors = [Finding(None, outcome["error"]), note] if outcome["error"] else [note]
    action = Action(outcome["action"])
    return result_for(doc, action, id=outcome["ac_id"], status=outcome["status"], errors=errors)


def _resync(body: dict[str, Any]) -> dict[str, Any]:
    """An update of a record already pushed is a re-sync: source 0, as ActiveCampaign's own WooCommerce
    module does, so the 'Abandons cart' automation does not start a second time."""
    return {**body, "source": 0}
