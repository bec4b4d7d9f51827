"""The backend: one lock around the inventory, update and download sessions, API sessions.

The dispatcher reaches it through four methods (:meth:`Backend.locked`, :meth:`Backend.now`,
:meth:`Backend.authenticate`, :meth:`Backend.call`); ``call`` finds the handler named after
the operation (``update_session_create``, ``upload_begin``) on the service that owns it.
A handler that needs more than its input declares a ``context`` parameter and gets a
:class:`Context`: the principal, the origin URLs are built from, what an earlier stage
handed back. FakeVCenter, scenario setup and scenario rules use the other public methods
below; nothing outside ``backend/`` touches the services themselves.
"""

from __future__ import annotations

import datetime as _dt
import functools
import inspect
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from vcl_fake.backend.auth import Authenticator
from vcl_fake.backend.downloads import DownloadSessions
from vcl_fake.backend.fetch import policy
from vcl_fake.backend.files import SessionFiles
from vcl_fake.backend.ids import IdSource
from vcl_fake.backend.inventory import Inventory
from vcl_fake.backend.records import ItemFile, Lease, UpdateSession
from vcl_fake.backend.sessions import UpdateSessions
from vcl_fake.backend.sources import Source
from vcl_fake.backend.vcenter import VCenter
from vcl_fake.backend.vim25 import Vim25
from vcl_fake.clock import Clock, RequestClock
from vcl_fake.contract.operations import (
    DOWNLOAD_OPERATION,
    PROBE_OPERATION,
    TABLE,
    UPLOAD_OPERATION,
    VIM_TABLE,
    Operation,
)


@functools.cache
def _handler_table() -> dict[str, tuple[int, bool]]:
    """Handler name -> (index of the service class defining it, whether it takes a
    ``context``), for every operation of the table, the probe and the data plane."""
    names = [op.handler_name for op in (*TABLE.values(), PROBE_OPERATION, *VIM_TABLE.values())]
    names += [
        f"{op.handler_name}_{stage}"
        for op in (UPLOAD_OPERATION, DOWNLOAD_OPERATION)
        for stage in ("begin", "finish")
    ]
    table = {}
    services = (
        Authenticator,
        UpdateSessions,
        SessionFiles,
        Inventory,
        DownloadSessions,
        VCenter,
        Vim25,
    )
    for name in names:
        for index, cls in enumerate(services):
            method = getattr(cls, name, None)
            if method is not None:
                table[name] = (index, "context" in inspect.signature(method).parameters)
                break
        else:
            raise LookupError(f"no backend handler for {name}")
    return table


class _Locked:
    """The backend's lock, with the request clock pinned while it is held."""

    __slots__ = ("clock", "lock", "pinned")

    def __init__(self, lock: threading.RLock, clock: RequestClock) -> None:
        self.lock, self.clock, self.pinned = lock, clock, False

    def __enter__(self) -> _dt.datetime:
        self.lock.acquire()
        self.pinned = self.clock.pin()
        return self.clock.now()

    def __exit__(self, *exc: object) -> None:
        if self.pinned:
            self.clock.unpin()
        self.lock.release()


@dataclass(frozen=True)
class Context:
    """What a handler may know beyond its input."""

    principal: Any = None  # the API session (or, at login, the user name)
    origin: str = ""  # scheme://host:port the client addressed
    carry: Any = None  # what an earlier stage of the same call returned


class Backend:
    def __init__(
        self,
        clock: Clock,
        *,
        keep_content: bool = True,
        users: Mapping[str, str] | None = None,
        session_timeout: float = 300,
        session_retention: float = 300,
        api_session_timeout: float = 1800,
        seed: int | None = None,
        fetch: bool | str | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self.clock = RequestClock(clock)
        ids = IdSource(seed)
        self._auth = Authenticator(self.clock, users, api_session_timeout)
        self._inventory = Inventory(self.clock, ids, server_guid=ids.uuid())
        self._sessions = UpdateSessions(
            self.clock, ids, self._inventory, timeout=session_timeout, retention=session_retention
        )
        self._files = SessionFiles(
            self._sessions,
            keep_content=keep_content,
            fetch=policy(fetch),
            locked=self.locked,
            lock=self._lock,
        )
        self._downloads = DownloadSessions(
            self.clock,
            ids,
            self._inventory,
            timeout=session_timeout,
            retention=session_retention,
            lock=self._lock,
        )
        self._inventory.forget_item = self._forget_item
        self._files.held = self._downloads.holds
        self._vcenter = VCenter(ids)
        self._vcenter.used_space = self._inventory.stored_on
        self._inventory.default_datastore = lambda: self._vcenter.default_datastore
        self._inventory.datastore_exists = self._vcenter.datastores.__contains__
        self._files.room = self._room
        self._vim = Vim25(self.clock, self._auth, self._vcenter, self._inventory.server_guid)
        owners = (
            self._auth,
            self._sessions,
            self._files,
            self._inventory,
            self._downloads,
            self._vcenter,
            self._vim,
        )
        self._handlers: dict[str, tuple[Callable[..., Any], bool]] = {
            name: (getattr(owners[index], name), wants)
            for name, (index, wants) in _handler_table().items()
        }

    # --- what the dispatcher uses ------------------------------------------------------------
    def state_after(
        self, operation: str, raw: Mapping[str, Any], result: Any, carry: Any = None
    ) -> str | None:
        """The state of the update or download session a call concerns (None: none, or
        gone); ``carry`` is what a streamed call's first stage handed over (a transfer knows
        its session even once the session ended and took its URL with it)."""
        session: Lease | None = getattr(carry, "session", None)
        if isinstance(session, Lease):  # while it lives: an expired one is gone
            live = self.session if isinstance(session, UpdateSession) else self.download_session
            session = live(session.id)
        elif operation == "update_session.create":
            session = self.session(result)
        elif operation == "download_session.create":
            session = self.download_session(result)
        elif "update_session_id" in raw:
            session = self.session(raw["update_session_id"])
        elif "download_session_id" in raw:
            session = self.download_session(raw["download_session_id"])
        elif "token" in raw:
            token = raw["token"]
            session = self.session_of_upload(token) or self.session_of_download(token)
        else:
            return None
        return session.state if session is not None else None

    def locked(self) -> _Locked:
        """Hold the lock with the clock pinned: one "now" for the whole request."""
        return _Locked(self._lock, self.clock)

    def now(self) -> _dt.datetime:
        return self.clock.now()

    def authenticate(self, op: Operation, credentials: Any) -> Any:
        if op.auth == "password":
            return self._auth.check_password(credentials.user, credentials.password)
        if op.auth == "session":
            return self._auth.authenticate(credentials.token)
        if op.auth in ("vim", "vim_optional"):
            return self._vim.authenticate(credentials.token, required=op.auth == "vim")
        return None  # "url": the handler checks the URL's token; "none"

    def call(
        self,
        handler: str,
        inputs: Mapping[str, Any],
        *,
        principal: Any = None,
        origin: str = "",
        carry: Any = None,
    ) -> Any:
        method, wants_context = self._handlers[handler]
        if wants_context:
            return method(context=Context(principal, origin, carry), **inputs)
        return method(**inputs)

    # --- seeding and inspection (FakeVCenter, scenario setup) --------------------------------
    def add_library(self, name: str, **fields: Any) -> str:
        with self._lock:
            return self._inventory.add_library(name, **fields).id

    def add_item(
        self,
        library_id: str,
        name: str,
        *,
        files: Iterable[ItemFile | Mapping[str, Any]] = (),
        **fields: Any,
    ) -> str:
        item_files = [f if isinstance(f, ItemFile) else ItemFile(**dict(f)) for f in files]
        with self._lock:
            return self._inventory.add_item(library_id, name, files=item_files, **fields).id

    def add_source(self, source: Source) -> None:
        with self._lock:
            self._files.sources[source.uri] = source

    def has_source(self, uri: str) -> bool:
        with self._lock:
            return uri in self._files.sources

    def trust(self, pem: str) -> None:
        with self._lock:
            self._files.trusted.append(pem)

    def configure(
        self,
        *,
        users: Mapping[str, str] | None = None,
        session_timeout: float | None = None,
        session_retention: float | None = None,
        api_session_timeout: float | None = None,
        fetch: bool | str | None = None,
    ) -> None:
        """Change users, timeouts and the fetch policy (None: unchanged)."""
        with self._lock:
            if users is not None:
                self._auth.users = dict(users)
            for table in (self._sessions, self._downloads):  # update and download sessions
                if session_timeout is not None:
                    table.timeout = _dt.timedelta(seconds=session_timeout)
                if session_retention is not None:
                    table.retention = _dt.timedelta(seconds=session_retention)
            if fetch is not None:
                self._files.fetch = policy(fetch)
            if api_session_timeout is not None:
                self._auth.idle_timeout = _dt.timedelta(seconds=api_session_timeout)

    @property
    def users(self) -> dict[str, str]:
        with self._lock:
            return dict(self._auth.users)

    def add_datastore(
        self, name: str, *, capacity: int, free_space: int | None = None, type: str = "VMFS"
    ) -> str:
        with self._lock:
            return self._vcenter.add_datastore(
                name, capacity=capacity, free_space=free_space, type=type
            )

    def datastore_names(self) -> dict[str, str]:
        """Datastore id -> name."""
        with self._lock:
            return {i: ds.entity.name for i, ds in self._vcenter.datastores.items()}

    def free_space(self, datastore_id: str) -> int:
        """A datastore's free space once library content is stored."""
        with self._lock:
            self._vcenter.datastore(datastore_id)  # NOT_FOUND for an unknown one
            return self._vcenter.free_space(datastore_id)

    def vim_sessions(self) -> int:
        """How many SOAP sessions are logged in."""
        with self._lock:
            return len(self._vim.sessions.sessions)

    def _room(self, item_id: str) -> tuple[str, int] | None:
        """The datastore an item's content goes to, and its free space."""
        datastore_id = self._inventory.datastore_of(item_id)
        if datastore_id is None or datastore_id not in self._vcenter.datastores:
            return None
        name = self._vcenter.datastores[datastore_id].entity.name
        return name, self._vcenter.free_space(datastore_id)

    def library_names(self) -> dict[str, str]:
        """Library id -> name."""
        with self._lock:
            return {lib.id: lib.name for lib in self._inventory.libraries.values()}

    def items(self) -> list[dict[str, Any]]:
        """Every item as ``item.get`` returns it, plus its ``id`` and ``files``."""
        with self._lock:
            return [self.item(item_id) for item_id in self._inventory.items]

    def library(self, library_id: str, origin: str) -> dict[str, Any]:
        """The library as ``library.get`` returns it (publish URLs on ``origin``)."""
        with self._lock:
            return self._inventory.library(library_id).model(origin)

    def item(self, item_id: str) -> dict[str, Any]:
        """The item as ``item.get`` returns it, plus ``files`` as ``item_file.list`` does."""
        with self._lock:
            item = self._inventory.item(item_id)
            return {**item.model(), "files": [f.info() for f in item.files.values()]}

    def read_item_file(self, item_id: str, name: str) -> bytes:
        with self._lock:
            found = self._inventory.item(item_id).files.get(name)
            if found is None:
                raise KeyError(f"item {item_id} has no file {name!r}")
            data: IO[bytes] | None = found.data
            if data is None:
                raise LookupError(f"the content of {name!r} was not retained (keep_content=False)")
            data.seek(0)
            return data.read()

    def session_models(
        self, item_id: str | None = None, *, download: bool = False
    ) -> list[dict[str, Any]]:
        """Every update session (``download``: download session), of one item if given,
        oldest first, as ``get`` returns it, plus its ``id``."""
        with self._lock:
            table, get = self._lookup(download)
            table.purge()
            return [
                {"id": s.id, **get(s.id)}
                for s in list(table.sessions.values())
                if item_id is None or s.item_id == item_id
            ]

    def _lookup(self, download: bool) -> tuple[Any, Callable[[str], dict[str, Any]]]:
        if download:
            return self._downloads, self._downloads.download_session_get
        return self._sessions, self._sessions.update_session_get

    def session_model(self, session_id: str, *, download: bool = False) -> dict[str, Any]:
        """One update (or download) session as ``get`` returns it, plus its ``id`` (KeyError
        when there is none)."""
        with self._lock:
            table, get = self._lookup(download)
            table.purge()
            if session_id not in table.sessions:
                raise KeyError(f"no {'download' if download else 'update'} session {session_id!r}")
            return {"id": session_id, **get(session_id)}

    def open_session(self, item_id: str) -> UpdateSession:
        """A session opened as a client would (for scenario setup)."""
        with self._lock:
            session_id = self._sessions.update_session_create({"library_item_id": item_id}, None)
            return self._sessions.sessions[session_id]

    # --- what scenario rules act on (callers hold the lock: they run inside a call) ------------
    def session(self, session_id: object) -> UpdateSession | None:
        return self._sessions.sessions.get(session_id) if isinstance(session_id, str) else None

    def session_of_upload(self, token: object) -> UpdateSession | None:
        where = self._files.uploads.get(str(token))
        return self.session(where[0]) if where else None

    def download_session(self, session_id: object) -> Lease | None:
        found = self._downloads.sessions.get(session_id) if isinstance(session_id, str) else None
        return found

    def session_of_download(self, token: object) -> Lease | None:
        where = self._downloads.endpoints.get(str(token))
        return self.download_session(where[0]) if where else None

    def item_name(self, item_id: object) -> str | None:
        item = self._inventory.items.get(item_id) if isinstance(item_id, str) else None
        return item.name if item is not None else None

    def expire_logins(self) -> None:
        self._auth.expire_all()
        self._vim.sessions.expire_all()

    def _table(self, session: Lease) -> Any:
        return self._sessions if isinstance(session, UpdateSession) else self._downloads

    def expire_session(self, session: Lease) -> None:
        self._table(session).expire(session)

    def end_session(self, session: Lease, state: str, error: Any = None) -> None:
        with self._lock:
            self._table(session).end(session, state, error)

    def item_contents(self) -> dict[str, tuple[int, list[str]]]:
        """Item name -> (content version, file names), for expectations."""
        with self._lock:
            return {
                i.name: (i.content_version, sorted(i.files)) for i in self._inventory.items.values()
            }

    def final_session_state(self, item_name: str) -> str | None:
        """The state of the item's newest live session; None if it has none (or no item)."""
        with self._lock:
            sessions = self._sessions
            sessions.purge()
            for item in self._inventory.items_named(item_name):
                live = [sessions.sessions[i] for i in sessions.by_item.get(item.id, ())]
                if not live:
                    return None
                sessions.content.refresh(live[-1])
                return live[-1].state
            return None

    def item_id(self, name: str) -> str | None:
        with self._lock:
            return next((i.id for i in self._inventory.items_named(name)), None)

    def _forget_item(self, item_id: str) -> None:
        """A deleted item's sessions, of both kinds, go with it."""
        self._sessions.forget_item(item_id)
        self._downloads.forget_item(item_id)
