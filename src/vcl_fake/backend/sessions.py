"""Update sessions: the state machine of ``com.vmware.content.library.item.UpdateSession``.

States: ACTIVE -> DONE (complete) | CANCELED (cancel) | ERROR (fail, or a failure the server
finds). Expiry, retention and client tokens are those of every lease
(:mod:`vcl_fake.backend.leases`); an item has at most one ACTIVE update session.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from vcl_fake import messages as M
from vcl_fake.backend.ids import IdSource
from vcl_fake.backend.inventory import Inventory
from vcl_fake.backend.leases import Leases, Texts
from vcl_fake.backend.records import (
    ACTIVE,
    CANCELED,
    DONE,
    LOCAL,
    VM_TEMPLATE,
    UpdateSession,
)
from vcl_fake.clock import Clock
from vcl_fake.errors import vapi_error


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


class UpdateSessions(Leases[UpdateSession]):
    """All update sessions of one fake. Callers hold the backend lock."""

    texts = Texts(
        not_found=M.SESSION_NOT_FOUND,
        not_active=M.SESSION_NOT_ACTIVE,
        not_active_because=M.SESSION_COMPLETE_IN_ERROR,
        token_reused=M.CLIENT_TOKEN_REUSED,
        client_failed=M.CLIENT_FAILED,
    )

    def __init__(
        self,
        clock: Clock,
        ids: IdSource,
        inventory: Inventory,
        *,
        timeout: float,
        retention: float,
    ) -> None:
        super().__init__(clock, ids, inventory, timeout=timeout, retention=retention)
        self.active_by_item: dict[str, str] = {}
        #: The session's content (files, transfers): see :class:`Content`.
        self.content: Content = Content()
        inventory.is_busy = self.active_session_of

    def refresh(self, session: UpdateSession) -> None:
        self.content.refresh(session)

    def release(self, session: UpdateSession) -> None:
        if session.state != ACTIVE:
            session.completing = False
        if self.active_by_item.get(session.item_id) == session.id:
            del self.active_by_item[session.item_id]
        self.content.close(session)

    # --- lookups -------------------------------------------------------------------------------
    def active_session_of(self, item_id: str) -> str | None:
        self.purge()
        session_id = self.active_by_item.get(item_id)
        if session_id is not None and session_id in self.sessions:
            self.content.refresh(self.sessions[session_id])
        return self.active_by_item.get(item_id)

    def active(
        self, session_id: str, operation: str, *, completing_ok: bool = False
    ) -> UpdateSession:
        """The session, which must be ACTIVE (and, unless ``completing_ok``, not completing)."""
        found = super().active(session_id, operation)
        if found.completing and not completing_ok:
            raise vapi_error(
                "NOT_ALLOWED_IN_CURRENT_STATE", M.SESSION_COMPLETING, operation, session_id
            )
        return found

    # --- operation handlers --------------------------------------------------------------------
    def update_session_create(self, create_spec: dict[str, Any], client_token: str | None) -> str:
        self.purge()
        earlier = self.earlier(client_token, create_spec["library_item_id"])
        if earlier is not None:
            return earlier
        item = self.inventory.item(create_spec["library_item_id"])
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
        self.active_by_item[item.id] = session.id
        return self.register(session)

    def update_session_get(self, update_session_id: str) -> dict[str, Any]:
        session = self.get(update_session_id)
        return session.model(self.content.preview(session) if session.state == ACTIVE else None)

    def update_session_list(self, library_item_id: str | None) -> list[str]:
        return self.ids_of(library_item_id)

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
        self.keep_alive(session, client_progress, "client_progress")

    def update_session_cancel(self, update_session_id: str) -> None:
        self.end(self.active(update_session_id, "cancel", completing_ok=True), CANCELED)

    def update_session_fail(self, update_session_id: str, client_error_message: str) -> None:
        self.fail(self.active(update_session_id, "fail", completing_ok=True), client_error_message)

    def update_session_delete(self, update_session_id: str) -> None:
        session = self.get(update_session_id)
        if session.state == ACTIVE:
            raise self.refused("delete", session)
        self._drop(session)
