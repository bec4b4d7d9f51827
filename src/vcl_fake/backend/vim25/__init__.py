"""vim25 (SOAP) state and methods: SOAP sessions, and a handler for every method of
:data:`~vcl_fake.contract.operations.VIM_METHODS` over the vCenter inventory.

The handlers are thin: the methods themselves (:mod:`.methods`) work on pyVmomi's types and
are imported on the first SOAP call, so creating a fake never loads pyVmomi.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vcl_fake.backend.auth import Authenticator
from vcl_fake.backend.vcenter import VCenter
from vcl_fake.backend.vim25.sessions import VimSession, VimSessions
from vcl_fake.clock import Clock
from vcl_fake.contract.operations import VIM_METHODS

if TYPE_CHECKING:
    from vcl_fake.backend.core import Context


class Vim25:
    """What the vim25 methods act on; callers hold the backend lock."""

    def __init__(
        self, clock: Clock, auth: Authenticator, vcenter: VCenter, server_guid: str
    ) -> None:
        self.clock = clock
        self.sessions = VimSessions(clock, auth)
        self.vcenter = vcenter
        self.server_guid = server_guid

    def authenticate(self, cookie: str | None, required: bool) -> VimSession | None:
        """The caller's session; NotAuthenticated when ``required`` and there is none."""
        session = self.sessions.authenticate(cookie)
        if session is None and required:
            from vcl_fake.backend.vim25.methods import not_authenticated

            raise not_authenticated()
        return session

    def serve(self, method: str, context: Context, this: Any, params: dict[str, Any]) -> Any:
        from vcl_fake.backend.vim25.methods import SERVICE, Call

        return SERVICE.methods[method](Call(self, context.principal, this), **params)


def _handler(method: str) -> Any:
    def handle(self: Vim25, context: Context, _this: Any, **params: Any) -> Any:
        return self.serve(method, context, _this, params)

    handle.__name__ = handle.__qualname__ = f"vim_{method}"
    return handle


for _kind, _method, _params, _auth in VIM_METHODS:  # vim_SessionManager_Login ...
    setattr(Vim25, f"vim_{_kind}_{_method}", _handler(_method))
