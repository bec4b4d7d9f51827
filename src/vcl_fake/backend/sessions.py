"""Update sessions: the state machine of ``com.vmware.content.library.item.UpdateSession``.

States: ACTIVE -> DONE (complete) | CANCELED (cancel) | ERROR (fail, or a failure the server
finds). Time-dependent changes are computed lazily from the clock when the state is read:
an idle ACTIVE session past its ``expiration_time`` is gone, and so is an ended one past its
retention period. Deadlines sit in a heap, so purging costs O(log n) per expired session and
nothing otherwise, however many sessions exist.
"""

from __future__ import annotations

import datetime as _dt
import heapq
from typing import Any

from vcl_fake import messages as M
from vcl_fake.backend.ids import IdSource, check_client_token
from vcl_fake.backend.inventory import Inventory
from vcl_fake.backend.records import (
    ACTIVE,
    CANCELED,
    DONE,
    ERROR,
    LOCAL,
    VM_TEMPLATE,
    UpdateSession,
)
from vcl_fake.clock import Clock
from vcl_fake.errors import Message, VapiError, message, vapi_error


def refused(operation: str, session: UpdateSession) -> VapiError:
    """NOT_ALLOWED_IN_CURRENT_STATE for ``operation`` in the session's state, with the
    session's error text as the reason when it has one (as vCenter words it)."""
    if session.error_message is not None:
        reason = session.error_message.get("default_message", "")
        return vapi_error(
            "NOT_ALLOWED_IN_CURRENT_STATE",
            M.SESSION_COMPLETE_IN_ERROR,
            operation,
            session.state,
            reason,
        )
    return vapi_error(
        "NOT_ALLOWED_IN_CURRENT_STATE", M.SESSION_NOT_ACTIVE, operation, session.state
    )


class Content:
    """What a session's content adds to its lifecycle; the file sub-service overrides it."""

    def seed(self, session: UpdateSession) -> None:
        """A session was created."""

    def refresh(self, session: UpdateSession) -> None:
        """Bring time-dependent state (transfers) up to the clock, before any read."""

    def check_complete(self, session: UpdateSession) -> None:
        """Raise if the session cannot complete now."""

    def pending(self, session: UpdateSession) -> bool:
        """True while server-side transfers still run (complete then finishes later)."""
        return False

    def commit(self, session: UpdateSession) -> None:
        """Make the staged content the item's content."""

    def preview(self, session: UpdateSession) -> dict[str, Any]:
        """``PreviewInfo`` of an ACTIVE session."""
        return {"state": "NOT_APPLICABLE" if session.completing else "UNAVAILABLE"}

    def close(self, session: UpdateSession) -> None:
        """The session ended or was dropped: release what it holds."""


class UpdateSessions:
    """All update sessions of one fake. Callers hold the backend lock."""

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
        self.sessions: dict[str, UpdateSession] = {}
        self.active_by_item: dict[str, str] = {}
        self.by_item: dict[str, dict[str, None]] = {}  # item -> its session ids, in order
        self.by_token: dict[str, str] = {}
        self._deadlines: list[tuple[_dt.datetime, int, str]] = []
        #: The session's content (files, transfers): see :class:`Content`.
        self.content: Content = Content()
        inventory.is_busy = self.active_session_of
        inventory.forget_item = self._forget_item

    # --- time ----------------------------------------------------------------------------------
    def purge(self) -> None:
        """Drop sessions whose deadline has passed (expired ACTIVE ones, retained ended ones)."""
        now = self.clock.now()
        heap = self._deadlines
        while heap and heap[0][0] < now:
            _, generation, session_id = heapq.heappop(heap)
            found = self.sessions.get(session_id)
            if found is None or found.generation != generation:
                continue
            self.content.refresh(found)  # transfers may have ended it, with a new deadline
            if found.generation == generation and found.expiration_time < now:
                self._drop(found)

    def _set_deadline(self, session: UpdateSession, deadline: _dt.datetime) -> None:
        session.expiration_time = deadline
        session.generation += 1
        heapq.heappush(self._deadlines, (deadline, session.generation, session.id))

    def touch(self, session: UpdateSession) -> None:
        """Activity: the session may not expire for another ``timeout``."""
        self._set_deadline(session, self.clock.now() + self.timeout)

    def end(
        self,
        session: UpdateSession,
        state: str,
        error: Message | None = None,
        at: _dt.datetime | None = None,
    ) -> None:
        """Finish ``session`` (at ``at``, default now): it is kept for the retention period."""
        session.state = state
        session.error_message = error
        session.completing = False
        self.active_by_item.pop(session.item_id, None)
        self.content.close(session)
        self._set_deadline(session, (at or self.clock.now()) + self.retention)

    def extend(self, session: UpdateSession, until: _dt.datetime) -> None:
        """Server-side work runs until ``until``: the session may not expire before it."""
        if until + self.timeout > session.expiration_time:
            self._set_deadline(session, until + self.timeout)

    def _drop(self, session: UpdateSession) -> None:
        del self.sessions[session.id]
        of_item = self.by_item.get(session.item_id, {})
        of_item.pop(session.id, None)
        if not of_item:
            self.by_item.pop(session.item_id, None)
        self.content.close(session)
        if self.active_by_item.get(session.item_id) == session.id:
            del self.active_by_item[session.item_id]
        if session.client_token is not None:
            self.by_token.pop(session.client_token, None)

    def expire(self, session: UpdateSession) -> None:
        """The session is gone at once, as if it had timed out."""
        if session.id in self.sessions:
            self._drop(session)

    def _forget_item(self, item_id: str) -> None:
        for found in [self.sessions[i] for i in self.by_item.get(item_id, ())]:
            self._drop(found)

    # --- lookups -------------------------------------------------------------------------------
    def active_session_of(self, item_id: str) -> str | None:
        self.purge()
        session_id = self.active_by_item.get(item_id)
        if session_id is not None:
            self.content.refresh(self.sessions[session_id])
        return self.active_by_item.get(item_id)

    def get(self, session_id: str) -> UpdateSession:
        """The session, brought up to the clock."""
        self.purge()
        found = self.sessions.get(session_id)
        if found is None:
            raise vapi_error("NOT_FOUND", M.SESSION_NOT_FOUND, session_id)
        self.content.refresh(found)
        return found

    def active(
        self, session_id: str, operation: str, *, completing_ok: bool = False
    ) -> UpdateSession:
        """The session, which must be ACTIVE (and, unless ``completing_ok``, not completing)."""
        found = self.get(session_id)
        if found.state != ACTIVE:
            raise refused(operation, found)
        if found.completing and not completing_ok:
            raise vapi_error(
                "NOT_ALLOWED_IN_CURRENT_STATE", M.SESSION_COMPLETING, operation, session_id
            )
        return found

    # --- operation handlers --------------------------------------------------------------------
    def update_session_create(self, create_spec: dict[str, Any], client_token: str | None) -> str:
        self.purge()
        item_id = create_spec["library_item_id"]
        if client_token is not None:
            check_client_token(client_token)
            earlier = self.sessions.get(self.by_token.get(client_token, ""))
            if earlier is not None:
                if earlier.item_id != item_id:
                    raise vapi_error(
                        "INVALID_ARGUMENT",
                        M.CLIENT_TOKEN_REUSED,
                        client_token,
                        earlier.id,
                        earlier.item_id,
                    )
                return earlier.id
        item = self.inventory.item(item_id)
        library = self.inventory.library(item.library_id)
        if library.type != LOCAL:
            raise vapi_error("INVALID_ELEMENT_TYPE", M.SESSION_ITEM_SUBSCRIBED, item.id, library.id)
        if item.type == VM_TEMPLATE:
            raise vapi_error("INVALID_ELEMENT_TYPE", M.SESSION_VM_TEMPLATE, item.name, item.id)
        busy = self.active_session_of(item.id)
        if busy is not None:
            raise vapi_error("RESOURCE_BUSY", M.SESSION_ITEM_BUSY, item.id, busy)
        session = UpdateSession(
            id=self.ids.session_id(),
            item_id=item.id,
            content_version=item.content_version,
            expiration_time=self.clock.now(),
            client_token=client_token,
            warning_behavior=[dict(w) for w in create_spec.get("warning_behavior") or ()],
        )
        self.content.seed(session)
        self.sessions[session.id] = session
        self.by_item.setdefault(item.id, {})[session.id] = None
        self.active_by_item[item.id] = session.id
        if client_token is not None:
            self.by_token[client_token] = session.id
        self.touch(session)
        return session.id

    def update_session_get(self, update_session_id: str) -> dict[str, Any]:
        session = self.get(update_session_id)
        return session.model(self.content.preview(session) if session.state == ACTIVE else None)

    def update_session_list(self, library_item_id: str | None) -> list[str]:
        self.purge()
        if library_item_id is not None:
            self.inventory.item(library_item_id)
            return list(self.by_item.get(library_item_id, ()))
        return list(self.sessions)

    def update_session_update(self, update_session_id: str, update_spec: dict[str, Any]) -> None:
        session = self.active(update_session_id, "update")
        if update_spec.get("warning_behavior") is not None:
            session.warning_behavior = [dict(w) for w in update_spec["warning_behavior"]]
        self.touch(session)

    def update_session_complete(self, update_session_id: str) -> None:
        session = self.active(update_session_id, "complete")
        self.content.check_complete(session)
        if self.content.pending(session):
            session.completing = True  # DONE (or ERROR) once the transfers end
            return
        self.finish_complete(session)

    def finish_complete(self, session: UpdateSession, at: _dt.datetime | None = None) -> None:
        """Commit the session's content: the item changes and gains one content version."""
        self.content.commit(session)
        item = self.inventory.item(session.item_id)
        item.content_version += 1
        item.last_modified_time = at or self.clock.now()
        self.end(session, DONE, at=at)

    def update_session_keep_alive(
        self, update_session_id: str, client_progress: int | None
    ) -> None:
        session = self.active(update_session_id, "keep_alive")
        if client_progress is not None:
            if not 0 <= client_progress <= 100:
                raise vapi_error(
                    "INVALID_ARGUMENT",
                    M.VALUE_OUT_OF_RANGE,
                    "client_progress",
                    client_progress,
                    "progress is a percentage from 0 to 100",
                )
            session.client_progress = client_progress
        self.touch(session)

    def update_session_cancel(self, update_session_id: str) -> None:
        self.end(self.active(update_session_id, "cancel", completing_ok=True), CANCELED)

    def update_session_fail(self, update_session_id: str, client_error_message: str) -> None:
        session = self.active(update_session_id, "fail", completing_ok=True)
        self.end(session, ERROR, message(M.CLIENT_FAILED, client_error_message))

    def update_session_delete(self, update_session_id: str) -> None:
        session = self.get(update_session_id)
        if session.state == ACTIVE:
            raise refused("delete", session)
        self._drop(session)
