"""Shared helpers: a logged-in /api client against a fake with a manual clock."""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from vcl_fake import FakeVCenter, ManualClock

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _collect_garbage() -> Iterator[None]:
    """Collect garbage after each test, so an unclosed file or socket (ResourceWarning, an
    error here) fails the test that leaked it rather than a later one, or none."""
    yield
    gc.collect()
    gc.freeze()  # what survived is not garbage now: the next collection scans only new objects


def direct_io_here() -> bool:
    """Whether this OS and the temporary directory's file system take O_DIRECT."""
    if not hasattr(os, "O_DIRECT"):
        return False
    try:
        fd = os.open(tempfile.gettempdir(), os.O_TMPFILE | os.O_RDWR | os.O_DIRECT)
    except (OSError, AttributeError):
        return False
    os.close(fd)
    return True


USER, PASSWORD = "administrator@vsphere.local", "VMware1!"
SESSIONS = "/api/content/library/item/update-session"


def served_login(url: str, verify: str | bool = False, timeout: float = 10) -> requests.Session:
    """A session logged in over the socket to a served fake at ``url`` (``verify``: the
    served CA, or False for plain HTTP); no environment overrides (REQUESTS_CA_BUNDLE)."""
    http = requests.Session()
    http.trust_env, http.verify = False, verify
    response = http.post(url + "/api/session", auth=(USER, PASSWORD), timeout=timeout)
    assert response.status_code == 201, response.text
    http.headers["vmware-api-session-id"] = response.json()
    return http


class Api:
    """A thin /api client: ``api.post(path, json=...)`` etc. on a logged-in session."""

    def __init__(self, vc: FakeVCenter) -> None:
        self.vc = vc
        self.http = requests.Session()
        response = self.http.post(f"{vc.url}/api/session", auth=(USER, PASSWORD))
        assert response.status_code == 201, response.text
        self.token = response.json()
        self.http.headers["vmware-api-session-id"] = self.token

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, self.vc.url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    # update-session shortcuts
    def create_session(self, item_id: str, **spec: Any) -> str:
        response = self.post(SESSIONS, json={"library_item_id": item_id, **spec})
        assert response.status_code == 201, response.text
        return response.json()

    def session(self, session_id: str) -> dict[str, Any]:
        response = self.get(f"{SESSIONS}/{session_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def action(self, session_id: str, action: str, **body: Any) -> requests.Response:
        return self.post(f"{SESSIONS}/{session_id}", params={"action": action}, json=body or None)


def assert_error(
    response: requests.Response, status: int, error_type: str, message_id: str | None = None
) -> dict[str, Any]:
    """Assert a vAPI error body exactly: status, content type, error_type, message id."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["error_type"] == error_type, body
    assert set(body) <= {"error_type", "messages", "data", "challenge"}
    assert body["messages"], body
    for msg in body["messages"]:
        assert set(msg) >= {"id", "default_message", "args"}
        assert isinstance(msg["args"], list)
    if message_id is not None:
        assert body["messages"][0]["id"] == message_id, body
    return body


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def vc(clock: ManualClock) -> Iterator[FakeVCenter]:
    with FakeVCenter(clock=clock, seed=7) as fake:
        yield fake


@pytest.fixture
def library(vc: FakeVCenter) -> str:
    return vc.create_library("templates")


@pytest.fixture
def item(vc: FakeVCenter, library: str) -> str:
    return vc.create_item(library, "photon-5")


@pytest.fixture
def api(vc: FakeVCenter) -> Api:
    return Api(vc)
