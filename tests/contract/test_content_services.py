"""The content services around an upload (Library find/update, LocalLibrary update and its
publish_info, SubscribedLibrary list/get, Item find/update, item Storage, DownloadSession
list) and operations that are not modelled, each over all three protocols: /api and legacy
/rest with plain requests, JSON-RPC through the official SDK's own stubs.

Every answer passes the bindings' converters as it goes by (``Checked``); each protocol's
answer is brought to one clean-JSON form (``Outcome``) so one test states the behaviour once.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import requests
from vmware.vapi.bindings.converter import RestConverter, TypeConverter
from vmware.vapi.bindings.error import VapiError as SdkError
from vmware.vapi.data.serializers.cleanjson import DataValueConverter

from contract.bindings import STUBS, Checked, _operations
from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.contract.operations import TABLE
from vcl_fake.sdk import vsphere_client

USER, PASSWORD = "administrator@vsphere.local", "VMware1!"
CLS = "com.vmware.vdcs.cls-main."
NOT_MODELLED = "vcl_fake.operation.not_modelled"
PROTOCOLS = ("api", "rest", "jsonrpc")
STATUS = {
    "NOT_FOUND": 404,
    "INVALID_ARGUMENT": 400,
    "INVALID_ELEMENT_TYPE": 400,
    "ALREADY_EXISTS": 400,
    "CONCURRENT_CHANGE": 409,
    "OPERATION_NOT_FOUND": 404,
    "UNAUTHENTICATED": 401,
    "SERVICE_UNAVAILABLE": 503,
}
API = "/api/content"
REST = "/rest/com/vmware/content"
#: alias -> (method, /api path, the parameter that is the body)
API_ROUTES = {
    "local_library.create": ("POST", f"{API}/local-library", "create_spec"),
    "item.create": ("POST", f"{API}/library/item", "create_spec"),
    "library.find": ("POST", f"{API}/library?action=find", "spec"),
    "library.update": ("PATCH", f"{API}/library/{{library_id}}", "update_spec"),
    "local_library.get": ("GET", f"{API}/local-library/{{library_id}}", None),
    "local_library.update": ("PATCH", f"{API}/local-library/{{library_id}}", "update_spec"),
    "subscribed_library.list": ("GET", f"{API}/subscribed-library", None),
    "subscribed_library.get": ("GET", f"{API}/subscribed-library/{{library_id}}", None),
    "item.find": ("POST", f"{API}/library/item?action=find", "spec"),
    "item.update": ("PATCH", f"{API}/library/item/{{library_item_id}}", "update_spec"),
    "item.get": ("GET", f"{API}/library/item/{{library_item_id}}", None),
    "item_storage.list": ("GET", f"{API}/library/item/{{library_item_id}}/storage", None),
    "item_storage.get": (
        "GET",
        f"{API}/library/item/{{library_item_id}}/storage?file_name={{file_name}}",
        None,
    ),
    "download_session.list": ("GET", f"{API}/library/item/download-session", None),
}
#: alias -> (method, legacy /rest path); other parameters go in the body, wrapped by name
REST_ROUTES = {
    "local_library.create": ("POST", f"{REST}/local-library"),
    "item.create": ("POST", f"{REST}/library/item"),
    "library.find": ("POST", f"{REST}/library?~action=find"),
    "library.update": ("PATCH", f"{REST}/library/id:{{library_id}}"),
    "local_library.get": ("GET", f"{REST}/local-library/id:{{library_id}}"),
    "local_library.update": ("PATCH", f"{REST}/local-library/id:{{library_id}}"),
    "subscribed_library.list": ("GET", f"{REST}/subscribed-library"),
    "subscribed_library.get": ("GET", f"{REST}/subscribed-library/id:{{library_id}}"),
    "item.find": ("POST", f"{REST}/library/item?~action=find"),
    "item.update": ("PATCH", f"{REST}/library/item/id:{{library_item_id}}"),
    "item.get": ("GET", f"{REST}/library/item/id:{{library_item_id}}"),
    "item_storage.list": (
        "GET",
        f"{REST}/library/item/storage?library_item_id={{library_item_id}}",
    ),
    "item_storage.get": ("POST", f"{REST}/library/item/storage/id:{{library_item_id}}?~action=get"),
    "download_session.list": ("GET", f"{REST}/library/item/download-session"),
}


@dataclass
class Outcome:
    """One answer in clean JSON: a value, or an error with its first message."""

    value: Any = None
    error_type: str | None = None
    message_id: str | None = None
    args: list[str] | None = None


class Wire:
    """Calls an operation by alias over one protocol and brings the answer to an Outcome,
    asserting the protocol's own envelope (statuses, wrappers) on the way."""

    def __init__(self, vc: FakeVCenter, protocol: str, client: Any = None) -> None:
        self.vc = vc
        self.protocol = protocol
        self.client = client
        self.http = requests.Session()
        if protocol == "api":
            token = self.http.post(f"{vc.url}/api/session", auth=(USER, PASSWORD)).json()
            self.http.headers["vmware-api-session-id"] = token
        elif protocol == "rest":
            token = self.http.post(f"{vc.url}/rest/com/vmware/cis/session", auth=(USER, PASSWORD))
            self.http.headers["vmware-api-session-id"] = token.json()["value"]

    def __call__(self, alias: str, **params: Any) -> Outcome:
        outcome = getattr(self, self.protocol)(alias, params)
        call = self.vc.calls[-1]
        assert (call.protocol, call.operation) == (self.protocol, alias)
        return outcome

    def api(self, alias: str, params: dict[str, Any]) -> Outcome:
        method, template, body = API_ROUTES[alias]
        url = self.vc.url + template.format(**{k: quote(str(v)) for k, v in params.items()})
        response = self.http.request(method, url, json=params.get(body) if body else None)
        if response.status_code >= 400:
            return error_of(response, response.json())
        if alias.endswith(".update"):
            assert (response.status_code, response.content) == (204, b"")
            return Outcome()
        assert response.status_code == TABLE[alias].success_status, response.text
        return Outcome(response.json())

    def rest(self, alias: str, params: dict[str, Any]) -> Outcome:
        method, template = REST_ROUTES[alias]
        in_path = {k for k in params if "{" + k + "}" in template}
        url = self.vc.url + template.format(**{k: quote(str(params[k])) for k in in_path})
        body = {k: v for k, v in params.items() if k not in in_path} or None
        response = self.http.request(method, url, json=body)
        if response.status_code >= 400:
            wrapped = response.json()
            assert (
                wrapped["type"]
                == "com.vmware.vapi.std.errors." + wrapped["value"]["error_type"].lower()
            )
            return error_of(response, wrapped["value"])
        assert response.status_code == 200, response.text
        if alias.endswith(".update"):
            assert response.content == b""
            return Outcome()
        return Outcome(response.json()["value"])

    def jsonrpc(self, alias: str, params: dict[str, Any]) -> Outcome:
        """Through the SDK's own stub: inputs built and outputs read by the bindings."""
        op = TABLE[alias]
        module, stub = STUBS[op.service]  # com.vmware.content.library_client, _ItemStub
        service = self.client
        for part in module[len("com.vmware.") : -len("_client")].split("."):
            service = getattr(service, part)  # client.content.library
        service = getattr(service, stub.strip("_")[: -len("Stub")])  # ...library.Item
        info = _operations(op.service)[op.name]
        kwargs = {
            name: TypeConverter.convert_to_python(
                DataValueConverter.convert_to_data_value(json.dumps(value)),
                info["input_type"].get_field(name),
                rest_converter_mode=RestConverter.VAPI_REST,
            )
            for name, value in params.items()
        }
        try:
            result = getattr(service, op.name)(**kwargs)
        except SdkError as exc:
            first = exc.messages[0]
            return Outcome(None, exc.error_type, first.id, list(first.args))
        if op.output.describe() == "void":
            assert result is None
            return Outcome()
        value = TypeConverter.convert_to_vapi(result, info["output_type"])
        return Outcome(json.loads(DataValueConverter.convert_to_json(value)))


def error_of(response: requests.Response, error: dict[str, Any]) -> Outcome:
    assert response.status_code == STATUS[error["error_type"]], response.text
    first = error["messages"][0]
    return Outcome(None, error["error_type"], first["id"], first["args"])


def error(error_type: str, message_id: str, *args: str) -> Outcome:
    return Outcome(None, error_type, message_id, list(args))


@pytest.fixture
def clock():
    return ManualClock(dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc))


@pytest.fixture
def vc(clock):
    with FakeVCenter(clock=clock, seed=21) as fake:
        checked = Checked(fake)
        yield fake
    served = [f"{c.protocol} {c.operation}" for c in fake.calls if c.operation in TABLE]
    assert sorted(checked.seen) == sorted(served)  # every answer passed the bindings' checks


@pytest.fixture(params=PROTOCOLS)
def call(request, vc):
    if request.param != "jsonrpc":
        yield Wire(vc, request.param)
        return
    with vsphere_client(vc) as client:
        yield Wire(vc, "jsonrpc", client)


def stamp(clock: ManualClock) -> str:
    return clock.now().strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --- Library.find ------------------------------------------------------------------------------
def test_library_find_ands_the_fields_and_ignores_the_names_case(vc, call):
    templates = vc.create_library("Templates")
    assert vc.add_datastore("nfs-02") == "datastore-12"
    isos = vc.create_library(
        "ISOs", storage_backings=[{"type": "DATASTORE", "datastore_id": "datastore-12"}]
    )
    mirror = vc.create_library("mirror", type="SUBSCRIBED")
    assert call("library.find", spec={"name": "templates"}).value == [templates]
    assert call("library.find", spec={"name": "TEMPLATES", "type": "LOCAL"}).value == [templates]
    assert call("library.find", spec={"name": "templates", "type": "SUBSCRIBED"}).value == []
    assert call("library.find", spec={"type": "SUBSCRIBED"}).value == [mirror]
    assert call("library.find", spec={"name": "temp"}).value == []  # whole names only
    by_datastore = {"type": "DATASTORE", "datastore_id": "datastore-12"}
    assert call("library.find", spec={"storage_backing": by_datastore}).value == [isos]
    by_type = {"storage_backing": {"type": "DATASTORE"}, "type": "LOCAL"}
    assert call("library.find", spec=by_type).value == [templates, isos]


def test_library_find_needs_a_property(vc, call):
    assert call("library.find", spec={}) == error(
        "INVALID_ARGUMENT", CLS + "find_spec_empty", "library"
    )


# --- Library.update and LocalLibrary.update ----------------------------------------------------
def test_library_update_changes_the_common_properties(vc, call, clock):
    library = vc.create_library("templates", description="old")
    other = vc.create_library("isos")
    clock.advance(60)
    spec = {"name": "golden", "description": "new", "version": "1"}
    assert call("library.update", library_id=library, update_spec=spec) == Outcome()
    got = vc.get_library(library)
    assert (got["name"], got["description"], got["version"]) == ("golden", "new", "2")
    assert (got["creation_time"], got["last_modified_time"]) == (
        dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc),
        clock.now(),
    )
    # fields update does not use, and publish_info (LocalLibrary.update's), change nothing
    ignored = {
        "type": "SUBSCRIBED",
        "storage_backings": [{"type": "DATASTORE", "datastore_id": "datastore-99"}],
        "publish_info": {"published": True, "authentication_method": "NONE"},
    }
    assert call("library.update", library_id=library, update_spec=ignored) == Outcome()
    got = vc.get_library(library)
    assert (got["version"], got["type"], got["publish_info"]["published"]) == ("2", "LOCAL", False)
    assert got["storage_backings"] == [
        {"type": "DATASTORE", "datastore_id": "datastore-11", "storage_uri": None}
    ]
    stale = {"description": "x", "version": "1"}
    assert call("library.update", library_id=library, update_spec=stale) == error(
        "INVALID_ARGUMENT", CLS + "library_version_mismatch", library, "1"
    )
    assert call("library.update", library_id=library, update_spec={"name": " "}) == error(
        "INVALID_ARGUMENT", CLS + "library_name_missing"
    )
    assert call("library.update", library_id="nope", update_spec={"name": "x"}) == error(
        "NOT_FOUND", CLS + "library_not_found", "nope"
    )
    got = vc.get_library(library)
    assert (got["name"], got["description"], got["version"]) == ("golden", "new", "2")
    assert vc.get_library(other)["version"] == "1"
    # library names need not be unique (LibraryModel.name; real servers allow it)
    assert call("library.update", library_id=library, update_spec={"name": "isos"}) == Outcome()
    assert vc.get_library(library)["name"] == "isos"


def test_library_update_renames_a_subscribed_library_too(vc, call):
    mirror = vc.create_library("mirror", type="SUBSCRIBED")
    assert call("library.update", library_id=mirror, update_spec={"name": "m2"}) == Outcome()
    assert vc.get_library(mirror)["name"] == "m2"


def test_a_local_library_is_unpublished_until_published(vc, call):
    library = vc.create_library("templates")
    publish_info = call("local_library.get", library_id=library).value["publish_info"]
    assert publish_info == {
        "authentication_method": "NONE",
        "published": False,
        "publish_url": f"https://vcenter.example.com:443/cls/vcsp/lib/{library}/lib.json",
        "persist_json_enabled": False,
    }


def test_local_library_update_publishes_with_basic_authentication(vc, call):
    library = vc.create_library("templates")

    def update(**publish_info):
        return call(
            "local_library.update", library_id=library, update_spec={"publish_info": publish_info}
        )

    def published():
        return call("local_library.get", library_id=library).value["publish_info"]

    assert update(published=True, authentication_method="BASIC") == error(
        "INVALID_ARGUMENT", CLS + "publish_password_missing", library
    )
    assert update(
        published=True, authentication_method="BASIC", user_name="bob", password="s"
    ) == error("INVALID_ARGUMENT", CLS + "publish_user_name_invalid", "bob")
    assert update(published=True, authentication_method="BASIC", password="s3cret") == Outcome()
    journaled = vc.calls[-1].input["update_spec"]["publish_info"]
    assert (journaled["password"], journaled["published"]) == ("********", True)  # never shown
    if call.protocol != "jsonrpc":  # refused before decoding: the raw input is redacted too
        refused = update(published="yes", password="leak")
        assert (refused.error_type, refused.message_id) == (
            "INVALID_ARGUMENT",
            "vapi.data.validate.mismatch",
        )
        assert "leak" not in repr(vc.calls[-1].input)
    assert published() == {
        "authentication_method": "BASIC",
        "published": True,
        "publish_url": f"https://vcenter.example.com:443/cls/vcsp/lib/{library}/lib.json",
        "user_name": "vcsp",
        "persist_json_enabled": False,
    }
    assert call("local_library.get", library_id=library).value["version"] == "2"
    # once BASIC: a new password, turning authentication off or unpublishing needs the current one
    for change in ({"password": "n3w"}, {"authentication_method": "NONE"}, {"published": False}):
        assert update(**change) == error(
            "INVALID_ARGUMENT", CLS + "publish_current_password_missing", library
        )
        assert update(**change, current_password="wrong") == error(
            "INVALID_ARGUMENT", CLS + "publish_current_password_mismatch", library
        )
    assert update(password="n3w", current_password="s3cret") == Outcome()
    assert update(published=False, current_password="n3w") == Outcome()
    assert update(persist_json_enabled=True) == Outcome()  # no password needed for this
    assert published()["published"] is False
    assert update(authentication_method="NONE", current_password="n3w") == Outcome()
    assert published() == {
        "authentication_method": "NONE",
        "published": False,
        "publish_url": f"https://vcenter.example.com:443/cls/vcsp/lib/{library}/lib.json",
        "persist_json_enabled": True,
    }
    assert call("local_library.get", library_id=library).value["version"] == "6"


def test_local_library_update_errors(vc, call):
    library = vc.create_library("templates")
    mirror = vc.create_library("mirror", type="SUBSCRIBED")
    stale = {"description": "x", "version": "7"}
    assert call("local_library.update", library_id=library, update_spec=stale) == error(
        "CONCURRENT_CHANGE", CLS + "library_version_mismatch", library, "7"
    )
    assert call("local_library.update", library_id=mirror, update_spec={"name": "x"}) == error(
        "INVALID_ELEMENT_TYPE", CLS + "library_not_local", mirror, "SUBSCRIBED"
    )
    assert call("local_library.update", library_id="nope", update_spec={"name": "x"}) == error(
        "NOT_FOUND", CLS + "library_not_found", "nope"
    )
    assert (
        call("local_library.update", library_id=library, update_spec={"description": "d"})
        == Outcome()
    )
    got = call("local_library.get", library_id=library).value
    assert (got["description"], got["version"]) == ("d", "2")


def test_local_library_create_keeps_publish_info(vc, call):
    backing = [{"type": "DATASTORE", "datastore_id": "datastore-11"}]
    publish = {"published": True, "authentication_method": "BASIC", "password": "pw"}
    spec = {"name": "pub", "storage_backings": backing, "publish_info": publish}
    library = call("local_library.create", create_spec=spec).value
    assert call("local_library.get", library_id=library).value["publish_info"] == {
        "authentication_method": "BASIC",
        "published": True,
        "publish_url": f"https://vcenter.example.com:443/cls/vcsp/lib/{library}/lib.json",
        "user_name": "vcsp",
        "persist_json_enabled": False,
    }
    half = {"name": "half", "storage_backings": backing, "publish_info": {"published": True}}
    assert call("local_library.create", create_spec=half) == error(
        "INVALID_ARGUMENT",
        "vapi.data.structure.field.missing",
        "publish_info.authentication_method",
        "create",
    )
    blank = {"name": "", "storage_backings": backing}
    assert call("local_library.create", create_spec=blank) == error(
        "INVALID_ARGUMENT", CLS + "library_name_missing"
    )
    assert list(vc.libraries()) == [library]


def test_item_create_checks_name_and_description(vc, call):
    library = vc.create_library("templates")
    long_name = {"library_id": library, "name": "n" * 81}
    assert call("item.create", create_spec=long_name) == error(
        "INVALID_ARGUMENT", CLS + "library_item_name_too_long", "81", "80"
    )
    long_text = {"library_id": library, "name": "n", "description": "d" * 2001}
    assert call("item.create", create_spec=long_text) == error(
        "INVALID_ARGUMENT", CLS + "library_item_description_too_long", "2001", "2000"
    )
    made = {"library_id": library, "name": "n" * 80, "source_id": "src-1"}
    item = call("item.create", create_spec=made).value
    assert call("item.get", library_item_id=item).value["source_id"] == "src-1"
    assert call("item.find", spec={"source_id": "src-1"}).value == [item]


# --- SubscribedLibrary list/get --------------------------------------------------------------
def test_subscribed_libraries_list_and_get(vc, call):
    local = vc.create_library("templates")
    assert call("subscribed_library.list").value == []
    mirror = vc.create_library(
        "mirror",
        type="SUBSCRIBED",
        subscription_info={"subscription_url": "https://vc2.example.com/cls/vcsp/lib/x/lib.json"},
    )
    assert call("subscribed_library.list").value == [mirror]
    got = call("subscribed_library.get", library_id=mirror).value
    assert (got["name"], got["type"], "publish_info" in got) == ("mirror", "SUBSCRIBED", False)
    assert got["subscription_info"] == {
        "authentication_method": "NONE",
        "automatic_sync_enabled": False,
        "on_demand": True,
        "subscription_url": "https://vc2.example.com/cls/vcsp/lib/x/lib.json",
    }
    assert call("subscribed_library.get", library_id=local) == error(
        "INVALID_ELEMENT_TYPE", CLS + "library_not_subscribed", local, "LOCAL"
    )
    assert call("subscribed_library.get", library_id="nope") == error(
        "NOT_FOUND", CLS + "library_not_found", "nope"
    )


# --- Item.find and Item.update ---------------------------------------------------------------
@pytest.fixture
def items(vc):
    a, b = vc.create_library("a"), vc.create_library("b")
    return {
        "a": a,
        "b": b,
        "photon": vc.create_item(a, "Photon-5", files=[{"name": "p.ovf", "size": 9}]),
        "iso": vc.create_item(a, "win", type="ISO"),
        "photon_b": vc.create_item(b, "photon-5", files=[{"name": "p.ovf", "size": 9}]),
    }


def test_item_find_ands_the_fields_ignoring_case_of_name_and_type(vc, call, items):
    find = lambda **spec: call("item.find", spec=spec).value  # noqa: E731
    assert find(name="PHOTON-5") == [items["photon"], items["photon_b"]]
    assert find(name="photon-5", library_id=items["b"]) == [items["photon_b"]]
    assert find(type="iso") == [items["iso"]]
    assert find(type="OVF", library_id=items["a"]) == [items["photon"]]
    assert find(cached=False) == [items["iso"]]
    assert find(cached=True, name="photon-5") == [items["photon"], items["photon_b"]]
    assert find(library_id="no-such-library") == []
    assert find(source_id="elsewhere") == []
    assert find(name="photon") == []


def test_item_find_needs_a_property(vc, call, items):
    assert call("item.find", spec={}) == error(
        "INVALID_ARGUMENT", CLS + "find_spec_empty", "library item"
    )


def test_item_update_changes_name_description_and_type(vc, call, items, clock):
    item = items["photon"]
    clock.advance(30)
    spec = {"name": "photon-6", "description": "next", "type": "vm-template", "version": "1"}
    assert call("item.update", library_item_id=item, update_spec=spec) == Outcome()
    got = call("item.get", library_item_id=item).value
    assert {
        k: got[k]
        for k in ("name", "description", "type", "version", "metadata_version", "content_version")
    } == {
        "name": "photon-6",
        "description": "next",
        "type": "vm-template",
        "version": "2",
        "metadata_version": "2",
        "content_version": "1",
    }
    assert got["last_modified_time"] == stamp(clock)
    same = {"name": "photon-6", "version": "2"}  # nothing changes: no new version
    assert call("item.update", library_item_id=item, update_spec=same) == Outcome()
    assert call("item.get", library_item_id=item).value["version"] == "2"


def test_item_update_errors(vc, call, items):
    item = items["photon"]

    def update(**spec):
        return call("item.update", library_item_id=item, update_spec=spec)

    assert update(name="win") == error(
        "ALREADY_EXISTS",
        CLS + "duplicate_item_name_unsupported_in_library",
        "win",
        "a",
        items["a"],
    )
    assert update(name="") == error("INVALID_ARGUMENT", CLS + "library_item_name_empty")
    assert update(name="n" * 81) == error(
        "INVALID_ARGUMENT", CLS + "library_item_name_too_long", "81", "80"
    )
    assert update(description="d" * 2001) == error(
        "INVALID_ARGUMENT", CLS + "library_item_description_too_long", "2001", "2000"
    )
    assert update(description="x", version="9") == error(
        "INVALID_ARGUMENT", CLS + "library_item_version_mismatch", item, "9"
    )
    assert call("item.update", library_item_id="nope", update_spec={"name": "x"}) == error(
        "NOT_FOUND", CLS + "library_item_not_found", "nope"
    )
    mirror = vc.create_item(vc.create_library("mirror", type="SUBSCRIBED"), "copy")
    library = vc.get_item(mirror)["library_id"]
    assert call("item.update", library_item_id=mirror, update_spec={"name": "x"}) == error(
        "INVALID_ELEMENT_TYPE", CLS + "library_item_subscribed", mirror, library
    )
    assert update(name="n" * 80) == Outcome()
    got = vc.get_item(item)
    assert (got["name"], got["description"], got["version"]) == ("n" * 80, "", "2")


# --- item Storage and DownloadSession list ---------------------------------------------------
def test_item_storage_lists_each_file_on_the_librarys_backing(vc, call):
    library = vc.create_library("templates")
    files = [
        {"name": "p.ovf", "size": 120, "checksum": "ab" * 20},
        {"name": "p-disk1.vmdk", "size": 4096, "cached": False},
    ]
    item = vc.create_item(library, "photon", files=files)
    where = f"ds:///vmfs/volumes/datastore-11/contentlib-{library}/{item}"
    backing = {"type": "DATASTORE", "datastore_id": "datastore-11"}
    ovf = {
        "storage_backing": backing,
        "storage_uris": [f"{where}/p.ovf"],
        "checksum_info": {"algorithm": "SHA1", "checksum": "ab" * 20},
        "name": "p.ovf",
        "size": 120,
        "cached": True,
        "version": "1",
    }
    disk = {
        "storage_backing": backing,
        "storage_uris": [f"{where}/p-disk1.vmdk"],
        "name": "p-disk1.vmdk",
        "size": 0,  # not cached: no storage used
        "cached": False,
        "version": "1",
    }
    assert call("item_storage.list", library_item_id=item).value == [ovf, disk]
    assert call("item_storage.get", library_item_id=item, file_name="p.ovf").value == [ovf]
    assert call("item_storage.get", library_item_id=item, file_name="x.iso") == error(
        "NOT_FOUND", CLS + "library_item_file_not_found", item, "x.iso"
    )
    assert call("item_storage.list", library_item_id="nope") == error(
        "NOT_FOUND", CLS + "library_item_not_found", "nope"
    )


def test_item_storage_on_another_kind_of_backing(vc, call):
    nfs = {"type": "OTHER", "storage_uri": "nfs://filer.example.com/export/cl/"}
    library = vc.create_library("nfs", storage_backings=[nfs])
    item = vc.create_item(library, "notes", type="file", files=[{"name": "a.txt", "size": 3}])
    (info,) = call("item_storage.list", library_item_id=item).value
    assert info["storage_backing"] == {"type": "OTHER", "storage_uri": nfs["storage_uri"]}
    assert info["storage_uris"] == [
        f"nfs://filer.example.com/export/cl/contentlib-{library}/{item}/a.txt"
    ]


def test_download_session_list(vc, call, items):
    assert call("download_session.list").value == []
    http = requests.Session()
    token = http.post(f"{vc.url}/api/session", auth=(USER, PASSWORD)).json()
    http.headers["vmware-api-session-id"] = token
    spec = {"library_item_id": items["photon"]}
    created = http.post(f"{vc.url}/api/content/library/item/download-session", json=spec).json()
    assert call("download_session.list").value == [created]


# --- operations the fake does not model -------------------------------------------------------
def raw_call(vc, protocol, client):
    """SubscribedLibrary.create, which the bindings define and the fake does not model."""
    spec = {
        "name": "mirror",
        "subscription_info": {
            "authentication_method": "BASIC",
            "automatic_sync_enabled": False,
            "on_demand": True,
            "subscription_url": "https://vc2.example.com/cls/vcsp/lib/x/lib.json",
            "password": "hunter2",
        },
        "type": "SUBSCRIBED",
        "storage_backings": [{"type": "DATASTORE", "datastore_id": "datastore-11"}],
    }
    if protocol == "jsonrpc":
        from com.vmware.content_client import LibraryModel

        model = TypeConverter.convert_to_python(
            DataValueConverter.convert_to_data_value(json.dumps(spec)),
            LibraryModel.get_binding_type(),
            rest_converter_mode=RestConverter.VAPI_REST,
        )
        try:
            client.content.SubscribedLibrary.create(model)
        except SdkError as exc:
            return exc.error_type, exc.messages[0].id, list(exc.messages[0].args), None
        raise AssertionError("no error")
    if protocol == "api":
        response = client.http.post(f"{vc.url}{API}/subscribed-library", json=spec)
        body = response.json()
    else:
        response = client.http.post(
            f"{vc.url}{REST}/subscribed-library", json={"create_spec": spec}
        )
        body = response.json()["value"]
    first = body["messages"][0]
    return body["error_type"], first["id"], first["args"], response.status_code


def test_an_operation_that_is_not_modelled_says_so_and_is_journaled(vc, call):
    client = call.client if call.protocol == "jsonrpc" else call
    error_type, message_id, args, status = raw_call(vc, call.protocol, client)
    assert (error_type, message_id, args) == (
        "OPERATION_NOT_FOUND",
        NOT_MODELLED,
        ["com.vmware.content.subscribed_library", "create"],
    )
    assert status in (None, 404)
    last = vc.calls[-1]
    assert (last.protocol, last.operation, last.outcome) == (
        call.protocol,
        "com.vmware.content.subscribed_library.create",
        "OPERATION_NOT_FOUND",
    )
    assert last.error.messages[0]["default_message"] == (
        "Operation create of service com.vmware.content.subscribed_library is defined by the "
        "vSphere API but is not modelled by vcl_fake."
    )
    assert vc.libraries() == {}  # nothing was created
    assert "hunter2" not in repr(last.input)  # passwords are never journaled


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("GET", "/api/content/type", "com.vmware.content.type.list"),
        (
            "POST",
            "/api/content/library/item/abc?action=copy",
            "com.vmware.content.library.item.copy",
        ),
        ("GET", "/rest/com/vmware/content/type", "com.vmware.content.type.list"),
        (
            "POST",
            "/rest/com/vmware/content/library/item/id:abc?~action=copy",
            "com.vmware.content.library.item.copy",
        ),
    ],
)
def test_other_services_are_routed_as_not_modelled(vc, method, path, operation):
    http = requests.Session()
    unauthenticated = http.request(method, vc.url + path)
    assert unauthenticated.status_code == 401  # authentication first, as for every operation
    token = http.post(f"{vc.url}/api/session", auth=(USER, PASSWORD)).json()
    response = http.request(method, vc.url + path, headers={"vmware-api-session-id": token})
    assert response.status_code == 404
    body = response.json()
    body = body.get("value", body)
    service, _, name = operation.rpartition(".")
    assert body["error_type"] == "OPERATION_NOT_FOUND"
    assert body["messages"][0]["id"] == NOT_MODELLED
    assert body["messages"][0]["args"] == [service, name]
    assert [(c.operation, c.outcome) for c in vc.calls[-1:]] == [(operation, "OPERATION_NOT_FOUND")]


def test_a_scenario_rule_applies_to_the_new_operations(vc):
    vc.load_scenario(
        {
            "version": 1,
            "name": "find fails once",
            "rules": [
                {
                    "match": {"operation": "library.find"},
                    "when": {"nth": 1},
                    "then": {"error": {"type": "SERVICE_UNAVAILABLE"}},
                }
            ],
        }
    )
    library = vc.create_library("templates")
    wire = Wire(vc, "api")
    assert wire("library.find", spec={"name": "templates"}).error_type == "SERVICE_UNAVAILABLE"
    assert wire("library.find", spec={"name": "templates"}).value == [library]
