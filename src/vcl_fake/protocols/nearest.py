"""Did-you-mean for requests that reach no operation: the closest route of the operation
table, with the request's own ids filled in (``POST /api/.../update-session/{id}?action=complete``).
"""

from __future__ import annotations

import difflib
import functools

from vcl_fake.contract.operations import TABLE
from vcl_fake.protocols.http import Request

CUTOFF = 0.75
LONGEST = 512  # longer request lines get no suggestion (difflib's cost grows with length)


@functools.cache
def _routes() -> tuple[tuple[str, tuple[str, ...], str], ...]:
    """(method, path segments, query) of every modelled route, /api and /rest."""
    out = []
    for op in TABLE.values():
        if not op.modelled:
            continue
        templates = []
        if op.api is not None:
            query = "&".join(f"{k}={v}" if v is not None else k for k, v in op.api.dispatch.items())
            templates.append((op.api.method, op.api.template, query))
        if op.rest is not None:
            path, _, query = op.rest.template.partition("?")
            templates.append((op.rest.method, path, query))
        for method, path, query in templates:
            out.append((method, tuple(path.strip("/").split("/")), query))
    return tuple(out)


def _fill(segments: tuple[str, ...], actual: list[str]) -> str:
    """The template with the request's segments where the template has parameters."""
    filled = []
    for n, seg in enumerate(segments):
        if "{" in seg and n < len(actual):
            prefix = seg[: seg.index("{")]  # /rest's "id:{...}"
            value = actual[n][len(prefix) :] if actual[n].startswith(prefix) else actual[n]
            filled.append(prefix + value)
        else:
            filled.append(seg)
    return "/" + "/".join(filled)


def suggest(request: Request, query: str) -> str:
    """``did you mean 'POST /api/...'?``, or "" when nothing is close."""
    asked = f"{request.method} {request.path}" + (f"?{query}" if query else "")
    if len(asked) > LONGEST:
        return ""
    actual = request.path.strip("/").split("/")
    candidates: dict[str, None] = {}
    for method, segments, route_query in _routes():
        if abs(len(segments) - len(actual)) > 1:
            continue
        line = f"{method} {_fill(segments, actual)}" + (f"?{route_query}" if route_query else "")
        candidates[line] = None
    close = difflib.get_close_matches(asked, list(candidates), n=1, cutoff=CUTOFF)
    return f"did you mean {close[0]!r}?" if close and close[0] != asked else ""
