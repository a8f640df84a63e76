"""Validate: the bundled schema plus the checks no one else makes, turned into findings a person can act on.

``schema`` is the bundled JSON Schema, ``messages`` rewords its errors, ``checks`` adds what no schema can
say, ``text`` refuses what no request can carry (lone surrogates, control characters in ids), ``batch``
finds the same cart twice in a batch, and ``validator`` runs them over one document.
``parallel`` checks many files on every core through ``pool``; ``runner`` feeds a reporter. Nothing here
prints or exits.
"""

from acorders.validate.runner import run
from acorders.validate.validator import ValidateOptions, Validator

__all__ = ["ValidateOptions", "Validator", "run"]
