"""Applying a scenario's ``setup`` to a fake: all or nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vcl_fake import messages as M
from vcl_fake.backend import ItemFile, Source, make_source
from vcl_fake.backend.vcenter import DEFAULT_CAPACITY
from vcl_fake.clock import Clock, ManualClock
from vcl_fake.contract.enums import DEFAULT_ALGORITHM
from vcl_fake.errors import message
from vcl_fake.scenario.data import Scenario, rate, read_pem, resolve, seconds, size

if TYPE_CHECKING:
    from vcl_fake.backend import Backend


def apply(scenario: Scenario, target: Backend, clock: Clock) -> None:
    """Seed ``target`` (a fake's backend, through its public methods) from the scenario.
    Everything that can fail is built or checked first, so a refused setup changes nothing."""
    setup = scenario.setup
    if scenario.clock_start is not None:
        if not isinstance(clock, ManualClock):
            raise ValueError("the scenario sets a clock start: the fake needs a ManualClock")
        if scenario.clock_start < clock.now():
            raise ValueError(
                f"the scenario starts at {scenario.clock_start.isoformat()}, before the fake's "
                f"clock ({clock.now().isoformat()}); clocks only move forward"
            )
    taken = set(target.library_names().values())
    clash = sorted(taken & {lib["name"] for lib in setup.get("libraries", [])})
    if clash:
        raise ValueError(f"the fake already has libraries named {', '.join(clash)}")
    datastores = set(target.datastore_names().values())
    for ds in setup.get("datastores", []):
        if ds["name"] in datastores:
            raise ValueError(f"the fake already has a datastore named {ds['name']}")
        capacity = size(ds.get("capacity", DEFAULT_CAPACITY))
        if size(ds.get("free_space", 0)) > capacity:
            raise ValueError(f"datastore {ds['name']}: free_space is larger than the capacity")
        datastores.add(ds["name"])
    for lib in setup.get("libraries", []):
        if "datastore" in lib and lib["datastore"] not in datastores:
            raise ValueError(f"library {lib['name']}: no datastore is named {lib['datastore']}")
    sources = [_source(s, scenario) for s in setup.get("sources", [])]
    roots = [read_pem(pem, scenario.base_dir) for pem in setup.get("trusted_roots", [])]

    if scenario.clock_start is not None:
        assert isinstance(clock, ManualClock)
        clock.set(scenario.clock_start)
    target.configure(
        users=setup.get("users"),
        session_timeout=_seconds(setup, "session_timeout"),
        session_retention=_seconds(setup, "retention"),
        api_session_timeout=_seconds(setup, "api_session_timeout"),
        fetch=setup.get("fetch"),
    )
    for root in roots:
        target.trust(root)
    for source in sources:
        target.add_source(source)
    for ds in setup.get("datastores", []):
        target.add_datastore(
            ds["name"],
            capacity=size(ds.get("capacity", DEFAULT_CAPACITY)),
            free_space=size(ds["free_space"]) if "free_space" in ds else None,
            type=ds.get("type", "VMFS"),
        )
    by_name = {name: ds_id for ds_id, name in target.datastore_names().items()}
    items: dict[str, str] = {}
    for lib in setup.get("libraries", []):
        backings = None
        if "datastore" in lib:
            backings = [{"type": "DATASTORE", "datastore_id": by_name[lib["datastore"]]}]
        library_id = target.add_library(
            lib["name"],
            type=lib.get("type", "LOCAL"),
            description=lib.get("description"),
            storage_backings=backings,
        )
        for it in lib.get("items", []):
            items[it["name"]] = target.add_item(
                library_id,
                it["name"],
                type=it.get("type", "ovf"),
                description=it.get("description"),
                content_version=it.get("content_version", 1),
                files=[_file(f) for f in it.get("files", [])],
            )
    for entry in setup.get("sessions", []):
        _session(target, items[entry["item"]], entry)


def _seconds(setup: dict[str, Any], key: str) -> float | None:
    return seconds(setup[key]) if key in setup else None


def _file(spec: dict[str, Any]) -> ItemFile:
    return ItemFile(
        name=spec["name"],
        size=size(spec["size"]),
        checksum=spec.get("checksum"),
        algorithm=spec.get("algorithm", DEFAULT_ALGORITHM),
    )


def _source(spec: dict[str, Any], scenario: Scenario) -> Source:
    data: Any = None
    if "data" in spec:
        data = spec["data"].encode()
    elif "file" in spec:
        data = resolve(spec["file"], scenario.base_dir)
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


def _session(target: Backend, item_id: str, entry: dict[str, Any]) -> None:
    """A session left behind by an earlier client (ACTIVE by default)."""
    session = target.open_session(item_id)
    state = entry.get("state", "ACTIVE")
    if state == "ERROR":
        target.end_session(
            session, "ERROR", message(M.SCRIPTED_FAILURE, entry.get("message", "failed"))
        )
    elif state != "ACTIVE":
        target.end_session(session, state)
