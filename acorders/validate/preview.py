"""preview PATH...: validate's checks plus what the abandoned-cart email would miss, and the page.

The preview findings (acorders.report.preview) are warnings added before ``settle``, so --strict makes
them errors as it does validate's own, and the exit status is validate's. The page collects each cart's
section as the reporter gets it: one pass over the input, in its order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from acorders.models import Document, ValidateSummary
from acorders.report.html import cart_section, not_shown, page
from acorders.report.preview import preview_findings
from acorders.validate.batch import Fingerprint
from acorders.validate.runner import run
from acorders.validate.validator import Validator


class PreviewValidator(Validator):
    """A Validator that also says what the customer would miss in the email."""

    def settle(self, doc: Document, fingerprint: Fingerprint | None) -> Document:
        order = doc.order
        if order is not None:
            prefix = "ecomOrder" if order is not doc.data else ""
            found = preview_findings(order, prefix)
            if found:
                doc.findings.extend(found)
        return super().settle(doc, fingerprint)


class PageCollector:
    """A reporter in front of another: keeps each document's section of the page, then passes it on."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sections: list[str] = []
        self.carts = 0
        self.marked = 0

    def start(self, total: int | None) -> None:
        self.inner.start(total)

    def advance(self, n: int = 1) -> None:
        self.inner.advance(n)

    def item(self, doc: Any) -> None:
        origin = str(doc.origin)
        order = doc.order
        if order is None:
            self.sections.append(not_shown(origin, doc.findings))
        else:
            self.carts += 1
            self.marked += bool(doc.findings)
            self.sections.append(cart_section(order, doc.findings, origin))
        self.inner.item(doc)

    def finish(self, summary: Any) -> None:
        self.inner.finish(summary)

    def html(self, title: str = "Abandoned-cart email preview") -> str:
        lead = f"{self.carts} cart(s) and order(s); {self.marked} with something the customer would miss"
        return page(title, lead, "".join(self.sections))


def preview(
    sources: Iterable[Any], validator: PreviewValidator, reporter: Any, stdin: Any = None, loader: Any = None
) -> tuple[ValidateSummary, str]:
    """Check and render every document of every source: the summary (validate's) and the page."""
    collector = PageCollector(reporter)
    summary = run(sources, validator, collector, stdin, loader)
    return summary, collector.html()


__all__ = ["PageCollector", "PreviewValidator", "preview"]
