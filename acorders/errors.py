"""Exit statuses and the exceptions that end a run, mapped to a status in one place (as httpie does)."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Exit codes shared by every command; documented in --help and README."""

    OK = 0  # everything valid / pushed
    INVALID = 1  # some document invalid, unreadable or rejected (all others were handled)
    USAGE = 2  # unknown option, a path that does not exist
    CONFIG = 3  # configuration or authentication problem
    TEMPORARY = 4  # temporary failure: a rerun may fix it
    INTERRUPTED = 130  # Ctrl-C
    BROKEN_PIPE = 141  # the reader of stdout went away (128 + SIGPIPE), as shells report it


class AcordersError(Exception):
    """An error that ends the whole run. ``hint`` says what to do about it."""

    exit_status = ExitStatus.INVALID

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(AcordersError):
    exit_status = ExitStatus.USAGE


class ConfigError(AcordersError):
    exit_status = ExitStatus.CONFIG


class AuthError(ConfigError):
    """The API refused the key (403): every further request would be refused too."""


class WrongURLError(ConfigError):
    """The account URL answers, but not as ActiveCampaign's API (404 on an API path, HTML)."""


class TemporaryError(AcordersError):
    exit_status = ExitStatus.TEMPORARY


class LockTimeout(TemporaryError):
    """Another push holds the ledger lock for longer than --wait."""


class CartError(Exception):
    """A problem with one cart only: the run goes on with the others."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
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
        """True when the API says the record already exists (code "duplicate" or the word in a message)."""
        return any(code == "duplicate" for code in self.codes) or any(
            "duplicate" in text.lower() for text in [self.message, *(m for _, m in self.errors)]
        )


class TemporaryFailure(CartError):
    """Retries ran out on 429/5xx/connection errors: a rerun may succeed."""


class OutcomeUnknown(TemporaryFailure):
    """A write was sent but no answer came back: it may or may not have been applied.

    Never resent blindly; the caller settles it by looking the record up."""


class NotFound(CartError):
    """The API has no such record (404 with the API's JSON message), e.g. an order deleted in ActiveCampaign."""


def exit_status_for(exc: BaseException) -> ExitStatus:
    """The one place that decides the exit status of an exception that ended the run."""
    if isinstance(exc, KeyboardInterrupt):
        return ExitStatus.INTERRUPTED
    if isinstance(exc, AcordersError):
        return exc.exit_status
    if isinstance(exc, (TemporaryFailure, OSError)):
        return ExitStatus.TEMPORARY
    return ExitStatus.INVALID
