"""``FakeVCenter``: one fake vCenter that owns all of its state."""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from vcl_fake.adapter import ResponsesAdapter
from vcl_fake.app import Application
from vcl_fake.backend import Backend, load_certificates, make_source
from vcl_fake.backend.vcenter import DEFAULT_CAPACITY
from vcl_fake.clock import Clock, ManualClock, SystemClock, check_duration
from vcl_fake.dispatcher import Dispatcher
from vcl_fake.journal import JOURNAL_LIMIT, Call
from vcl_fake.protocols.http import Request, Response

if TYPE_CHECKING:
    from vcl_fake.scenario.data import Scenario

F = TypeVar("F", bound=Callable[..., Any])


class FakeVCenter:
    """A fake vCenter answering every ``requests`` call to ``https://{host}`` while active.

    Use it as a context manager, a decorator, or through ``start()`` / ``stop()``. Seed it and
    look inside without HTTP through ``create_library``, ``create_item``, ``get_item`` and
    ``calls`` (the last ``journal_limit`` calls; None keeps every one). Time comes from
    ``clock`` (default: :class:`SystemClock`). ``fetch`` lets PULL fetch real http(s) URLs
    that are not registered sources: ``True`` (loopback hosts only) or ``"any"``.
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
        script = _scenario(scenario)
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
        self._adapter = ResponsesAdapter(self.host, self.handle)
        self.server: Any = None  # the FakeServer while serve() runs
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
        return self

    def stop(self) -> None:
        """Undo one ``start``; the outermost one deactivates."""
        self._adapter.stop()

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
        (``https://127.0.0.1:PORT``). The certificate is in ``vc.server.certificate_pem``."""
        from vcl_fake.server import FakeServer

        server = FakeServer(self, bind, port, tls=tls)
        self.server = server
        server.start()
        try:
            yield server.url
        finally:
            server.stop()
            self.server = None

    def __call__(self, func: F) -> F:
        """Decorate a function (sync or async) so the fake is active while it runs."""
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
        self, scenario: str | os.PathLike[str] | Mapping[str, Any] | Scenario
    ) -> Scenario:
        """Check a scenario (a path, YAML text or a mapping), seed its setup and arm its rules.
        A bad scenario raises ScenarioError and changes nothing."""
        from vcl_fake.scenario.engine import Engine
        from vcl_fake.scenario.setup import apply

        script = _scenario(scenario)
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
    def calls(self) -> list[Call]:
        """The journal of operations, oldest first: the latest ``journal_limit`` calls."""
        return self._dispatcher.calls

    def __repr__(self) -> str:
        return f"FakeVCenter({self.host!r}, clock={self.clock!r})"


def _scenario(
    scenario: str | os.PathLike[str] | Mapping[str, Any] | Scenario | None,
) -> Scenario | None:
    if scenario is None:
        return None
    from vcl_fake.scenario import Scenario, read

    return scenario if isinstance(scenario, Scenario) else read(scenario)
