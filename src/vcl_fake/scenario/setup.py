"""Applying a scenario's ``setup`` to a fake: all or nothing."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from vcl_fake import messages as M
from vcl_fake.backend.inventory import ItemFile
from vcl_fake.backend.sources import Source, make_source
from vcl_fake.clock import ManualClock
from vcl_fake.errors import message
from vcl_fake.scenario.model import Scenario, rate, read_pem, seconds, size

if TYPE_CHECKING:
    from vcl_fake.backend import Backend


def apply(scenario: Scenario, backend: Backend) -> None:
    """Seed ``backend`` from the scenario. Everything that can fail is built or checked first,
    so a refused setup changes nothing."""
    setup = scenario.setup
    clock = backend.clock
    if scenario.clock_start is not None:
        if not isinstance(clock, ManualClock):
            raise ValueError("the scenario sets a clock start: the fake needs a ManualClock")
        if scenario.clock_start < clock.now():
            raise ValueError(
                f"the scenario starts at {scenario.clock_start.isoformat()}, before the fake's "
                f"clock ({clock.now().isoformat()}); clocks only move forward"
            )
    taken = {lib.name for lib in backend.inventory.libraries.values()}
    clash = sorted(taken & {lib["name"] for lib in setup.get("libraries", [])})
    if clash:
        raise ValueError(f"the fake already has libraries named {', '.join(clash)}")
    sources = [_source(s, scenario) for s in setup.get("sources", [])]
    roots = [read_pem(pem, scenario.base_dir) for pem in setup.get("trusted_roots", [])]

    with backend.lock:
        if scenario.clock_start is not None:
            assert isinstance(clock, ManualClock)
            clock.set(scenario.clock_start)
        if "users" in setup:
            backend.auth.users = dict(setup["users"])
        if "session_timeout" in setup:
            backend.sessions.timeout = _dt.timedelta(seconds=seconds(setup["session_timeout"]))
        if "retention" in setup:
            backend.sessions.retention = _dt.timedelta(seconds=seconds(setup["retention"]))
        if "api_session_timeout" in setup:
            backend.auth.idle_timeout = _dt.timedelta(seconds=seconds(setup["api_session_timeout"]))
        backend.files.trusted.extend(roots)
        for source in sources:
            backend.files.sources[source.uri] = source
        items: dict[str, str] = {}
        for lib in setup.get("libraries", []):
            library = backend.inventory.add_library(
                lib["name"], type=lib.get("type", "LOCAL"), description=lib.get("description")
            )
            for it in lib.get("items", []):
                files = [_file(f) for f in it.get("files", [])]
                items[it["name"]] = backend.inventory.add_item(
                    library.id,
                    it["name"],
                    type=it.get("type", "ovf"),
                    description=it.get("description"),
                    content_version=it.get("content_version", 1),
                    files=files,
                ).id
        for entry in setup.get("sessions", []):
            _session(backend, items[entry["item"]], entry)


def _file(spec: dict[str, Any]) -> ItemFile:
    return ItemFile(
        name=spec["name"],
        size=size(spec["size"]),
        checksum=spec.get("checksum"),
        algorithm=spec.get("algorithm", "SHA1"),
    )


def _source(spec: dict[str, Any], scenario: Scenario) -> Source:
    from vcl_fake.scenario.model import _resolve

    data: Any = None
    if "data" in spec:
        data = spec["data"].encode()
    elif "file" in spec:
        data = _resolve(spec["file"], scenario.base_dir)
    return make_source(
        spec["uri"],
        data,
        size=size(spec["size"]) if "size" in spec else None,
        rate=rate(spec["rate"]) if "rate" in spec else None,
        certificate=read_pem(spec["certificate"], scenario.base_dir)
        if "certificate" in spec
        else None,
        fail_after=size(spec["fail_after"]) if "fail_after" in spec else None,
    )


def _session(backend: Backend, item_id: str, entry: dict[str, Any]) -> None:
    """A session left behind by an earlier client (ACTIVE by default)."""
    sessions = backend.sessions
    session_id = sessions.update_session_create({"library_item_id": item_id}, None)
    session = sessions.sessions[session_id]
    state = entry.get("state", "ACTIVE")
    if state == "ERROR":
        sessions.end(session, "ERROR", message(M.SCRIPTED_FAILURE, entry.get("message", "failed")))
    elif state != "ACTIVE":
        sessions.end(session, state)
