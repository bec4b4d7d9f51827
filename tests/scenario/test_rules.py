"""Scenario rules at run time: matching, when, every action, expectations, the marker."""

from __future__ import annotations

import textwrap

import pytest
import requests
from conftest import SESSIONS, Api, assert_error

from vcl_fake import FakeVCenter
from vcl_fake.packages import ovf_package

SETUP = """\
version: 1
name: t
setup:
  libraries:
    - name: templates
      items:
        - name: photon
        - name: other
"""


@pytest.fixture
def fake(request):
    rules = request.param if hasattr(request, "param") else ""
    with FakeVCenter("rules.example.com", scenario=SETUP + textwrap.dedent(rules)) as vc:
        yield vc


def item_id(vc, name="photon"):
    return next(i["id"] for i in vc.items() if i["name"] == name)


def run(fake):
    return Api(fake)


def rules(text):
    return pytest.mark.parametrize("fake", [text], indirect=True)


@rules("""\
rules:
  - match: {operation: update_session.complete}
    when: {nth: 2}
    then: {error: {type: SERVICE_UNAVAILABLE, id: x.busy, message: "busy {0}", args: [now]}}
""")
def test_error_on_the_nth_call_only(fake):
    api = Api(fake)
    for n in range(1, 4):
        session_id = api.create_session(item_id(fake))
        response = api.action(session_id, "complete")
        if n == 2:
            body = assert_error(response, 503, "SERVICE_UNAVAILABLE", "x.busy")
            assert body["messages"][0] == {
                "id": "x.busy",
                "default_message": "busy now",
                "args": ["now"],
            }
            assert api.session(session_id)["state"] == "ACTIVE"  # the model never ran
            api.action(session_id, "cancel")
        else:
            assert response.status_code == 204
    call = next(c for c in fake.calls if c.outcome == "SERVICE_UNAVAILABLE")
    assert call.rule == "rules.0"


@rules("""\
rules:
  - match: {operation: update_session.get}
    when: {nth: 2, times: 2}
    then: {error: {type: TIMED_OUT}}
""")
def test_nth_with_times_fires_a_window(fake):
    api = Api(fake)
    session_id = api.create_session(item_id(fake))
    codes = [api.get(f"{SESSIONS}/{session_id}").status_code for _ in range(5)]
    assert codes == [200, 504, 504, 200, 200]


@rules("""\
rules:
  - name: first
    match: {operation: update_session.create}
    then: {advance_clock: 1s}
  - match: {operation: update_session.cancel}
    when: {after: first}
    then: {error: {type: NOT_FOUND}}
""")
def test_after_waits_for_another_rule(fake):
    assert fake.scenario.rules[1].when.after == "first"
    api = Api(fake)
    session_id = api.create_session(item_id(fake))
    assert_error(
        api.action(session_id, "cancel"), 404, "NOT_FOUND", "com.vmware.vapi.std.errors.not_found"
    )


@rules("""\
rules:
  - match: {operation: update_session.get}
    when: {after_time: 10m}
    then: {error: {type: SERVICE_UNAVAILABLE}}
  - match: {operation: update_session.list}
    when: {at: "2026-01-01T01:00:00Z"}
    then: {error: {type: SERVICE_UNAVAILABLE}}
""")
def test_time_conditions_use_the_fake_clock(fake):
    api = Api(fake)
    session_id = api.create_session(item_id(fake))
    assert api.get(f"{SESSIONS}/{session_id}").status_code == 200
    api.action(session_id, "keep-alive")
    fake.clock.advance(600)
    assert api.get(f"{SESSIONS}/{session_id}").status_code == 503
    assert api.get(SESSIONS).status_code == 200
    fake.clock.advance(3000)
    api = Api(fake)  # the old login idled out
    assert api.get(SESSIONS).status_code == 503


@rules("""\
rules:
  - match: {operation: update_session.create, item: other}
    then: {error: {type: RESOURCE_BUSY}}
  - match: {operation: [update_session.create, update_session.get], protocol: rest}
    then: {error: {type: UNSUPPORTED}}
""")
def test_item_and_protocol_matching(fake):
    api = Api(fake)
    assert_error(
        api.post(SESSIONS, json={"library_item_id": item_id(fake, "other")}), 400, "RESOURCE_BUSY"
    )
    assert (
        api.post(SESSIONS, json={"library_item_id": item_id(fake)}).status_code == 201
    )  # /api, not rest


@rules("""\
rules:
  - match: {operation: file.add, file: "*.vmdk"}
    then: {http: {status: 502, headers: {X-Proxy: edge}, body: "Bad Gateway"}}
  - match: {operation: file.add, file: "*.ovf"}
    then: {http: {status: 200, body: {"hello": "world"}}}
""")
def test_raw_http_answers(fake):
    api = Api(fake)
    session_id = api.create_session(item_id(fake))
    files = f"{SESSIONS}/{session_id}/file"
    bad = api.post(files, json={"name": "d.vmdk", "source_type": "PUSH"})
    assert (bad.status_code, bad.text, bad.headers["X-Proxy"]) == (502, "Bad Gateway", "edge")
    odd = api.post(files, json={"name": "d.ovf", "source_type": "PUSH"})
    assert (odd.status_code, odd.json(), odd.headers["Content-Type"]) == (
        200,
        {"hello": "world"},
        "application/json",
    )
    assert api.get(files).json() == []  # neither reached the model
    assert [c.outcome for c in fake.calls if c.operation == "file.add"] == ["http 502", "http 200"]


@rules("""\
rules:
  - match: {operation: update_session.get}
    when: {nth: 1}
    then: {fault: connection_error}
  - match: {operation: update_session.get}
    when: {nth: 2}
    then: {fault: read_timeout}
  - match: {operation: update_session.get}
    when: {nth: 3}
    then: {fault: truncated_body}
  - match: {operation: update_session.complete}
    then: {fault: truncated_body}
""")
def test_transport_faults(fake):
    api = Api(fake)
    session_id = api.create_session(item_id(fake))
    with pytest.raises(requests.ConnectionError, match="Connection aborted"):
        api.get(f"{SESSIONS}/{session_id}")
    with pytest.raises(requests.ReadTimeout, match="Read timed out"):
        api.get(f"{SESSIONS}/{session_id}")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        api.get(f"{SESSIONS}/{session_id}")  # the JSON body is cut short
    assert api.get(f"{SESSIONS}/{session_id}").status_code == 200
    with pytest.raises(requests.ConnectionError, match="without response"):
        api.action(session_id, "complete")  # a 204 has no body to cut: the answer is lost
    # the model still acted: the client cannot know whether complete went through
    assert api.session(session_id)["state"] == "DONE"
    outcomes = [c.outcome for c in fake.calls if c.operation != "session.login"]
    assert outcomes[1:6] == [
        "fault connection_error",
        "fault read_timeout",
        "fault truncated_body",
        "success",
        "fault truncated_body",
    ]


@rules("""\
rules:
  - match: {operation: update_session.keep_alive}
    then: {delay: 10m}
""")
def test_delay_moves_the_clock_before_the_model_answers(fake):
    api = Api(fake)
    session_id = api.create_session(item_id(fake))
    before = fake.clock.now()
    assert_error(api.action(session_id, "keep-alive"), 404, "NOT_FOUND")  # expired meanwhile
    assert (fake.clock.now() - before).total_seconds() == 600


@rules("""\
rules:
  - match: {operation: update_session.keep_alive}
    then: {expire_session: true}
  - match: {operation: update_session.update}
    then: {fail_session: {message: "datastore full"}}
""")
def test_session_actions(fake):
    api = Api(fake)
    first = api.create_session(item_id(fake))
    assert_error(
        api.action(first, "keep-alive"),
        404,
        "NOT_FOUND",
        "com.vmware.vdcs.cls-main.update_session_not_found",
    )
    second = api.create_session(item_id(fake))
    body = assert_error(
        api.patch(f"{SESSIONS}/{second}", json={}), 400, "NOT_ALLOWED_IN_CURRENT_STATE"
    )
    assert body["messages"][0]["args"] == ["update", "ERROR", "datastore full"]
    assert api.session(second)["error_message"]["default_message"] == "datastore full"


@rules("""\
rules:
  - match: {operation: update_session.get}
    when: {nth: 2}
    then: {expire_login: true}
""")
def test_expire_login(fake):
    api = Api(fake)
    session_id = api.create_session(item_id(fake))
    assert api.get(f"{SESSIONS}/{session_id}").status_code == 200
    assert api.get(f"{SESSIONS}/{session_id}").status_code == 200  # this call still passes
    assert_error(api.get(f"{SESSIONS}/{session_id}"), 401, "UNAUTHENTICATED")


@rules("""\
rules:
  - match: {operation: file.add, file: "*.ovf"}
    then:
      preview:
        state: AVAILABLE
        certificate_info: {issuer: CN=CA, subject: CN=Signer, self_signed: false}
        warnings: [{type: NOT_YET_VALID_CERTIFICATE, message: "not yet"}]
""")
def test_forced_preview_blocks_complete_until_ignored(fake):
    api = Api(fake)
    session_id = api.create_session(item_id(fake))
    package = ovf_package("p", {"p-disk1.vmdk": b"x" * 10})
    for name in ("p.mf", "p.ovf", "p-disk1.vmdk"):
        uri = api.post(
            f"{SESSIONS}/{session_id}/file", json={"name": name, "source_type": "PUSH"}
        ).json()["upload_endpoint"]["uri"]
        requests.put(uri, data=package[name])
    preview = api.session(session_id)["preview_info"]
    assert preview == {
        "state": "AVAILABLE",
        "certificate_info": {
            "issuer": "CN=CA",
            "subject": "CN=Signer",
            "self_signed": False,
            "x509": "",
        },
        "warnings": [
            {
                "type": "NOT_YET_VALID_CERTIFICATE",
                "message": {
                    "id": "com.vmware.vdcs.cls-main.ovf_preview_warning",
                    "default_message": "not yet",
                    "args": [],
                },
                "ignored": False,
            }
        ],
    }
    api.patch(
        f"{SESSIONS}/{session_id}",
        json={"warning_behavior": [{"type": "NOT_YET_VALID_CERTIFICATE", "ignored": True}]},
    )
    assert api.action(session_id, "complete").status_code == 204


@rules("""\
rules:
  - match: {operation: upload, file: "*.iso"}
    when: {nth: 1}
    then: {transfer: {fail_after: 4, message: "proxy closed the stream"}}
  - match: {operation: upload, file: "*.iso"}
    then: {transfer: {stall: true}}
""")
def test_scripted_push_transfers(fake):
    api = Api(fake)
    session_id = api.create_session(item_id(fake))
    uri = api.post(
        f"{SESSIONS}/{session_id}/file", json={"name": "a.iso", "source_type": "PUSH"}
    ).json()["upload_endpoint"]["uri"]
    broken = requests.put(uri, data=b"0123456789")
    body = assert_error(broken, 500, "ERROR", "com.vmware.vdcs.cls-main.transfer_interrupted")
    ((name, where, cause),) = [body["messages"][0]["args"]]
    assert (name, cause) == ("a.iso", "proxy closed the stream")
    assert where.startswith("ds:///vmfs/volumes/") and "/a.iso?serverId=" in where
    info = api.get(f"{SESSIONS}/{session_id}/file/a.iso").json()
    assert (info["status"], info["bytes_transferred"]) == ("ERROR", 4)
    assert api.session(session_id)["state"] == "ERROR"
    second = api.create_session(item_id(fake, "other"))
    uri = api.post(
        f"{SESSIONS}/{second}/file", json={"name": "b.iso", "source_type": "PUSH"}
    ).json()["upload_endpoint"]["uri"]
    assert requests.put(uri, data=b"0123456789").status_code == 200
    assert api.get(f"{SESSIONS}/{second}/file/b.iso").json()["status"] == "TRANSFERRING"  # stalled


@rules("""\
rules:
  - match: {operation: file.add}
    then: {transfer: {rate: 1KiB/s, fail_after: 3KiB, message: "depot went away"}}
""")
def test_scripted_pull_transfers(fake):
    fake.add_source("http://depot/a.iso", b"z" * 8192)
    api = Api(fake)
    session_id = api.create_session(item_id(fake))
    spec = {
        "name": "a.iso",
        "source_type": "PULL",
        "source_endpoint": {"uri": "http://depot/a.iso"},
    }
    assert api.post(f"{SESSIONS}/{session_id}/file", json=spec).json()["status"] == "TRANSFERRING"
    fake.clock.advance(2)
    assert api.get(f"{SESSIONS}/{session_id}/file/a.iso").json()["bytes_transferred"] == 2048
    fake.clock.advance(2)
    info = api.get(f"{SESSIONS}/{session_id}/file/a.iso").json()
    assert (info["status"], info["bytes_transferred"]) == ("ERROR", 3072)
    assert info["error_message"]["args"][-1] == "depot went away"


@rules("""\
rules:
  - match: {operation: upload}
    then: {transfer: {corrupt: true}}
""")
def test_corruption_is_caught_only_with_a_declared_checksum(fake):
    api = Api(fake)
    session_id = api.create_session(item_id(fake))
    files = f"{SESSIONS}/{session_id}/file"
    plain = api.post(files, json={"name": "a.iso", "source_type": "PUSH"}).json()[
        "upload_endpoint"
    ]["uri"]
    requests.put(plain, data=b"abc")
    assert api.get(f"{files}/a.iso").json()["status"] == "READY"  # nothing to compare with
    checked = api.post(
        files,
        json={
            "name": "b.iso",
            "source_type": "PUSH",
            "checksum_info": {"algorithm": "MD5", "checksum": "900150983cd24fb0d6963f7d28e17f72"},
        },
    ).json()
    requests.put(checked["upload_endpoint"]["uri"], data=b"abc")
    assert api.get(f"{files}/b.iso").json()["status"] == "ERROR"


@rules(
    """\
setup:
  sessions: [{item: photon}]
expect:
  all_rules_fired: true
  sessions: [{item: photon, state: DONE}, {item: other, state: CANCELED}]
  items:
    photon: {content_version: 5, files: [a.iso]}
    ghost: {content_version: 1}
  operations: [session.login, update_session.get]
rules:
  - name: never
    match: {operation: update_session.fail}
    then: {error: {type: ERROR}}
""".replace("setup:\n  sessions", "  sessions")
)
def test_expectations_report_every_difference(fake):
    api = Api(fake)
    api.get(SESSIONS)
    assert fake.check_expectations() == [
        "rule 'never' (rules.0) never fired",
        "session of item 'photon': expected DONE, got ACTIVE",
        "session of item 'other': expected CANCELED, got NONE",
        "item 'photon': expected content_version 5, got 1",
        "item 'photon': expected files ['a.iso'], got []",
        "item 'ghost': expected to exist, but there is none",
        "operations outside the expected list were called: update_session.list",
    ]
    with pytest.raises(
        AssertionError, match=r"scenario 't': 7 expectation\(s\) not met:\n  - rule 'never'"
    ):
        fake.verify()


def test_marker_loads_a_scenario_relative_to_the_test_file(pytester: pytest.Pytester):
    pytester.makefile(
        ".yaml",
        busy=SETUP
        + textwrap.dedent("""\
        rules:
          - match: {operation: update_session.create}
            then: {error: {type: RESOURCE_BUSY}}
        expect:
          all_rules_fired: true
        """),
    )
    pytester.makepyfile(
        """
        import pytest, requests

        def login(vc):
            s = requests.Session()
            s.headers["vmware-api-session-id"] = s.post(
                f"{vc.url}/api/session", auth=("administrator@vsphere.local", "VMware1!")).json()
            return s

        @pytest.mark.fake_vcenter(scenario="busy.yaml")
        def test_busy(fake_vcenter):
            s = login(fake_vcenter)
            item = fake_vcenter.items()[0]["id"]
            r = s.post(f"{fake_vcenter.url}/api/content/library/item/update-session",
                       json={"library_item_id": item})
            assert r.json()["error_type"] == "RESOURCE_BUSY"

        @pytest.mark.fake_vcenter(scenario="busy.yaml")
        def test_forgets_to_trigger_the_rule(fake_vcenter):
            login(fake_vcenter)
        """
    )
    result = pytester.runpytest("--strict-markers")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*scenario 't': 1 expectation(s) not met:*", "*rule 'rules.0' (rules.0) never fired*"]
    )


def test_scenario_clock_and_seed(tmp_path):
    text = "version: 1\nname: c\nseed: 5\nclock: {start: '2030-02-03T04:05:06Z'}\n"
    with (
        FakeVCenter("clock.example.com", scenario=text) as a,
        FakeVCenter("clock2.example.com", scenario=text) as b,
    ):
        assert a.clock.now().isoformat() == "2030-02-03T04:05:06+00:00"
        assert a.create_library("x") == b.create_library("x")


def test_unrouted_requests_are_not_operations_outside_the_expected_list():
    scenario = {"version": 1, "name": "ops", "expect": {"operations": ["session.login"]}}
    with FakeVCenter(scenario=scenario) as vc:
        requests.get(f"{vc.url}/api/nowhere", timeout=5)
        assert vc.calls[-1].outcome == "unrouted"
        assert vc.check_expectations() == []
