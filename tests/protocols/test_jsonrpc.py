"""vAPI JSON-RPC on the wire: envelopes, security contexts, ids, errors (the official SDK's
own flows are in tests/contract/test_sdk.py)."""

from __future__ import annotations

import json

import pytest
import requests

from vcl_fake import FakeVCenter, ManualClock

SESSION_SERVICE = "com.vmware.cis.session"
UPDATE = "com.vmware.content.library.item.update_session"


def call(vc, service, operation, fields=None, *, security=None, request_id="7", raw=None):
    body = (
        raw
        if raw is not None
        else {
            "jsonrpc": "2.0",
            "method": "invoke",
            "params": {
                "serviceId": service,
                "operationId": operation,
                "input": {"STRUCTURE": {"operation-input": fields or {}}},
                "ctx": {"appCtx": {"opId": "x"}, "securityCtx": security or {}},
            },
            "id": request_id,
        }
    )
    response = requests.post(
        f"{vc.url}/api",
        data=json.dumps(body) if not isinstance(body, str) else body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    return response.json()


def login(vc):
    answer = call(
        vc,
        SESSION_SERVICE,
        "create",
        security={
            "schemeId": "com.vmware.vapi.std.security.user_pass",
            "userName": "administrator@vsphere.local",
            "password": "VMware1!",
        },
    )
    return answer["result"]["output"]["SECRET"]


def session_ctx(token):
    return {"schemeId": "com.vmware.vapi.std.security.session_id", "sessionId": token}


@pytest.fixture
def vc():
    with FakeVCenter(clock=ManualClock(), seed=4) as fake:
        yield fake


@pytest.fixture
def item(vc):
    return vc.create_item(vc.create_library("l"), "photon")


def test_login_returns_a_secret_and_echoes_the_id(vc):
    answer = call(
        vc,
        SESSION_SERVICE,
        "create",
        security={
            "schemeId": "com.vmware.vapi.std.security.user_pass",
            "userName": "administrator@vsphere.local",
            "password": "VMware1!",
        },
        request_id="0",
    )
    assert answer["jsonrpc"] == "2.0" and answer["id"] == "0"
    assert set(answer["result"]["output"]) == {"SECRET"}


@pytest.mark.parametrize("request_id", ["12", 12, None])
def test_ids_are_echoed_with_their_json_type(vc, request_id):
    answer = call(vc, SESSION_SERVICE, "get", request_id=request_id)
    assert answer["id"] == request_id and type(answer["id"]) is type(request_id)


def test_get_matches_the_sdk_wire_sample(vc, item):
    token = login(vc)
    fields = {
        "client_token": {"OPTIONAL": None},
        "create_spec": {
            "STRUCTURE": {
                "com.vmware.content.library.item.update_session_model": {
                    "library_item_id": {"OPTIONAL": item},
                    "warning_behavior": {
                        "OPTIONAL": [
                            {
                                "STRUCTURE": {
                                    "com.vmware.content.library.item.updatesession.warning_behavior": {
                                        "type": "SELF_SIGNED_CERTIFICATE",
                                        "ignored": True,
                                    }
                                }
                            }
                        ]
                    },
                }
            }
        },
    }
    session_id = call(vc, UPDATE, "create", fields, security=session_ctx(token))["result"]["output"]
    answer = call(vc, UPDATE, "get", {"update_session_id": session_id}, security=session_ctx(token))
    assert answer["result"] == {
        "output": {
            "STRUCTURE": {
                "com.vmware.content.library.item.update_session_model": {
                    "id": {"OPTIONAL": None},
                    "library_item_id": {"OPTIONAL": item},
                    "library_item_content_version": {"OPTIONAL": "1"},
                    "error_message": {"OPTIONAL": None},
                    "client_progress": {"OPTIONAL": 0},
                    "state": {"OPTIONAL": "ACTIVE"},
                    "expiration_time": {"OPTIONAL": "2026-01-01T00:05:00.000Z"},
                    "preview_info": {
                        "OPTIONAL": {
                            "STRUCTURE": {
                                "com.vmware.content.library.item.updatesession.preview_info": {
                                    "state": "UNAVAILABLE",
                                    "certificate_info": {"OPTIONAL": None},
                                    "warnings": {"OPTIONAL": None},
                                    "cert_chain": {"OPTIONAL": None},
                                }
                            }
                        }
                    },
                    "warning_behavior": {
                        "OPTIONAL": [
                            {
                                "STRUCTURE": {
                                    "com.vmware.content.library.item.updatesession.warning_behavior": {
                                        "type": "SELF_SIGNED_CERTIFICATE",
                                        "ignored": True,
                                    }
                                }
                            }
                        ]
                    },
                }
            }
        }
    }


def test_vapi_errors_are_results_with_http_200(vc):
    token = login(vc)
    answer = call(vc, UPDATE, "get", {"update_session_id": "missing"}, security=session_ctx(token))
    assert answer["result"] == {
        "error": {
            "ERROR": {
                "com.vmware.vapi.std.errors.not_found": {
                    "messages": [
                        {
                            "STRUCTURE": {
                                "com.vmware.vapi.std.localizable_message": {
                                    "id": "com.vmware.vdcs.cls-main.update_session_not_found",
                                    "default_message": "Update session missing not found.",
                                    "args": ["missing"],
                                    "params": {"OPTIONAL": None},
                                    "localized": {"OPTIONAL": None},
                                }
                            }
                        }
                    ],
                    "data": {"OPTIONAL": None},
                    "error_type": {"OPTIONAL": "NOT_FOUND"},
                }
            }
        }
    }


def test_missing_or_unknown_session_is_unauthenticated(vc):
    for security in ({}, session_ctx("bogus")):
        error = call(
            vc, UPDATE, "list", {"library_item_id": {"OPTIONAL": None}}, security=security
        )["result"]["error"]["ERROR"]
        ((name, fields),) = error.items()
        assert name == "com.vmware.vapi.std.errors.unauthenticated"
        assert fields["challenge"] == {"OPTIONAL": 'Basic realm="VAPI endpoint"'}


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"update_session_id": {"OPTIONAL": "x"}}, "Type mismatch"),
        ({"update_session_id": 5}, "expected id, but got integer"),
        ({}, "missing its parameter"),
        ({"update_session_id": "x", "extra": 1}, 'unexpected field "extra"'),
    ],
)
def test_bad_input_is_invalid_argument(vc, fields, needle):
    token = login(vc)
    error = call(vc, UPDATE, "get", fields, security=session_ctx(token))["result"]["error"]["ERROR"]
    fields_ = error["com.vmware.vapi.std.errors.invalid_argument"]
    assert (
        needle
        in fields_["messages"][0]["STRUCTURE"]["com.vmware.vapi.std.localizable_message"][
            "default_message"
        ]
    )


def test_wrong_structure_name_is_invalid_argument(vc, item):
    token = login(vc)
    fields = {
        "create_spec": {"STRUCTURE": {"com.vmware.wrong": {"library_item_id": {"OPTIONAL": item}}}}
    }
    error = call(vc, UPDATE, "create", fields, security=session_ctx(token))["result"]["error"][
        "ERROR"
    ]
    message = error["com.vmware.vapi.std.errors.invalid_argument"]["messages"][0]["STRUCTURE"][
        "com.vmware.vapi.std.localizable_message"
    ]
    assert message["id"] == "vapi.data.structure.name.mismatch"


def test_unknown_operation_is_operation_not_found(vc):
    error = call(vc, "com.vmware.vcenter.vm", "list")["result"]["error"]["ERROR"]
    assert list(error) == ["com.vmware.vapi.std.errors.operation_not_found"]


@pytest.mark.parametrize(
    ("raw", "code", "echoed"),
    [
        ("{not json", -32700, None),
        ({"jsonrpc": "1.0", "method": "invoke", "id": "1"}, -32600, "1"),
        ({"jsonrpc": "2.0", "method": "call", "id": "2"}, -32601, "2"),
        (
            {"jsonrpc": "2.0", "method": "invoke", "params": {"serviceId": 1}, "id": "3"},
            -32602,
            "3",
        ),
        ({"jsonrpc": "2.0", "method": "invoke", "params": [], "id": 4}, -32602, 4),
    ],
)
def test_protocol_errors(vc, raw, code, echoed):
    answer = call(vc, None, None, raw=raw)
    assert answer["error"]["code"] == code
    assert answer["id"] == echoed
    assert "result" not in answer
