"""Library.find and Item.find against a brute-force reading of their documentation: every
given field must match (AND); names, and item types, match whole and without regard to case."""

from __future__ import annotations

import pytest
from conftest import Api
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vcl_fake import FakeVCenter, ManualClock

NAMES = ["photon", "Photon", "PHOTON", "ubuntu", "win-11", "Ubuntu"]
names = st.sampled_from(NAMES)
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def world():
    with FakeVCenter(clock=ManualClock(), seed=5) as vc:
        assert vc.add_datastore("nfs-02") == "datastore-12"
        libraries = {}
        for n, (name, kind) in enumerate(
            [("photon", "LOCAL"), ("ISOs", "LOCAL"), ("mirror", "SUBSCRIBED")]
        ):
            backing = {"type": "DATASTORE", "datastore_id": f"datastore-{11 + n % 2}"}
            libraries[vc.create_library(name, type=kind, storage_backings=[backing])] = (
                name,
                kind,
                backing["datastore_id"],
            )
        items = {}
        for n, name in enumerate(NAMES):
            library = list(libraries)[n % 3]
            kind = ["ovf", "ISO", "iso", None][n % 4]
            files = [{"name": "f", "size": 1, "cached": n % 3 != 0}] if n % 2 else []
            item = vc.create_item(library, name, kind, files=files)
            items[item] = (name, library, kind, bool(files) and n % 3 != 0)
        yield Api(vc), libraries, items


@SETTINGS
@given(
    name=st.one_of(st.none(), names),
    kind=st.one_of(st.none(), st.sampled_from(["LOCAL", "SUBSCRIBED"])),
    datastore=st.one_of(st.none(), st.sampled_from(["datastore-11", "datastore-12", "x"])),
)
def test_library_find(world, name, kind, datastore):
    api, libraries, _ = world
    spec = {"name": name, "type": kind}
    if datastore is not None:
        spec["storage_backing"] = {"type": "DATASTORE", "datastore_id": datastore}
    response = api.post("/api/content/library", params={"action": "find"}, json=spec)
    if name is None and kind is None and datastore is None:
        assert response.status_code == 400
        return
    expected = [
        lib
        for lib, (lib_name, lib_kind, lib_ds) in libraries.items()
        if (name is None or lib_name.lower() == name.lower())
        and (kind is None or lib_kind == kind)
        and (datastore is None or lib_ds == datastore)
    ]
    assert (response.status_code, response.json()) == (200, expected)


@SETTINGS
@given(
    name=st.one_of(st.none(), names),
    library=st.one_of(st.none(), st.integers(0, 3)),
    kind=st.one_of(st.none(), st.sampled_from(["ovf", "OVF", "iso", "Iso", "file"])),
    cached=st.one_of(st.none(), st.booleans()),
)
def test_item_find(world, name, library, kind, cached):
    api, libraries, items = world
    library_id = None if library is None else [*libraries, "no-such-library"][library]
    spec = {"name": name, "library_id": library_id, "type": kind, "cached": cached}
    response = api.post("/api/content/library/item", params={"action": "find"}, json=spec)
    if all(v is None for v in spec.values()):
        assert response.status_code == 400
        return
    expected = [
        item
        for item, (item_name, item_library, item_kind, item_cached) in items.items()
        if (name is None or item_name.lower() == name.lower())
        and (library_id is None or item_library == library_id)
        and (kind is None or (item_kind or "").lower() == kind.lower())
        and (cached is None or item_cached == cached)
    ]
    assert (response.status_code, response.json()) == (200, expected)
