"""Clocks: the only place vcl_fake reads the time.

Every time-dependent behaviour (session expiry, retention, later pull progress and certificate
validity) asks a clock. ``SystemClock`` follows real time and looks ``datetime.now`` up at every
call, so freezegun's ``freeze_time`` and time-machine move it too; ``ManualClock`` only moves
when told. Both support ``advance(seconds)``.
"""

from __future__ import annotations

import datetime as _dt
import threading
from typing import Protocol, runtime_checkable

UTC = _dt.timezone.utc


@runtime_checkable
class Clock(Protocol):
    """What the fake needs of a clock."""

    def now(self) -> _dt.datetime:
        """The current time, an aware UTC datetime."""
        ...

    def advance(self, seconds: float) -> None:
        """Move this clock forward by ``seconds``."""
        ...


def _as_utc(moment: _dt.datetime) -> _dt.datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _seconds(seconds: float) -> _dt.timedelta:
    if seconds < 0:
        raise ValueError(f"a clock only moves forward (asked to advance by {seconds} s)")
    return _dt.timedelta(seconds=seconds)


class SystemClock:
    """Real time plus an offset that ``advance`` grows.

    ``datetime.datetime.now`` is looked up through the module at every call (never bound at
    import), so time-freezing libraries patch what this clock sees.
    """

    def __init__(self) -> None:
        self._offset = _dt.timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> _dt.datetime:
        return _as_utc(_dt.datetime.now(UTC)) + self._offset

    def advance(self, seconds: float) -> None:
        step = _seconds(seconds)
        with self._lock:
            self._offset += step

    def __repr__(self) -> str:
        return f"SystemClock(offset={self._offset.total_seconds()}s)"


class ManualClock:
    """A clock that stands still until advanced. ``start`` defaults to 2026-01-01T00:00:00Z."""

    DEFAULT_START = _dt.datetime(2026, 1, 1, tzinfo=UTC)

    def __init__(self, start: _dt.datetime | str | None = None) -> None:
        if isinstance(start, str):
            start = _dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
        self._now = _as_utc(start) if start is not None else self.DEFAULT_START
        self._lock = threading.Lock()

    def now(self) -> _dt.datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        step = _seconds(seconds)
        with self._lock:
            self._now += step

    def set(self, moment: _dt.datetime) -> None:
        """Jump to ``moment`` (forward only)."""
        moment = _as_utc(moment)
        with self._lock:
            if moment < self._now:
                raise ValueError(f"a clock only moves forward ({moment} is before {self._now})")
            self._now = moment

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"


class RequestClock:
    """A clock that stands still for the length of one request: between :meth:`pin` and
    :meth:`unpin`,
    ``now()`` answers the moment the request began (plus whatever ``advance`` added during
    it), so every step of a call sees one "now". Pins are per thread; outside a pin it is
    the wrapped clock."""

    def __init__(self, clock: Clock) -> None:
        self.wrapped = clock
        self._pin = threading.local()

    def now(self) -> _dt.datetime:
        pinned: _dt.datetime | None = getattr(self._pin, "now", None)
        return pinned if pinned is not None else self.wrapped.now()

    def advance(self, seconds: float) -> None:
        self.wrapped.advance(seconds)
        pinned: _dt.datetime | None = getattr(self._pin, "now", None)
        if pinned is not None:
            self._pin.now = pinned + _seconds(seconds)

    def pin(self) -> bool:
        """Hold "now" still from here (False if this thread already holds a pin)."""
        if getattr(self._pin, "now", None) is not None:
            return False
        self._pin.now = self.wrapped.now()
        return True

    def unpin(self) -> None:
        self._pin.now = None

    def __repr__(self) -> str:
        return f"RequestClock({self.wrapped!r})"
