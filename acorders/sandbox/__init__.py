"""An embedded ActiveCampaign-compatible API (like stripe-mock) to develop and test acorders offline.

Standard library only; listens on loopback only. ``SandboxConfig`` (``knobs``) holds what tests flip: the
limit's rate and shape (``limiters``: bucket, sliding or fixed window), latency and jitter, faults, --strict
(what the API document requires), ``documented`` (answers exactly as the document's examples). ``api``
routes requests, ``accounts`` owns connections and customers, ``listing`` pages, filters and sorts,
``records`` shapes what is answered, ``store`` keeps it in SQLite, ``server`` is the HTTP side; ``seeding``
changes the account behind a client's back (duplicates, deletions, drift) for verify's tests.
"""

from .knobs import SandboxConfig
from .server import RequestRecord, Sandbox
from .serving import serve
from .store import Store

__all__ = ["RequestRecord", "Sandbox", "SandboxConfig", "Store", "serve"]
