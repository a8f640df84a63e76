"""The Typer layer: parse options, call the core, return a status. Nothing else.

``app`` registers the commands; each command module (``validate``, ``push``, ``account``, ``ledger``)
parses its options, calls one stage and returns an exit status; ``runtime`` holds the Environment and
the one error handler; ``options`` defines each shared option once. The library never imports this.
"""
