"""pytest plugin: the ``fake_vcenter`` fixture and marker, and ``served_vcenter``.

Registered through the ``pytest11`` entry point, so installing vcl_fake is enough::

    @pytest.mark.fake_vcenter(clock="manual", session_timeout=60)
    def test_upload(fake_vcenter):
        ...

    def test_with_a_socket(fake_vcenter, served_vcenter):   # pyVmomi, urllib, govc, curl
        SmartConnect(host=served_vcenter.host, port=served_vcenter.port, ...)

Each test gets its own FakeVCenter (nothing is shared, so pytest-xdist workers are safe).
``served_vcenter`` serves that same fake on a free loopback port until the test ends.
With ``scenario="checksum-mismatch"`` (a bundled scenario) or ``scenario="file.yaml"``
(relative to the test file) the scenario is loaded, and its ``expect`` block is checked when
the test body ends: unmet expectations fail the test.

A failing test's report gets a ``vcl_fake timeline`` section (every call the fake saw). After
a passing test, strict checks (``strict=``, on by default) fail the teardown on loose ends:
requests to the fake's host that reached no operation, update sessions left ACTIVE, scenario
rules that never fired. ``pytest --vcl-fake-served`` (or ``VCL_FAKE_SERVED=1``) runs every
fake on a loopback socket instead of in-process, with the same tests: requests and the httpx
transport for the fake's host go to that socket (the one ``served_vcenter`` yields).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Generator, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from vcl_fake.clock import Clock, ManualClock, SystemClock
from vcl_fake.journal import JOURNAL_LIMIT

if TYPE_CHECKING:
    from vcl_fake.fake import FakeVCenter
    from vcl_fake.server import FakeServer

MARKER = "fake_vcenter"
FAKE = pytest.StashKey["FakeVCenter"]()
PASSED = pytest.StashKey[bool]()
SERVED_ENV = "VCL_FAKE_SERVED"
STRICT_INI = "vcl_fake_strict"
CHECKS = ("unexpected_requests", "active_sessions", "unfired_rules")


@dataclasses.dataclass(frozen=True)
class FakeOptions:
    """The marker's keyword arguments (a typo is an error, not a silent default)."""

    host: str = "vcenter.example.com"
    clock: str | Clock | None = None  # None: the scenario's clock, else "system"
    session_timeout: float = 300
    session_retention: float = 300
    api_session_timeout: float = 1800
    users: Mapping[str, str] | None = None
    seed: int | None = None
    keep_content: bool = True
    fetch: bool | str = False
    journal_limit: int | None = JOURNAL_LIMIT
    scenario: str | Mapping[str, Any] | None = None
    scenario_params: Mapping[str, str] | None = None
    passthrough: Iterable[str] = ()
    served: bool | None = None  # None: --vcl-fake-served / VCL_FAKE_SERVED decide
    strict: bool | Iterable[str] | None = None  # None: the vcl_fake_strict ini option

    @classmethod
    def from_marker(cls, marker: pytest.Mark | None) -> FakeOptions:
        if marker is None:
            return cls()
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(marker.kwargs) - known)
        if unknown:
            raise pytest.UsageError(
                f"@pytest.mark.{MARKER}: unknown keyword(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        return cls(**marker.kwargs)

    def make_clock(self) -> Clock | None:
        if self.clock is None:
            return None if self.scenario is not None else SystemClock()
        if isinstance(self.clock, Clock):
            return self.clock
        if self.clock == "manual":
            return ManualClock()
        if self.clock == "system":
            return SystemClock()
        raise pytest.UsageError(
            f"@pytest.mark.{MARKER}(clock=...) must be 'manual', 'system' or a Clock, "
            f"not {self.clock!r}"
        )

    def checks(self, config: pytest.Config) -> tuple[str, ...]:
        """The strict teardown checks to run."""
        strict = self.strict
        if strict is None:
            strict = str(config.getini(STRICT_INI)).strip().lower() not in ("false", "0", "no")
        if strict is True:
            return CHECKS
        if strict is False:
            return ()
        chosen = (strict,) if isinstance(strict, str) else tuple(strict)
        unknown = sorted(set(chosen) - set(CHECKS))
        if unknown:
            raise pytest.UsageError(
                f"@pytest.mark.{MARKER}(strict=...): unknown check(s) {', '.join(unknown)}; "
                f"known: {', '.join(CHECKS)} (or True / False)"
            )
        return chosen

    def build(self, test_file: Path | None = None, served: bool = False) -> FakeVCenter:
        from vcl_fake.fake import FakeVCenter  # imported when a test asks for the fixture

        scenario: Any = self.scenario
        if isinstance(scenario, str) and test_file is not None and "\n" not in scenario:
            beside = test_file.parent / scenario
            if beside.is_file() or scenario.endswith((".yaml", ".yml")):
                scenario = beside  # else the name of a bundled scenario
        return FakeVCenter(
            self.host,
            clock=self.make_clock(),
            scenario=scenario,
            scenario_params=self.scenario_params,
            users=self.users,
            session_timeout=self.session_timeout,
            session_retention=self.session_retention,
            api_session_timeout=self.api_session_timeout,
            seed=self.seed,
            keep_content=self.keep_content,
            fetch=self.fetch,
            journal_limit=self.journal_limit,
            passthrough=self.passthrough,
            served=served if self.served is None else self.served,
        )


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vcl_fake")
    group.addoption(
        "--vcl-fake-served",
        action="store_true",
        default=None,
        help="serve every fake_vcenter on a loopback socket and route its host's requests "
        f"there, instead of answering in-process (also: {SERVED_ENV}=1)",
    )
    parser.addini(
        STRICT_INI,
        "fail a passing test's teardown on loose ends the fake saw (unexpected requests, "
        "update sessions left ACTIVE, scenario rules that never fired); default true",
        default="true",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(host=..., clock='manual'|'system', session_timeout=..., "
        "session_retention=..., api_session_timeout=..., users=..., seed=..., "
        "scenario='name'|'file.yaml', scenario_params={...}, passthrough=[hosts], "
        "served=bool, strict=bool|[checks]): configure the fake_vcenter fixture",
    )


def served_by_default(config: pytest.Config) -> bool:
    option = config.getoption("vcl_fake_served", None)
    if option is not None:
        return bool(option)
    return os.environ.get(SERVED_ENV, "").strip().lower() in ("1", "true", "yes")


@pytest.fixture
def fake_vcenter(request: pytest.FixtureRequest) -> Iterator[FakeVCenter]:
    """An active FakeVCenter, configured by the ``fake_vcenter`` marker if present."""
    options = FakeOptions.from_marker(request.node.get_closest_marker(MARKER))
    checks = options.checks(request.config)
    with options.build(Path(str(request.node.path)), served_by_default(request.config)) as vc:
        request.node.stash[FAKE] = vc
        yield vc
        loose = vc.loose_ends(checks) if request.node.stash.get(PASSED, False) else []
    if loose:
        listed = "\n".join(f"  - {end}" for end in loose)
        pytest.fail(
            f"the fake saw loose ends (opt out with @pytest.mark.{MARKER}(strict=False), or "
            f"strict=[checks to keep] of {', '.join(CHECKS)}):\n{listed}",
            pytrace=False,
        )


@pytest.fixture
def served_vcenter(fake_vcenter: FakeVCenter) -> Iterator[FakeServer]:
    """The test's ``fake_vcenter`` over HTTPS on a free loopback port, for clients that do not
    use ``requests``: ``url``, ``host``, ``port``, ``ca_file`` (verifies it), ``thumbprint``
    (SHA-256) and ``fake``. Upload URLs point at it; it stops when the test ends."""
    with fake_vcenter.serve():
        yield fake_vcenter.server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """After a passing test body, a loaded scenario's expectations must hold."""
    result = yield
    vc = item.stash.get(FAKE, None)
    if vc is not None and vc.scenario is not None:
        vc.verify()
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing test's report shows the fake's timeline; a passing one arms strict checks."""
    report = yield
    vc = item.stash.get(FAKE, None)
    if vc is not None:
        if report.when == "call":
            item.stash[PASSED] = report.passed
        if report.failed:
            report.sections.append((f"vcl_fake timeline ({vc.url})", vc.timeline(None)))
    return report
