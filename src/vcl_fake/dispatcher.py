"""The one choke point every operation passes, whatever its protocol.

Order: authentication -> scenario rules -> contract check of the input -> backend
handler, all under the backend lock; then the call journal. Codecs turn wire formats into an
:class:`Invocation` and render whatever comes back (a value or a :class:`VapiError`).
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vcl_fake import messages as M
from vcl_fake.backend import Backend
from vcl_fake.contract.operations import Operation
from vcl_fake.contract.types import redact_untyped
from vcl_fake.errors import VapiError, message
from vcl_fake.protocols.http import Scripted
from vcl_fake.scenario.event import Event

if TYPE_CHECKING:
    from vcl_fake.scenario.engine import Engine

log = logging.getLogger("vcl_fake")


@dataclass(frozen=True)
class Invocation:
    """One decoded request: the operation, its raw parameters and the caller's credentials."""

    protocol: str
    operation: Operation
    raw: Mapping[str, Any] = field(default_factory=dict)
    text: frozenset[str] = frozenset()  # parameters that arrived as strings (path, query, header)
    token: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    bad_input: VapiError | None = None  # the codec could not read the request (raised after auth)


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


class Dispatcher:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._journal: list[Call] = []
        self._journal_lock = threading.Lock()
        self.engine: Engine | None = None  # scenario rules, when a scenario is loaded

    @property
    def calls(self) -> list[Call]:
        with self._journal_lock:
            return list(self._journal)

    def record(self, call: Call) -> None:
        with self._journal_lock:
            self._journal.append(call)

    def dispatch(self, inv: Invocation) -> Any:
        """Run ``inv``; return its result or raise a VapiError (never anything else)."""
        op = inv.operation
        shown: Mapping[str, Any] = redact_untyped(inv.raw)  # until decoded: then by type
        backend = self.backend
        event = Event(inv.protocol, op.alias, inv.raw)

        def note(outcome: str, result: Any = None, error: VapiError | None = None) -> None:
            call = Call(
                inv.protocol, op.alias, shown, outcome, result, error, self._now(), event.rule
            )
            self.record(call)

        try:
            with backend.lock:
                if op.alias == "session.login":
                    shown = {"user": inv.user}
                    self.apply_rules(event)
                    result: Any = backend.auth.login(inv.user, inv.password)
                else:
                    api_session = backend.auth.authenticate(inv.token)
                    self.apply_rules(event)
                    if inv.bad_input is not None:
                        raise inv.bad_input
                    inputs = op.decode_input(inv.raw, inv.text)
                    shown = op.redact(inputs)
                    if op.alias == "session.get":
                        result = {
                            "user": api_session.user,
                            "created_time": api_session.created_time,
                            "last_accessed_time": api_session.last_accessed_time,
                        }
                    elif op.alias == "session.logout":
                        backend.auth.logout(api_session)
                        result = None
                    else:
                        result = backend.handlers[op.alias](**inputs)
        except VapiError as exc:
            note(exc.error_type, error=exc)
            raise
        except Scripted as scripted:
            note(outcome_of(scripted))
            raise
        except Exception as exc:  # a bug in the fake: answer, never leak a traceback
            log.exception("vcl_fake: %s failed", op.alias)
            error = VapiError(
                "INTERNAL_SERVER_ERROR", message(M.INTERNAL_ERROR, type(exc).__name__)
            )
            note(error.error_type, error=error)
            raise error from exc
        if event.truncate:
            cut = Scripted(fault="truncated_body", value=result)
            note(outcome_of(cut), result)
            raise cut
        note("success", result)
        return result

    def apply_rules(self, event: Event) -> None:
        """Let the scenario's rules see the call (caller holds the backend lock)."""
        if self.engine is not None:
            self.engine.before(event)

    def _now(self) -> _dt.datetime:
        return self.backend.clock.now()


def outcome_of(scripted: Scripted) -> str:
    """How the journal names a scripted answer: ``http 503`` or ``fault read_timeout``."""
    if scripted.fault is not None:
        return f"fault {scripted.fault}"
    return f"http {scripted.response.status if scripted.response else '?'}"


__all__ = ["Call", "Dispatcher", "Invocation"]
