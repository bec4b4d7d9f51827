"""Real clients against the served fake: one way to find them, pyVmomi's connect, and the
fake's own vAPI read in-process to compare with what a client saw.

Every module here starts with ``find_client(...)``: when the client is missing, the module is
skipped with the reason, or fails when ``VCL_FAKE_REQUIRE_CLIENTS=1`` (CI sets it, so a
client CI lost shows as a failure, never as a quiet skip). The check runs at collection, so
an ``xfail`` marker cannot swallow it.
"""

from __future__ import annotations

import importlib
import inspect
import os
import shutil
import ssl
import subprocess
from typing import Any

import pytest

GOVC_VERSION = "0.24.2"  # the govc these tests were written against (tools/build-govc.sh)
PYVMOMI7_VERSION = "7.0.3"  # the older pyVmomi, run in an interpreter of its own
EXECUTABLES = {"govc", "curl"}


def find_client(name: str) -> Any:
    """The client ``name``: an executable (``"govc"``: ``$GOVC``, else on PATH, at version
    0.24.2; ``"curl"``: on PATH; ``"pyvmomi7"``: the Python named by
    ``VCL_FAKE_PYVMOMI7_PYTHON``, with pyvmomi 7.0.3) or an importable module (``"pyVmomi"``, ``"httpx"``,
    ``"com.vmware.content_client"``). Returns the executable's path or the module. When it is
    missing, skips the calling module (or test), or fails it under
    ``VCL_FAKE_REQUIRE_CLIENTS=1``. Call it at module level in an ``xfail`` test's module, so
    the marker cannot swallow that failure."""
    if name == "govc":
        found, reason = _govc()
    elif name == "pyvmomi7":
        found, reason = _pyvmomi7()
    elif name in EXECUTABLES:
        found = shutil.which(name)
        reason = f"{name} is not on PATH"
    else:
        found, reason = _module(name)
    if found is None:
        if os.environ.get("VCL_FAKE_REQUIRE_CLIENTS") == "1":
            pytest.fail(f"VCL_FAKE_REQUIRE_CLIENTS=1 but {reason}", pytrace=False)
        pytest.skip(reason, allow_module_level=True)
    return found


def _govc() -> tuple[str | None, str]:
    path = os.environ.get("GOVC") or shutil.which("govc")
    if not path or not os.access(path, os.X_OK):
        where = f"GOVC={path} is not an executable" if path else "govc is not on PATH"
        return None, f"{where} (build it with tools/build-govc.sh, or set GOVC)"
    try:
        version = subprocess.run(
            [path, "version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"{path} does not run: {error}"
    if version != f"govc {GOVC_VERSION}":
        return None, f"{path} is {version or 'not govc'!r}; these tests need govc {GOVC_VERSION}"
    return path, ""


def _pyvmomi7() -> tuple[str | None, str]:
    python = os.environ.get("VCL_FAKE_PYVMOMI7_PYTHON")
    if not python:
        return None, "VCL_FAKE_PYVMOMI7_PYTHON does not name a Python with pyvmomi==7.0.3"
    probe = "from importlib.metadata import version; print(version('pyvmomi'))"
    try:
        done = subprocess.run(
            [python, "-c", probe], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as error:
        return None, f"VCL_FAKE_PYVMOMI7_PYTHON={python} does not run: {error}"
    if done.stdout.strip() != PYVMOMI7_VERSION:
        found = done.stdout.strip() or done.stderr.strip().splitlines()[-1:]
        return None, f"VCL_FAKE_PYVMOMI7_PYTHON={python} has pyvmomi {found}, not 7.0.3"
    return python, ""


def _module(name: str) -> tuple[Any, str]:
    try:
        return importlib.import_module(name), ""
    except ImportError as error:
        return None, f"{name} cannot be imported ({error}); it comes with the test/sdk extras"


def connect(served: Any, *, user: str | None = None, pwd: str | None = None) -> Any:
    """pyVmomi's ``SmartConnect`` to a served fake, trusting its CA (the default user unless
    given; with a timeout where the pyVmomi version has one)."""
    from conftest import PASSWORD, USER
    from pyVim.connect import SmartConnect

    extra = {}
    if "httpConnectionTimeout" in inspect.signature(SmartConnect).parameters:
        extra["httpConnectionTimeout"] = 30
    return SmartConnect(
        host=served.host,
        port=served.port,
        user=USER if user is None else user,
        pwd=PASSWORD if pwd is None else pwd,
        sslContext=ssl.create_default_context(cafile=str(served.ca_file)),
        **extra,
    )


class Vapi:
    """The fake's own vAPI, in-process (``/api``): what the inventory looks like to a vAPI
    client, to compare with what the client under test saw."""

    def __init__(self, vc: Any) -> None:
        from conftest import Api

        self.api = Api(vc)

    def get(self, path: str, **params: Any) -> Any:
        response = self.api.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def lookup(self) -> list[list[Any]]:
        """What ``pyvmomi_flow.datastore_lookup`` should find: ``[type, id, {path: value}]``."""
        rows = [
            ["Datacenter", d["datacenter"], {"name": d["name"]}]
            for d in self.get("/api/vcenter/datacenter")
        ]
        for d in self.get("/api/vcenter/datastore"):
            values = {"name": d["name"], "summary.capacity": d["capacity"]}
            rows.append(
                ["Datastore", d["datastore"], {**values, "summary.freeSpace": d["free_space"]}]
            )
        return sorted(rows)


@pytest.fixture
def vapi(fake_vcenter: Any) -> Vapi:
    return Vapi(fake_vcenter)
