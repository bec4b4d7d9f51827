"""Every error the bindings document for a served operation is one the fake can raise.

The bindings' docstrings are mined: each ``:raise: :class:`com.vmware.vapi.std.errors_client.X```
clause of each operation in the operation table is a pair (operation, error). ``CHECKLIST``
declares, for every pair, how the fake raises it: ``MODELLED`` pairs from a real condition
the fake models (a provoker below sets it up), ``SCRIPTED`` pairs (conditions the fake does
not model, such as privileges) by a scenario rule, which is how a consumer's test gets them.
``test_the_checklist_is_complete`` fails when the mined pairs and the checklist differ (an
operation was added to the table, or the bindings changed); ``test_the_fake_raises`` raises
each pair on ``/api``, legacy ``/rest`` and JSON-RPC. ``docs/errors.md`` is generated from
the checklist: ``python tests/test_error_checklist.py > docs/errors.md``.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from wire import PROTOCOLS, Answer, Wire, login

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.contract.operations import TABLE
from vcl_fake.errors import VapiError, message

DOC = Path(__file__).resolve().parents[1] / "docs" / "errors.md"
RAISE = re.compile(r":raise: :class:`com\.vmware\.vapi\.std\.errors_client\.(\w+)`")
BACKING = [{"type": "DATASTORE", "datastore_id": "datastore-11"}]
ID = "b8a2a2e3-2314-43cd-a871-6ede0f429751"

Provoker = Callable[[FakeVCenter, Wire, str], Answer]


def binding_method(alias: str) -> Any:
    """The bindings' method serving ``alias``: service ``a.b.c_d`` is class ``CD`` of module
    ``a.b_client``."""
    op = TABLE[alias]
    module_name, _, service = op.service.rpartition(".")
    module = importlib.import_module(module_name + "_client")
    cls = getattr(module, "".join(part.capitalize() for part in service.split("_")))
    return getattr(cls, op.name)


def error_type(class_name: str) -> str:
    """``NotAllowedInCurrentState`` -> ``NOT_ALLOWED_IN_CURRENT_STATE``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).upper()


def mined() -> set[tuple[str, str]]:
    """(operation alias, error type) for every raise clause of every served operation."""
    return {
        (alias, error_type(name))
        for alias in TABLE
        for name in RAISE.findall(inspect.getdoc(binding_method(alias)) or "")
    }


# --- provokers: the condition each modelled pair needs -------------------------------------------


def _library(vc: FakeVCenter, kind: str = "LOCAL") -> str:
    return vc.create_library("templates", type=kind)


def _item(vc: FakeVCenter, kind: str = "LOCAL") -> str:
    return vc.create_item(_library(vc, kind), "photon")


def _session(vc: FakeVCenter, wire: Wire, protocol: str, end: str | None = None) -> str:
    item = _item(vc)
    session_id = wire.call(
        protocol, "update_session.create", create_spec={"library_item_id": item}
    ).result
    if end is not None:
        wire.call(protocol, f"update_session.{end}", update_session_id=session_id)
    return str(session_id)


def call(alias: str, **params: Any) -> Provoker:
    """A provoker that only calls ``alias`` (with ids that name nothing, for NOT_FOUND)."""
    return lambda vc, wire, protocol: wire.call(protocol, alias, **params)


def on_session(alias: str, end: str | None = None, **params: Any) -> Provoker:
    """Call ``alias`` on a new session, first ended by ``end`` (cancel, complete...)."""

    def provoke(vc: FakeVCenter, wire: Wire, protocol: str) -> Answer:
        session_id = _session(vc, wire, protocol, end)
        return wire.call(protocol, alias, update_session_id=session_id, **params)

    return provoke


def on_library(alias: str, kind: str = "LOCAL", busy: bool = False, **params: Any) -> Provoker:
    def provoke(vc: FakeVCenter, wire: Wire, protocol: str) -> Answer:
        library = _library(vc, kind)
        if busy:
            item = vc.create_item(library, "photon")
            wire.call(protocol, "update_session.create", create_spec={"library_item_id": item})
        return wire.call(protocol, alias, library_id=library, **params)

    return provoke


def on_item(alias: str, kind: str = "LOCAL", busy: bool = False, **params: Any) -> Provoker:
    def provoke(vc: FakeVCenter, wire: Wire, protocol: str) -> Answer:
        item = _item(vc, kind)
        if busy:
            wire.call(protocol, "update_session.create", create_spec={"library_item_id": item})
        return wire.call(protocol, alias, library_item_id=item, **params)

    return provoke


def item_create(kind: str = "LOCAL", storage_lost: bool = False, **spec: Any) -> Provoker:
    def provoke(vc: FakeVCenter, wire: Wire, protocol: str) -> Answer:
        library = vc.create_library("templates", type=kind, storage_lost=storage_lost)
        vc.create_item(library, "photon")
        create_spec = {"library_id": library, "name": "photon", **spec}
        return wire.call(protocol, "item.create", create_spec=create_spec)

    return provoke


def lost_storage(alias: str, **params: Any) -> Provoker:
    """Call ``alias`` on a library published with JSON persistence whose storage is gone."""

    def provoke(vc: FakeVCenter, wire: Wire, protocol: str) -> Answer:
        publish = {"authentication_method": "NONE", "published": True, "persist_json_enabled": True}
        library = vc.create_library("l", publish_info=publish, storage_lost=True)
        if alias == "item.update":
            item = vc.create_item(library, "photon")
            return wire.call(protocol, alias, library_item_id=item, **params)
        return wire.call(protocol, alias, library_id=library, **params)

    return provoke


def two_items_renamed(vc: FakeVCenter, wire: Wire, protocol: str) -> Answer:
    library = _library(vc)
    vc.create_item(library, "photon")
    other = vc.create_item(library, "other")
    return wire.call(protocol, "item.update", library_item_id=other, update_spec={"name": "photon"})


def session_create(kind: str = "LOCAL", busy: bool = False, token: str | None = None) -> Provoker:
    def provoke(vc: FakeVCenter, wire: Wire, protocol: str) -> Answer:
        item = _item(vc, kind)
        spec = {"library_item_id": item}
        if busy:
            wire.call(protocol, "update_session.create", create_spec=spec)
        extra = {"client_token": token} if token is not None else {}
        return wire.call(protocol, "update_session.create", create_spec=spec, **extra)

    return provoke


def bad_login(vc: FakeVCenter, wire: Wire, protocol: str) -> Answer:
    return login(vc, protocol, password="wrong")


def bad_token(alias: str) -> Provoker:
    return lambda vc, wire, protocol: Wire(vc, token="f" * 32).call(protocol, alias)


#: Valid input for any operation, for scripted errors (the rule answers before the model).
SCRIPT_INPUT: dict[str, dict[str, Any]] = {
    "local_library.create": {"create_spec": {"name": "l", "storage_backings": BACKING}},
    "item.create": {"create_spec": {"library_id": "x", "name": "i"}},
    "item.list": {"library_id": "x"},
    "item_file.get": {"library_item_id": "x", "name": "f"},
    "update_session.create": {"create_spec": {"library_item_id": "x"}},
    "update_session.update": {"update_session_id": "x", "update_spec": {}},
    "update_session.fail": {"update_session_id": "x", "client_error_message": "m"},
    "file.add": {
        "update_session_id": "x",
        "file_spec": {
            "name": "f",
            "source_type": "PULL",
            "source_endpoint": {"uri": "ds:///vmfs/volumes/ds/f"},
        },
    },
    "file.get": {"update_session_id": "x", "file_name": "f"},
    "file.remove": {"update_session_id": "x", "file_name": "f"},
    "library.find": {"spec": {"name": "l"}},
    "item.find": {"spec": {"name": "i"}},
    "library.update": {"library_id": "x", "update_spec": {}},
    "local_library.update": {"library_id": "x", "update_spec": {}},
    "item.update": {"library_item_id": "x", "update_spec": {}},
    "download_session.create": {"create_spec": {"library_item_id": "x"}},
    "download_session.fail": {"download_session_id": "x", "client_error_message": "m"},
}


def on_download(alias: str, end: str | None = None, **params: Any) -> Provoker:
    """Call ``alias`` on a new download session of an item with one file, first ended by
    ``end`` (cancel, fail)."""

    def provoke(vc: FakeVCenter, wire: Wire, protocol: str) -> Answer:
        item = vc.create_item(_library(vc), "photon", files=[{"name": "photon.ovf", "size": 9}])
        spec = {"library_item_id": item}
        session_id = wire.call(protocol, "download_session.create", create_spec=spec).result
        if end is not None:
            extra = {"client_error_message": "m"} if end == "fail" else {}
            wire.call(protocol, f"download_session.{end}", download_session_id=session_id, **extra)
        return wire.call(protocol, alias, download_session_id=session_id, **params)

    return provoke


def download_create(token: str | None = None) -> Provoker:
    def provoke(vc: FakeVCenter, wire: Wire, protocol: str) -> Answer:
        spec = {"library_item_id": _item(vc)}
        extra = {"client_token": token} if token is not None else {}
        return wire.call(protocol, "download_session.create", create_spec=spec, **extra)

    return provoke


def scripted(alias: str, error: str) -> Provoker:
    """Script ``error`` on ``alias`` with a scenario rule, then call it."""

    def provoke(vc: FakeVCenter, wire: Wire, protocol: str) -> Answer:
        rule = {"match": {"operation": alias}, "then": {"error": {"type": error}}}
        vc.load_scenario({"version": 1, "name": "checklist", "rules": [rule]})
        if alias == "session.login":
            return login(vc, protocol)
        params = SCRIPT_INPUT.get(alias)
        if params is None:
            params = {name: "x" for name, t in TABLE[alias].params.items() if not t.optional}
        return wire.call(protocol, alias, **params)

    return provoke


MODELLED, SCRIPTED = "modelled", "scripted"

#: (operation, error) -> (how, provoker, what the fake does). Scripted pairs say why the
#: condition is not modelled.
CHECKLIST: dict[tuple[str, str], tuple[str, Provoker | None, str]] = {
    ("session.login", "UNAUTHENTICATED"): (MODELLED, bad_login, "wrong password"),
    ("session.get", "UNAUTHENTICATED"): (MODELLED, bad_token("session.get"), "unknown token"),
    ("session.logout", "UNAUTHENTICATED"): (
        MODELLED, bad_token("session.logout"), "unknown token"),
    ("library.get", "NOT_FOUND"): (MODELLED, call("library.get", library_id="x"), "no such id"),
    ("local_library.create", "INVALID_ARGUMENT"): (
        MODELLED,
        call("local_library.create", create_spec={"name": "", "storage_backings": BACKING}),
        "empty name; client token not a UUID; input checks",
    ),
    ("local_library.create", "UNSUPPORTED"): (
        MODELLED,
        call("local_library.create", create_spec={"name": "l", "storage_backings": BACKING * 2}),
        "more than one storage backing",
    ),
    ("local_library.get", "INVALID_ELEMENT_TYPE"): (
        MODELLED, on_library("local_library.get", "SUBSCRIBED"), "a SUBSCRIBED library"),
    ("local_library.get", "NOT_FOUND"): (
        MODELLED, call("local_library.get", library_id="x"), "no such id"),
    ("local_library.delete", "INVALID_ELEMENT_TYPE"): (
        MODELLED, on_library("local_library.delete", "SUBSCRIBED"), "a SUBSCRIBED library"),
    ("local_library.delete", "NOT_ALLOWED_IN_CURRENT_STATE"): (
        MODELLED,
        on_library("local_library.delete", busy=True),
        "an item has an ACTIVE update session",
    ),
    ("local_library.delete", "NOT_FOUND"): (
        MODELLED, call("local_library.delete", library_id="x"), "no such id"),
    ("item.create", "ALREADY_EXISTS"): (MODELLED, item_create(), "the name is taken"),
    ("item.create", "INVALID_ARGUMENT"): (
        MODELLED,
        item_create(name="n" * 81),
        "name empty or over 80 characters; description over 2000; client token not a UUID",
    ),
    ("item.create", "INVALID_ELEMENT_TYPE"): (
        MODELLED, item_create("SUBSCRIBED", name="new"), "a SUBSCRIBED library"),
    ("item.create", "NOT_ALLOWED_IN_CURRENT_STATE"): (
        MODELLED,
        item_create(storage_lost=True, name="new"),
        "the library's content is gone from its storage (create_library(storage_lost=True))",
    ),
    ("item.create", "NOT_FOUND"): (
        MODELLED,
        call("item.create", create_spec={"library_id": "x", "name": "i"}),
        "no such library",
    ),
    ("item.get", "NOT_FOUND"): (MODELLED, call("item.get", library_item_id="x"), "no such id"),
    ("item.list", "NOT_FOUND"): (MODELLED, call("item.list", library_id="x"), "no such library"),
    ("item.delete", "INVALID_ELEMENT_TYPE"): (
        MODELLED, on_item("item.delete", "SUBSCRIBED"), "an item of a SUBSCRIBED library"),
    ("item.delete", "NOT_ALLOWED_IN_CURRENT_STATE"): (
        MODELLED, on_item("item.delete", busy=True), "an ACTIVE update session on the item"),
    ("item.delete", "NOT_FOUND"): (
        MODELLED, call("item.delete", library_item_id="x"), "no such id"),
    ("item_file.get", "NOT_FOUND"): (
        MODELLED, on_item("item_file.get", name="ghost.iso"), "no such item, or no such file"),
    ("item_file.list", "NOT_FOUND"): (
        MODELLED, call("item_file.list", library_item_id="x"), "no such item"),
    ("update_session.create", "INVALID_ARGUMENT"): (
        MODELLED, session_create(token="not-a-uuid"), "client token not a UUID; input checks"),
    ("update_session.create", "INVALID_ELEMENT_TYPE"): (
        MODELLED,
        session_create("SUBSCRIBED"),
        "an item of a SUBSCRIBED library, or a VM template item",
    ),
    ("update_session.create", "NOT_FOUND"): (
        MODELLED,
        call("update_session.create", create_spec={"library_item_id": "x"}),
        "no such item",
    ),
    ("update_session.create", "RESOURCE_BUSY"): (
        MODELLED, session_create(busy=True), "the item has an ACTIVE session"),
    ("update_session.list", "NOT_FOUND"): (
        MODELLED, call("update_session.list", library_item_id="x"), "no such item"),
    ("update_session.update", "INVALID_ARGUMENT"): (
        MODELLED,
        on_session(
            "update_session.update",
            update_spec={"warning_behavior": [{"type": "NOPE", "ignored": True}]},
        ),
        "an invalid update spec",
    ),
    ("file.add", "INVALID_ARGUMENT"): (
        MODELLED,
        on_session("file.add", file_spec={"name": "../x", "source_type": "PUSH"}),
        "an invalid file spec (name, size, checksum, URI scheme)",
    ),
    ("file.add", "NOT_ALLOWED_IN_CURRENT_STATE"): (
        MODELLED,
        on_session("file.add", "cancel", file_spec={"name": "x", "source_type": "PUSH"}),
        "the session is not ACTIVE; a manifest or certificate after the descriptor",
    ),
    ("file.get", "INVALID_ARGUMENT"): (
        MODELLED, on_session("file.get", file_name="ghost.iso"), "no such file"),
    ("file.remove", "INVALID_ARGUMENT"): (
        MODELLED, on_session("file.remove", file_name="ghost.iso"), "no such file"),
    ("download_session.list", "NOT_FOUND"): (
        MODELLED, call("download_session.list", library_item_id="x"), "no such item"),
    ("download_session.create", "INVALID_ARGUMENT"): (
        MODELLED, download_create(token="not-a-uuid"), "client token not a UUID; input checks"),
    ("download_session.create", "NOT_FOUND"): (
        MODELLED,
        call("download_session.create", create_spec={"library_item_id": "x"}),
        "no such item",
    ),
    ("download_file.get", "INVALID_ARGUMENT"): (
        MODELLED, on_download("download_file.get", file_name="ghost.iso"), "no such file"),
    ("download_file.prepare", "INVALID_ARGUMENT"): (
        MODELLED, on_download("download_file.prepare", file_name="ghost.iso"), "no such file"),
    ("download_file.prepare", "UNAUTHORIZED"): (
        MODELLED,
        on_download("download_file.prepare", file_name="photon.ovf", endpoint_type="DIRECT"),
        "a DIRECT endpoint: no one holds ContentLibrary.ReadStorage",
    ),
    ("library.find", "INVALID_ARGUMENT"): (
        MODELLED, call("library.find", spec={}), "a find spec that sets nothing"),
    ("item.find", "INVALID_ARGUMENT"): (
        MODELLED, call("item.find", spec={}), "a find spec that sets nothing"),
    ("library.update", "INVALID_ARGUMENT"): (
        MODELLED,
        on_library("library.update", update_spec={"name": " "}),
        "a blank name; a stale version",
    ),
    ("library.update", "NOT_FOUND"): (
        MODELLED, call("library.update", library_id="x", update_spec={}), "no such id"),
    ("local_library.update", "CONCURRENT_CHANGE"): (
        MODELLED,
        on_library("local_library.update", update_spec={"version": "7"}),
        "a stale version",
    ),
    ("local_library.update", "INVALID_ARGUMENT"): (
        MODELLED,
        on_library("local_library.update", update_spec={"name": " "}),
        "a blank name; an invalid publish_info",
    ),
    ("local_library.update", "INVALID_ELEMENT_TYPE"): (
        MODELLED,
        on_library("local_library.update", "SUBSCRIBED", update_spec={}),
        "a SUBSCRIBED library",
    ),
    ("local_library.update", "NOT_ALLOWED_IN_CURRENT_STATE"): (
        MODELLED,
        lost_storage("local_library.update", update_spec={"description": "d"}),
        "published with JSON persistence, its content gone from its storage",
    ),
    ("local_library.update", "NOT_FOUND"): (
        MODELLED, call("local_library.update", library_id="x", update_spec={}), "no such id"),
    ("item.update", "ALREADY_EXISTS"): (
        MODELLED, two_items_renamed, "the name is another item's"),
    ("item.update", "INVALID_ARGUMENT"): (
        MODELLED,
        on_item("item.update", update_spec={"name": ""}),
        "name empty or over 80 characters; description over 2000; a stale version",
    ),
    ("item.update", "INVALID_ELEMENT_TYPE"): (
        MODELLED,
        on_item("item.update", "SUBSCRIBED", update_spec={"name": "n"}),
        "an item of a SUBSCRIBED library",
    ),
    ("item.update", "NOT_ALLOWED_IN_CURRENT_STATE"): (
        MODELLED,
        lost_storage("item.update", update_spec={"description": "d"}),
        "its library is published with JSON persistence and its content is gone",
    ),
    ("item.update", "NOT_FOUND"): (
        MODELLED, call("item.update", library_item_id="x", update_spec={}), "no such id"),
    ("item_storage.get", "NOT_FOUND"): (
        MODELLED, on_item("item_storage.get", file_name="ghost.iso"), "no such item or file"),
    ("item_storage.list", "NOT_FOUND"): (
        MODELLED, call("item_storage.list", library_item_id="x"), "no such item"),
    ("subscribed_library.get", "INVALID_ELEMENT_TYPE"): (
        MODELLED, on_library("subscribed_library.get"), "a LOCAL library"),
    ("subscribed_library.get", "NOT_FOUND"): (
        MODELLED, call("subscribed_library.get", library_id="x"), "no such id"),
    ("file.validate", "NOT_ALLOWED_IN_CURRENT_STATE"): (
        MODELLED,
        on_session("file.validate", "cancel"),
        "the session is not ACTIVE, or a PUSH file was not received",
    ),
}  # fmt: skip
for _alias in ("get", "update", "complete", "keep_alive", "cancel", "fail", "delete"):
    CHECKLIST[(f"update_session.{_alias}", "NOT_FOUND")] = (
        MODELLED,
        call(f"update_session.{_alias}", **{**SCRIPT_INPUT.get(f"update_session.{_alias}", {}),
                                           "update_session_id": "x:y"}),
        "no such session (or it expired)",
    )  # fmt: skip
for _alias, _end, _why in [
    ("update", "cancel", "the session is not ACTIVE"),
    ("complete", "complete", "the session is not ACTIVE, or a file was not received"),
    ("keep_alive", "cancel", "the session is not ACTIVE"),
    ("cancel", "complete", "the session is not ACTIVE"),
    ("fail", "cancel", "the session is not ACTIVE"),
    ("delete", None, "the session is ACTIVE"),
]:
    _params = {"update_spec": {}} if _alias == "update" else {}
    if _alias == "fail":
        _params = {"client_error_message": "m"}
    CHECKLIST[(f"update_session.{_alias}", "NOT_ALLOWED_IN_CURRENT_STATE")] = (
        MODELLED,
        on_session(f"update_session.{_alias}", _end, **_params),
        _why,
    )
for _alias in ("get", "keep_alive", "cancel", "fail", "delete"):
    CHECKLIST[(f"download_session.{_alias}", "NOT_FOUND")] = (
        MODELLED,
        call(f"download_session.{_alias}", **{**SCRIPT_INPUT.get(f"download_session.{_alias}", {}),
                                             "download_session_id": "x:y"}),
        "no such session (or it expired)",
    )  # fmt: skip
for _alias in ("keep_alive", "cancel", "fail"):
    CHECKLIST[(f"download_session.{_alias}", "NOT_ALLOWED_IN_CURRENT_STATE")] = (
        MODELLED,
        on_download(
            f"download_session.{_alias}",
            "cancel",
            **({"client_error_message": "m"} if _alias == "fail" else {}),
        ),
        "the session is not ACTIVE",
    )
for _alias, _params in [
    ("download_file.list", {}),
    ("download_file.get", {"file_name": "f"}),
    ("download_file.prepare", {"file_name": "f"}),
]:
    CHECKLIST[(_alias, "NOT_FOUND")] = (
        MODELLED,
        call(_alias, download_session_id="x:y", **_params),
        "no such session",
    )
for _alias in ("file.add", "file.get", "file.list", "file.remove", "file.validate"):
    CHECKLIST[(_alias, "NOT_FOUND")] = (
        MODELLED,
        call(_alias, **{**SCRIPT_INPUT.get(_alias, {}), "update_session_id": "x:y"}),
        "no such session",
    )

_VCENTER_LISTS = [f"vcenter.{s}.list" for s in ("datacenter", "folder", "datastore")]
_VCENTER_LISTS += [f"vcenter.{s}.list" for s in ("cluster", "resource_pool", "host")]
_VCENTER_GETS = {
    "vcenter.datacenter.get": {"datacenter": "datacenter-99"},
    "vcenter.datastore.get": {"datastore": "datastore-99"},
    "vcenter.resource_pool.get": {"resource_pool": "resgroup-99"},
}
for _alias in _VCENTER_LISTS:
    CHECKLIST[(_alias, "UNAUTHENTICATED")] = (MODELLED, bad_token(_alias), "unknown token")
for _alias, _ids in _VCENTER_GETS.items():
    CHECKLIST[(_alias, "UNAUTHENTICATED")] = (
        MODELLED,
        lambda vc, wire, protocol, a=_alias, i=_ids: Wire(vc, token="f" * 32).call(
            protocol, a, **i
        ),
        "unknown token",
    )
    CHECKLIST[(_alias, "NOT_FOUND")] = (MODELLED, call(_alias, **_ids), "no such id")
for _alias, _filter in [
    ("vcenter.datastore.list", {"types": ["TAPE"]}),
    ("vcenter.folder.list", {"type": "TAPE"}),
    ("vcenter.host.list", {"connection_states": ["TAPE"]}),
]:
    CHECKLIST[(_alias, "INVALID_ARGUMENT")] = (
        MODELLED,
        call(_alias, filter=_filter),
        "a filter value the enumeration does not have",
    )

#: Conditions the fake does not model: scenario rules produce them.
NOT_MODELLED = {
    "UNAUTHORIZED": "privileges are not modelled: every user may do everything",
    "SERVICE_UNAVAILABLE": "the fake is always available",
    "UNABLE_TO_ALLOCATE_RESOURCE": "the inventory is small: a list never runs out of resources",
    ("vcenter.datacenter.get", "ERROR"): "the datacenter is always readable",
    ("item_file.get", "UNSUPPORTED"): "file names are percent-encoded into the direct URL: "
    "every name makes one",
    ("item_file.list", "UNSUPPORTED"): "file names are percent-encoded into the direct URL: "
    "every name makes one",
    ("local_library.update", "RESOURCE_BUSY"): "no update runs concurrently: every call runs "
    "under the backend's lock",
}
for _pair in sorted(mined()):
    if _pair in CHECKLIST:
        continue
    _why = NOT_MODELLED.get(_pair) or NOT_MODELLED.get(_pair[1])
    if _why is not None:
        CHECKLIST[_pair] = (SCRIPTED, scripted(*_pair), str(_why))


def test_the_checklist_is_complete():
    """Every documented (operation, error) pair has a way to raise it, and nothing else is
    listed. A new operation in the table needs its pairs here."""
    documented = mined()
    missing = sorted(documented - set(CHECKLIST))
    stale = sorted(set(CHECKLIST) - documented)
    assert not missing, f"documented errors with no way to raise them: {missing}"
    assert not stale, f"checklist pairs the bindings do not document: {stale}"


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("pair", sorted(CHECKLIST), ids="{0[0]}-{0[1]}".format)
def test_the_fake_raises(pair, protocol):
    """The fake raises each documented error, on every protocol, with the vAPI status."""
    error = pair[1]
    _how, provoke, _what = CHECKLIST[pair]
    assert provoke is not None
    with FakeVCenter(clock=ManualClock(), seed=3) as vc:
        answer = provoke(vc, Wire(vc), protocol)
    assert answer.error_type == error, answer
    status = VapiError(error, message(("x", "x"))).http_status
    assert answer.status == (200 if protocol == "jsonrpc" else status), answer


def render() -> str:
    """docs/errors.md: the checklist as a table."""
    lines = [
        "# Documented errors",
        "",
        "Generated from `tests/test_error_checklist.py` (`python tests/test_error_checklist.py "
        "> docs/errors.md`); do not edit.",
        "Every `:raise:` clause of every served operation in the official bindings, and how the",
        "fake raises it: **modelled** (the fake finds the condition itself) or **scripted** (a",
        "scenario rule `then: {error: {type: ...}}` produces it, because the condition is not",
        "modelled). `tests/test_error_checklist.py::test_the_fake_raises[<operation>-<error>]`",
        "raises each one on `/api`, `/rest` and JSON-RPC.",
        "",
        "| operation | error | how | condition | test |",
        "|---|---|---|---|---|",
    ]
    for alias, error in sorted(CHECKLIST, key=lambda p: (list(TABLE).index(p[0]), p[1])):
        how, _, what = CHECKLIST[(alias, error)]
        test = f"`test_the_fake_raises[{alias}-{error}-*]`"
        lines.append(f"| `{alias}` | {error} | {how} | {what} | {test} |")
    return "\n".join(lines) + "\n"


def test_the_docs_page_is_current():
    assert DOC.read_text() == render(), "regenerate: python tests/test_error_checklist.py"


if __name__ == "__main__":
    print(render(), end="")
