"""Locks that keep two pushes apart: one per ledger (in its state dir) and one per account (outside it).

The ledger lock alone let two runs with different state dirs push the same carts to one account at once,
and a state dir deleted mid-run took its lock file with it. The account lock lives in the user runtime dir
(``$XDG_RUNTIME_DIR/acorders``, else a private dir in the temp dir), named by a hash of the account URL,
so two runs on one machine never push to one account at once, whatever their ledgers. Both are ``flock``
locks: the kernel drops them when the process dies, even by kill -9.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import stat
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from acorders.errors import ConfigError, LockTimeout

WAIT_HINT = "let it finish, or give --wait SECONDS; nothing was sent by this run"


def take(path: Path, wait: float, busy: Callable[[str], LockTimeout], sleep: float = 0.1) -> int:
    """Lock ``path`` exclusively, waiting up to ``wait`` seconds; the open descriptor, which holds the lock
    and our pid. ``busy(holder)`` is the LockTimeout to raise, given the holder's pid."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
                os.close(fd)
                raise busy(holder) from None
            time.sleep(sleep)
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


def release(fd: int | None) -> None:
    if fd is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def runtime_dir() -> Path:
    """A directory only this user can write: the user runtime dir, else ``acorders-<uid>`` in the temp dir.

    Anyone could create either name first; one that is not ours and private is passed over, since
    whoever can write there could swap the lock file and let two runs in."""
    from platformdirs import user_runtime_path

    candidates: list[Path] = []
    try:
        with warnings.catch_warnings():  # "XDG_RUNTIME_DIR is not set": cron has none; not the user's concern
            warnings.simplefilter("ignore")
            candidates.append(user_runtime_path("acorders"))
    except (OSError, RuntimeError, KeyError):  # no usable runtime dir at all
        pass
    candidates.append(Path(tempfile.gettempdir()) / f"acorders-{os.getuid()}")
    for path in candidates:
        if _private(path):
            return path
    raise ConfigError(
        f"no private directory for the account lock (tried {', '.join(map(str, candidates))})",
        hint="set XDG_RUNTIME_DIR (or TMPDIR) to a directory only you can write",
    )


def _private(path: Path) -> bool:
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077


class AccountLock:
    """One push to an account at a time on this machine, whatever ledger each run uses."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = runtime_dir() / f"account-{hashlib.sha256(url.encode()).hexdigest()[:24]}.lock"
        self._fd: int | None = None

    def acquire(self, wait: float, sleep: float = 0.1) -> None:
        """Exclusive for the whole push; another run waits up to ``wait`` seconds, then LockTimeout (4)."""

        def busy(holder: str) -> LockTimeout:
            return LockTimeout(
                f"another acorders push (pid {holder}) is pushing to {self.url}, with another ledger; "
                f"waited {wait:g} s",
                hint=WAIT_HINT,
            )

        self._fd = take(self.path, wait, busy, sleep)

    def release(self) -> None:
        release(self._fd)
        self._fd = None

    def __enter__(self) -> AccountLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
