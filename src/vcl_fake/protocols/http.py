"""Transport-neutral HTTP request and response, shared by the responses adapter and the server."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

Body = bytes | Iterable[bytes] | None
#: The largest API request body read (uploads stream and have no limit).
API_BODY_LIMIT = 64 * 1024 * 1024


#: The deepest JSON nesting accepted (the vAPI's structures nest a few levels); the same on
#: every Python, whatever its own recursion limits (3.13's JSON decoder goes far deeper).
MAX_JSON_DEPTH = 100


def parse_json(data: bytes | str) -> Any:
    """``json.loads`` that fails with ValueError, never RecursionError: input nested deeper
    than MAX_JSON_DEPTH is refused, and ``NaN`` and ``Infinity``, not JSON, too."""
    if not isinstance(data, str):  # as json.loads reads bytes: UTF-8, -16 or -32
        data = data.decode(json.detect_encoding(data), "surrogatepass")
    elif data.startswith("\ufeff"):  # as json.loads refuses it in text
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", data, 0)
    try:
        value = _DECODE(data)
    except RecursionError:
        raise ValueError("the JSON nests too deeply") from None
    if len(data) > 2 * MAX_JSON_DEPTH:  # shorter input cannot nest that deep
        _check_depth(value)
    return value


def _check_depth(value: Any) -> None:
    """Raise ValueError if ``value`` nests deeper than MAX_JSON_DEPTH (walked iteratively)."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ValueError("the JSON nests too deeply")
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


# One decoder and one encoder, made once (json.loads and json.dumps with options build one
# per call); both hold only their options.
_DECODE = json.JSONDecoder(parse_constant=_not_json).decode
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


class Scripted(Exception):
    """A scenario rule answers instead of the model: a prepared ``response``, or a transport
    ``fault`` (connection_error, read_timeout, truncated_body) each transport renders."""

    def __init__(
        self, response: Response | None = None, fault: str | None = None, value: Any = None
    ) -> None:
        super().__init__(fault or f"scripted HTTP {response.status if response else '?'}")
        self.response = response
        self.fault = fault
        self.value = value  # truncated_body: the model's result, for the codec to render

    def truncated(self) -> Response:
        """The response cut short: it declares more bytes than it carries."""
        whole = self.response or Response(200)
        kept = whole.body[: len(whole.body) // 2]
        declared = max(len(whole.body), len(kept) + 1)
        return Response(whole.status, {**whole.headers, "Content-Length": str(declared)}, kept)


class BodyError(Exception):
    """Reading the request body failed on the client's side (its generator raised, its
    connection broke). Raised again as ``original`` to the caller, as a real request would."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original))
        self.original = original


class Headers(dict[str, str]):
    """Case-insensitive header lookup (keys are stored lower-cased)."""

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        super().__init__({k.lower(): v for k, v in pairs})

    @classmethod
    def lowered(cls, pairs: Iterable[tuple[str, str]]) -> Headers:
        """Headers from pairs whose names are lower-cased already (``requests``' own)."""
        headers = cls()
        dict.update(headers, pairs)
        return headers

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())


@dataclass
class Request:
    method: str
    url: str
    headers: Headers
    body: Body = None
    path: str = field(init=False)
    query: dict[str, str] = field(init=False)
    #: ``scheme://host:port`` the client addressed (URLs handed back point there).
    origin: str = field(init=False)
    query_items: list[tuple[str, str]] = field(init=False)  # repeated parameters kept
    query_string: str = field(init=False)  # the query as it came (the journal shows it)

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        scheme, netloc, path, query, _ = urlsplit(self.url)
        self.path = path or "/"
        self.query_string = query
        self.query_items = parse_qsl(query, keep_blank_values=True) if query else []
        self.query = dict(self.query_items)
        self.origin = _origin(scheme, netloc)

    def chunks(self) -> Iterator[bytes]:
        """The body as a stream of byte chunks, never joined."""
        body = self.body
        if body is None:
            return iter(())
        if isinstance(body, (bytes, bytearray, memoryview)):
            return iter((bytes(body),))
        if isinstance(body, str):
            return iter((body.encode(),))
        return _guarded(body)

    def reader(self) -> Callable[[memoryview], int] | None:
        """Where the body can be read straight into a caller's buffer (a served body's
        ``read_into``: how many bytes, 0 at the end), that, its errors raised as
        :class:`BodyError` as :meth:`chunks` raises them; None otherwise. It goes on where
        :meth:`chunks` stopped."""
        read_into = getattr(self.body, "read_into", None)
        if read_into is None:
            return None

        def guarded(buffer: memoryview) -> int:
            try:
                return int(read_into(buffer))
            except Exception as exc:
                raise BodyError(exc) from exc

        return guarded

    def read(self, limit: int | None = None) -> bytes:
        """The whole body (for API calls, which are small; uploads use :meth:`chunks`)."""
        limit = API_BODY_LIMIT if limit is None else limit
        body = self.body
        if isinstance(body, bytes) and len(body) <= limit:  # the usual case: no copy
            return body
        out = bytearray()
        for chunk in self.chunks():
            out += chunk
            if len(out) > limit:
                raise ValueError(f"request body larger than {limit} bytes")
        return bytes(out)


@dataclass
class Response:
    """An answer. A download streams: ``stream`` yields its body in chunks (``body`` stays
    empty) and ``Content-Length`` is in ``headers``; fewer bytes than that is a cut answer."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: Iterable[bytes] | None = None

    @classmethod
    def json(cls, status: int, value: Any, headers: Mapping[str, str] | None = None) -> Response:
        out = {"Content-Type": "application/json", **(headers or {})}
        return cls(status, out, _ENCODE(value).encode())

    @classmethod
    def empty(cls, status: int = 204) -> Response:
        return cls(status, {}, b"")


def _guarded(body: Iterable[bytes | str]) -> Iterator[bytes]:
    iterator = iter(body)
    while True:
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        except Exception as exc:
            raise BodyError(exc) from exc
        yield chunk.encode() if isinstance(chunk, str) else bytes(chunk)


@functools.lru_cache(maxsize=64)
def _origin(scheme: str, netloc: str) -> str:
    """``scheme://host:port`` (a fake sees few origins: each is worked out once)."""
    parts = SplitResult(scheme, netloc, "", "", "")
    scheme = parts.scheme or "https"
    host = parts.hostname or ""
    shown = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{scheme}://{shown}:{port or (443 if scheme == 'https' else 80)}"
