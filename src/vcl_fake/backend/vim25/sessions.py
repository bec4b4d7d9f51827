"""vim25 (SOAP) sessions: the same users as the vAPI, a ``vmware_soap_session`` key each, and
what lives in a session (container views, unfinished property retrievals). Callers hold the
backend lock."""

from __future__ import annotations

import datetime as _dt
import hmac
import uuid
from dataclasses import dataclass, field
from typing import Any

from vcl_fake.backend.auth import Authenticator
from vcl_fake.backend.ids import IdSource
from vcl_fake.clock import Clock


@dataclass
class ContainerView:
    id: str
    container: Any  # the container's Ref
    types: list[str]
    recursive: bool


@dataclass
class VimSession:
    key: str  # the cookie value: secret
    public_id: str  # what view ids show of the session
    user: str
    login_time: _dt.datetime
    last_active_time: _dt.datetime
    locale: str
    user_agent: str
    call_count: int = 0
    views: dict[str, ContainerView] = field(default_factory=dict)
    #: RetrievePropertiesEx pages not yet fetched: token -> the remaining results.
    pages: dict[str, tuple[int, list[Any]]] = field(default_factory=dict)
    next_token: int = 1


class VimSessions:
    """Logins over SOAP: the users and idle timeout of the vAPI authenticator."""

    def __init__(self, clock: Clock, auth: Authenticator) -> None:
        self.clock = clock
        self.auth = auth
        self.sessions: dict[str, VimSession] = {}

    def login(
        self, user: str, password: str, locale: str | None, user_agent: str
    ) -> VimSession | None:
        """A new session, or None for a wrong user name or password."""
        expected = self.auth.users.get(user)
        if expected is None or not hmac.compare_digest(expected.encode(), password.encode()):
            return None
        now = self.clock.now()
        session = VimSession(
            key=str(uuid.UUID(hex=IdSource.token())),
            public_id=str(uuid.uuid4()),
            user=user,
            login_time=now,
            last_active_time=now,
            locale=locale or "en",
            user_agent=user_agent,
        )
        self.sessions[session.key] = session
        return session

    def authenticate(self, key: str | None) -> VimSession | None:
        """The live session for a cookie value (touching it), or None."""
        found = self.sessions.get(key or "")
        if found is None:
            return None
        now = self.clock.now()
        if now - found.last_active_time > self.auth.idle_timeout:
            del self.sessions[found.key]
            return None
        found.last_active_time = now
        found.call_count += 1
        return found

    def logout(self, session: VimSession) -> None:
        self.sessions.pop(session.key, None)

    def expire_all(self) -> None:
        self.sessions.clear()
