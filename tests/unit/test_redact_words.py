"""Issue 13: redaction masks secrets, not words. A key short enough to be a word ("sandbox") would turn
every equal value into "***" ("service": "***", "user ***"); a real ActiveCampaign key is 72 characters."""

from __future__ import annotations

import json

from acorders.api.secrets import MASK, redact, redact_json

LONG = "ZZTOPSECRET-c0ffee-4f1d-9e2b-7a7aK3YQ"


def test_a_word_sized_key_masks_nothing() -> None:
    text = '{"connection": {"service": "sandbox"}, "user": "sandbox"}'
    assert redact(text, "sandbox") == text
    assert redact_json(json.loads(text), "sandbox") == json.loads(text)


def test_a_key_of_a_real_length_is_still_masked() -> None:
    assert redact(f"Api-Token: {LONG}", LONG) == f"Api-Token: {MASK}"
    assert redact("Api-Token: %5A" + LONG[1:], LONG) == f"Api-Token: {MASK}"


def test_the_sandbox_command_default_key_cannot_collide_with_data() -> None:
    import inspect

    from acorders.cli.sandbox import sandbox_command
    from acorders.sandbox.accounts import __file__ as accounts_file
    from acorders.sandbox.api import __file__ as api_file

    default = inspect.signature(sandbox_command).parameters["api_key"].default
    assert len(default) >= 20
    assert redact("sandbox", default) == "sandbox"
    for path in (accounts_file, api_file):  # nothing the sandbox answers holds it
        with open(path, encoding="utf-8") as f:
            assert default not in f.read()
