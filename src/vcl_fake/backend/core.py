"""The backend: one lock around the inventory, update sessions and API sessions.

``handlers`` maps each operation alias of the operation table to the method that serves it;
the dispatcher calls them with decoded input while holding ``lock``. Seeding and inspection
from tests go through the same objects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from vcl_fake.backend.auth import Authenticator
from vcl_fake.backend.files import SessionFiles
from vcl_fake.backend.ids import IdSource
from vcl_fake.backend.inventory import Inventory
from vcl_fake.backend.sessions import UpdateSessions
from vcl_fake.clock import Clock
from vcl_fake.contract.operations import PROBE_OPERATION, TABLE


class Backend:
    def __init__(
        self,
        clock: Clock,
        *,
        host: str = "vcenter.example.com",
        keep_content: bool = True,
        users: Mapping[str, str] | None = None,
        session_timeout: float = 300,
        session_retention: float = 300,
        api_session_timeout: float = 1800,
        seed: int | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.ids = IdSource(seed)
        self.auth = Authenticator(clock, users, api_session_timeout)
        self.inventory = Inventory(clock, self.ids, server_guid=self.ids.uuid())
        self.sessions = UpdateSessions(
            clock, self.ids, self.inventory, timeout=session_timeout, retention=session_retention
        )
        self.files = SessionFiles(self.sessions, f"https://{host}:443", keep_content=keep_content)
        self.inventory.base_url = lambda: self.files.base_url  # publish URLs follow the server
        self.handlers: dict[str, Callable[..., Any]] = {}
        for alias, op in [*TABLE.items(), (PROBE_OPERATION.alias, PROBE_OPERATION)]:
            if op.service == "com.vmware.cis.session":
                continue  # served by the dispatcher's authentication step
            for owner in (self.sessions, self.files, self.inventory):
                handler = getattr(owner, op.handler_name, None)
                if handler is not None:
                    self.handlers[alias] = handler
