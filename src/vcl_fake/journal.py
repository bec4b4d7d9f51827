"""The call journal: one :class:`Call` per operation, in the order they ended.

The dispatcher is its only writer (every protocol's calls pass through it); ``vc.calls``
and the control API read it, and scenario expectations are checked against it.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vcl_fake.errors import VapiError
from vcl_fake.protocols.http import Scripted

SUCCESS = "success"


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

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._lock = threading.Lock()

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)


__all__ = ["SUCCESS", "Call", "Journal", "outcome_of"]
