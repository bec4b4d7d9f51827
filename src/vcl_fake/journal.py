"""The call journal: one :class:`Call` per operation, in the order they ended, and the
timeline table that shows it.

The dispatcher records every operation (every protocol's calls pass through it); the
application stamps each call with the HTTP exchange that carried it (request line, status)
and journals requests that reached no operation (``outcome == "unrouted"``, with a
did-you-mean). ``vc.calls``, ``vc.timeline()``, the control API and the pytest plugin read
it. It keeps the last ``limit`` calls (``JOURNAL_LIMIT`` by default; None keeps all): the
oldest drop out, so a long-lived fake does not grow with its traffic. Scenario expectations
do not read it back: the scenario engine counts what they need as calls end.
"""

from __future__ import annotations

import datetime as _dt
import re
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vcl_fake.protocols.http import Scripted

if TYPE_CHECKING:  # the pytest plugin imports this module: no contract tables at start-up
    from vcl_fake.errors import VapiError

SUCCESS = "success"
#: How many calls a journal keeps by default (``FakeVCenter(journal_limit=...)``).
JOURNAL_LIMIT = 10_000
UNROUTED = "unrouted"  # the request reached no operation (unknown path, method or envelope)


@dataclass(frozen=True)
class Call:
    """A journal entry: what was asked, and how it ended."""

    protocol: str
    operation: str  # "" for an unrouted request
    input: Mapping[str, Any]
    outcome: str  # "success", the error_type, "http 503" / "fault connection_error", "unrouted"
    result: Any = None
    error: VapiError | None = None
    time: _dt.datetime | None = None
    rule: str | None = None  # the scenario rule that fired on this call
    request: str = ""  # "POST /api/...?action=complete" (upload tokens shown as ********)
    status: int | None = None  # the HTTP status answered (None: a transport fault)
    state: str | None = None  # the state of the session the call concerns, after it
    hint: str = ""  # unrouted: the nearest operation ("did you mean ...")

    @property
    def ok(self) -> bool:
        return self.error is None and self.outcome != UNROUTED


def outcome_of(scripted: Scripted) -> str:
    """How the journal names a scripted answer: ``http 503`` or ``fault read_timeout``."""
    if scripted.fault is not None:
        return f"fault {scripted.fault}"
    return f"http {scripted.response.status if scripted.response else '?'}"


class Exchange:
    """One HTTP request in flight: the calls it carried, stamped when it ends."""

    __slots__ = ("calls", "protocol", "request")

    def __init__(self, request: str) -> None:
        self.request = request
        self.protocol = "http"
        self.calls: list[Call] = []


class CallList(list[Call]):
    """``vc.calls``: a snapshot of the journal, oldest first; ``reset()`` empties the journal
    (as ``responses.calls.reset()`` does)."""

    def __init__(self, calls: Iterable[Call], journal: Journal) -> None:
        super().__init__(calls)
        self._journal = journal

    def reset(self) -> None:
        self._journal.reset()
        self.clear()


class Journal:
    """The calls of one fake, thread-safe. Each thread has at most one open exchange."""

    def __init__(self, limit: int | None = JOURNAL_LIMIT) -> None:
        self._calls: deque[Call] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self._open = threading.local()

    @property
    def limit(self) -> int | None:
        return self._calls.maxlen

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)
        exchange = getattr(self._open, "exchange", None)
        if exchange is not None:
            exchange.calls.append(call)

    def open(self, request: str) -> Exchange:
        """Start an exchange on this thread: calls recorded until :meth:`close` belong to it."""
        exchange = Exchange(request)
        self._open.exchange = exchange
        return exchange

    def resume(self, exchange: Exchange | None) -> None:
        """Make ``exchange`` this thread's open one again (None: none), while a streamed
        answer's body runs the rest of its call."""
        self._open.exchange = exchange

    def close(
        self,
        exchange: Exchange,
        status: int | None,
        hint: str = "",
        now: _dt.datetime | None = None,
        *,
        unrouted: bool = True,
    ) -> None:
        """Stamp the exchange's calls with its request line and status; journal it as
        unrouted if it carried none (unless ``unrouted`` is False)."""
        self._open.exchange = None
        if not exchange.calls:
            if not unrouted:
                return
            self.record(
                Call(
                    exchange.protocol,
                    "",
                    {},
                    UNROUTED,
                    time=now,
                    request=exchange.request,
                    status=status,
                    hint=hint,
                )
            )
            return
        with self._lock:  # stamped in place: a call is frozen to its readers, not to its journal
            for call in exchange.calls:
                object.__setattr__(call, "request", exchange.request)
                object.__setattr__(call, "status", status)

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()

    @property
    def calls(self) -> CallList:
        with self._lock:
            return CallList(self._calls, self)


COLUMNS = (
    "#",
    "time",
    "protocol",
    "request",
    "operation",
    "status",
    "outcome",
    "state",
    "rule",
    "detail",
)
DETAIL = 100  # characters of an error message shown
_UUID = re.compile(r"\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)


_TRANSFER_URL = re.compile(r"/cls/data/[^/\s]+/")


def short(text: str) -> str:
    """Ids shortened to their first 8 hex digits (a session id reads ``35bf992d:e4b06ce6``),
    transfer URLs' tokens hidden."""
    return _TRANSFER_URL.sub("/cls/data/********/", _UUID.sub(r"\1", text))


def detail(call: Call) -> str:
    """What a row says beyond its columns: the did-you-mean, the file a call concerns, the
    error's message."""
    if call.hint:
        return short(call.hint)
    parts = []
    spec = call.input.get("file_spec")
    name = spec.get("name") if isinstance(spec, Mapping) else call.input.get("file_name")
    if isinstance(name, str) and call.operation != "upload":  # an upload's request names it
        parts.append(f"file {name}")
    if call.error is not None:
        parts.append(short(str(call.error)))
    text = ": ".join(parts)
    return text if len(text) <= DETAIL else text[: DETAIL - 3] + "..."


def timeline(calls: Iterable[Call]) -> str:
    """The calls as a table, one row per call."""
    rows = [COLUMNS]
    for n, call in enumerate(calls, 1):
        rows.append(
            (
                str(n),
                call.time.strftime("%H:%M:%S") if call.time is not None else "",
                call.protocol,
                short(call.request) or "-",
                call.operation or "-",
                str(call.status) if call.status is not None else "-",
                call.outcome,
                call.state or "",
                call.rule or "",
                detail(call),
            )
        )
    if len(rows) == 1:
        return "no calls reached the fake\n"
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines) + "\n"


__all__ = [
    "JOURNAL_LIMIT",
    "SUCCESS",
    "UNROUTED",
    "Call",
    "CallList",
    "Journal",
    "outcome_of",
    "timeline",
]
