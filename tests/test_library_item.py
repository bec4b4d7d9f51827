"""Library and item services a client needs around update sessions."""

from __future__ import annotations

from conftest import SESSIONS, assert_error

CLS = "com.vmware.vdcs.cls-main."
BACKING = [{"type": "DATASTORE", "datastore_id": "datastore-11"}]


def test_create_local_library(api):
    response = api.post(
        "/api/content/local-library", json={"name": "isos", "storage_backings": BACKING}
    )
    assert response.status_code == 201
    library_id = response.json()
    got = api.get(f"/api/content/library/{library_id}")
    assert got.status_code == 200
    model = got.json()
    assert model["name"] == "isos"
    assert model["type"] == "LOCAL"
    assert model["storage_backings"] == BACKING
    assert model["id"] == library_id
    assert api.get("/api/content/library").json() == [library_id]
    assert api.get("/api/content/local-library").json() == [library_id]
    assert api.get(f"/api/content/local-library/{library_id}").json() == model


def test_create_library_without_storage_backings_is_invalid_argument(api):
    response = api.post("/api/content/local-library", json={"name": "x"})
    body = assert_error(response, 400, "INVALID_ARGUMENT")
    assert "create_spec.storage_backings" in body["messages"][0]["default_message"]
    assert api.get("/api/content/library").json() == []


def test_create_library_with_union_violation_is_invalid_argument(api):
    bad = [{"type": "DATASTORE", "storage_uri": "nfs://x"}]
    response = api.post("/api/content/local-library", json={"name": "x", "storage_backings": bad})
    body = assert_error(response, 400, "INVALID_ARGUMENT", "vapi.data.structure.union.extra")
    assert body["messages"][0]["args"][1] == "create_spec.storage_backings[0].storage_uri"


def test_library_get_unknown_is_not_found(api):
    assert_error(api.get("/api/content/library/ghost"), 404, "NOT_FOUND", CLS + "library_not_found")


def test_local_library_get_of_subscribed_is_invalid_element_type(api, vc):
    lib = vc.create_library("sub", type="SUBSCRIBED")
    assert_error(api.get(f"/api/content/local-library/{lib}"), 400, "INVALID_ELEMENT_TYPE")
    assert api.get(f"/api/content/library/{lib}").json()["type"] == "SUBSCRIBED"


def test_delete_local_library_removes_its_items(api, vc, library, item):
    assert api.delete(f"/api/content/local-library/{library}").status_code == 204
    assert_error(api.get(f"/api/content/library/item/{item}"), 404, "NOT_FOUND")
    assert api.get("/api/content/library").json() == []


def test_delete_library_with_active_session_is_not_allowed(api, library, item):
    api.create_session(item)
    response = api.delete(f"/api/content/local-library/{library}")
    assert_error(response, 400, "NOT_ALLOWED_IN_CURRENT_STATE", CLS + "library_has_active_sessions")
    assert api.get(f"/api/content/library/item/{item}").status_code == 200


def test_create_item_and_read_it(api, library):
    response = api.post(
        "/api/content/library/item", json={"library_id": library, "name": "win", "type": "iso"}
    )
    assert response.status_code == 201
    item_id = response.json()
    model = api.get(f"/api/content/library/item/{item_id}").json()
    assert model == {
        "id": item_id,
        "library_id": library,
        "name": "win",
        "type": "iso",
        "content_version": "1",
        "metadata_version": "1",
        "version": "1",
        "creation_time": "2026-01-01T00:00:00.000Z",
        "last_modified_time": "2026-01-01T00:00:00.000Z",
        "cached": False,
        "size": 0,
        "description": "",
        "security_compliance": True,
        "certificate_verification_info": {"status": "NOT_AVAILABLE"},
    }
    assert api.get("/api/content/library/item", params={"library_id": library}).json() == [item_id]


def test_create_item_duplicate_name_is_already_exists(api, library, item):
    response = api.post(
        "/api/content/library/item", json={"library_id": library, "name": "photon-5"}
    )
    body = assert_error(
        response, 400, "ALREADY_EXISTS", CLS + "duplicate_item_name_unsupported_in_library"
    )
    assert body["messages"][0]["args"] == ["photon-5", "templates", library]


def test_create_item_in_unknown_library_is_not_found(api):
    response = api.post("/api/content/library/item", json={"library_id": "ghost", "name": "x"})
    assert_error(response, 404, "NOT_FOUND", CLS + "library_not_found")


def test_create_item_in_subscribed_library_is_invalid_element_type(api, vc):
    lib = vc.create_library("sub", type="SUBSCRIBED")
    response = api.post("/api/content/library/item", json={"library_id": lib, "name": "x"})
    assert_error(response, 400, "INVALID_ELEMENT_TYPE")


def test_item_list_needs_library_id(api):
    body = assert_error(
        api.get("/api/content/library/item"), 400, "INVALID_ARGUMENT", "vapi.method.input.missing"
    )
    assert body["messages"][0]["args"] == ["item.list", "library_id"]


def test_item_list_unknown_library_is_not_found(api):
    assert_error(api.get("/api/content/library/item", params={"library_id": "x"}), 404, "NOT_FOUND")


def test_delete_item(api, item):
    assert api.delete(f"/api/content/library/item/{item}").status_code == 204
    assert_error(
        api.get(f"/api/content/library/item/{item}"),
        404,
        "NOT_FOUND",
        CLS + "library_item_not_found",
    )


def test_delete_item_with_active_session_is_not_allowed(api, item):
    session_id = api.create_session(item)
    body = assert_error(
        api.delete(f"/api/content/library/item/{item}"), 400, "NOT_ALLOWED_IN_CURRENT_STATE"
    )
    assert body["messages"][0]["args"] == [item, session_id]


def test_deleting_an_item_forgets_its_ended_sessions(api, item):
    session_id = api.create_session(item)
    api.action(session_id, "cancel")
    api.delete(f"/api/content/library/item/{item}")
    assert api.get(SESSIONS).json() == []


def test_item_files_seeded_and_listed(api, vc, library):
    item = vc.create_item(
        library,
        "centos",
        files=[
            {"name": "centos.ovf", "size": 1200, "checksum": "ab" * 20},
            {"name": "disk-0.vmdk", "size": 4096},
        ],
    )
    files = api.get(f"/api/content/library/item/{item}/file").json()
    assert files == [
        {
            "name": "centos.ovf",
            "size": 1200,
            "cached": True,
            "version": "1",
            "checksum_info": {"algorithm": "SHA1", "checksum": "ab" * 20},
        },
        {"name": "disk-0.vmdk", "size": 4096, "cached": True, "version": "1"},
    ]
    one = api.get(f"/api/content/library/item/{item}/file", params={"name": "disk-0.vmdk"})
    assert one.status_code == 200
    assert one.json() == files[1]
    model = api.get(f"/api/content/library/item/{item}").json()
    assert model["size"] == 5296
    assert model["cached"] is True
    assert vc.get_item(item)["files"][0]["name"] == "centos.ovf"


def test_item_file_get_unknown_is_not_found(api, item):
    response = api.get(f"/api/content/library/item/{item}/file", params={"name": "x.vmdk"})
    body = assert_error(response, 404, "NOT_FOUND", CLS + "library_item_file_not_found")
    assert body["messages"][0]["args"] == [item, "x.vmdk"]


def test_item_file_list_unknown_item_is_not_found(api):
    assert_error(api.get("/api/content/library/item/ghost/file"), 404, "NOT_FOUND")


def test_delete_unknown_local_library_is_not_found(api):
    assert_error(
        api.delete("/api/content/local-library/ghost"), 404, "NOT_FOUND", CLS + "library_not_found"
    )


def test_delete_subscribed_library_through_local_library_is_invalid_element_type(api, vc):
    lib = vc.create_library("sub", type="SUBSCRIBED")
    response = api.delete(f"/api/content/local-library/{lib}")
    assert_error(response, 400, "INVALID_ELEMENT_TYPE", CLS + "library_not_local")
    assert api.get(f"/api/content/library/{lib}").status_code == 200


def test_library_names_need_not_be_unique(api, library):
    response = api.post(
        "/api/content/local-library", json={"name": "templates", "storage_backings": BACKING}
    )
    assert response.status_code == 201
    assert sorted(api.get("/api/content/library").json()) == sorted([library, response.json()])
