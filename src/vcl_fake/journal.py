"""The call journal: one :class:`Call` per operation, in the order they ended.

The dispatcher is its only writer (every protocol's calls pass through it); ``vc.calls``
and the control API read it. It is bounded: it keeps the latest :data:`DEFAULT_LIMIT` calls
(``journal_limit=`` changes that; ``None`` keeps every call), so a long-lived fake does not
grow with its traffic. Scenario expectations do not read it back: the scenario engine counts
what they need as calls end.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vcl_fake.errors import VapiError
from vcl_fake.protocols.http import Scripted

SUCCESS = "success"
#: How many calls a journal keeps by default (the oldest go first).
DEFAULT_LIMIT = 10_000


@dataclass(frozen=True)
class Call:
    """A journal entry: what was asked, and how it ended."""

    protocol: str
    operation: str
    input: Mapping[str, Any]
    outcome: str  # "success", the error_type, or "http 503" / "fault connection_error"
    result: Any = None
    error: VapiError | None = None
    time: _dt.datetime | None = None
    rule: str | None = None  # the scenario rule that fired on this call

    @property
    def ok(self) -> bool:
        return self.error is None


def outcome_of(scripted: Scripted) -> str:
    """How the journal names a scripted answer: ``http 503`` or ``fault read_timeout``."""
    if scripted.fault is not None:
        return f"fault {scripted.fault}"
    return f"http {scripted.response.status if scripted.response else '?'}"


class Journal:
    """The latest ``limit`` calls of one fake (every call if ``limit`` is None), thread-safe;
    ``dropped`` counts the calls that made way for newer ones."""

    def __init__(self, limit: int | None = DEFAULT_LIMIT) -> None:
        if limit is not None and limit < 0:
            raise ValueError(f"journal_limit must be at least 0 or None, not {limit!r}")
        self.limit = limit
        self.dropped = 0
        self._calls: deque[Call] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def record(self, call: Call) -> None:
        with self._lock:
            if self.limit is not None and len(self._calls) == self.limit:
                self.dropped += 1
            self._calls.append(call)

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)


__all__ = ["DEFAULT_LIMIT", "SUCCESS", "Call", "Journal", "outcome_of"]
