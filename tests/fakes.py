"""Test doubles shared by several test modules."""

from __future__ import annotations


class FakeClock:
    """A clock that only moves when someone sleeps, so spacing is exact and tests never wait."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds
