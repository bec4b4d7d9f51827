"""Checking the fake's answers with the official bindings' own converters.

``check(protocol, operation, status, body)`` raises AssertionError when an answer is not what
the contract allows: the bindings' type converters reject missing required fields, wrong
types, bad datetimes and union violations; on top, vcl_fake's own type model rejects unknown
enum values and unknown fields, and results of get/list must carry every field the docs say
"will always be present".
"""

from __future__ import annotations

import importlib
import json
from functools import cache
from types import SimpleNamespace
from typing import Any

from vmware.vapi.bindings.converter import RestConverter, TypeConverter
from vmware.vapi.data.serializers.cleanjson import DataValueConverter
from vmware.vapi.data.serializers.jsonrpc import JsonRpcDictToVapi

from vcl_fake.contract.operations import BY_ID, TABLE
from vcl_fake.contract.types import Struct, struct
from vcl_fake.errors import VapiError, canonical_name
from vcl_fake.protocols.api import ApiProtocol
from vcl_fake.protocols.rest import RestProtocol

STUBS = {
    "com.vmware.cis.session": ("com.vmware.cis_client", "_SessionStub"),
    "com.vmware.content.library": ("com.vmware.content_client", "_LibraryStub"),
    "com.vmware.content.local_library": ("com.vmware.content_client", "_LocalLibraryStub"),
    "com.vmware.content.subscribed_library": (
        "com.vmware.content_client",
        "_SubscribedLibraryStub",
    ),
    "com.vmware.content.library.item": ("com.vmware.content.library_client", "_ItemStub"),
    "com.vmware.content.library.item.file": ("com.vmware.content.library.item_client", "_FileStub"),
    "com.vmware.content.library.item.storage": (
        "com.vmware.content.library.item_client",
        "_StorageStub",
    ),
    "com.vmware.content.library.item.download_session": (
        "com.vmware.content.library.item_client",
        "_DownloadSessionStub",
    ),
    "com.vmware.content.library.item.update_session": (
        "com.vmware.content.library.item_client",
        "_UpdateSessionStub",
    ),
    "com.vmware.content.library.item.updatesession.file": (
        "com.vmware.content.library.item.updatesession_client",
        "_FileStub",
    ),
    "com.vmware.content.library.item.downloadsession.file": (
        "com.vmware.content.library.item.downloadsession_client",
        "_FileStub",
    ),
    "com.vmware.vcenter.datacenter": ("com.vmware.vcenter_client", "_DatacenterStub"),
    "com.vmware.vcenter.folder": ("com.vmware.vcenter_client", "_FolderStub"),
    "com.vmware.vcenter.datastore": ("com.vmware.vcenter_client", "_DatastoreStub"),
    "com.vmware.vcenter.cluster": ("com.vmware.vcenter_client", "_ClusterStub"),
    "com.vmware.vcenter.resource_pool": ("com.vmware.vcenter_client", "_ResourcePoolStub"),
    "com.vmware.vcenter.host": ("com.vmware.vcenter_client", "_HostStub"),
}


@cache
def _operations(service: str) -> dict[str, Any]:
    module, stub = STUBS[service]
    config = SimpleNamespace(connector=SimpleNamespace(get_api_provider=lambda: object()))
    return getattr(importlib.import_module(module), stub)(config)._operations


def output_type(alias: str) -> Any:
    op = TABLE[alias]
    return _operations(op.service)[op.name]["output_type"]


@cache
def error_type(name: str) -> Any:
    from com.vmware.vapi.std import errors_client

    cls_name = "".join(part.capitalize() for part in name.rsplit(".", 1)[1].split("_"))
    return getattr(errors_client, cls_name).get_binding_type()


def _always_present(vtype: Any, value: Any, operation: str, path: str) -> None:
    """Fields documented as 'will always be present in the return value of get/list'."""
    if isinstance(vtype, Struct) and isinstance(value, dict):
        for field, rules in vtype.usage.items():
            if rules.get(f"result:{operation}") == "always":
                assert value.get(field) is not None, (
                    f"{path}.{field} must always be present in {operation}"
                )
        for field, ftype in vtype.fields.items():
            _always_present(ftype, value.get(field), operation, f"{path}.{field}")
    elements = getattr(vtype, "element", None)
    if elements is not None and isinstance(value, list):
        for n, item in enumerate(value):
            _always_present(elements, item, operation, f"{path}[{n}]")
    elif elements is not None and value is not None:
        _always_present(elements, value, operation, path)


def check_api(alias: str, status: int, body: bytes) -> None:
    """An /api answer."""
    op = TABLE[alias]
    if status >= 400:
        error = json.loads(body)
        name = canonical_name(error["error_type"])
        struct(name).decode(error, "error")
        TypeConverter.convert_to_python(
            DataValueConverter.convert_to_data_value(body.decode()),
            error_type(name),
            rest_converter_mode=RestConverter.VAPI_REST,
        )
        return
    assert status == op.success_status, (alias, status)
    if status == 204:
        assert body == b""
        return
    value = json.loads(body)
    decoded = op.output.decode(value, "result")  # strict: enums, unknown fields, types
    if op.name in ("get", "list"):
        _always_present(op.output, decoded, op.name, "result")
    TypeConverter.convert_to_python(
        DataValueConverter.convert_to_data_value(body.decode()),
        output_type(alias),
        rest_converter_mode=RestConverter.VAPI_REST,
    )


def check_rest(alias: str, status: int, body: bytes) -> None:
    """A legacy /rest answer: ``{"type", "value"}`` errors, ``{"value"}`` results (200), void
    results with an empty body; the value as on /api."""
    op = TABLE[alias]
    if status >= 400:
        wrapped = json.loads(body)
        assert set(wrapped) == {"type", "value"}, wrapped
        assert wrapped["type"] == canonical_name(wrapped["value"]["error_type"])
        check_api(alias, status, json.dumps(wrapped["value"]).encode())
        return
    assert status == 200, (alias, status)
    if op.output.describe() == "void":
        assert body == b""
        return
    wrapped = json.loads(body)
    assert set(wrapped) == {"value"}, wrapped
    check_api(alias, op.success_status, json.dumps(wrapped["value"]).encode())


def check_jsonrpc(alias: str, body: bytes, request_id: Any) -> None:
    """A JSON-RPC answer: envelope, then output or error through the runtime's converters."""
    op = TABLE[alias]
    envelope = json.loads(body)
    assert envelope["jsonrpc"] == "2.0" and envelope["id"] == request_id
    assert type(envelope["id"]) is type(request_id)
    result = envelope["result"]
    assert set(result) in ({"output"}, {"error"}), result
    if "error" in result:
        ((name, _),) = result["error"]["ERROR"].items()
        data_value = JsonRpcDictToVapi.data_value(result["error"])
        TypeConverter.convert_to_python(data_value, error_type(name))
        return
    if op.output.describe() == "void":
        assert result["output"] is None
        return
    data_value = JsonRpcDictToVapi.data_value(result["output"])
    TypeConverter.convert_to_python(data_value, output_type(alias))
    clean = json.loads(DataValueConverter.convert_to_json(data_value))
    decoded = op.output.decode(clean, "output")
    if op.name in ("get", "list"):
        _always_present(op.output, decoded, op.name, "output")


_API = ApiProtocol(None)  # type: ignore[arg-type]  # only their routing is used
_REST = RestProtocol(None)  # type: ignore[arg-type]


class Checked:
    """Wraps a fake's HTTP entry point: every /api, /rest and JSON-RPC answer of an operation
    the fake models is checked against the contract as it passes; ``seen`` names them."""

    def __init__(self, vc: Any) -> None:
        self.vc = vc
        self.inner = vc._adapter.handle
        self.seen: list[str] = []
        vc._adapter.handle = self

    def __call__(self, request: Any) -> Any:
        if request.method == "POST" and request.path.rstrip("/") == "/api":
            body = request.read()
            envelope = json.loads(body)
            request.body = body
            response = self.inner(request)
            params = envelope["params"]
            op = BY_ID.get((params["serviceId"], params["operationId"]))
            if op is not None and op.modelled:
                check_jsonrpc(op.alias, response.body, envelope["id"])
                self.seen.append(f"jsonrpc {op.alias}")
            return response
        response = self.inner(request)
        for prefix, codec, check in (
            ("/api/", _API, check_api),
            ("/rest/", _REST, check_rest),
        ):
            if request.path.startswith(prefix):
                try:
                    op, _ = codec.route(request)
                except VapiError:
                    break  # no such operation: nothing to check against
                if op.modelled:
                    check(op.alias, response.status, response.body)
                    self.seen.append(f"{prefix.strip('/')} {op.alias}")
        return response
