"""The account lock: one push to an account at a time on this machine, whatever ledger each run uses. A
lock file in the user runtime dir (outside every state dir), named by a hash of the account URL."""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import threading
import time
from pathlib import Path

import pytest

from acorders.errors import ExitStatus, LockTimeout
from acorders.push.locks import AccountLock, runtime_dir

URL = "https://acct.api-us1.com"


@pytest.fixture(autouse=True)
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    (tmp_path / "run").mkdir(mode=0o700)
    return tmp_path / "run"


def test_one_account_is_pushed_to_by_one_run_at_a_time(tmp_path: Path) -> None:
    first = AccountLock(URL)
    first.acquire(0)
    try:
        started = time.monotonic()
        with pytest.raises(LockTimeout) as info:
            AccountLock(URL).acquire(0.3, sleep=0.05)
        assert 0.25 <= time.monotonic() - started < 3
        assert info.value.exit_status == ExitStatus.TEMPORARY
        assert URL in info.value.message and f"pid {os.getpid()}" in info.value.message
        assert "nothing was sent" in (info.value.hint or "") and "--wait" in (info.value.hint or "")
        with AccountLock("https://other.api-us1.com") as other:  # another account has its own lock
            other.acquire(0)
    finally:
        first.release()
    with AccountLock(URL) as again:
        again.acquire(0)


def test_a_waiting_run_gets_the_account_when_the_holder_lets_go() -> None:
    holder = AccountLock(URL)
    holder.acquire(0)
    timer = threading.Timer(0.2, holder.release)
    timer.start()
    try:
        with AccountLock(URL) as waiter:
            started = time.monotonic()
            waiter.acquire(5, sleep=0.02)
            assert 0.1 < time.monotonic() - started < 4
    finally:
        timer.join()


def test_the_lock_file_is_in_the_runtime_dir_named_by_a_hash_of_the_url(runtime: Path) -> None:
    lock = AccountLock(URL)
    lock.acquire(0)
    try:
        digest = hashlib.sha256(URL.encode()).hexdigest()[:24]
        assert lock.path == runtime / "acorders" / f"account-{digest}.lock"
        assert lock.path.exists() and "api-us1" not in lock.path.name
        mode = stat.S_IMODE(os.stat(lock.path.parent).st_mode)
        assert mode == 0o700, oct(mode)
    finally:
        lock.release()


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp dir, here (platformdirs' own fallback reads TMPDIR)."""
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path / "tmp"


def test_without_a_usable_runtime_dir_a_private_dir_in_the_temp_dir_is_used(
    tmp_path: Path, temp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    monkeypatch.setattr(platformdirs, "user_runtime_path", lambda *a, **k: not_a_dir / "acorders")
    assert runtime_dir() == temp / f"acorders-{os.getuid()}"
    with AccountLock(URL) as lock:
        lock.acquire(0)
        assert lock.path.parent == temp / f"acorders-{os.getuid()}"

    def unavailable(*args: object, **kwargs: object) -> Path:
        raise PermissionError("no safe temporary directory; set XDG_RUNTIME_DIR")

    monkeypatch.setattr(platformdirs, "user_runtime_path", unavailable)
    assert runtime_dir() == temp / f"acorders-{os.getuid()}"


def test_a_runtime_dir_others_can_write_to_is_not_used(tmp_path: Path, temp: Path) -> None:
    shared = tmp_path / "run" / "acorders"
    shared.mkdir(mode=0o777)
    os.chmod(shared, 0o777)  # another user could swap the lock file
    assert runtime_dir() == temp / f"acorders-{os.getuid()}"


def test_no_warning_reaches_stderr_when_xdg_runtime_dir_is_unset(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], temp: Path
) -> None:
    """platformdirs warns when XDG_RUNTIME_DIR is unset (cron has none): the user must not see it."""
    import warnings

    monkeypatch.delenv("XDG_RUNTIME_DIR")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = runtime_dir()
    assert capfd.readouterr().err == ""
    assert found.is_relative_to(temp) or found.is_relative_to("/run/user")
    assert stat.S_IMODE(os.stat(found).st_mode) == 0o700 and os.stat(found).st_uid == os.getuid()
