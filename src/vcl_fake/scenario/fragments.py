"""Small builders of JSON Schema fragments, shared by the schema and the action declarations."""

from __future__ import annotations

from typing import Any


def obj(properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    """A closed object (no keys besides ``properties``)."""
    out: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }
    if required:
        out["required"] = list(required)
    out.update(extra)
    return out


def text(description: str | None = None) -> dict[str, Any]:
    return {"type": "string", "description": description} if description else {"type": "string"}


def ref(name: str) -> dict[str, Any]:
    """A reference to one of the schema's ``$defs`` (duration, size, rate, datetime...)."""
    return {"$ref": f"#/$defs/{name}"}
