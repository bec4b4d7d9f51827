"""Fuzzing every endpoint of every protocol: whatever arrives, the answer is a 4xx vAPI error
(or a success), never a 5xx or a traceback, and refused input changes nothing."""

from __future__ import annotations

import json
import string
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.backend import Context
from vcl_fake.contract.operations import NOT_MODELLED, TABLE
from vcl_fake.errors import ERROR_TYPES
from vcl_fake.protocols.http import Headers, Request

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
names = st.sampled_from(
    sorted({n for op in TABLE.values() for n in op.params} | {"name", "uri", "type", "x"})
)
bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(names, json_values, max_size=4).map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=64),  # invalid UTF-8, garbage
    st.just(b"[" * 5000 + b"]" * 5000),  # deep nesting
    st.just(b'{"a": "' + b"x" * 200_000 + b'"}'),  # a huge string
    st.just(b""),
)
segments = st.text(alphabet=string.ascii_letters + string.digits + ":-_.%~ /\\\x00é", max_size=20)
headers = st.dictionaries(
    st.sampled_from(
        ["Client-Token", "Content-Type", "vmware-api-session-id", "Authorization", "X-Odd"]
    ),
    st.text(alphabet=string.printable.strip(), max_size=40),
    max_size=3,
)
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def world():
    vc = FakeVCenter("fuzz.example.com", clock=ManualClock(), seed=1)
    item = vc.create_item(vc.create_library("l"), "i")
    vc.create_library(
        "published", publish_info={"published": True, "authentication_method": "NONE"}
    )
    token = vc._backend._auth.session_login(Context("administrator@vsphere.local"))
    session_id = vc._backend._sessions.update_session_create({"library_item_id": item}, None)
    return vc, token, session_id


def snapshot(vc):
    b = vc._backend
    with b._lock:
        return (
            {
                s.id: (
                    s.state,
                    s.client_progress,
                    s.expiration_time,
                    len(s.files),
                    tuple(map(str, s.warning_behavior)),
                )
                for s in b._sessions.sessions.values()
            },
            {
                i.id: (i.content_version, i.name, i.version, i.description, i.type, tuple(i.files))
                for i in b._inventory.items.values()
            },
            {
                lib.id: (lib.name, lib.version, lib.description, lib.publication)
                for lib in b._inventory.libraries.values()
            },
        )


def check(vc, request: Request) -> None:
    before = snapshot(vc)
    response = vc.handle(request)
    assert response.status < 500, (
        request.method,
        request.url,
        response.status,
        response.body[:300],
    )
    assert b"Traceback" not in response.body
    if response.status >= 400:
        body = json.loads(response.body)
        error = body["value"] if "/rest/" in request.url and "value" in body else body
        assert error["error_type"] in ERROR_TYPES
        assert error["messages"] and all(
            "id" in m and "default_message" in m for m in error["messages"]
        )
        assert snapshot(vc) == before, "refused input changed the state"


def fill(template: str, values: list[str]) -> str:
    out = template
    for value in values:
        start = out.find("{")
        if start < 0:
            break
        out = out[:start] + quote(value, safe=":") + out[out.index("}", start) + 1 :]
    return out


@SETTINGS
@given(
    alias=st.sampled_from(sorted(TABLE)),
    body=bodies,
    values=st.lists(segments, min_size=2, max_size=2),
    query=st.dictionaries(
        st.sampled_from(["action", "library_id", "library_item_id", "name", "client_token", "x"]),
        segments,
        max_size=3,
    ),
    extra=headers,
    real_session=st.booleans(),
)
def test_api_endpoints(world, alias, body, values, query, extra, real_session):
    vc, token, session_id = world
    route = TABLE[alias].api
    if real_session:
        values = [session_id, *values]
    path = fill(route.template, values)
    query_string = "&".join(f"{quote(k)}={quote(v)}" for k, v in query.items())
    hdrs = Headers({"vmware-api-session-id": token, **extra})
    check(vc, Request(route.method, f"https://fuzz.example.com{path}?{query_string}", hdrs, body))


@SETTINGS
@given(
    alias=st.sampled_from(sorted(TABLE)),
    body=bodies,
    value=segments,
    action=st.one_of(st.none(), segments),
    extra=headers,
)
def test_rest_endpoints(world, alias, body, value, action, extra):
    vc, token, _ = world
    route = TABLE[alias].rest
    path = route.base + (f"/id:{quote(value, safe=':')}" if route.id_param else "")
    query = f"?~action={quote(action if action is not None else route.action or '')}"
    check(
        vc,
        Request(
            route.method,
            f"https://fuzz.example.com{path}{query}",
            Headers({"vmware-api-session-id": token, **extra}),
            body,
        ),
    )


@SETTINGS
@given(
    service_op=st.sampled_from(sorted((op.service, op.name) for op in TABLE.values())),
    fields=st.dictionaries(names, json_values, max_size=4),
    envelope_noise=st.dictionaries(
        st.sampled_from(["jsonrpc", "method", "id", "params"]), json_values, max_size=2
    ),
    security=st.sampled_from(["session", "none", "garbage"]),
)
def test_jsonrpc(world, service_op, fields, envelope_noise, security):
    vc, token, _ = world
    ctx = {
        "session": {"schemeId": "com.vmware.vapi.std.security.session_id", "sessionId": token},
        "none": {},
        "garbage": {"schemeId": 5},
    }[security]
    envelope = {
        "jsonrpc": "2.0",
        "method": "invoke",
        "id": "1",
        "params": {
            "serviceId": service_op[0],
            "operationId": service_op[1],
            "input": {"STRUCTURE": {"operation-input": fields}},
            "ctx": {"securityCtx": ctx},
        },
    }
    envelope.update(envelope_noise)
    before = snapshot(vc)
    response = vc.handle(
        Request("POST", "https://fuzz.example.com/api", Headers({}), json.dumps(envelope).encode())
    )
    assert response.status == 200
    answer = json.loads(response.body)
    if "error" in answer:
        assert answer["error"]["code"] in (-32700, -32600, -32601, -32602)
    elif "error" in answer["result"]:
        ((name, _),) = answer["result"]["error"]["ERROR"].items()
        assert name.rsplit(".", 1)[1].upper() in ERROR_TYPES
        assert name != "com.vmware.vapi.std.errors.internal_server_error"
        assert snapshot(vc) == before


@SETTINGS
@given(body=bodies)
def test_jsonrpc_raw_bodies(world, body):
    vc, _, _ = world
    response = vc.handle(Request("POST", "https://fuzz.example.com/api", Headers({}), body))
    assert response.status == 200 and b"Traceback" not in response.body
    json.loads(response.body)


@SETTINGS
@given(
    method=st.sampled_from(
        ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "X"]
    ),
    prefix=st.sampled_from(
        [
            "/",
            "/api/",
            "/rest/",
            "/cls/data/",
            "/cls/static/",
            "/api/content/library/item/update-session/",
            "/rest/com/vmware/content/",
        ]
    ),
    tail=segments,
    body=bodies,
)
def test_odd_paths_and_methods(world, method, prefix, tail, body):
    vc, token, _ = world
    check(
        vc,
        Request(
            method,
            f"https://fuzz.example.com{prefix}{quote(tail, safe='/:')}",
            Headers({"vmware-api-session-id": token}),
            body,
        ),
    )


@SETTINGS
@given(
    alias=st.sampled_from(sorted(NOT_MODELLED)),
    body=bodies,
    values=st.lists(segments, min_size=3, max_size=3),
    legacy=st.booleans(),
)
def test_operations_that_are_not_modelled(world, alias, body, values, legacy):
    """Whatever arrives for them, they answer OPERATION_NOT_FOUND (after authentication; a
    body that is not JSON is refused first) and change nothing."""
    vc, token, _ = world
    op = NOT_MODELLED[alias]
    if legacy or op.api is None:
        route = op.rest
        path = route.base + (f"/id:{quote(values[0], safe=':')}" if route.id_param else "")
        url = f"{path}?~action={route.action}" if route.action else path
        method = route.method
    else:
        query = "&".join(k if v is None else f"{k}={v}" for k, v in op.api.dispatch.items())
        url, method = fill(op.api.template, values) + "?" + query, op.api.method
    request = Request(
        method, f"https://fuzz.example.com{url}", Headers({"vmware-api-session-id": token}), body
    )
    check(vc, request)
    response = vc.handle(request)
    error = json.loads(response.body)
    error = error.get("value", error) if "type" in error else error
    assert (response.status, error["error_type"]) in (
        (404, "OPERATION_NOT_FOUND"),
        (404, "NOT_FOUND"),  # a path value that leaves the route: "Not found.", as vCenter says
        (400, "INVALID_ARGUMENT"),
        (401, "UNAUTHENTICATED"),  # another example logged the shared token out
    ), error
    if response.status == 404:
        assert error["messages"][0]["id"] in (
            ("com.vmware.vapi.rest.httpNotFound",)
            if error["error_type"] == "NOT_FOUND"
            else ("vcl_fake.operation.not_modelled", "com.vmware.vapi.rest.httpMethodNotAllowed")
        )
