"""Generate ``src/vcl_fake/contract/_generated.py`` from the official vSphere bindings.

The bindings (``vmware-vcenter``, ``vmware-vapi-runtime``, ``vmware-vapi-common-client``) are
the machine-readable contract. This script reads the operations vcl_fake serves, with every
structure and enum they reach, plus the route of every other operation the bindings define
(answered as not modelled), and writes them out as plain Python data, so the fake never
imports the bindings at run time. ``tests/contract/test_drift.py`` re-runs it and fails on any
difference. Usage: ``python tools/gen_contract.py [--check]``.
"""

from __future__ import annotations

import importlib
import pkgutil
import pprint
import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from vmware.vapi.bindings import type as T
from vmware.vapi.data.validator import UnionValidator

OUT = Path(__file__).resolve().parents[1] / "src" / "vcl_fake" / "contract" / "_generated.py"

#: (bindings module, stub class, operations served by the fake)
SERVICES: list[tuple[str, str, tuple[str, ...]]] = [
    ("com.vmware.cis_client", "_SessionStub", ("create", "get", "delete")),
    ("com.vmware.content_client", "_LibraryStub", ("get", "list", "find", "update")),
    (
        "com.vmware.content_client",
        "_LocalLibraryStub",
        ("create", "get", "list", "update", "delete"),
    ),
    ("com.vmware.content_client", "_SubscribedLibraryStub", ("get", "list")),
    (
        "com.vmware.content.library_client",
        "_ItemStub",
        ("create", "get", "list", "find", "update", "delete"),
    ),
    ("com.vmware.content.library.item_client", "_FileStub", ("get", "list")),
    ("com.vmware.content.library.item_client", "_StorageStub", ("get", "list")),
    (
        "com.vmware.content.library.item_client",
        "_DownloadSessionStub",
        ("create", "get", "list", "keep_alive", "cancel", "fail", "delete"),
    ),
    (
        "com.vmware.content.library.item.downloadsession_client",
        "_FileStub",
        ("list", "get", "prepare"),
    ),
    (
        "com.vmware.content.library.item_client",
        "_UpdateSessionStub",
        ("create", "get", "list", "update", "complete", "keep_alive", "cancel", "fail", "delete"),
    ),
    (
        "com.vmware.content.library.item.updatesession_client",
        "_FileStub",
        ("add", "get", "list", "remove", "validate"),
    ),
    ("com.vmware.vcenter_client", "_DatacenterStub", ("list", "get")),
    ("com.vmware.vcenter_client", "_FolderStub", ("list",)),
    ("com.vmware.vcenter_client", "_DatastoreStub", ("list", "get")),
    ("com.vmware.vcenter_client", "_ClusterStub", ("list",)),
    ("com.vmware.vcenter_client", "_ResourcePoolStub", ("list", "get")),
    ("com.vmware.vcenter_client", "_HostStub", ("list",)),
]

SCALARS = {
    T.StringType: "string",
    T.IntegerType: "integer",
    T.DoubleType: "double",
    T.BooleanType: "boolean",
    T.DateTimeType: "datetime",
    T.URIType: "uri",
    T.SecretType: "secret",
    T.BlobType: "blob",
    T.VoidType: "void",
    T.DynamicStructType: "dynamic",
    T.OpaqueType: "opaque",
    T.AnyErrorType: "any_error",
}


INPUT_RULE = re.compile(
    r"(?:This attribute|It) (must be provided|is optional|is not used) for the ``(\w+)`` method"
)
RESULT_RULE = re.compile(
    r"It (will always be present|will be present|is optional|may be present|will not be "
    r"present) in the (?:return value|result) of (?:the |a )?((?:``\w+``(?:, | or |, or )?)+) "
    r"methods?"
)
INPUT_WORDS = {"must be provided": "required", "is optional": "optional", "is not used": "unused"}
RESULT_WORDS = {
    "will always be present": "always",
    "will be present": "always",
    "is optional": "optional",
    "may be present": "optional",
    "will not be present": "never",
}


def usage_rules(cls: type) -> dict[str, tuple[tuple[str, str], ...]]:
    """Per field, the docstring's rules: (operation, required|optional|unused) for inputs and
    ("result:" + operation, always|optional|never) for results."""
    doc = " ".join((cls.__init__.__doc__ or "").split())
    rules: dict[str, tuple[tuple[str, str], ...]] = {}
    for chunk in doc.split(":param ")[1:]:
        name, _, text = chunk.partition(":")
        found = [(op, INPUT_WORDS[w]) for w, op in INPUT_RULE.findall(text)]
        for w, ops in RESULT_RULE.findall(text):
            found += [("result:" + op, RESULT_WORDS[w]) for op in re.findall(r"``(\w+)``", ops)]
        if found:
            rules[name.strip()] = tuple(found)
    return rules


class Collector:
    def __init__(self) -> None:
        self.structures: dict[str, dict[str, Any]] = {}
        self.enums: dict[str, tuple[str, ...]] = {}

    def type(self, t: Any) -> tuple[Any, ...]:
        if isinstance(t, T.ReferenceType):
            t = t.resolved_type
        if isinstance(t, T.OptionalType):
            return ("optional", self.type(t.element_type))
        if isinstance(t, T.ListType):
            return ("list", self.type(t.element_type))
        if isinstance(t, T.SetType):
            return ("set", self.type(t.element_type))
        if isinstance(t, T.MapType):
            return ("map", self.type(t.key_type), self.type(t.value_type))
        if isinstance(t, T.IdType):
            return ("id",)
        if isinstance(t, T.EnumType):
            if t.name not in self.enums:
                self.enums[t.name] = tuple(sorted(str(v) for v in t.binding_class.get_values()))
            return ("enum", t.name)
        if isinstance(t, T.StructType):  # ErrorType too
            self.structure(t)
            return ("struct", t.name)
        for cls, name in SCALARS.items():
            if type(t) is cls:
                return (name,)
        raise TypeError(f"unsupported binding type {t!r}")

    def structure(self, t: Any) -> None:
        if t.name in self.structures:
            return
        entry: dict[str, Any] = {"fields": ()}
        self.structures[t.name] = entry  # placed first: recursive structures terminate
        entry["fields"] = tuple((f, self.type(t.get_field(f))) for f in t.get_field_names())
        unions = []
        for v in getattr(t.binding_class, "_validator_list", None) or ():
            if isinstance(v, UnionValidator):
                cases = {k: tuple(c) for k, c in sorted(v._case_map.items())}
                unions.append((v._discriminant_name, cases))
        if unions:
            entry["unions"] = tuple(unions)
        if isinstance(t, T.ErrorType):
            entry["error"] = True
        elif t.binding_class is not None:
            usage = usage_rules(t.binding_class)
            if usage:
                entry["usage"] = usage


def stubs() -> list[tuple[str, str]]:
    """Every service stub in the installed ``com.vmware`` bindings: (module, stub class)."""
    import com.vmware
    from vmware.vapi.bindings.stub import ApiInterfaceStub

    found = []
    for info in pkgutil.walk_packages(com.vmware.__path__, "com.vmware."):
        if not info.name.endswith("_client"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in sorted(vars(module).items()):
            if (
                name.startswith("_")
                and name.endswith("Stub")
                and isinstance(obj, type)
                and issubclass(obj, ApiInterfaceStub)
                and obj.__module__ == info.name
            ):
                found.append((info.name, name))
    return sorted(found)


def unmodelled(config: Any, served: set[tuple[str, str]]) -> list[tuple[Any, ...]]:
    """Every other operation of the bindings, just enough to route it: (service, operation,
    its parameter names, its required id parameters, and its /api route as (method, url
    template, body parameter, path variables, dispatch parameters) or None)."""
    rows = []
    for module, stub_name in stubs():
        stub = getattr(importlib.import_module(module), stub_name)(config)
        service = stub._iface_id.get_name()
        for op in sorted(stub._operations):
            if (service, op) in served:
                continue
            input_type = stub._operations[op]["input_type"]
            names = tuple(input_type.get_field_names())
            ids = tuple(f for f in names if isinstance(input_type.get_field(f), T.IdType))
            rest = (stub._rest_metadata or {}).get(op)
            route = None
            if rest is not None:
                route = (
                    rest.http_method,
                    rest._url_template,
                    rest.request_body_parameter,
                    tuple(sorted(rest._path_variables.items())),
                    tuple(sorted(rest._dispatch_parameters.items())),
                )
            rows.append((service, op, names, ids, route))
    return sorted(rows, key=lambda row: (row[0], row[1]))


def generate() -> str:
    col = Collector()
    operations = []
    config = SimpleNamespace(connector=SimpleNamespace(get_api_provider=lambda: object()))
    for module, stub_name, served in SERVICES:
        stub = getattr(importlib.import_module(module), stub_name)(config)
        service = stub._iface_id.get_name()
        for op in served:
            meta = stub._operations[op]
            rest = stub._rest_metadata[op]
            operations.append(
                {
                    "service": service,
                    "operation": op,
                    "input": tuple(
                        (f, col.type(meta["input_type"].get_field(f)))
                        for f in meta["input_type"].get_field_names()
                    ),
                    "output": col.type(meta["output_type"]),
                    "errors": tuple(sorted(meta["errors"])),
                    "rest": {
                        "method": rest.http_method,
                        "url_template": rest._url_template,
                        "body": rest.request_body_parameter,
                        "path": dict(rest._path_variables),
                        "query": dict(rest._query_parameters),
                        "headers": dict(rest._header_parameters),
                        "dispatch": dict(rest._dispatch_parameters),
                    },
                }
            )
    served = {(op["service"], op["operation"]) for op in operations}
    others = unmodelled(config, served)
    for err in ("com.vmware.vapi.std.errors_client",):
        mod = importlib.import_module(err)
        for name in dir(mod):
            cls = getattr(mod, name)
            bt = getattr(cls, "get_binding_type", None)
            if bt is not None and isinstance(bt(), T.ErrorType):
                col.type(bt())
    from vmware.vapi.rest.lib import vapi_to_http_error_map

    body = {
        "ERROR_STATUS": {k: int(v) for k, v in sorted(vapi_to_http_error_map.items())},
        "STRUCTURES": dict(sorted(col.structures.items())),
        "ENUMS": dict(sorted(col.enums.items())),
        "OPERATIONS": tuple(operations),
    }
    out = [
        '"""The official contract as data. GENERATED by tools/gen_contract.py: do not edit."""',
        "",
        "# ruff: noqa: E501",
        "from typing import Any",
        "",
    ]
    for name, value in body.items():
        out.append(f"{name}: Any = {pprint.pformat(value, width=100, sort_dicts=False)}")
        out.append("")
    out.append("#: The bindings' other operations (served as not modelled), one a line:")
    out.append("#: (service, operation, parameters, required id parameters, /api route or None).")
    out.append("UNMODELLED: Any = (")
    out.extend(f"    {row!r}," for row in others)
    out.append(")")
    out.append("")
    return "\n".join(out)


def main() -> int:
    text = generate()
    if "--check" in sys.argv:
        if OUT.read_text() != text:
            print(f"{OUT} is out of date: run python tools/gen_contract.py", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
