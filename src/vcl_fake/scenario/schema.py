"""The JSON Schema of scenario files, built from the operation table and the contract's enums.

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
from vcl_fake.errors import ERROR_TYPES

SCHEMA_FILE = Path(__file__).with_name("schema.json")
DURATION = r"^\s*[0-9]+(\.[0-9]+)?\s*(ms|s|m|h|d)\s*$"
SIZE = r"^\s*[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|KiB|MiB|GiB)\s*$"
RATE = r"^\s*[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|KiB|MiB|GiB)/s\s*$"
DATETIME = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
)
PROTOCOLS = ["api", "rest", "jsonrpc", "data"]
SESSION_STATES = list(enums.SESSION_STATES)
PREVIEW_STATES = list(enums.PREVIEW_STATES)
WARNING_TYPES = list(enums.WARNING_TYPES)
ACTIONS = [
    "error",
    "http",
    "fault",
    "delay",
    "advance_clock",
    "preview",
    "transfer",
    "expire_session",
    "fail_session",
    "expire_login",
]


def _obj(
    properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }
    if required:
        out["required"] = list(required)
    out.update(extra)
    return out


def _text(description: str | None = None) -> dict[str, Any]:
    return {"type": "string", "description": description} if description else {"type": "string"}


def build() -> dict[str, Any]:
    ref = lambda name: {"$ref": f"#/$defs/{name}"}  # noqa: E731
    file_entry = _obj(
        {
            "name": _text(),
            "size": ref("size"),
            "checksum": _text("hex digest"),
            "algorithm": {"enum": list(enums.ALGORITHMS)},
        },
        ("name", "size"),
    )
    item = _obj(
        {
            "name": _text("unique within the scenario; rules and expectations use it"),
            "type": _text("ovf, iso, file..."),
            "description": _text(),
            "content_version": {"type": "integer", "minimum": 1},
            "files": {"type": "array", "items": file_entry},
        },
        ("name",),
    )
    library = _obj(
        {
            "name": _text(),
            "type": {"enum": list(enums.LIBRARY_TYPES)},
            "description": _text(),
            "items": {"type": "array", "items": item},
        },
        ("name",),
    )
    source = _obj(
        {
            "uri": _text("http, https or ds URI"),
            "data": _text("the content, as text"),
            "size": ref("size"),
            "file": _text("a file, relative to the scenario file"),
            "rate": ref("rate"),
            "certificate": _text("PEM chain an https source presents (or a file path)"),
            "fail_after": ref("size"),
        },
        ("uri",),
    )
    setup = _obj(
        {
            "users": {"type": "object", "additionalProperties": {"type": "string"}},
            "session_timeout": ref("duration"),
            "retention": ref("duration"),
            "api_session_timeout": ref("duration"),
            "trusted_roots": {"type": "array", "items": _text("PEM text or a file path")},
            "libraries": {"type": "array", "items": library},
            "sources": {"type": "array", "items": source},
            "sessions": {
                "type": "array",
                "items": _obj(
                    {"item": _text(), "state": {"enum": SESSION_STATES}, "message": _text()},
                    ("item",),
                ),
            },
        }
    )
    warning = _obj({"type": {"enum": WARNING_TYPES}, "message": _text()}, ("type",))
    actions = {
        "error": _obj(
            {
                "type": {"enum": list(ERROR_TYPES)},
                "id": _text("message id"),
                "message": _text("default message; {0}, {1}... take args"),
                "args": {"type": "array", "items": {"type": "string"}},
            },
            ("type",),
        ),
        "http": _obj(
            {
                "status": {"type": "integer", "minimum": 100, "maximum": 599},
                "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                "body": {"type": ["string", "object", "array"]},
            },
            ("status",),
        ),
        "fault": {"enum": ["connection_error", "read_timeout", "truncated_body"]},
        "delay": ref("duration"),
        "advance_clock": ref("duration"),
        "preview": _obj(
            {
                "state": {"enum": PREVIEW_STATES},
                "certificate_info": _obj(
                    {
                        "issuer": _text(),
                        "subject": _text(),
                        "self_signed": {"type": "boolean"},
                        "x509": _text(),
                    },
                    ("issuer", "subject", "self_signed"),
                ),
                "warnings": {"type": "array", "items": warning},
            },
            ("state",),
        ),
        "transfer": _obj(
            {
                "rate": ref("rate"),
                "fail_after": ref("size"),
                "message": _text(),
                "stall": {"type": "boolean"},
                "corrupt": {"type": "boolean"},
            },
            minProperties=1,
        ),
        "expire_session": {"const": True},
        "fail_session": _obj({"message": _text()}, ("message",)),
        "expire_login": {"const": True},
    }
    operation_list = {
        "anyOf": [ref("operation"), {"type": "array", "minItems": 1, "items": ref("operation")}]
    }
    rule = _obj(
        {
            "name": _text("for `after` and reports"),
            "description": _text(),
            "match": _obj(
                {
                    "operation": operation_list,
                    "file": _text("glob on the file name (file.* and upload)"),
                    "item": _text("the item's name"),
                    "protocol": {"enum": PROTOCOLS},
                },
                ("operation",),
            ),
            "when": _obj(
                {
                    "nth": {"type": "integer", "minimum": 1},
                    "times": {"type": "integer", "minimum": 1},
                    "after": _text("another rule's name: only once it has fired"),
                    "at": ref("datetime"),
                    "after_time": ref("duration"),
                }
            ),
            "then": _obj(actions, minProperties=1, maxProperties=1),
        },
        ("match", "then"),
    )
    expect = _obj(
        {
            "all_rules_fired": {"type": "boolean"},
            "sessions": {
                "type": "array",
                "items": _obj(
                    {"item": _text(), "state": {"enum": [*SESSION_STATES, "DELETED"]}},
                    ("item", "state"),
                ),
            },
            "items": {
                "type": "object",
                "additionalProperties": _obj(
                    {
                        "content_version": {"type": "integer", "minimum": 1},
                        "files": {"type": "array", "items": {"type": "string"}},
                    }
                ),
            },
            "operations": {"type": "array", "items": ref("operation")},
        }
    )
    demo = _obj(
        {
            "item": _text("the item the demo uploads to (default: the first in setup)"),
            "package": {"enum": ["ovf", "ova", "iso"]},
            "signing": {
                "enum": ["none", "self_signed", "trusted", "expired", "not_yet_valid", "untrusted"]
            },
            "transfer": {"enum": ["push", "pull"]},
            "skip_files": {"type": "array", "items": _text("glob")},
        }
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "vcl_fake scenario",
        "description": "A scripted situation for the vcl_fake Content Library fake.",
        **_obj(
            {
                "version": {"const": 1},
                "name": {"type": "string", "minLength": 1},
                "description": _text(),
                "clock": _obj({"start": ref("datetime"), "mode": {"enum": ["manual", "system"]}}),
                "seed": {"type": "integer"},
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
