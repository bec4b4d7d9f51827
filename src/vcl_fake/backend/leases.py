"""What update and download sessions share: a lease on a library item that expires when idle.

A :class:`~vcl_fake.backend.records.Lease` is ACTIVE until it ends (its kind names the end
states); ended leases are kept for the retention period. Time-dependent changes are computed
lazily from the clock when the state is read: an idle ACTIVE lease past its
``expiration_time`` is gone, and so is an ended one past its retention period. Deadlines sit
in a heap, so purging costs O(log n) per expired lease and nothing otherwise, however many
leases exist; the heap is rebuilt from the live leases when stale entries (earlier deadlines
of the same leases) make up half of it, so it stays in proportion to the leases.
"""

from __future__ import annotations

import datetime as _dt
import heapq
from dataclasses import dataclass
from typing import Generic, TypeVar

from vcl_fake import messages as M
from vcl_fake.backend.ids import IdSource, check_client_token
from vcl_fake.backend.inventory import Inventory
from vcl_fake.backend.records import ACTIVE, ERROR, Lease
from vcl_fake.clock import Clock
from vcl_fake.errors import Message, VapiError, message, vapi_error

Template = tuple[str, str]
#: Stale deadline entries tolerated beyond one per live lease before the heap is rebuilt.
COMPACT_SLACK = 64


@dataclass(frozen=True)
class Texts:
    """The messages one kind of lease answers with."""

    not_found: Template
    not_active: Template  # args: operation, state
    not_active_because: Template  # args: operation, state, the session's error text
    token_reused: Template
    client_failed: Template


L = TypeVar("L", bound=Lease)


class Leases(Generic[L]):
    """All leases of one kind in one fake. Callers hold the backend lock."""

    texts: Texts

    def __init__(
        self,
        clock: Clock,
        ids: IdSource,
        inventory: Inventory,
        *,
        timeout: float,
        retention: float,
    ) -> None:
        self.clock = clock
        self.ids = ids
        self.inventory = inventory
        self.timeout = _dt.timedelta(seconds=timeout)
        self.retention = _dt.timedelta(seconds=retention)
        self.sessions: dict[str, L] = {}
        self.by_item: dict[str, dict[str, None]] = {}  # item -> its lease ids, in order
        self.by_token: dict[str, str] = {}
        self._deadlines: list[tuple[_dt.datetime, int, str]] = []

    # --- what a kind adds -----------------------------------------------------------------------
    def refresh(self, session: L) -> None:
        """Bring time-dependent state (transfers, preparation) up to the clock."""

    def release(self, session: L) -> None:
        """The lease ended or was dropped: release what it holds (URLs, busy marks)."""

    # --- time ----------------------------------------------------------------------------------
    def purge(self) -> None:
        """Drop leases whose deadline has passed (expired ACTIVE ones, retained ended ones)."""
        now = self.clock.now()
        heap = self._deadlines
        while heap and heap[0][0] < now:
            _, generation, session_id = heapq.heappop(heap)
            found = self.sessions.get(session_id)
            if found is None or found.generation != generation:
                continue
            self.refresh(found)  # transfers may have ended it, with a new deadline
            alive = self.sessions.get(session_id) is found  # (a pull may let the lock go)
            if alive and found.generation == generation and found.expiration_time < now:
                self._drop(found)

    def _set_deadline(self, session: L, deadline: _dt.datetime) -> None:
        session.expiration_time = deadline
        session.generation += 1
        heap = self._deadlines
        heapq.heappush(heap, (deadline, session.generation, session.id))
        if len(heap) > 2 * len(self.sessions) + COMPACT_SLACK:
            # Every deadline change leaves the earlier entry behind (skipped when it comes
            # up); while the clock stands still none comes up, so they would pile up. Keep
            # the live ones: O(n) once the heap has doubled, O(1) a change on average.
            self._deadlines = [
                (s.expiration_time, s.generation, s.id) for s in self.sessions.values()
            ]
            heapq.heapify(self._deadlines)

    def touch(self, session: L) -> None:
        """Activity: the lease may not expire for another ``timeout``."""
        self._set_deadline(session, self.clock.now() + self.timeout)

    def end(
        self, session: L, state: str, error: Message | None = None, at: _dt.datetime | None = None
    ) -> None:
        """Finish ``session`` (at ``at``, default now): it is kept for the retention period."""
        session.state = state
        session.error_message = error
        self.release(session)
        self._set_deadline(session, (at or self.clock.now()) + self.retention)

    def extend(self, session: L, until: _dt.datetime) -> None:
        """Server-side work runs until ``until``: the lease may not expire before it."""
        if until + self.timeout > session.expiration_time:
            self._set_deadline(session, until + self.timeout)

    def _drop(self, session: L) -> None:
        del self.sessions[session.id]
        of_item = self.by_item.get(session.item_id, {})
        of_item.pop(session.id, None)
        if not of_item:
            self.by_item.pop(session.item_id, None)
        self.release(session)
        if session.client_token is not None:
            self.by_token.pop(session.client_token, None)

    def expire(self, session: L) -> None:
        """The lease is gone at once, as if it had timed out."""
        if session.id in self.sessions:
            self._drop(session)

    def forget_item(self, item_id: str) -> None:
        """The item was deleted: its leases go with it."""
        for found in [self.sessions[i] for i in self.by_item.get(item_id, ())]:
            self._drop(found)

    # --- lookups -------------------------------------------------------------------------------
    def get(self, session_id: str) -> L:
        """The lease, brought up to the clock."""
        self.purge()
        found = self.sessions.get(session_id)
        if found is None:
            raise vapi_error("NOT_FOUND", self.texts.not_found, session_id)
        self.refresh(found)
        return found

    def active(self, session_id: str, operation: str) -> L:
        """The lease, which must be ACTIVE."""
        found = self.get(session_id)
        if found.state != ACTIVE:
            raise self.refused(operation, found)
        return found

    def refused(self, operation: str, session: L) -> VapiError:
        """NOT_ALLOWED_IN_CURRENT_STATE for ``operation`` in the lease's state, with its error
        text as the reason when it has one (as vCenter words it)."""
        if session.error_message is not None:
            reason = session.error_message.get("default_message", "")
            return vapi_error(
                "NOT_ALLOWED_IN_CURRENT_STATE",
                self.texts.not_active_because,
                operation,
                session.state,
                reason,
            )
        return vapi_error(
            "NOT_ALLOWED_IN_CURRENT_STATE", self.texts.not_active, operation, session.state
        )

    def live(self, session_id: str) -> L | None:
        """The lease if it exists and is ACTIVE (for the data plane), else None."""
        self.purge()
        found = self.sessions.get(session_id)
        return found if found is not None and found.state == ACTIVE else None

    # --- the operations both kinds have ------------------------------------------------------
    def earlier(self, client_token: str | None, item_id: str) -> str | None:
        """The lease an idempotent create already made with ``client_token``, if any."""
        if client_token is None:
            return None
        check_client_token(client_token)
        found = self.sessions.get(self.by_token.get(client_token, ""))
        if found is None:
            return None
        if found.item_id != item_id:
            raise vapi_error(
                "INVALID_ARGUMENT", self.texts.token_reused, client_token, found.id, found.item_id
            )
        return found.id

    def register(self, session: L) -> str:
        """A new ACTIVE lease joins the table."""
        self.sessions[session.id] = session
        self.by_item.setdefault(session.item_id, {})[session.id] = None
        if session.client_token is not None:
            self.by_token[session.client_token] = session.id
        self.touch(session)
        return session.id

    def ids_of(self, library_item_id: str | None) -> list[str]:
        """``list``: every lease, or those of one (existing) item."""
        self.purge()
        if library_item_id is not None:
            self.inventory.item(library_item_id)
            return list(self.by_item.get(library_item_id, ()))
        return list(self.sessions)

    def keep_alive(self, session: L, progress: int | None, name: str) -> None:
        if progress is not None:
            if not 0 <= progress <= 100:
                raise vapi_error(
                    "INVALID_ARGUMENT",
                    M.VALUE_OUT_OF_RANGE,
                    name,
                    progress,
                    "progress is a percentage from 0 to 100",
                )
            session.client_progress = progress
        self.touch(session)

    def fail(self, session: L, client_error_message: str) -> None:
        self.end(session, ERROR, message(self.texts.client_failed, client_error_message))
