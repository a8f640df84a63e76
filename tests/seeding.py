"""The sandbox's seeding helpers (acorders.sandbox.seeding), under the name the tests import."""

from __future__ import annotations

from acorders.sandbox.seeding import delete_behind, drift, duplicate, foreign, order_of

__all__ = ["delete_behind", "drift", "duplicate", "foreign", "order_of"]
