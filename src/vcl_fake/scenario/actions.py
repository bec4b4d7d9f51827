"""Scenario actions, each declared once: its name, the schema of its argument, the
operations it applies to, what it does, and its line in the docs' table.

The JSON Schema (``then``), the semantic checks (an action on an operation it does not
apply to), the engine (:meth:`Engine._act <vcl_fake.scenario.engine.Engine>`) and the
table in docs/scenarios.md are all derived from :data:`ACTIONS`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vcl_fake import messages as M
from vcl_fake.contract import enums
from vcl_fake.contract.operations import DOWNLOAD, NAMES, UPLOAD
from vcl_fake.errors import ERROR_TYPES, VapiError, message
from vcl_fake.protocols.http import Response, Scripted
from vcl_fake.scenario.data import rate, seconds, size
from vcl_fake.scenario.fragments import obj, ref, text

if TYPE_CHECKING:
    from vcl_fake.scenario.data import Rule
    from vcl_fake.scenario.engine import Engine
    from vcl_fake.scenario.event import Event


def _naming_a_session(service: str, files: str, data_plane: str) -> frozenset[str]:
    """The operations of ``service`` (but create and list), of its file sub-service
    ``files`` and its ``data_plane``: their input names a session."""
    return frozenset(
        n
        for n in NAMES
        if (n.startswith(f"{service}.") and n not in (f"{service}.create", f"{service}.list"))
        or n.startswith(f"{files}.")
        or n == data_plane
    )


#: Operations whose input names an update session (so preview actions apply).
UPDATE_SESSION_OPERATIONS = _naming_a_session("update_session", "file", UPLOAD)
#: Operations whose input names an update or download session (so session actions apply).
SESSION_OPERATIONS = UPDATE_SESSION_OPERATIONS | _naming_a_session(
    "download_session", "download_file", DOWNLOAD
)
#: Operations whose input names a file (``match.file`` applies).
FILE_OPERATIONS = frozenset(
    n
    for n in NAMES
    if n.split(".")[0] in ("file", "download_file") and n not in ("file.list", "download_file.list")
) | {UPLOAD, DOWNLOAD}
TRANSFER_OPERATIONS = frozenset({"file.add", UPLOAD, DOWNLOAD})
PREPARE_OPERATIONS = frozenset({"download_file.prepare"})
FAULTS = ("connection_error", "read_timeout", "truncated_body")

Effect = Callable[["Engine", "Rule", "Event"], None]


@dataclass(frozen=True)
class Action:
    name: str
    schema: Mapping[str, Any]  # JSON Schema of the argument
    answers: bool  # True: the client gets the scripted answer; False: it shapes the model's
    usage: tuple[str, ...]  # how it is written, one docs row each
    effect_doc: str
    effect: Effect
    applies_to: frozenset[str] | None = None  # None: every operation

    def rows(self) -> list[str]:
        kind = "answers" if self.answers else "shapes"
        return [f"| {' / '.join(self.usage)} | {kind} | {self.effect_doc} |"]


# --- effects -------------------------------------------------------------------------------------
def _error(engine: Engine, rule: Rule, event: Event) -> None:
    arg = rule.argument
    args = [str(a) for a in arg.get("args", [])]
    msg_id, template = M.SCRIPTED_ERROR
    text = template.format(arg["type"], rule.name)
    if "message" in arg:
        try:
            text = arg["message"].format(*args)
        except (IndexError, KeyError, ValueError):
            text = arg["message"]
    body = {
        "id": arg.get("id") or msg_id.format(arg["type"].lower()),
        "default_message": text,
        "args": args,
    }
    raise VapiError(arg["type"], body)


def _http(engine: Engine, rule: Rule, event: Event) -> None:
    arg = rule.argument
    headers = dict(arg.get("headers", {}))
    body = arg.get("body", b"")
    if isinstance(body, (dict, list)):
        headers.setdefault("Content-Type", "application/json")
        data = json.dumps(body).encode()
    else:
        data = str(body).encode() if body else b""
    raise Scripted(response=Response(arg["status"], headers, data))


def _fault(engine: Engine, rule: Rule, event: Event) -> None:
    if rule.argument == "truncated_body":  # the model acts; the client gets a broken answer
        event.truncate = True
        return
    raise Scripted(fault=rule.argument)


def _advance(engine: Engine, rule: Rule, event: Event) -> None:
    engine.target.clock.advance(seconds(rule.argument))


def _expire_login(engine: Engine, rule: Rule, event: Event) -> None:
    engine.target.expire_logins()


def _expire_session(engine: Engine, rule: Rule, event: Event) -> None:
    session = engine.session_of(event)
    if session is not None:  # else the model answers NOT_FOUND
        engine.target.expire_session(session)


def _fail_session(engine: Engine, rule: Rule, event: Event) -> None:
    session = engine.session_of(event)
    if session is not None and session.state == "ACTIVE":
        why = message(M.SCRIPTED_FAILURE, rule.argument["message"])
        engine.target.end_session(session, "ERROR", why)


def _preview(engine: Engine, rule: Rule, event: Event) -> None:
    session = engine.session_of(event)
    if session is not None:
        session.preview_override = dict(rule.argument)  # type: ignore[attr-defined]


def _prepare(engine: Engine, rule: Rule, event: Event) -> None:
    session, name = engine.session_of(event), engine.file_of(event)
    if session is None or name is None:
        return
    arg = rule.argument
    script: dict[str, Any] = {k: seconds(arg[k]) for k in ("requested", "preparing") if k in arg}
    for key in ("stall", "fail"):
        if key in arg:
            script[key] = arg[key]
    session.prepare_overrides[name] = script  # type: ignore[attr-defined]


def _transfer(engine: Engine, rule: Rule, event: Event) -> None:
    session, name = engine.session_of(event), engine.file_of(event)
    if session is None or name is None:
        return
    arg, script = rule.argument, {}
    if "rate" in arg:
        script["rate"] = rate(arg["rate"])
    if "fail_after" in arg:
        script["fail_after"] = size(arg["fail_after"])
    for key in ("message", "stall", "corrupt"):
        if key in arg:
            script[key] = arg[key]
    session.transfer_overrides[name] = script


_WARNING = obj({"type": {"enum": list(enums.WARNING_TYPES)}, "message": text()}, ("type",))
_CERTIFICATE = obj(
    {"issuer": text(), "subject": text(), "self_signed": {"type": "boolean"}, "x509": text()},
    ("issuer", "subject", "self_signed"),
)

_DECLARED = (
    Action(
        "error",
        obj(
            {
                "type": {"enum": list(ERROR_TYPES)},
                "id": text("message id"),
                "message": text("default message; {0}, {1}... take args"),
                "args": {"type": "array", "items": {"type": "string"}},
            },
            ("type",),
        ),
        True,
        ("`error: {type, id?, message?, args?}`",),
        "a vAPI error of any std type, with the protocol's status and envelope",
        _error,
    ),
    Action(
        "http",
        obj(
            {
                "status": {"type": "integer", "minimum": 100, "maximum": 599},
                "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                "body": {"type": ["string", "object", "array"]},
            },
            ("status",),
        ),
        True,
        ("`http: {status, headers?, body?}`",),
        "a raw HTTP answer (a mapping or list body is sent as JSON)",
        _http,
    ),
    Action(
        "fault",
        {"enum": list(FAULTS)},
        True,
        ("`fault: connection_error`", "`fault: read_timeout`", "`fault: truncated_body`"),
        "`connection_error`: the client's call raises `requests.ConnectionError`; "
        "`read_timeout`: it raises `requests.ReadTimeout`; `truncated_body`: the model acts, "
        "then the answer's body is cut short (`ChunkedEncodingError` on reading it), and an "
        "answer with no body (204) never arrives (`ConnectionError`), so the client cannot "
        "know whether the call took effect; a download sends half its declared bytes",
        _fault,
    ),
    Action(
        "delay",
        ref("duration"),
        False,
        ("`delay: 30s`",),
        "the fake clock moves on, then the model answers (a session may expire meanwhile)",
        _advance,
    ),
    Action(
        "advance_clock",
        ref("duration"),
        False,
        ("`advance_clock: 30s`",),
        "the same as `delay`",
        _advance,
    ),
    Action(
        "preview",
        obj(
            {
                "state": {"enum": list(enums.PREVIEW_STATES)},
                "certificate_info": _CERTIFICATE,
                "warnings": {"type": "array", "items": _WARNING},
            },
            ("state",),
        ),
        False,
        ("`preview: {state, certificate_info?, warnings?}`",),
        "the session's preview is forced from now on; forced warnings block complete until "
        "ignored like real ones",
        _preview,
        UPDATE_SESSION_OPERATIONS,
    ),
    Action(
        "transfer",
        obj(
            {
                "rate": ref("rate"),
                "fail_after": ref("size"),
                "message": text(),
                "stall": {"type": "boolean"},
                "corrupt": {"type": "boolean"},
            },
            minProperties=1,
        ),
        False,
        ("`transfer: {rate?, fail_after?, message?, stall?, corrupt?}`",),
        "on `file.add` (PULL) or `upload` (PUSH) of the matched file: the bytes move at `rate` "
        "on the fake clock, break after `fail_after` bytes (file and session ERROR with "
        'vCenter\'s "Error transferring file <name> to <destination>. Reason: ..." text, '
        '`message` its cause, by default "Pipe closed" for a PUSH and "connection reset '
        'by peer" for a PULL; a PUSH answers 500), never finish (`stall`), or arrive damaged '
        "(`corrupt`: caught only if a checksum was declared). On `download`, for that download "
        "only: the fake clock moves by size/`rate` (a slow download), the body stops after "
        "`fail_after` bytes while `Content-Length` declares them all (`ChunkedEncodingError`), "
        "or its first byte is flipped (`corrupt`)",
        _transfer,
        TRANSFER_OPERATIONS,
    ),
    Action(
        "prepare",
        obj(
            {
                "requested": ref("duration"),
                "preparing": ref("duration"),
                "stall": {"type": "boolean"},
                "fail": text("the file fails preparation with this message"),
            },
            minProperties=1,
        ),
        False,
        ("`prepare: {requested?, preparing?, stall?, fail?}`",),
        "on `download_file.prepare` of the matched file: it stays PREPARE_REQUESTED for "
        "`requested`, then PREPARING for `preparing` (its `bytes_transferred` growing), then "
        "PREPARED; PREPARING forever (`stall`); or ERROR with the message `fail`. Without a "
        "rule a prepared file is PREPARED at once (the prepare call itself answers "
        "PREPARE_REQUESTED)",
        _prepare,
        PREPARE_OPERATIONS,
    ),
    Action(
        "expire_session",
        {"const": True},
        False,
        ("`expire_session: true`",),
        "the session the call names is gone, as if it had timed out",
        _expire_session,
        SESSION_OPERATIONS,
    ),
    Action(
        "fail_session",
        obj({"message": text()}, ("message",)),
        False,
        ("`fail_session: {message}`",),
        "the session turns ERROR with that message, as when the server finds a failure",
        _fail_session,
        SESSION_OPERATIONS,
    ),
    Action(
        "expire_login",
        {"const": True},
        False,
        ("`expire_login: true`",),
        "every API login is forgotten: the next call answers 401",
        _expire_login,
    ),
)

#: name -> Action, in the docs' order.
ACTIONS: dict[str, Action] = {a.name: a for a in _DECLARED}


def docs_table() -> str:
    """The actions table of docs/scenarios.md."""
    lines = ["| action | kind | effect |", "|---|---|---|"]
    for action in ACTIONS.values():
        lines += action.rows()
    return "\n".join(lines) + "\n"
