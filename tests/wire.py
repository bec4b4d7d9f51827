"""One operation call on any of the three protocols, answers normalised for comparison.

``Wire(vc).call(protocol, alias, **params)`` sends the operation of the table named ``alias``
with its parameters as clean JSON, routed as each protocol routes it (``/api`` path, query,
header and body; legacy ``/rest`` ``id:`` paths, ``~action`` and wrapped bodies; a JSON-RPC
``invoke`` envelope with the parameters in the bindings' JSON-RPC form), and returns an
:class:`Answer`: the HTTP status, the vAPI error (``error_type`` and plain messages) or the
result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from vcl_fake import FakeVCenter
from vcl_fake.contract.operations import TABLE, Operation

USER, PASSWORD = "administrator@vsphere.local", "VMware1!"
PROTOCOLS = ("api", "rest", "jsonrpc")
MESSAGE = "com.vmware.vapi.std.localizable_message"


@dataclass
class Answer:
    status: int
    error_type: str | None = None
    messages: list[dict[str, Any]] | None = None
    result: Any = None

    @property
    def message(self) -> dict[str, Any]:
        """The first message, as ``{"id", "default_message", "args"}``."""
        assert self.messages, self
        return self.messages[0]


class Wire:
    def __init__(self, vc: FakeVCenter, token: str | None = None) -> None:
        self.vc = vc
        if token is None:
            response = requests.post(f"{vc.url}/api/session", auth=(USER, PASSWORD))
            assert response.status_code == 201, response.text
            token = response.json()
        self.token = token

    def call(self, protocol: str, alias: str, **params: Any) -> Answer:
        return getattr(self, "_" + protocol)(alias, params)

    # --- /api -------------------------------------------------------------------------------
    def _api(self, alias: str, params: dict[str, Any]) -> Answer:
        route = TABLE[alias].api
        assert route is not None
        left = dict(params)
        path = route.template
        for var, name in route.path_vars.items():
            path = path.replace("{" + var + "}", quote(str(left.pop(name)), safe=""))
        query = {k: v for k, v in route.dispatch.items() if v is not None}
        for key, value in route.dispatch.items():
            if value is None and key in left:
                query[key] = left.pop(key)
        for key, name in route.query.items():
            if name in left:
                query[key] = left.pop(name)
        headers = {"vmware-api-session-id": self.token}
        for header, name in route.headers.items():
            if name in left:
                headers[header] = left.pop(name)
        body = left.pop(route.body, None) if route.body else (left or None)
        response = requests.request(
            route.method, self.vc.url + path, params=query, headers=headers, json=body
        )
        if response.status_code >= 400:
            value = response.json()
            return Answer(response.status_code, value["error_type"], value["messages"])
        return Answer(response.status_code, result=response.json() if response.content else None)

    # --- legacy /rest -------------------------------------------------------------------------
    def _rest(self, alias: str, params: dict[str, Any]) -> Answer:
        route = TABLE[alias].rest
        left = dict(params)
        path = route.base
        if route.id_param:
            path += "/id:" + quote(str(left.pop(route.id_param)), safe="")
        query = {"~action": route.action} if route.action else {}
        for name in route.query:
            if name in left:
                query[name] = left.pop(name)
        response = requests.request(
            route.method,
            self.vc.url + path,
            params=query,
            headers={"vmware-api-session-id": self.token},
            json=left or None,
        )
        if response.status_code >= 400:
            envelope = response.json()
            value = envelope["value"]
            assert envelope["type"] == "com.vmware.vapi.std.errors." + value["error_type"].lower()
            return Answer(response.status_code, value["error_type"], value["messages"])
        value = response.json()["value"] if response.content else None
        return Answer(response.status_code, result=value)

    # --- JSON-RPC -------------------------------------------------------------------------------
    def _jsonrpc(self, alias: str, params: dict[str, Any]) -> Answer:
        op = TABLE[alias]
        # clean JSON in the JSON-RPC form, unchecked: invalid input reaches the server as sent
        fields = {name: vtype.to_rpc(params.get(name)) for name, vtype in op.params.items()}
        envelope = invoke(op, fields, self.token)
        answer = self.envelope(envelope)
        if answer.error_type is None:  # the output in clean JSON, as the other protocols give it
            answer.result = _unset_dropped(op.output.from_rpc(answer.result, "output"))
        return answer

    def envelope(self, envelope: dict[str, Any]) -> Answer:
        """Send a JSON-RPC envelope as it is; the answer's vAPI error or output."""
        response = requests.post(
            self.vc.url + "/api",
            data=json.dumps(envelope),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 200, response.text
        result = response.json()["result"]
        if "error" not in result:
            return Answer(200, result=result["output"])
        ((name, error),) = result["error"]["ERROR"].items()
        messages = [
            {k: m["STRUCTURE"][MESSAGE][k] for k in ("id", "default_message", "args")}
            for m in error["messages"]
        ]
        error_type = error["error_type"]["OPTIONAL"]
        assert name == "com.vmware.vapi.std.errors." + error_type.lower()
        return Answer(200, error_type, messages)


def invoke(
    op: Operation,
    fields: dict[str, Any],
    token: str | None = None,
    security: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON-RPC ``invoke`` envelope of ``op`` with ``fields`` (in the JSON-RPC form) as
    its input, authenticated by the API session ``token`` (or the given ``security`` context)."""
    if security is None:
        security = {"schemeId": "com.vmware.vapi.std.security.session_id", "sessionId": token}
    return {
        "jsonrpc": "2.0",
        "method": "invoke",
        "id": "1",
        "params": {
            "serviceId": op.service,
            "operationId": op.name,
            "input": {"STRUCTURE": {"operation-input": fields}},
            "ctx": {"securityCtx": security},
        },
    }


def login(vc: FakeVCenter, protocol: str, password: str = PASSWORD) -> Answer:
    """A login as ``USER``, as each protocol carries credentials."""
    if protocol == "jsonrpc":
        security = {
            "schemeId": "com.vmware.vapi.std.security.user_pass",
            "userName": USER,
            "password": password,
        }
        return Wire(vc, token="unused").envelope(invoke(TABLE["session.login"], {}, None, security))
    path = "/api/session" if protocol == "api" else "/rest/com/vmware/cis/session"
    response = requests.post(vc.url + path, auth=(USER, password))
    value = response.json() if protocol == "api" else response.json()["value"]
    if response.status_code >= 400:
        return Answer(response.status_code, value["error_type"], value["messages"])
    return Answer(response.status_code, result=value)


def _unset_dropped(value: Any) -> Any:
    """Unset optional fields are None once decoded; the REST protocols leave them out."""
    if isinstance(value, dict):
        return {k: _unset_dropped(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_unset_dropped(v) for v in value]
    return value
