"""Clocks: the only place vcl_fake reads the time.

Every time-dependent behaviour (session expiry, retention, later pull progress and certificate
validity) asks a clock. ``SystemClock`` follows real time and looks ``datetime.now`` up at every
call, so freezegun's ``freeze_time`` and time-machine move it too; ``ManualClock`` only moves
when told. Both support ``advance(seconds)``.

Every duration the fake accepts (an advance, a timeout, a scenario delay) is at most
``MAX_DURATION`` seconds, and no clock moves past ``LATEST``: so ``now + timeout + retention``
always stays inside the calendar, and a huge advance is refused with ValueError instead of
breaking every later call.

Moments are read and written as RFC 3339 (``parse_datetime``, ``format_datetime``), the same
on every Python, wherever they come from: a ``ManualClock`` start, a scenario, the wire.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import threading
from typing import Protocol, runtime_checkable

UTC = _dt.timezone.utc


def format_datetime(moment: _dt.datetime) -> str:
    """vAPI's datetime form: ``2026-01-01T00:00:00.000Z`` (UTC, milliseconds)."""
    # isoformat: "+00:00" ends it; it pads the year to four digits, as RFC 3339 requires
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


#: RFC 3339 ``date-time`` (section 5.6): any number of fraction digits, ``T``, ``t`` or a
#: space between date and time, ``Z``, ``z`` or ``+hh:mm`` (a missing offset is read as UTC).
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))?",
    re.ASCII,
)


def parse_datetime(text: str) -> _dt.datetime:
    """Parse an RFC 3339 timestamp (the same on every Python: ``fromisoformat`` refuses most
    fractions on 3.10 and takes forms RFC 3339 does not from 3.11 on); fractions beyond the
    microsecond are cut. ValueError for anything else, including a moment at the calendar's
    edge that an offset moves outside it in UTC."""
    found = _RFC3339.fullmatch(text) if isinstance(text, str) else None
    if found is None:
        raise ValueError(f"{text!r} is not an RFC 3339 date and time")
    year, month, day, hour, minute, second, fraction, _z, sign, oh, om = found.groups()
    if int(oh or 0) > 23 or int(om or 0) > 59:
        raise ValueError(f"{text!r} has an offset outside -23:59 to +23:59")
    micro = int((fraction or "")[:6].ljust(6, "0"))
    offset = _dt.timedelta(hours=int(oh or 0), minutes=int(om or 0)) * (-1 if sign == "-" else 1)
    fields = (int(year), int(month), int(day), int(hour), int(minute), int(second), micro)
    moment = _dt.datetime(*fields, tzinfo=_dt.timezone(offset))  # ValueError: no such moment
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{text} is outside the calendar in UTC") from None


#: The longest duration accepted anywhere (an advance, a timeout, a delay): 1000 years.
MAX_DURATION = 1000 * 366 * 86400.0
#: No clock moves beyond this moment (leaves room for two MAX_DURATION periods after it).
LATEST = _dt.datetime(7000, 1, 1, tzinfo=UTC)


def check_duration(seconds: float, what: str = "a duration") -> float:
    """``seconds`` as a float, if it is a finite number from 0 to MAX_DURATION; else ValueError."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ValueError(f"{what} is a number of seconds, not {seconds!r}")
    try:
        value = float(seconds)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value) or not 0 <= value <= MAX_DURATION:
        raise ValueError(f"{what} must be from 0 to {MAX_DURATION:.0f} seconds, not {seconds}")
    return value


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
    if isinstance(seconds, (int, float)) and seconds < 0:
        raise ValueError(f"a clock only moves forward (asked to advance by {seconds} s)")
    return _dt.timedelta(seconds=check_duration(seconds, "an advance"))


def _within(moment: _dt.datetime) -> _dt.datetime:
    if moment > LATEST:
        raise ValueError(f"a clock cannot move beyond {LATEST.isoformat()}")
    return moment


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
            _within(_as_utc(_dt.datetime.now(UTC)) + self._offset + step)
            self._offset += step

    def __repr__(self) -> str:
        return f"SystemClock(offset={self._offset.total_seconds()}s)"


class ManualClock:
    """A clock that stands still until advanced. ``start`` defaults to 2026-01-01T00:00:00Z."""

    DEFAULT_START = _dt.datetime(2026, 1, 1, tzinfo=UTC)

    def __init__(self, start: _dt.datetime | str | None = None) -> None:
        if isinstance(start, str):
            start = parse_datetime(start)
        try:
            moment = _as_utc(start) if start is not None else self.DEFAULT_START
        except OverflowError:
            raise ValueError(f"{start} is outside the calendar in UTC") from None
        self._now = _within(moment)
        self._lock = threading.Lock()

    def now(self) -> _dt.datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        step = _seconds(seconds)
        with self._lock:
            self._now = _within(self._now + step)

    def set(self, moment: _dt.datetime) -> None:
        """Jump to ``moment`` (forward only)."""
        moment = _as_utc(moment)
        with self._lock:
            if moment < self._now:
                raise ValueError(f"a clock only moves forward ({moment} is before {self._now})")
            self._now = _within(moment)

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
