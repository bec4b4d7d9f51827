"""The JSON Schema of scenario files, built from the operation table, the contract's enums
and the action declarations (:mod:`vcl_fake.scenario.actions`).

``schema.json`` beside this module is the same schema written out for editors (point a YAML
language server at it); a test keeps the two equal. Regenerate it with
``python -m vcl_fake.scenario.schema``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from vcl_fake.contract import enums
from vcl_fake.contract.operations import NAMES
from vcl_fake.scenario.actions import ACTIONS
from vcl_fake.scenario.fragments import obj, ref, text

SCHEMA_FILE = Path(__file__).with_name("schema.json")
DURATION = r"^\s*[0-9]+(\.[0-9]+)?\s*(ms|s|m|h|d)\s*$"
SIZE = r"^\s*[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|KiB|MiB|GiB)\s*$"
RATE = r"^\s*[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|KiB|MiB|GiB)/s\s*$"
DATETIME = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
)
PROTOCOLS = ["api", "rest", "jsonrpc", "data", "vim25"]
SESSION_STATES = list(enums.SESSION_STATES)
PREVIEW_STATES = list(enums.PREVIEW_STATES)
WARNING_TYPES = list(enums.WARNING_TYPES)


def build() -> dict[str, Any]:
    file_entry = obj(
        {
            "name": text(),
            "size": ref("size"),
            "checksum": text("hex digest"),
            "algorithm": {"enum": list(enums.ALGORITHMS)},
        },
        ("name", "size"),
    )
    item = obj(
        {
            "name": text("unique within the scenario; rules and expectations use it"),
            "type": text("ovf, iso, file..."),
            "description": text(),
            "content_version": {"type": "integer", "minimum": 1},
            "files": {"type": "array", "items": file_entry},
        },
        ("name",),
    )
    library = obj(
        {
            "name": text(),
            "type": {"enum": list(enums.LIBRARY_TYPES)},
            "description": text(),
            "datastore": text("the datastore backing it (default: the first datastore)"),
            "items": {"type": "array", "items": item},
        },
        ("name",),
    )
    datastore = obj(
        {
            "name": text("unique; libraries name it in 'datastore'"),
            "capacity": ref("size"),
            "free_space": ref("size"),
            "type": {"enum": list(enums.DATASTORE_TYPES)},
        },
        ("name",),
    )
    source = obj(
        {
            "uri": text("http, https or ds URI"),
            "data": text("the content, as text"),
            "size": ref("size"),
            "file": text("a file, relative to the scenario file"),
            "rate": ref("rate"),
            "certificate": text("PEM chain an https source presents (or a file path)"),
            "fail_after": ref("size"),
        },
        ("uri",),
    )
    setup = obj(
        {
            "users": {"type": "object", "additionalProperties": {"type": "string"}},
            "session_timeout": ref("duration"),
            "retention": ref("duration"),
            "api_session_timeout": ref("duration"),
            "fetch": {
                "enum": [False, True, "loopback", "any"],
                "description": "PULL fetches real http(s) URLs that are not registered sources "
                "(true or loopback: loopback hosts only; any: every host)",
            },
            "trusted_roots": {"type": "array", "items": text("PEM text or a file path")},
            "datastores": {"type": "array", "items": datastore},
            "libraries": {"type": "array", "items": library},
            "sources": {"type": "array", "items": source},
            "sessions": {
                "type": "array",
                "items": obj(
                    {"item": text(), "state": {"enum": SESSION_STATES}, "message": text()},
                    ("item",),
                ),
            },
        }
    )
    actions = {name: dict(action.schema) for name, action in ACTIONS.items()}
    operation_list = {
        "anyOf": [ref("operation"), {"type": "array", "minItems": 1, "items": ref("operation")}]
    }
    rule = obj(
        {
            "name": text("for `after` and reports"),
            "description": text(),
            "match": obj(
                {
                    "operation": operation_list,
                    "file": text("glob on the file name (file operations, upload, download)"),
                    "item": text("the item's name"),
                    "protocol": {"enum": PROTOCOLS},
                },
                ("operation",),
            ),
            "when": obj(
                {
                    "nth": {"type": "integer", "minimum": 1},
                    "times": {"type": "integer", "minimum": 1},
                    "after": text("another rule's name: only once it has fired"),
                    "at": ref("datetime"),
                    "after_time": ref("duration"),
                }
            ),
            "then": obj(actions, minProperties=1, maxProperties=1),
        },
        ("match", "then"),
    )
    expect = obj(
        {
            "all_rules_fired": {"type": "boolean"},
            "sessions": {
                "type": "array",
                "items": obj(
                    {"item": text(), "state": {"enum": [*SESSION_STATES, "DELETED"]}},
                    ("item", "state"),
                ),
            },
            "items": {
                "type": "object",
                "additionalProperties": obj(
                    {
                        "content_version": {"type": "integer", "minimum": 1},
                        "files": {"type": "array", "items": {"type": "string"}},
                    }
                ),
            },
            "operations": {"type": "array", "items": ref("operation")},
        }
    )
    demo = obj(
        {
            "item": text("the item the demo uploads to (default: the first in setup)"),
            "package": {"enum": ["ovf", "ova", "iso"]},
            "signing": {
                "enum": ["none", "self_signed", "trusted", "expired", "not_yet_valid", "untrusted"]
            },
            "transfer": {"enum": ["push", "pull"]},
            "skip_files": {"type": "array", "items": text("glob")},
        }
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "vcl_fake scenario",
        "description": "A scripted situation for the vcl_fake Content Library fake.",
        **obj(
            {
                "version": {"const": 1},
                "name": {"type": "string", "minLength": 1},
                "description": text(),
                "clock": obj({"start": ref("datetime"), "mode": {"enum": ["manual", "system"]}}),
                "seed": {"type": "integer"},
                "parameters": {
                    "type": "object",
                    "description": "name -> default value; ${name} in any text takes the value",
                    "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                    "additionalProperties": {"type": "string"},
                },
                "setup": setup,
                "rules": {"type": "array", "items": rule},
                "expect": expect,
                "demo": demo,
            },
            ("version", "name"),
        ),
        "$defs": {
            "duration": {
                "type": "string",
                "pattern": DURATION,
                "description": "30s, 5m, 1.5h, 500ms",
            },
            "size": {
                "anyOf": [
                    {"type": "integer", "minimum": 0},
                    {"type": "string", "pattern": SIZE},
                ],
                "description": "bytes: 1024, 10KiB, 1.5GiB",
            },
            "rate": {
                "anyOf": [
                    {"type": "number", "exclusiveMinimum": 0},
                    {"type": "string", "pattern": RATE},
                ],
                "description": "bytes per second: 1048576, 1MiB/s",
            },
            "datetime": {"type": "string", "pattern": DATETIME},
            "operation": {"enum": list(NAMES)},
        },
    }


SCHEMA: dict[str, Any] = build()


def main() -> None:
    text = json.dumps(SCHEMA, indent=2) + "\n"
    if "--check" in sys.argv:
        sys.exit(0 if SCHEMA_FILE.read_text() == text else 1)
    SCHEMA_FILE.write_text(text)


if __name__ == "__main__":
    main()
