"""acorders: push abandoned carts and orders to ActiveCampaign, exactly once."""

__version__ = "0.1.0"
