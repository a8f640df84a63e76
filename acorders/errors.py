"""Exit statuses, every exception acorders raises, and the one map from an exception to an exit status.

Two families, by what they end, and one signal::

    AcordersError
    ├── RunError              ends the whole run; has an exit status and a hint saying what to do
    │   ├── UsageError        2: an unknown option, a path that does not exist
    │   │   └── MapError      a convert map (--map FILE or a built-in name) that cannot be read or used
    │   ├── ConfigError       3: configuration or authentication
    │   │   ├── AuthError     the API refused the key (403): every further request would be refused too
    │   │   └── WrongURLError the account URL answers, but not as ActiveCampaign's API
    │   ├── UnavailableError  4: not now (the API keeps failing, the ledger is busy); a rerun may fix it
    │   │   ├── LockTimeout   another push holds the ledger, or the account, for longer than --wait
    │   │   └── LedgerError   the ledger cannot be read or written (disk full, busy, I/O): the run stops
    │   │       └── LedgerDamaged  3, not 4: damaged pages; a rerun fixes nothing until it is moved aside
    │   └── Interrupted       130: Ctrl-C
    │       └── Terminated    143: SIGTERM, handled like Ctrl-C
    └── CartError             one cart only: it is reported, and the run goes on with the others
        ├── ConversionError   a shop record that cannot become an ecomOrder (money, date, quantity): one
        │                     error finding for that record, and the batch goes on
        ├── Rejected          the API refused this cart (422, 400): a rerun won't help until the data changes
        ├── NotFound          the API has no such record (404 with JSON on a record's path, or with
        │                     the API's message)
        └── RequestFailed     retries ran out (429, 5xx, network, the deadline): a rerun may succeed
            ├── OutcomeUnknown  a write may or may not have been applied (no answer, a 5xx, a malformed
            │                   id, the deadline): look the record up, never resend blindly
            ├── WaitTooLong     a 429 or 503 asked to wait (Retry-After) longer than the run may spend:
            │                   nothing more is sent, and the run stops with exit 4
            └── Cancelled     not sent: the run is stopping (Ctrl-C, SIGTERM)

    KeyboardInterrupt
    └── TerminateRequest      SIGTERM raised where Ctrl-C would raise KeyboardInterrupt, so that every
                              command stops the same way for both (then exits 143, not 130)

Nothing here imports the rest of acorders: every stage may raise these.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class ExitStatus(IntEnum):
    """Exit codes shared by every command; documented in --help and README."""

    OK = 0  # everything valid / pushed
    INVALID = 1  # some document invalid, unreadable or rejected (all others were handled)
    USAGE = 2  # unknown option, a path that does not exist
    CONFIG = 3  # configuration or authentication problem
    TEMPORARY = 4  # temporary failure: a rerun may fix it
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
    TERMINATED = 143  # SIGTERM (128 + SIGTERM), handled like Ctrl-C
    BROKEN_PIPE = 141  # the reader of stdout went away (128 + SIGPIPE), as shells report it


class AcordersError(Exception):
    """Everything acorders raises on purpose; ``message`` is for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RunError(AcordersError):
    """An error that ends the whole run. ``hint`` says what to do about it."""

    exit_status = ExitStatus.INVALID

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class UsageError(RunError):
    exit_status = ExitStatus.USAGE


class MapError(UsageError):
    """A convert map (--map FILE, or a built-in platform's) that cannot be read or says something wrong."""


class ConfigError(RunError):
    exit_status = ExitStatus.CONFIG


class AuthError(ConfigError):
    """The API refused the key (403): every further request would be refused too."""


class WrongURLError(ConfigError):
    """The account URL answers, but not as ActiveCampaign's API (404 on a collection, HTML)."""


class UnavailableError(RunError):
    """Not now: the API failed for several carts in a row, or the ledger is busy. A rerun may fix it."""

    exit_status = ExitStatus.TEMPORARY


class LockTimeout(UnavailableError):
    """Another push holds the ledger lock, or the account lock, for longer than --wait."""


class LedgerError(UnavailableError):
    """The ledger could not be read or written mid-run: a full disk, another program keeping it busy for
    longer than --wait, an I/O error. The run stops sending; a rerun settles what was not recorded.

    ``outcome``: what a failed write was recording (``action``, ``ac_id``, ``status``, ``error``), so the
    cart's result still says what its request did; None when nothing had been done yet."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.outcome: dict[str, Any] | None = None


class LedgerDamaged(LedgerError):
    """The ledger's file is damaged (a corrupted page, not a database): exit 3, since no rerun helps until
    the file is moved aside; the next run then rebuilds it from look-ups."""

    exit_status = ExitStatus.CONFIG


class Interrupted(RunError):
    """Ctrl-C: no new requests; those in flight get a short grace; the run says what it did."""

    exit_status = ExitStatus.INTERRUPTED


class Terminated(Interrupted):
    """SIGTERM: the same as Ctrl-C, with its own exit status."""

    exit_status = ExitStatus.TERMINATED


class CartError(AcordersError):
    """A problem with one cart only: the run goes on with the others."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Rejected(CartError):
    """The API refused this cart (422, 400): a rerun will not help until the data changes.

    ``errors`` is a list of (path, message); path is our field path (``ecomOrder.orderProducts[0].price``).
    ``codes`` runs parallel to ``errors``: the API's error code ("duplicate", "field_invalid") or None."""

    def __init__(
        self,
        message: str,
        status: int | None,
        errors: list[tuple[str | None, str]],
        codes: list[str | None] | None = None,
    ) -> None:
        super().__init__(message, status)
        self.errors = errors
        self.codes = list(codes) if codes is not None else [None] * len(errors)

    @property
    def duplicate(self) -> bool:
        """The API says the record exists already: code "duplicate", or the words in a message. Push and
        customer resolution then look the record up instead of failing the cart."""
        if "duplicate" in self.codes:
            return True
        text = " ".join([self.message, *(m for _, m in self.errors)]).lower()
        return "duplicate" in text or "already exists" in text


class ConversionError(CartError):
    """One shop record cannot become an ecomOrder exactly (an amount with too many decimals, a naive
    date without a zone, a fractional quantity): convert reports it as one error finding, and goes on."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class NotFound(CartError):
    """The API has no such record (404 with JSON on a record's path, or with the API's message), e.g. an
    order deleted in ActiveCampaign."""


class RequestFailed(CartError):
    """Retries ran out on 429/5xx/connection errors, or the answer was unusable: a rerun may succeed."""


class OutcomeUnknown(RequestFailed):
    """A write was sent and nothing proves it was not applied: no answer, a 5xx (503 included) or a reset,
    or a 2xx whose record has no usable id.

    Never resent blindly; the caller settles it by looking the record up."""


class Cancelled(RequestFailed):
    """Not sent: the run is stopping (Ctrl-C, SIGTERM) and sends no new request."""


class TerminateRequest(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C raises KeyboardInterrupt: whatever stops on Ctrl-C stops on it too."""


class WaitTooLong(RequestFailed):
    """A 429 or 503 whose Retry-After is longer than the run may still spend: this cart fails, nothing
    more is sent (the limiter is closed with this error), and the push stops with exit 4 naming the wait."""

    def __init__(self, message: str, status: int | None, wait: float) -> None:
        super().__init__(message, status)
        self.wait = wait


def exit_status_for(exc: BaseException) -> ExitStatus:
    """The one place that decides the exit status of an exception that ended the run."""
    if isinstance(exc, TerminateRequest):
        return ExitStatus.TERMINATED
    if isinstance(exc, KeyboardInterrupt):
        return ExitStatus.INTERRUPTED
    if isinstance(exc, BrokenPipeError):
        return ExitStatus.BROKEN_PIPE
    if isinstance(exc, RunError):
        return exc.exit_status
    if isinstance(exc, (RequestFailed, OSError)):
        return ExitStatus.TEMPORARY
    return ExitStatus.INVALID
