"""Lookups by name go through indexes kept in step with create, rename and delete: every
answer must be what a scan of all items and libraries would give."""

from __future__ import annotations

import requests
from conftest import assert_error

from vcl_fake import messages as M

ITEMS = "/api/content/library/item"
LIBRARIES = "/api/content/library"
DUPLICATE = M.ITEM_NAME_EXISTS[0]


def create(api, library: str, name: str):
    return api.post(ITEMS, json={"library_id": library, "name": name, "type": "iso"})


def find(api, **spec) -> list[str]:
    response = api.post(ITEMS, params={"action": "find"}, json=spec)
    assert response.status_code == 200, response.text
    return sorted(response.json())


def rename(api, item: str, name: str) -> None:
    assert api.patch(f"{ITEMS}/{item}", json={"name": name}).status_code == 204


def test_a_renamed_item_frees_its_old_name_and_takes_the_new_one(api, library):
    first = create(api, library, "alpha").json()
    rename(api, first, "Beta")
    second = create(api, library, "alpha")
    assert second.status_code == 201, second.text
    assert_error(create(api, library, "Beta"), 400, "ALREADY_EXISTS", DUPLICATE)
    assert find(api, name="beta") == [first]
    assert find(api, name="ALPHA") == [second.json()]
    assert_error(
        api.patch(f"{ITEMS}/{second.json()}", json={"name": "Beta"}),
        400,
        "ALREADY_EXISTS",
        DUPLICATE,
    )
    rename(api, first, "Beta")  # its own name: no conflict, nothing changes


def test_the_same_name_in_two_libraries_and_find_by_library(vc, api, library):
    other = vc.create_library("other")
    here, there = create(api, library, "same").json(), create(api, other, "same").json()
    assert find(api, name="same") == sorted([here, there])
    assert find(api, name="same", library_id=other) == [there]
    assert find(api, library_id=other) == [there]
    assert sorted(api.get(ITEMS, params={"library_id": other}).json()) == [there]


def test_deleted_items_and_libraries_leave_every_lookup(vc, api, library):
    other = vc.create_library("other")
    gone = create(api, other, "gone").json()
    kept = create(api, library, "gone2").json()
    assert api.delete(f"{ITEMS}/{gone}").status_code == 204
    assert find(api, name="gone") == []
    assert create(api, other, "gone").status_code == 201  # the name is free again
    assert api.delete(f"/api/content/local-library/{other}").status_code == 204
    assert find(api, name="gone") == []
    assert find(api, library_id=other) == []
    assert find(api, name="gone2") == [kept]
    response = api.post(LIBRARIES, params={"action": "find"}, json={"name": "OTHER"})
    assert response.json() == []


def test_a_renamed_library_keeps_its_items_and_is_found_by_its_new_name(vc, api, library):
    item = create(api, library, "x").json()
    response = api.patch(f"/api/content/local-library/{library}", json={"name": "Renamed"})
    assert response.status_code == 204, response.text
    assert api.get(ITEMS, params={"library_id": library}).json() == [item]
    assert find(api, library_id=library) == [item]
    found = api.post(LIBRARIES, params={"action": "find"}, json={"name": "renamed"}).json()
    assert found == [library]
    assert_error(create(api, library, "x"), 400, "ALREADY_EXISTS", DUPLICATE)


def test_datastore_usage_follows_commits_deletes_and_seeding(vc, api, library):
    """The bytes stored per datastore are a running total: it must equal a count of every
    item's files after each change."""
    datastore = vc.get_library(library)["storage_backings"][0]["datastore_id"]
    free = vc.free_space(datastore)

    def stored() -> int:
        return sum(i["size"] for i in vc.items() if i["library_id"] == library)

    seeded = vc.create_item(library, "seeded", files=[{"name": "a", "size": 1000}])
    assert free - vc.free_space(datastore) == stored() == 1000
    item = create(api, library, "uploaded").json()
    for round_, size in enumerate((300, 50)):  # the second upload replaces the first
        session_id = api.create_session(item)
        info = api.post(
            f"/api/content/library/item/update-session/{session_id}/file",
            json={"name": "f.bin", "source_type": "PUSH", "size": size},
        ).json()
        assert requests.put(info["upload_endpoint"]["uri"], data=bytes(size)).ok
        assert api.action(session_id, "complete").status_code == 204
        assert free - vc.free_space(datastore) == stored() == 1000 + size, round_
    rename(api, item, "renamed")
    assert free - vc.free_space(datastore) == 1050
    assert api.delete(f"{ITEMS}/{seeded}").status_code == 204
    assert free - vc.free_space(datastore) == stored() == 50


def test_lists_keep_creation_order_across_renames(vc, api, library):
    items = [create(api, library, name).json() for name in ("a", "b", "c")]
    rename(api, items[0], "z")
    assert api.get(ITEMS, params={"library_id": library}).json() == items
    other = vc.create_library("other")
    response = api.patch(f"/api/content/local-library/{library}", json={"name": "Renamed"})
    assert response.status_code == 204, response.text
    assert api.get(LIBRARIES).json()[-2:] == [library, other]
