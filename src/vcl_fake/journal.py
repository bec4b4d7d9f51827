"""The call journal: one :class:`Call` per operation, in the order they ended.

The dispatcher is its only writer (every protocol's calls pass through it); ``vc.calls``
and the control API read it. It keeps the last ``limit`` calls (``JOURNAL_LIMIT`` by default;
None keeps all): the oldest drop out, so a long-lived fake does not grow with its traffic.
Scenario expectations do not read it back: the scenario engine counts what they need as
calls end.
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
#: How many calls a journal keeps by default (``FakeVCenter(journal_limit=...)``).
JOURNAL_LIMIT = 10_000


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
    """The calls of one fake, thread-safe."""

    def __init__(self, limit: int | None = JOURNAL_LIMIT) -> None:
        self._calls: deque[Call] = deque(maxlen=limit)
        self._lock = threading.Lock()

    @property
    def limit(self) -> int | None:
        return self._calls.maxlen

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)


__all__ = ["JOURNAL_LIMIT", "SUCCESS", "Call", "Journal", "outcome_of"]
