"""The vAPI type system, built from the generated contract, with the clean-JSON codec.

Each :class:`VType` turns a JSON value from a request into a Python value (``decode``,
checking it against the contract and raising ``INVALID_ARGUMENT`` that names the field) and a
Python value back into JSON (``encode``). Python values are plain: ``str``, ``int``, ``bool``,
``float``, aware ``datetime``, ``list``, ``dict`` (structures: every field present, unset
optionals ``None``).

The vAPI JSON-RPC wire form (what the official SDK speaks) wraps the same values:
``{"STRUCTURE": {name: {...}}}`` with every field present, ``{"OPTIONAL": v-or-null}``,
``{"SECRET": s}``, ``{"BINARY": base64}``, maps as lists of ``map-entry`` structures.
``from_rpc`` unwraps into clean JSON (then ``decode`` checks it); ``to_rpc`` wraps a Python
value.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from vcl_fake import messages as M
from vcl_fake.clock import format_datetime, parse_datetime
from vcl_fake.contract._generated import ENUMS, STRUCTURES
from vcl_fake.errors import vapi_error

#: What the journal shows instead of a secret (a password in a publish_info, ...).
REDACTED = "********"


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def invalid(template: tuple[str, str], *args: object) -> Exception:
    return vapi_error("INVALID_ARGUMENT", template, *args)


def mismatch(path: str, expected: str, value: object) -> Exception:
    return invalid(M.TYPE_MISMATCH, path, expected, _json_kind(value))


class VType:
    """A contract type. ``describe`` names it in error messages."""

    optional = False

    def from_rpc(self, value: Any, path: str) -> Any:
        """JSON-RPC wire form -> clean JSON (checked by ``decode`` afterwards)."""
        return value

    def to_rpc(self, value: Any) -> Any:
        """Python value -> JSON-RPC wire form."""
        return self.encode(value)

    def decode(self, value: Any, path: str) -> Any:
        raise NotImplementedError

    def encode(self, value: Any) -> Any:
        return value

    def decode_text(self, text: str, path: str) -> Any:
        """Decode a value that arrived as text (a path segment, query parameter or header)."""
        return self.decode(text, path)

    def redact(self, value: Any) -> Any:
        """A decoded value with every secret replaced by :data:`REDACTED` (for the journal)."""
        return value

    @functools.cached_property
    def holds_secret(self) -> bool:
        """Whether a value of this type can carry a secret (or needs turning into plain data
        for the journal). The journal keeps values of other types as they are, without the
        copy ``redact`` makes (found on first use, once the contract's types are complete)."""
        return _secret_in(self, set())

    def describe(self) -> str:
        return type(self).__name__.lower()


class Scalar(VType):
    """string, id, uri, secret, integer, double, boolean, datetime, blob."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def describe(self) -> str:
        return self.kind

    def decode(self, value: Any, path: str) -> Any:
        kind = self.kind
        if kind in ("string", "id", "uri", "secret", "blob"):
            if not isinstance(value, str):
                raise mismatch(path, kind, value)
            return value
        if kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise mismatch(path, "integer", value)
            if not -(2**63) <= value < 2**63:
                raise invalid(M.VALUE_OUT_OF_RANGE, path, value, "outside the 64-bit range")
            return value
        if kind == "double":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise mismatch(path, "double", value)
            return float(value)
        if kind == "boolean":
            if not isinstance(value, bool):
                raise mismatch(path, "boolean", value)
            return value
        if kind == "datetime":
            if not isinstance(value, str):
                raise mismatch(path, "datetime", value)
            try:
                return parse_datetime(value)
            except ValueError:
                raise invalid(
                    M.VALUE_OUT_OF_RANGE, path, value, "not an RFC 3339 datetime"
                ) from None
        raise AssertionError(kind)

    def decode_text(self, text: str, path: str) -> Any:
        if self.kind == "integer":
            try:
                return self.decode(int(text, 10), path)
            except ValueError:
                raise mismatch(path, "integer", text) from None
        if self.kind == "boolean":
            if text not in ("true", "false"):
                raise mismatch(path, "boolean", text)
            return text == "true"
        if self.kind == "double":
            try:
                return float(text)
            except ValueError:
                raise mismatch(path, "double", text) from None
        return self.decode(text, path)

    def encode(self, value: Any) -> Any:
        return format_datetime(value) if self.kind == "datetime" else value

    def redact(self, value: Any) -> Any:
        return REDACTED if self.kind == "secret" and value is not None else value

    def from_rpc(self, value: Any, path: str) -> Any:
        wrapper = {"secret": "SECRET", "blob": "BINARY"}.get(self.kind)
        if wrapper is not None and isinstance(value, dict):
            if set(value) != {wrapper}:
                raise mismatch(path, f"{{{wrapper!r}: ...}}", value)
            return value[wrapper]
        return value

    def to_rpc(self, value: Any) -> Any:
        if self.kind == "secret":
            return {"SECRET": value}
        if self.kind == "blob":
            return {"BINARY": value}
        return self.encode(value)


class Enum(VType):
    def __init__(self, name: str) -> None:
        self.name = name
        self.values: tuple[str, ...] = ENUMS[name]

    def describe(self) -> str:
        return "enum " + self.name

    def decode(self, value: Any, path: str) -> Any:
        if not isinstance(value, str):
            raise mismatch(path, f"one of {', '.join(self.values)}", value)
        if value not in self.values:
            raise invalid(M.ENUM_INVALID, path, value, ", ".join(self.values))
        return value


class Optional(VType):
    optional = True

    def __init__(self, element: VType) -> None:
        self.element = element

    def describe(self) -> str:
        return "optional " + self.element.describe()

    def decode(self, value: Any, path: str) -> Any:
        return None if value is None else self.element.decode(value, path)

    def decode_text(self, text: str, path: str) -> Any:
        return self.element.decode_text(text, path)

    def encode(self, value: Any) -> Any:
        return None if value is None else self.element.encode(value)

    def redact(self, value: Any) -> Any:
        return None if value is None else self.element.redact(value)

    def from_rpc(self, value: Any, path: str) -> Any:
        if value is None:
            return None  # tolerated: an absent optional
        if not isinstance(value, dict) or set(value) != {"OPTIONAL"}:
            raise mismatch(path, '{"OPTIONAL": ...}', value)
        inner = value["OPTIONAL"]
        return None if inner is None else self.element.from_rpc(inner, path)

    def to_rpc(self, value: Any) -> Any:
        return {"OPTIONAL": None if value is None else self.element.to_rpc(value)}


class List(VType):
    def __init__(self, element: VType, *, unique: bool = False) -> None:
        self.element = element
        self.unique = unique

    def describe(self) -> str:
        return ("set of " if self.unique else "list of ") + self.element.describe()

    def decode(self, value: Any, path: str) -> Any:
        if not isinstance(value, list):
            raise mismatch(path, "array", value)
        out = [self.element.decode(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if self.unique:
            seen: list[Any] = []
            for v in out:
                if v in seen:
                    raise invalid(M.SET_DUPLICATE, path, v)
                seen.append(v)
        return out

    def encode(self, value: Any) -> Any:
        return [self.element.encode(v) for v in value]

    def redact(self, value: Any) -> Any:
        return [self.element.redact(v) for v in value]

    def from_rpc(self, value: Any, path: str) -> Any:
        if not isinstance(value, list):
            raise mismatch(path, "array", value)
        return [self.element.from_rpc(v, f"{path}[{i}]") for i, v in enumerate(value)]

    def to_rpc(self, value: Any) -> Any:
        return [self.element.to_rpc(v) for v in value]


class Map(VType):
    def __init__(self, key: VType, value: VType) -> None:
        self.key = key
        self.value = value

    def decode(self, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise mismatch(path, "object", value)
        return {
            self.key.decode_text(k, f"{path}.{k}"): self.value.decode(v, f"{path}.{k}")
            for k, v in value.items()
        }

    def encode(self, value: Any) -> Any:
        return {str(self.key.encode(k)): self.value.encode(v) for k, v in value.items()}

    def redact(self, value: Any) -> Any:
        return {k: self.value.redact(v) for k, v in value.items()}

    def from_rpc(self, value: Any, path: str) -> Any:
        if not isinstance(value, list):
            raise mismatch(path, "array of map-entry structures", value)
        out = {}
        for i, entry in enumerate(value):
            fields = unwrap_structure(entry, "map-entry", f"{path}[{i}]")
            out[fields.get("key")] = self.value.from_rpc(fields.get("value"), f"{path}[{i}].value")
        return out

    def to_rpc(self, value: Any) -> Any:
        return [
            {"STRUCTURE": {"map-entry": {"key": self.key.to_rpc(k), "value": self.value.to_rpc(v)}}}
            for k, v in value.items()
        ]


class Dynamic(VType):
    """A dynamic structure or opaque value: any JSON, passed through."""

    def decode(self, value: Any, path: str) -> Any:
        return value


class Native(VType):
    """A value its codec decoded and checked itself (vim25: a pyVmomi object against its
    declared type), passed through; the journal shows it as plain data."""

    def decode(self, value: Any, path: str) -> Any:
        return value

    def redact(self, value: Any) -> Any:
        return plain(value)


def plain(value: Any, depth: int = 0) -> Any:
    """A pyVmomi value as plain data: a managed object as ``Type:id``, a data object as a dict
    of the fields it sets, a type by its name."""
    if depth > 40:
        return "..."
    if isinstance(value, type):
        return value.__name__.rsplit(".", 1)[-1]
    if hasattr(value, "_moId"):
        return f"{type(value).__name__.rsplit('.', 1)[-1]}:{value._moId}"
    if hasattr(value, "_GetPropertyList"):
        fields = ((p.name, getattr(value, p.name)) for p in value._GetPropertyList())
        return {
            k: plain(v, depth + 1)
            for k, v in fields
            if v is not None and not (isinstance(v, list) and not v)
        }
    if isinstance(value, list):
        return [plain(v, depth + 1) for v in value]
    return value


class Void(VType):
    def decode(self, value: Any, path: str) -> Any:
        return None

    def encode(self, value: Any) -> Any:
        return None

    def to_rpc(self, value: Any) -> Any:
        return None


class Struct(VType):
    """A vAPI structure: named fields, union rules and per-operation usage rules."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.fields: dict[str, VType] = {}
        self.unions: tuple[tuple[str, dict[str, tuple[tuple[str, bool], ...]]], ...] = ()
        self.usage: dict[str, dict[str, str]] = {}

    def describe(self) -> str:
        return "structure " + self.name

    def decode(self, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise mismatch(path, "object", value)
        for key in value:
            if key not in self.fields:
                raise invalid(M.FIELD_UNEXPECTED, _join(path, key), self.name)
        out: dict[str, Any] = {}
        for field, ftype in self.fields.items():
            raw = value.get(field)
            if raw is None and not ftype.optional:
                raise invalid(M.FIELD_MISSING, self.name, _join(path, field))
            out[field] = ftype.decode(raw, _join(path, field))
        self.check_unions(out, path)
        return out

    def check_unions(self, value: Mapping[str, Any], path: str) -> None:
        for discriminant, cases in self.unions:
            tag = value.get(discriminant)
            allowed = dict(cases.get(tag, ())) if tag is not None else {}
            for case_fields in cases.values():
                for field, _ in case_fields:
                    if value.get(field) is not None and field not in allowed:
                        raise invalid(M.UNION_EXTRA, self.name, _join(path, field))
            for field, required in allowed.items():
                if required and value.get(field) is None:
                    raise invalid(M.UNION_MISSING, self.name, _join(path, field))

    def check_required_for(self, value: Mapping[str, Any], operation: str, path: str) -> None:
        """Fields the docs say 'must be provided for the <operation> method'."""
        for field, rules in self.usage.items():
            if rules.get(operation) == "required" and value.get(field) is None:
                raise invalid(M.FIELD_REQUIRED_FOR, _join(path, field), operation)

    @functools.cached_property
    def _encoders(self) -> list[tuple[str, Any]]:
        """Each field with its encoder, None for one whose values are their own JSON (worked
        out on first use: the fields are filled in after init)."""
        return [(f, None if _as_is(t) else t.encode) for f, t in self.fields.items()]

    def encode(self, value: Any) -> Any:
        out = {}
        for field, encode in self._encoders:
            v = value.get(field)
            if v is not None:
                out[field] = v if encode is None else encode(v)
        return out

    def redact(self, value: Any) -> Any:
        return {f: t.redact(value.get(f)) for f, t in self.fields.items()}

    def from_rpc(self, value: Any, path: str) -> Any:
        fields = unwrap_structure(value, self.name, path)
        out = {}
        for key, raw in fields.items():
            ftype = self.fields.get(key)
            if ftype is None:
                raise invalid(M.FIELD_UNEXPECTED, _join(path, key), self.name)
            out[key] = ftype.from_rpc(raw, _join(path, key))
        return out

    def to_rpc(self, value: Any) -> Any:
        return {"STRUCTURE": {self.name: self.rpc_fields(value)}}

    def rpc_fields(self, value: Any) -> dict[str, Any]:
        """Every field, wrapped (what goes inside the STRUCTURE or ERROR wrapper)."""
        return {f: t.to_rpc(value.get(f)) for f, t in self.fields.items()}


def unwrap_structure(value: Any, name: str, path: str) -> dict[str, Any]:
    """The fields inside ``{"STRUCTURE": {name: {...}}}``; INVALID_ARGUMENT otherwise."""
    if not isinstance(value, dict) or set(value) != {"STRUCTURE"}:
        raise mismatch(path, f'{{"STRUCTURE": {{"{name}": ...}}}}', value)
    inner = value["STRUCTURE"]
    if not isinstance(inner, dict) or len(inner) != 1:
        raise mismatch(path, f"one structure named {name}", inner)
    ((given, fields),) = inner.items()
    if given != name:
        raise invalid(M.STRUCTURE_NAME, path, name, given)
    if not isinstance(fields, dict):
        raise mismatch(path, "object", fields)
    return fields


def redact_untyped(value: Any) -> Any:
    """Raw input (not decoded, or of an operation that is not modelled) as the journal shows
    it: JSON-RPC ``{"SECRET": ...}`` values and fields named like a password or secret
    replaced by :data:`REDACTED`."""
    if isinstance(value, dict):
        if set(value) == {"SECRET"}:
            return REDACTED
        return {
            k: REDACTED
            if any(w in str(k).lower() for w in ("password", "secret")) and v is not None
            else redact_untyped(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_untyped(v) for v in value]
    return value


def _as_is(vtype: VType) -> bool:
    """Whether values of ``vtype`` encode as themselves (no datetime, structure or map in
    them), so that encoding a structure's field can skip them."""
    if isinstance(vtype, Scalar):
        return vtype.kind != "datetime"
    if isinstance(vtype, (Optional, List)):
        return _as_is(vtype.element)
    return isinstance(vtype, (Enum, Dynamic, Native))


def _secret_in(vtype: VType, seen: set[int]) -> bool:
    if id(vtype) in seen:  # a recursive structure: its fields are being looked at already
        return False
    seen.add(id(vtype))
    if isinstance(vtype, Scalar):
        return vtype.kind == "secret"
    if isinstance(vtype, (Optional, List)):
        return _secret_in(vtype.element, seen)
    if isinstance(vtype, Map):
        return _secret_in(vtype.key, seen) or _secret_in(vtype.value, seen)
    if isinstance(vtype, Struct):
        return any(_secret_in(field, seen) for field in vtype.fields.values())
    return isinstance(vtype, Native)  # shown as plain data; enums, dynamic values, void: as is


def _join(path: str, field: str) -> str:
    return f"{path}.{field}" if path else field


# --- building types from the generated data ------------------------------------------------

_STRUCTS: dict[str, Struct] = {}


def struct(name: str) -> Struct:
    """The structure called ``name`` (built once, shared: types are immutable)."""
    found = _STRUCTS.get(name)
    if found is None:
        found = _STRUCTS[name] = Struct(name)
        spec = STRUCTURES[name]
        found.fields = {f: build(t) for f, t in spec["fields"]}
        found.unions = spec.get("unions", ())
        found.usage = {f: dict(r) for f, r in spec.get("usage", {}).items()}
    return found


def build(spec: tuple[Any, ...]) -> VType:
    """A VType from a generated type spec such as ``("optional", ("id",))``."""
    kind = spec[0]
    if kind == "optional":
        return Optional(build(spec[1]))
    if kind in ("list", "set"):
        return List(build(spec[1]), unique=kind == "set")
    if kind == "map":
        return Map(build(spec[1]), build(spec[2]))
    if kind == "struct":
        return struct(spec[1])
    if kind == "enum":
        return Enum(spec[1])
    if kind == "void":
        return Void()
    if kind in ("dynamic", "opaque", "any_error"):
        return Dynamic()
    return Scalar(kind)
