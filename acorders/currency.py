"""ISO 4217 minor units: the one table of how many digits follow a currency's decimal point.

Below every stage (it imports nothing of acorders), because convert turns a shop's decimal amounts into
minor units with it and report turns minor units back into what a customer reads (4999 USD is $49.99,
1500 JPY is ¥1,500).
"""

from __future__ import annotations

from collections.abc import Mapping

# ISO 4217 minor units that are not 2 (list one, 2025); every other active code has 2.
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
EXPONENTS: dict[str, int] = {
    **dict.fromkeys(_ZERO.split(), 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}
DEFAULT_EXPONENT = 2


def exponent_of(currency: str, overrides: Mapping[str, int] | None = None) -> int:
    """The currency's minor-unit exponent: --exponent first, then ISO 4217."""
    code = currency.upper()
    if overrides and code in overrides:
        return overrides[code]
    return EXPONENTS.get(code, DEFAULT_EXPONENT)
