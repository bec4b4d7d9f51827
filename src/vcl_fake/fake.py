"""``FakeVCenter``: one fake vCenter that owns all of its state."""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from vcl_fake.adapter import ResponsesAdapter
from vcl_fake.app import Application
from vcl_fake.backend import Backend, load_certificates, make_source
from vcl_fake.backend.vcenter import DEFAULT_CAPACITY
from vcl_fake.clock import Clock, ManualClock, SystemClock, check_duration
from vcl_fake.dispatcher import Dispatcher
from vcl_fake.journal import JOURNAL_LIMIT, UNROUTED, CallList, timeline
from vcl_fake.protocols.http import Request, Response

if TYPE_CHECKING:
    from vcl_fake.scenario.data import Scenario

F = TypeVar("F", bound=Callable[..., Any])
#: What :meth:`FakeVCenter.loose_ends` checks (the pytest plugin's strict teardown checks).
LOOSE_ENDS = ("unexpected_requests", "active_sessions", "unfired_rules")


class FakeVCenter:
    """A fake vCenter answering every ``requests`` call to ``https://{host}`` while active.

    Use it as a context manager, a decorator (of a function, a coroutine function or a test
    class), or through ``start()`` / ``stop()``. Seed it and look inside without HTTP through
    ``create_library``, ``create_item``, ``get_item``, ``sessions`` and ``calls`` (the last
    ``journal_limit`` calls; None keeps every one). Time comes from ``clock`` (default:
    :class:`SystemClock`). ``fetch`` lets PULL fetch real http(s) URLs that are not registered
    sources: ``True`` (loopback hosts only) or ``"any"``. While it is active, ``requests``
    calls to hosts that no mock claims fail (loopback and ``passthrough`` hosts excepted).
    With ``served=True`` it serves itself on a loopback socket while active and routes its
    host's requests there.
    """

    def __init__(
        self,
        host: str = "vcenter.example.com",
        *,
        clock: Clock | None = None,
        users: Mapping[str, str] | None = None,
        session_timeout: float = 300,
        session_retention: float = 300,
        api_session_timeout: float = 1800,
        seed: int | None = None,
        keep_content: bool = True,
        fetch: bool | str = False,
        scenario: str | os.PathLike[str] | Mapping[str, Any] | Scenario | None = None,
        journal_limit: int | None = JOURNAL_LIMIT,
        scenario_params: Mapping[str, str] | None = None,
        passthrough: Iterable[str] = (),
        served: bool = False,
    ) -> None:
        from vcl_fake.backend.fetch import policy

        policy(fetch)  # a bad value fails here
        for what, value in (
            ("session_timeout", session_timeout),
            ("session_retention", session_retention),
            ("api_session_timeout", api_session_timeout),
        ):
            check_duration(value, what)
        self._options: dict[str, Any] = {
            "users": users,
            "session_timeout": session_timeout,
            "session_retention": session_retention,
            "api_session_timeout": api_session_timeout,
            "seed": seed,
            "keep_content": keep_content,
            "fetch": fetch,
        }
        script = _scenario(scenario, scenario_params)
        self._initial_scenario = script
        if seed is None and script is not None:
            seed = script.seed
        if clock is None:  # a scenario's clock is a manual one unless it says "system"
            if script is None or script.clock_mode == "system":
                clock = SystemClock()
            else:
                clock = ManualClock(script.clock_start)
        self.host = host.lower()
        self.clock: Clock = clock
        self.journal_limit = journal_limit
        self._options["seed"] = seed
        self._build()
        self._adapter = ResponsesAdapter(self.host, self.handle, passthrough)
        self.server: Any = None  # the FakeServer while serve() runs
        self.served = served
        self._serving: contextlib.ExitStack | None = None
        if script is not None:
            self.load_scenario(script)

    def _build(self) -> None:
        self._backend = Backend(self.clock, **self._options)
        self._dispatcher = Dispatcher(self._backend, self.journal_limit)
        self._app = Application(self._dispatcher)

    def handle(self, request: Request) -> Response:
        """Answer one HTTP request (what the responses adapter and server mode call)."""
        return self._app.handle(request)

    def reset(self) -> None:
        """Forget all state (libraries, items, sessions, logins, journal, scenario); the host,
        clock, users and options stay."""
        self._build()

    # --- activation ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"https://{self.host}"

    @property
    def active(self) -> bool:
        """Is this fake answering ``requests`` calls to its host?"""
        return self._adapter.active

    def start(self) -> FakeVCenter:
        """Activate (counted: nested activations need as many ``stop`` calls)."""
        self._adapter.start()
        if self.served and self._serving is None:
            stack = contextlib.ExitStack()
            try:
                stack.enter_context(self.serve())
            except BaseException:
                self._adapter.stop()
                raise
            self._serving = stack
            self._adapter.served = self.server
        return self

    def stop(self) -> None:
        """Undo one ``start``; the outermost one deactivates."""
        self._adapter.stop()
        if self._serving is not None and not self._adapter.active:
            self._adapter.served = None  # the last stop ends the served socket too
            serving, self._serving = self._serving, None
            serving.close()

    def __enter__(self) -> FakeVCenter:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @contextlib.contextmanager
    def serve(self, bind: str = "127.0.0.1", port: int = 0, *, tls: bool = True) -> Iterator[str]:
        """Serve this fake over a real socket while the block runs; yields the base URL
        (``https://127.0.0.1:PORT``). The certificate is in ``vc.server.certificate_pem``.
        Inside a block that already serves it (or a ``served`` fake), yields that URL."""
        from vcl_fake.server import FakeServer

        if self.server is not None:
            yield self.server.url
            return
        server = FakeServer(self, bind, port, tls=tls)
        self.server = server
        server.start()
        try:
            yield server.url
        finally:
            server.stop()
            self.server = None

    def httpx_transport(self) -> Any:
        """An ``httpx.BaseTransport`` answering from this fake (needs httpx):
        ``httpx.Client(transport=vc.httpx_transport())``."""
        from vcl_fake.httpx_transport import FakeTransport

        return FakeTransport(self)

    def async_httpx_transport(self) -> Any:
        """An ``httpx.AsyncBaseTransport`` answering from this fake (needs httpx):
        ``httpx.AsyncClient(transport=vc.async_httpx_transport())``."""
        from vcl_fake.httpx_transport import AsyncFakeTransport

        return AsyncFakeTransport(self)

    def __call__(self, func: F) -> F:
        """Decorate a function (sync or async) so the fake is active while it runs, or a test
        class so it is active in each of its ``test*`` methods, starting afresh for each
        (unittest classes: from ``setUp`` to ``tearDown``). Anything else is a TypeError."""
        if isinstance(func, type):
            return self._decorate_class(func)  # type: ignore[return-value]
        if (
            not callable(func)
            or inspect.isgeneratorfunction(func)
            or inspect.isasyncgenfunction(func)
        ):
            kind = "a generator function" if callable(func) else type(func).__name__
            raise TypeError(
                "FakeVCenter decorates functions, coroutine functions and test classes, "
                f"not {kind} ({func!r})"
            )
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await func(*args, **kwargs)

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def _decorate_class(self, cls: type) -> type:
        import unittest

        if issubclass(cls, unittest.TestCase):
            set_up, tear_down = cls.setUp, cls.tearDown

            @functools.wraps(set_up)
            def setUp(case: Any) -> None:
                self._fresh()
                self.start()
                try:
                    set_up(case)
                except BaseException:
                    self.stop()
                    raise

            @functools.wraps(tear_down)
            def tearDown(case: Any) -> None:
                try:
                    tear_down(case)
                finally:
                    self.stop()

            setattr(cls, "setUp", setUp)  # noqa: B010
            setattr(cls, "tearDown", tearDown)  # noqa: B010
            return cls
        for name, member in list(vars(cls).items()):
            if name.startswith("test") and inspect.isfunction(member):
                setattr(cls, name, self._fresh_for(member))
        return cls

    def _fresh_for(self, func: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_test(*args: Any, **kwargs: Any) -> Any:
                self._fresh()
                with self:
                    return await func(*args, **kwargs)

            return async_test

        @functools.wraps(func)
        def test(*args: Any, **kwargs: Any) -> Any:
            self._fresh()
            with self:
                return func(*args, **kwargs)

        return test

    def _fresh(self) -> None:
        """The state a new fake would have (the constructor's scenario loaded again)."""
        self.reset()
        if self._initial_scenario is not None:
            self.load_scenario(self._initial_scenario)

    # --- seeding and inspection ------------------------------------------------------------------
    def create_library(self, name: str, **fields: Any) -> str:
        """Add a library (``type="LOCAL"`` or ``"SUBSCRIBED"``, ``description``,
        ``storage_backings``, ``publish_info`` for a local one, ``subscription_info`` for a
        subscribed one, ``security_policy_id``; as the API's LibraryModel; ``storage_lost=True``
        for one whose content is gone from its storage, as after restoring a deleted library);
        return its id."""
        return self._backend.add_library(name, **fields)

    def add_datastore(
        self,
        name: str,
        *,
        capacity: int = DEFAULT_CAPACITY,
        free_space: int | None = None,
        type: str = "VMFS",
    ) -> str:
        """Add a datastore (sizes in bytes; ``free_space`` defaults to 800 GiB or the
        capacity) to the datacenter; return its id (``datastore-N``). Library content stored
        on it takes from its free space; a file that does not fit fails its session."""
        return self._backend.add_datastore(
            name, capacity=capacity, free_space=free_space, type=type
        )

    def create_item(
        self,
        library_id: str,
        name: str,
        type: str | None = "ovf",
        *,
        files: Iterable[Mapping[str, Any]] = (),
        **fields: Any,
    ) -> str:
        """Add an item to a library; ``files`` are dicts with ``name``, ``size`` and optionally
        ``checksum`` and ``algorithm``; other fields: ``description``, ``content_version``."""
        return self._backend.add_item(library_id, name, type=type, files=files, **fields)

    def add_source(
        self,
        uri: str,
        data: bytes | str | os.PathLike[str] | None = None,
        *,
        size: int | None = None,
        rate: float | None = None,
        certificate: str | None = None,
        fail_after: int | None = None,
    ) -> None:
        """Register what a PULL from ``uri`` (http, https, ds or file) fetches: ``data`` as bytes
        or a file path, or ``size`` bytes of generated content (large test data without a file).
        ``rate`` in bytes per second on the fake clock (None: instant); ``certificate`` the
        PEM chain an https source presents (None: one the fake trusts); ``fail_after`` bytes
        after which the connection breaks."""
        self._backend.add_source(
            make_source(
                uri, data, size=size, rate=rate, certificate=certificate, fail_after=fail_after
            )
        )

    def has_source(self, uri: str) -> bool:
        """Whether a PULL from ``uri`` has something to fetch."""
        return self._backend.has_source(uri)

    def trust(self, pem: str) -> None:
        """Add a root certificate (PEM) that the fake's TLS client and signature checks trust."""
        load_certificates(pem)  # a bad PEM fails here, not in a later transfer
        self._backend.trust(pem)

    def get_library(self, library_id: str) -> dict[str, Any]:
        """The library as ``library.get`` returns it to ``https://{host}``."""
        return self._backend.library(library_id, self.url + ":443")

    def get_item(self, item_id: str) -> dict[str, Any]:
        """The item as ``item.get`` returns it, plus ``files`` as ``item_file.list`` does."""
        return self._backend.item(item_id)

    def items(self) -> list[dict[str, Any]]:
        """Every item, as :meth:`get_item` returns it."""
        return self._backend.items()

    def libraries(self) -> dict[str, str]:
        """Library id -> name."""
        return self._backend.library_names()

    def datastores(self) -> dict[str, str]:
        """Datastore id -> name."""
        return self._backend.datastore_names()

    def free_space(self, datastore_id: str) -> int:
        """A datastore's free space: its own less the library content stored on it."""
        return self._backend.free_space(datastore_id)

    @property
    def users(self) -> dict[str, str]:
        """User name -> password (the default administrator, or ``users=``, or a scenario's)."""
        return self._backend.users

    def find_library(self, name: str) -> str | None:
        """The id of the library named ``name`` (None: there is none; ValueError: several)."""
        found = [i for i, n in self._backend.library_names().items() if n == name]
        return _one(found, f"library {name!r}")

    def find_item(self, library: str, name: str) -> str | None:
        """The id of the item ``name`` in ``library`` (a library id or name); None if there
        is none, ValueError if several match."""
        names = self._backend.library_names()
        libraries = {library} if library in names else {i for i, n in names.items() if n == library}
        found = [
            str(i["id"])
            for i in self._backend.items()
            if i["name"] == name and i["library_id"] in libraries
        ]
        return _one(found, f"item {name!r} in library {library!r}")

    def sessions(self, item: str | None = None) -> list[dict[str, Any]]:
        """Every update session, oldest first, as ``update_session.get`` returns it plus its
        ``id``; ``item`` (an item id or name) keeps that item's only."""
        return self._sessions_of(item, download=False)

    def get_session(self, session_id: str) -> dict[str, Any]:
        """One update session as ``update_session.get`` returns it plus its ``id`` (KeyError
        when there is none)."""
        return self._backend.session_model(session_id)

    def download_sessions(self, item: str | None = None) -> list[dict[str, Any]]:
        """Every download session, as ``download_session.get`` returns it plus its ``id``;
        ``item`` (an item id or name) keeps that item's only."""
        return self._sessions_of(item, download=True)

    def get_download_session(self, session_id: str) -> dict[str, Any]:
        """One download session as ``download_session.get`` returns it plus its ``id``
        (KeyError when there is none)."""
        return self._backend.session_model(session_id, download=True)

    def _sessions_of(self, item: str | None, *, download: bool) -> list[dict[str, Any]]:
        found = self._backend.session_models(download=download)
        if item is None:
            return found
        item_ids = {i["id"] for i in self._backend.items() if item in (i["id"], i["name"])}
        return [s for s in found if s["library_item_id"] in item_ids]

    def read_item_file(self, item_id: str, name: str) -> bytes:
        """The bytes of an item's file as uploaded (needs ``keep_content=True``, the default)."""
        return self._backend.read_item_file(item_id, name)

    # --- scenarios ----------------------------------------------------------------------------
    @property
    def scenario(self) -> Scenario | None:
        """The loaded scenario, if any."""
        engine = self._dispatcher.engine
        return engine.scenario if engine is not None else None

    def load_scenario(
        self,
        scenario: str | os.PathLike[str] | Mapping[str, Any] | Scenario,
        params: Mapping[str, str] | None = None,
    ) -> Scenario:
        """Check a scenario (a bundled scenario's name, a path, YAML text or a mapping, with
        its ``params``), seed its setup and arm its rules. A bad scenario raises
        ScenarioError and changes nothing."""
        from vcl_fake.scenario.engine import Engine
        from vcl_fake.scenario.setup import apply

        script = _scenario(scenario, params)
        assert script is not None
        apply(script, self._backend, self.clock)
        self._dispatcher.engine = Engine(script, self._backend)
        return script

    def check_expectations(self) -> list[str]:
        """What the scenario's ``expect`` block asked for and did not happen."""
        engine = self._dispatcher.engine
        if engine is None:
            return []
        return engine.check()

    def verify(self) -> None:
        """Raise AssertionError listing every unmet expectation of the scenario."""
        failures = self.check_expectations()
        if failures:
            name = self.scenario.name if self.scenario else "?"
            lines = "\n".join(f"  - {f}" for f in failures)
            raise AssertionError(
                f"scenario {name!r}: {len(failures)} expectation(s) not met:\n{lines}"
            )

    @property
    def calls(self) -> CallList:
        """The journal, oldest first (the latest ``journal_limit`` calls): every operation,
        and every request that reached none (``outcome == "unrouted"``); ``vc.calls.reset()``
        empties it."""
        return self._dispatcher.journal.calls

    def timeline(self, out: TextIO | None = sys.stdout) -> str:
        """The journal as a table (protocol, request line, operation, status, outcome, session
        state after the call, scenario rule that fired), written to ``out`` and returned."""
        table = timeline(self.calls)
        if out is not None:
            out.write(table)
        return table

    def loose_ends(self, checks: Iterable[str] = LOOSE_ENDS) -> list[str]:
        """What a test left unaccounted for: requests to this host that reached no operation
        (``unexpected_requests``), update and download sessions still ACTIVE
        (``active_sessions``), rules of the scenario that never fired (``unfired_rules``)."""
        checks = set(checks)
        unknown = checks - set(LOOSE_ENDS)
        if unknown:
            raise ValueError(f"unknown checks {sorted(unknown)}; known: {', '.join(LOOSE_ENDS)}")
        found = []
        if "unexpected_requests" in checks:
            for call in self.calls:
                if call.outcome == UNROUTED:
                    hint = f" ({call.hint})" if call.hint else ""
                    found.append(f"unexpected request {call.request} answered {call.status}{hint}")
        if "active_sessions" in checks:
            for kind, download in (("update", False), ("download", True)):
                for session in self._backend.session_models(download=download):
                    if session["state"] == "ACTIVE":
                        found.append(
                            f"{kind} session {session['id']} of item "
                            f"{session['library_item_id']} left ACTIVE"
                        )
        engine = self._dispatcher.engine
        if "unfired_rules" in checks and engine is not None:
            for rule in engine.scenario.rules:
                if not engine.fired[rule.index]:
                    found.append(f"scenario rule {rule.name!r} never fired")
        return found

    def __repr__(self) -> str:
        return f"FakeVCenter({self.host!r}, clock={self.clock!r})"


def _one(found: list[str], what: str) -> str | None:
    if len(found) > 1:
        raise ValueError(f"{len(found)} matches for {what}: {', '.join(found)}")
    return found[0] if found else None


def _scenario(
    scenario: str | os.PathLike[str] | Mapping[str, Any] | Scenario | None,
    params: Mapping[str, str] | None = None,
) -> Scenario | None:
    if scenario is None:
        if params:
            raise ValueError("scenario_params given without a scenario")
        return None
    from vcl_fake.scenario import Scenario, read

    if isinstance(scenario, Scenario):
        if params:
            raise ValueError("scenario_params apply to a scenario being read, not a Scenario")
        return scenario
    return read(scenario, params=params)
