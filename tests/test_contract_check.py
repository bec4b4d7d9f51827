"""`vcl-fake contract check`: recorded exchanges (HAR, vcrpy cassettes) against the contract."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
import yaml
from conftest import Api

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.cli import main
from vcl_fake.contract.check import Exchange, check, check_file, load
from vcl_fake.contract.coverage import markdown
from vcl_fake.demo import run
from vcl_fake.protocols.http import Request, Response

ROOT = Path(__file__).resolve().parents[1]


def record(flow) -> list[Exchange]:
    """Run ``flow(vc)`` against a fake, recording every exchange."""
    seen: list[Exchange] = []
    with FakeVCenter(clock=ManualClock(), seed=9) as vc:
        inner = vc._adapter.handle

        def recorder(request: Request) -> Response:
            body = request.read()
            request.body = body
            response = inner(request)
            headers = {k: v for k, v in request.headers.items()}
            seen.append(
                Exchange(
                    request.method,
                    vc.url
                    + request.path
                    + (
                        "?" + "&".join(f"{k}={v}" for k, v in request.query.items())
                        if request.query
                        else ""
                    ),
                    headers,
                    body,
                    response.status,
                    response.body,
                )
            )
            return response

        vc._adapter.handle = recorder
        flow(vc)
    return seen


def har(exchanges: list[Exchange]) -> dict:
    return {
        "log": {
            "entries": [
                {
                    "request": {
                        "method": e.method,
                        "url": e.url,
                        "headers": [{"name": k, "value": v} for k, v in e.request_headers.items()],
                        "postData": {"text": e.request_body.decode(errors="replace")},
                    },
                    "response": {"status": e.status, "content": {"text": e.response_body.decode()}},
                }
                for e in exchanges
            ]
        }
    }


def demo_flow(vc):
    run(vc, None)


def error_flow(vc):
    api = Api(vc)
    item = vc.create_item(vc.create_library("l"), "i")
    session_id = api.create_session(item)
    api.post("/api/content/library/item/update-session", json={"library_item_id": item})  # busy
    api.get("/api/content/library/item/update-session/nope")
    api.action(session_id, "cancel")
    api.get(f"/api/content/library/item/{item}/file")
    api.request("GET", "/rest/com/vmware/content/library/item/update-session/id:nope")
    api.request("GET", "/rest/com/vmware/content/library")


def test_the_fakes_own_traffic_keeps_the_contract(tmp_path):
    exchanges = record(demo_flow) + record(error_flow)
    path = tmp_path / "traffic.har"
    path.write_text(json.dumps(har(exchanges)))
    assert check_file(path) == []
    assert main(["contract", "check", str(path)]) == 0


def test_sdk_traffic_keeps_the_contract(tmp_path):
    pytest.importorskip("com.vmware.content_client")
    from com.vmware.content.library.item_client import UpdateSessionModel
    from com.vmware.vapi.std.errors_client import NotFound

    from vcl_fake.sdk import vsphere_client

    def flow(vc):
        item = vc.create_item(vc.create_library("l"), "i")
        with vsphere_client(vc) as client:
            sid = client.content.library.item.UpdateSession.create(
                UpdateSessionModel(library_item_id=item)
            )
            client.content.library.item.UpdateSession.get(sid)
            client.content.library.item.UpdateSession.complete(sid)
            with contextlib.suppress(NotFound):
                client.content.library.item.UpdateSession.get("missing")

    exchanges = record(flow)
    assert len(exchanges) == 6  # login ... logout
    assert [m for e in exchanges for m in check(e)] == []


def tampered(exchange: Exchange, **changes) -> Exchange:
    return Exchange(**{**exchange.__dict__, **changes})


def test_violations_are_found():
    exchanges = record(error_flow)
    get_item_files = next(e for e in exchanges if e.url.endswith("/file"))
    create = next(
        e for e in exchanges if e.method == "POST" and e.status == 201 and "update-session" in e.url
    )
    busy = next(e for e in exchanges if e.status == 400)
    listing = next(e for e in exchanges if e.url.endswith("/rest/com/vmware/content/library"))
    cases = {
        "status": tampered(create, status=200),
        "missing": tampered(get_item_files, response_body=b'[{"name": "x"}]'),
        "undeclared": tampered(
            busy,
            response_body=json.dumps({"error_type": "ALREADY_EXISTS", "messages": []}).encode(),
        ),
        "wrong status for error": tampered(busy, status=409),
        "bad input": tampered(create, request_body=b'{"library_item_id": 7}'),
        "unknown path": tampered(create, url=create.url + "/nonsense/here"),
        "rest wrapper": tampered(listing, response_body=b"[]"),
    }
    found = {name: list(check(e)) for name, e in cases.items()}
    assert found["status"] == ["response: status 200; update_session.create answers 201"]
    assert found["missing"] == [
        'response: Structure com.vmware.content.library.item.file.info is missing a field "result[0].size"'
    ]
    assert found["undeclared"][0].startswith(
        "response: ALREADY_EXISTS is not an error update_session.create declares"
    )
    assert found["wrong status for error"] == [
        "response: status 409 for RESOURCE_BUSY; vAPI answers 400"
    ]
    assert found["bad input"] == [
        'request: Type mismatch for "create_spec.library_item_id": expected id, but got integer.'
    ]
    assert found["unknown path"][0].startswith("request: Not found")
    assert found["rest wrapper"] == ['response: a result without its {"value": ...} wrapper']


def test_vcr_cassettes_are_read(tmp_path):
    exchanges = record(error_flow)
    cassette = {
        "interactions": [
            {
                "request": {
                    "method": e.method,
                    "uri": e.url,
                    "body": e.request_body.decode() or None,
                    "headers": {k: [v] for k, v in e.request_headers.items()},
                },
                "response": {
                    "status": {"code": e.status, "message": ""},
                    "headers": {},
                    "body": {"string": e.response_body.decode()},
                },
            }
            for e in exchanges
        ],
        "version": 1,
    }
    path = tmp_path / "cassette.yaml"
    path.write_text(yaml.safe_dump(cassette))
    assert [e.status for e in load(path)] == [e.status for e in exchanges]
    assert check_file(path) == []
    broken = yaml.safe_load(path.read_text())
    broken["interactions"][1]["response"]["status"]["code"] = 200
    path.write_text(yaml.safe_dump(broken))
    assert main(["contract", "check", str(path)]) == 1


def test_unreadable_recordings(tmp_path, capsys):
    path = tmp_path / "x.json"
    path.write_text("{}")
    assert main(["contract", "check", str(path)]) == 1
    assert "neither a HAR file nor a vcrpy cassette" in capsys.readouterr().err


def test_coverage_doc_is_current():
    assert (ROOT / "docs" / "coverage.md").read_text() == markdown()


def test_operations_that_are_not_modelled_are_reported_as_such(tmp_path, capsys):
    def flow(vc):
        api = Api(vc)
        vc.create_library("templates")
        api.post("/api/content/library", params={"action": "find"}, json={"name": "templates"})
        api.get("/api/content/type")
        api.post("/api/content/subscribed-library", json={"name": "m"})
        api.request("POST", "/rest/com/vmware/content/subscribed-library", json={"create_spec": {}})
        envelope = {
            "jsonrpc": "2.0",
            "method": "invoke",
            "id": "1",
            "params": {
                "serviceId": "com.vmware.content.type",
                "operationId": "list",
                "input": {"STRUCTURE": {"operation-input": {}}},
                "ctx": {
                    "securityCtx": {
                        "schemeId": "com.vmware.vapi.std.security.session_id",
                        "sessionId": api.token,
                    }
                },
            },
        }
        api.post("/api", json=envelope)

    exchanges = record(flow)
    path = tmp_path / "traffic.har"
    path.write_text(json.dumps(har(exchanges)))
    found = check_file(path)
    assert [(v.index, v.message, v.not_modelled) for v in found] == [
        (
            3,
            "not modelled: com.vmware.content.type list is not modelled by vcl_fake (not checked)",
            True,
        ),
        (
            4,
            "not modelled: com.vmware.content.subscribed_library create is not modelled by vcl_fake (not checked)",
            True,
        ),
        (
            5,
            "not modelled: com.vmware.content.subscribed_library create is not modelled by vcl_fake (not checked)",
            True,
        ),
        (
            6,
            "not modelled: com.vmware.content.type list is not modelled by vcl_fake (not checked)",
            True,
        ),
    ]
    assert main(["contract", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.endswith(
        f"{path}: every exchange keeps the contract (4 not modelled, not checked)\n"
    )
    broken = har(exchanges)
    broken["log"]["entries"][1]["response"]["status"] = 201  # library.find answers 200
    path.write_text(json.dumps(broken))
    assert main(["contract", "check", str(path)]) == 1
    assert "response: status 201; library.find answers 200" in capsys.readouterr().out


# --- vim25 SOAP (/sdk) ----------------------------------------------------------------------
def record_served(flow) -> list[Exchange]:
    """Run ``flow(vc, port)`` against a served fake (pyVmomi speaks over a socket), recording
    every exchange the application answers."""
    seen: list[Exchange] = []
    vc = FakeVCenter(clock=ManualClock(), seed=9)
    inner = vc.handle

    def recorder(request: Request) -> Response:
        body = request.read()
        request.body = body
        response = inner(request)
        seen.append(
            Exchange(
                request.method,
                request.url,
                dict(request.headers),
                body,
                response.status,
                response.body,
            )
        )
        return response

    vc.handle = recorder  # type: ignore[method-assign]
    with vc.serve() as url:
        flow(vc, int(url.rsplit(":", 1)[1]))
    return seen


def pyvmomi_flow(vc, port):
    pyvmomi = pytest.importorskip("pyVim.connect")
    from pyVmomi import vim, vmodl

    si = pyvmomi.SmartConnect(
        host="127.0.0.1",
        port=port,
        user="administrator@vsphere.local",
        pwd="VMware1!",
        disableSslCertValidation=True,
    )
    content = si.RetrieveContent()
    with contextlib.suppress(vim.fault.InvalidLogin):  # a declared fault
        content.sessionManager.Login("x", "y")
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.Datastore], True)
    assert [ds.summary.name for ds in view.view] == ["datastore1"]
    pc = vmodl.query.PropertyCollector
    spec = pc.FilterSpec(
        objectSet=[pc.ObjectSpec(obj=view.view[0])],
        propSet=[pc.PropertySpec(type=vim.Datastore, pathSet=["nonsense"])],
    )
    with contextlib.suppress(vmodl.query.InvalidProperty):  # declared by RetrievePropertiesEx
        content.propertyCollector.RetrievePropertiesEx([spec], pc.RetrieveOptions())
    view.Destroy()
    si.CurrentTime()
    pyvmomi.Disconnect(si)
    with contextlib.suppress(vim.fault.NotAuthenticated):  # a runtime fault: any method
        si.CurrentTime()
    si._stub.DropConnections()


def test_pyvmomi_traffic_keeps_the_contract(tmp_path):
    exchanges = record_served(pyvmomi_flow)
    soap = [e for e in exchanges if e.method == "POST"]
    assert {e.status for e in soap} == {200, 500}
    assert sum(e.status == 500 for e in soap) == 3
    path = tmp_path / "sdk.har"
    path.write_text(json.dumps(har(exchanges)))
    assert check_file(path) == []
    assert main(["contract", "check", str(path)]) == 0


def soap_call(body: str) -> bytes:
    return (
        '<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body>'
        f"{body}</Body></Envelope>"
    ).encode()


def test_soap_violations_are_found():
    exchanges = record_served(pyvmomi_flow)
    soap = [e for e in exchanges if e.method == "POST"]
    time_call = next(e for e in soap if b"<CurrentTime" in e.request_body and e.status == 200)
    login_fault = next(e for e in soap if b"<Login" in e.request_body and e.status == 500)
    this = '<_this type="ServiceInstance">ServiceInstance</_this>'
    cases = {
        "unknown method": tampered(
            time_call, request_body=soap_call(f'<Frobnicate xmlns="urn:vim25">{this}</Frobnicate>')
        ),
        "wrong object": tampered(
            time_call,
            request_body=soap_call(
                '<CurrentTime xmlns="urn:vim25"><_this type="Folder">group-d1</_this></CurrentTime>'
            ),
        ),
        "bad parameter": tampered(
            time_call,
            request_body=soap_call(
                f'<CurrentTime xmlns="urn:vim25">{this}<when>1</when></CurrentTime>'
            ),
        ),
        "not xml": tampered(time_call, response_body=b"<oops"),
        "other response": tampered(
            time_call,
            response_body=time_call.response_body.replace(b"CurrentTimeResponse", b"LoginResponse"),
        ),
        "no value": tampered(
            time_call,
            response_body=soap_call(
                '<CurrentTimeResponse xmlns="urn:vim25"></CurrentTimeResponse>'
            ),
        ),
        "status": tampered(time_call, status=302),
        "fault as 200": tampered(login_fault, status=200),
        "undeclared fault": tampered(login_fault, request_body=time_call.request_body),
    }
    found = {name: list(check(e)) for name, e in cases.items()}
    assert found == {
        "unknown method": [
            "request: vmodl.fault.InvalidRequest: Unable to resolve WSDL method name "
            "Frobnicate for namespace name urn:vim25"
        ],
        "wrong object": [
            "request: vmodl.fault.MethodNotFound: Folder does not implement: CurrentTime"
        ],
        "bad parameter": [
            "request: vmodl.fault.InvalidRequest: Unexpected element 'when' in CurrentTime."
        ],
        "not xml": [
            "response: The answer is not well-formed XML: unclosed token: line 1, column 0"
        ],
        "other response": ["response: a 200 answer to CurrentTime must be a CurrentTimeResponse"],
        "no value": ["response: CurrentTime returns a value; the answer has none"],
        "status": ["response: status 302; a SOAP answer is 200 or 500"],
        "fault as 200": ["response: a 200 answer to Login must be a LoginResponse"],
        "undeclared fault": [
            "response: vim.fault.InvalidLogin is not a fault CurrentTime declares (none) "
            "nor a runtime fault"
        ],
    }
