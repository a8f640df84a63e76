"""An embedded ActiveCampaign-compatible API (like stripe-mock) to develop and test acorders offline.

Standard library only; listens on loopback only. See ``Sandbox`` for the knobs tests flip.
"""

from .api import SandboxConfig
from .server import RequestRecord, Sandbox, serve
from .store import Store

__all__ = ["RequestRecord", "Sandbox", "SandboxConfig", "Store", "serve"]
