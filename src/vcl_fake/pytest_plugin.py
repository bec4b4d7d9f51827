"""pytest plugin: the ``fake_vcenter`` fixture and marker, and ``served_vcenter``.

Registered through the ``pytest11`` entry point, so installing vcl_fake is enough::

    @pytest.mark.fake_vcenter(clock="manual", session_timeout=60)
    def test_upload(fake_vcenter):
        ...

    def test_with_a_socket(fake_vcenter, served_vcenter):   # pyVmomi, urllib, govc, curl
        SmartConnect(host=served_vcenter.host, port=served_vcenter.port, ...)

Each test gets its own FakeVCenter (nothing is shared, so pytest-xdist workers are safe).
``served_vcenter`` serves that same fake on a free loopback port until the test ends.
With ``scenario="file.yaml"`` (relative to the test file) the scenario is loaded, and its
``expect`` block is checked when the test body ends: unmet expectations fail the test.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from vcl_fake.clock import Clock, ManualClock, SystemClock

if TYPE_CHECKING:
    from vcl_fake.fake import FakeVCenter
    from vcl_fake.server import FakeServer

MARKER = "fake_vcenter"
FAKE = pytest.StashKey["FakeVCenter"]()


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
    scenario: str | Mapping[str, Any] | None = None

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

    def build(self, test_file: Path | None = None) -> FakeVCenter:
        from vcl_fake.fake import FakeVCenter  # imported when a test asks for the fixture

        scenario: Any = self.scenario
        if isinstance(scenario, str) and test_file is not None and "\n" not in scenario:
            scenario = test_file.parent / scenario
        return FakeVCenter(
            self.host,
            clock=self.make_clock(),
            scenario=scenario,
            users=self.users,
            session_timeout=self.session_timeout,
            session_retention=self.session_retention,
            api_session_timeout=self.api_session_timeout,
            seed=self.seed,
        )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(host=..., clock='manual'|'system', session_timeout=..., "
        "session_retention=..., api_session_timeout=..., users=..., seed=..., "
        "scenario='file.yaml'): configure the fake_vcenter fixture",
    )


@pytest.fixture
def fake_vcenter(request: pytest.FixtureRequest) -> Iterator[FakeVCenter]:
    """An active FakeVCenter, configured by the ``fake_vcenter`` marker if present."""
    options = FakeOptions.from_marker(request.node.get_closest_marker(MARKER))
    with options.build(Path(str(request.node.path))) as vc:
        request.node.stash[FAKE] = vc
        yield vc


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
