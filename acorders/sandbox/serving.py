"""``acorders sandbox``: one sandbox served until Ctrl-C, with a clear error for a port already taken."""

from __future__ import annotations

import errno
import time
from collections.abc import Callable

from acorders.errors import ConfigError

from .knobs import SandboxConfig
from .server import Sandbox


def serve(
    config: SandboxConfig,
    host: str = "127.0.0.1",
    port: int = 8765,
    db: str = ":memory:",
    ready: Callable[[str], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> bool:
    """Serve until Ctrl-C, then True (``acorders sandbox`` exits 130); ``ready`` gets the URL once
    requests are accepted, ``log`` a line per request. A port already taken is a ConfigError (exit 3)
    saying what to do, not an OSError to report."""
    sandbox = Sandbox(config, host=host, port=port, db=db, log=log)
    try:
        sandbox.start()
    except OSError as exc:
        sandbox.store.close()
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
            raise
        why = "is in use" if exc.errno == errno.EADDRINUSE else "is not allowed to this user"
        raise ConfigError(
            f"cannot listen on {host} port {port}: the port {why}",
            hint="pick another with --port N, or --port 0 for any free port",
        ) from None
    try:
        if ready is not None:
            ready(sandbox.url)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return True
    finally:
        sandbox.stop()
        sandbox.store.close()
