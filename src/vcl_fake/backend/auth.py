"""API sessions: login with user name and password, tokens, idle expiry, logout."""

from __future__ import annotations

import datetime as _dt
import hmac
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vcl_fake import messages as M
from vcl_fake.backend.ids import IdSource
from vcl_fake.clock import Clock
from vcl_fake.errors import VapiError, message

if TYPE_CHECKING:
    from vcl_fake.backend.core import Context

DEFAULT_USERS: Mapping[str, str] = {"administrator@vsphere.local": "VMware1!"}


def unauthenticated(template: tuple[str, str] = M.AUTH_REQUIRED, *args: object) -> VapiError:
    return VapiError(
        "UNAUTHENTICATED", message(template, *args), challenge='Basic realm="VAPI endpoint"'
    )


@dataclass
class ApiSession:
    token: str
    user: str
    created_time: _dt.datetime
    last_accessed_time: _dt.datetime


class Authenticator:
    """Users, and the API sessions they open. Callers hold the backend lock.

    ``sessions`` is kept in order of last use (a use moves a session to the end), so the
    expired ones are at the front: each login purges them there, at O(1) per expired session.
    """

    def __init__(self, clock: Clock, users: Mapping[str, str] | None, idle_timeout: float) -> None:
        self.clock = clock
        self.users = dict(users if users is not None else DEFAULT_USERS)
        self.idle_timeout = _dt.timedelta(seconds=idle_timeout)
        self.sessions: OrderedDict[str, ApiSession] = OrderedDict()

    def check_password(self, user: str | None, password: str | None) -> str:
        """The user, if the password is theirs; else UNAUTHENTICATED."""
        expected = self.users.get(user or "")
        if user is None or password is None:
            raise unauthenticated()
        if expected is None or not hmac.compare_digest(expected.encode(), password.encode()):
            raise unauthenticated(M.BAD_CREDENTIALS)
        return user

    def authenticate(self, token: str | None) -> ApiSession:
        """The live session for ``token`` (touching it), or UNAUTHENTICATED."""
        found = self.sessions.get(token or "")
        if found is None:
            raise unauthenticated()
        now = self.clock.now()
        if now - found.last_accessed_time > self.idle_timeout:
            del self.sessions[found.token]
            raise unauthenticated()
        found.last_accessed_time = now
        self.sessions.move_to_end(found.token)  # the order of last use
        return found

    def purge(self) -> None:
        """Forget the sessions idle longer than the timeout (they are at the front)."""
        now, sessions = self.clock.now(), self.sessions
        while (
            sessions and now - next(iter(sessions.values())).last_accessed_time > self.idle_timeout
        ):
            sessions.popitem(last=False)

    # --- operation handlers (``context.principal``: the user at login, else the session) ------
    def session_login(self, context: Context) -> str:
        self.purge()
        now = self.clock.now()
        token = IdSource.token()
        self.sessions[token] = ApiSession(token, context.principal, now, now)
        return token

    def session_get(self, context: Context) -> dict[str, Any]:
        found: ApiSession = context.principal
        return {
            "user": found.user,
            "created_time": found.created_time,
            "last_accessed_time": found.last_accessed_time,
        }

    def session_logout(self, context: Context) -> None:
        self.sessions.pop(context.principal.token, None)

    def expire_all(self) -> None:
        """Forget every API session (clients must log in again)."""
        self.sessions.clear()
