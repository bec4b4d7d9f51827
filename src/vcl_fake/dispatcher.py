"""The one choke point every operation passes, whatever its protocol.

:meth:`Dispatcher.invoke` runs a fixed chain for every :class:`Invocation`, under the
service's lock and with the clock pinned to one "now": authentication -> scenario rules ->
contract check of the input -> handler -> journal. Codecs (``/api``, ``/rest``, JSON-RPC,
the upload data plane) turn their wire format into an Invocation and render whatever comes
back: a value, a :class:`~vcl_fake.errors.VapiError`, or a scripted
:class:`~vcl_fake.protocols.http.Scripted` answer. A call that spans a stream (an upload)
passes twice, ``stage="begin"`` and ``stage="finish"``: rules see it once, at the beginning,
and the journal records it once, when it ends.
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from vcl_fake.contract.operations import Operation
from vcl_fake.contract.types import redact_untyped
from vcl_fake.errors import VapiError, internal_error
from vcl_fake.journal import JOURNAL_LIMIT, SUCCESS, Call, Journal, outcome_of
from vcl_fake.protocols.http import Scripted
from vcl_fake.scenario.event import Event

if TYPE_CHECKING:
    from vcl_fake.scenario.engine import Engine

log = logging.getLogger("vcl_fake")


@dataclass(frozen=True)
class Credentials:
    """What the caller presented, of whatever kind: a session token (from a header, a cookie
    or a security context), a user and password, or nothing (a URL that authorises itself).
    The operation's ``auth`` scheme says which counts."""

    token: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass(slots=True)
class Invocation:
    """One decoded request: the operation, its raw parameters, the caller's credentials and
    the origin (``scheme://host:port``) the client addressed, which URLs in the answer use.
    Not changed once built (``dataclasses.replace`` makes another); not frozen, which would
    make building one, once per call, four times as slow."""

    protocol: str
    operation: Operation
    raw: Mapping[str, Any] = field(default_factory=dict)
    text: frozenset[str] = frozenset()  # parameters that arrived as strings (path, query, header)
    credentials: Credentials = Credentials()
    origin: str = ""
    bad_input: VapiError | None = None  # the codec could not read the request (raised after auth)
    stage: str | None = None  # "begin" / "finish" of a call that spans a stream
    carry: Any = None  # finish: what the begin stage handed back


class Service(Protocol):
    """What the dispatcher needs of the state behind it (the backend implements it)."""

    def locked(self) -> AbstractContextManager[_dt.datetime]:
        """Hold the state's lock with the clock pinned; yields the request's "now"."""
        ...

    def now(self) -> _dt.datetime: ...

    def state_after(
        self, operation: str, raw: Mapping[str, Any], result: Any, carry: Any = None
    ) -> str | None:
        """The state of the session a call concerns, once it ran (for the journal)."""
        ...

    def authenticate(self, op: Operation, credentials: Credentials) -> Any:
        """The principal the credentials prove for ``op``'s auth scheme, or UNAUTHENTICATED."""
        ...

    def call(
        self,
        handler: str,
        inputs: Mapping[str, Any],
        *,
        principal: Any = None,
        origin: str = "",
        carry: Any = None,
    ) -> Any:
        """Run one handler with decoded input, and what it may need beyond it."""
        ...


class Dispatcher:
    def __init__(self, service: Service, journal_limit: int | None = JOURNAL_LIMIT) -> None:
        self._service = service
        self.journal = Journal(journal_limit)
        self.engine: Engine | None = None  # scenario rules, when a scenario is loaded
        # the rule that fired on a streamed call's begin stage, for its finish to journal,
        # by the call's input (both stages share it; a new begin reusing the id resets it)
        self._fired: dict[int, str] = {}

    @property
    def calls(self) -> list[Call]:
        return self.journal.calls

    def now(self) -> _dt.datetime:
        return self._service.now()

    def invoke(self, inv: Invocation) -> Any:
        """Run ``inv`` through the chain; return its result or raise a VapiError or a
        Scripted answer (never anything else)."""
        with self._service.locked():
            return self._chain(inv)

    def _chain(self, inv: Invocation) -> Any:
        op, service = inv.operation, self._service
        event = Event(inv.protocol, op.alias, inv.raw)
        seen: Mapping[str, Any] = {}  # the input as far as it was decoded: none until the
        # caller is authenticated (a refused anonymous request pins no memory)
        decoded = False  # until decoded, redacted by field names; then by type
        ends = inv.stage != "begin"  # a begin stage is journaled only if the call ends there

        def note(outcome: str, result: Any = None, error: VapiError | None = None) -> None:
            shown = self._shown(inv, op.redact(seen) if decoded else redact_untyped(seen))
            now, kept = service.now(), _redacted_result(op, result)
            state = service.state_after(op.alias, inv.raw, result, inv.carry)
            call = Call(
                inv.protocol, op.alias, shown, outcome, kept, error, now, event.rule, state=state
            )
            self.journal.record(call)
            if self.engine is not None:
                self.engine.ended(call)

        if inv.stage == "begin":
            self._fired.pop(id(inv.raw), None)
        elif inv.stage == "finish":
            event.rule = self._fired.pop(id(inv.raw), None)
        try:
            principal = service.authenticate(op, inv.credentials)
            seen = inv.raw
            if self.engine is not None and inv.stage != "finish":
                self.engine.before(event)
            if inv.bad_input is not None:
                raise inv.bad_input
            inputs = seen = op.decode_input(inv.raw, inv.text)
            decoded = True
            handler = op.handler_name + (f"_{inv.stage}" if inv.stage else "")
            result = service.call(
                handler, inputs, principal=principal, origin=inv.origin, carry=inv.carry
            )
        except VapiError as exc:
            note(exc.error_type, error=exc)
            raise
        except Scripted as scripted:
            note(outcome_of(scripted))
            raise
        except Exception as exc:  # a bug in the fake: answer, never leak a traceback
            log.exception("vcl_fake: %s failed", op.alias)
            error = internal_error(exc)
            note(error.error_type, error=error)
            raise error from exc
        if event.truncate:
            cut = Scripted(fault="truncated_body", value=result)
            note(outcome_of(cut), result)
            raise cut
        if ends:
            note(SUCCESS, result)
        elif event.rule is not None:
            self._fired[id(inv.raw)] = event.rule
        return result

    @staticmethod
    def _shown(inv: Invocation, values: Mapping[str, Any]) -> Mapping[str, Any]:
        """What the journal records of the input: never a password or a capability token."""
        op = inv.operation
        if op.auth == "password":
            user = inv.credentials.user
            return {"user": user[:256] if isinstance(user, str) else None}
        if not op.hidden:
            return values
        return {k: v for k, v in values.items() if k not in op.hidden}


def _redacted_result(op: Operation, result: Any) -> Any:
    """The result as the journal keeps it: every field the contract marks secret (a login's
    session token) replaced."""
    if result is None or not op.output.holds_secret:
        return result
    try:
        return op.output.redact(result)
    except (TypeError, AttributeError, KeyError):  # a result of another shape: kept whole
        return result


__all__ = ["Call", "Credentials", "Dispatcher", "Invocation", "Service"]
