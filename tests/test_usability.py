"""What makes the fake pleasant in tests: the timeline, the journal of unrouted requests, no
accidental network, bundled scenarios by name, class decorators, accessors, loose ends."""

from __future__ import annotations

import io
import json
import unittest

import pytest
import requests
import responses
from conftest import PASSWORD, SESSIONS, USER, Api
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.demo import run
from vcl_fake.journal import COLUMNS
from vcl_fake.protocols.http import Headers, Request
from vcl_fake.scenario import ScenarioError, read


def table(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines()]


# --- the timeline -------------------------------------------------------------------------------
def test_timeline_shows_each_call_with_its_request_status_outcome_state_and_rule():
    scenario = {
        "version": 1,
        "name": "busy",
        "rules": [
            {
                "name": "busy-once",
                "match": {"operation": "update_session.complete"},
                "when": {"nth": 1},
                "then": {"error": {"type": "SERVICE_UNAVAILABLE"}},
            }
        ],
    }
    with FakeVCenter(clock=ManualClock(), seed=1, scenario=scenario) as vc:
        item = vc.create_item(vc.create_library("templates"), "photon-5")
        api = Api(vc)
        session_id = api.create_session(item)
        assert api.action(session_id, "complete").status_code == 503
        assert api.action(session_id, "complete").status_code == 204
        out = io.StringIO()
        text = vc.timeline(out)
    assert out.getvalue() == text
    short = session_id.split(":")[0].split("-")[0] + ":" + session_id.split(":")[1].split("-")[0]
    rows = table(text)
    assert tuple(rows[0]) == COLUMNS
    assert rows[1] == [
        "1",
        "00:00:00",
        "api",
        "POST",
        "/api/session",
        "session.login",
        "201",
        "success",
    ]
    assert rows[2] == [
        "2",
        "00:00:00",
        "api",
        "POST",
        SESSIONS,
        "update_session.create",
        "201",
        "success",
        "ACTIVE",
    ]
    assert rows[3][:10] == [
        "3",
        "00:00:00",
        "api",
        "POST",
        f"{SESSIONS}/{short}?action=complete",
        "update_session.complete",
        "503",
        "SERVICE_UNAVAILABLE",
        "ACTIVE",
        "busy-once",
    ]
    assert rows[4] == [
        "4",
        "00:00:00",
        "api",
        "POST",
        f"{SESSIONS}/{short}?action=complete",
        "update_session.complete",
        "204",
        "success",
        "DONE",
    ]


def test_timeline_of_other_protocols_and_faults():
    scenario = {
        "version": 1,
        "name": "reset",
        "rules": [
            {
                "match": {"operation": "upload"},
                "when": {"nth": 1},
                "then": {"fault": "connection_error"},
            }
        ],
    }
    with FakeVCenter(clock=ManualClock(), seed=1, scenario=scenario) as vc:
        item = vc.create_item(vc.create_library("templates"), "photon-5")
        api = Api(vc)
        session_id = api.create_session(item)
        spec = {"name": "a.iso", "source_type": "PUSH", "size": 3}
        uri = api.post(f"{SESSIONS}/{session_id}/file", json=spec).json()["upload_endpoint"]["uri"]
        with pytest.raises(requests.ConnectionError):
            requests.put(uri, data=b"abc", timeout=5)
        assert requests.put(uri, data=b"abc", timeout=5).status_code == 200
        rest = requests.get(
            f"{vc.url}/rest/com/vmware/content/library",
            headers={"vmware-api-session-id": api.token},
            timeout=5,
        )
        assert rest.status_code == 200
        rows = table(vc.timeline(None))
    token = uri.split("/")[-2]
    assert token not in vc.timeline(None)  # an upload token is never shown
    assert rows[4] == [
        "4",
        "00:00:00",
        "data",
        "PUT",
        "/cls/data/********/a.iso",
        "upload",
        "-",
        "fault",
        "connection_error",
        "ACTIVE",
        "rules.0",
    ]
    assert rows[5] == [
        "5",
        "00:00:00",
        "data",
        "PUT",
        "/cls/data/********/a.iso",
        "upload",
        "200",
        "success",
        "ACTIVE",
    ]
    assert rows[3][-2:] == ["file", "a.iso"]
    assert rows[6] == [
        "6",
        "00:00:00",
        "rest",
        "GET",
        "/rest/com/vmware/content/library",
        "library.list",
        "200",
        "success",
    ]


def test_an_empty_timeline_says_so():
    assert FakeVCenter().timeline(None) == "no calls reached the fake\n"


# --- unrouted requests and the journal ------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "hint"),
    [
        ("GET", "/api/content/libary", "did you mean 'GET /api/content/library'?"),
        (
            "POST",
            "/api/content/library/item/update-session/a:b?action=complet",
            "did you mean 'POST /api/content/library/item/update-session/a:b?action=complete'?",
        ),
        (
            "GET",
            "/rest/com/vmware/content/library/item/updatesession/id:a:b",
            "did you mean 'GET /rest/com/vmware/content/library/item/update-session/id:a:b'?",
        ),
        ("GET", "/nothing/like/it", ""),
    ],
)
def test_unrouted_requests_are_journaled_with_a_did_you_mean(api, vc, method, path, hint):
    response = api.request(method, path)
    assert response.status_code == 404
    call = vc.calls[-1]
    assert (call.operation, call.outcome, call.status, call.hint) == ("", "unrouted", 404, hint)
    assert call.request == f"{method} {path}"
    assert not call.ok
    assert vc.loose_ends() == [
        f"unexpected request {method} {path} answered 404" + (f" ({hint})" if hint else "")
    ]


def test_a_huge_unrouted_path_is_journaled_without_a_hint(vc):
    response = vc.handle(Request("GET", f"{vc.url}/api/content/{'x/' * 50_000}", Headers(), b""))
    assert response.status == 404
    assert (vc.calls[-1].outcome, vc.calls[-1].hint) == ("unrouted", "")  # no suggestion


def test_calls_reset_empties_the_journal(api, vc):
    api.get("/api/content/library")
    assert [c.operation for c in vc.calls] == ["session.login", "library.list"]
    vc.calls.reset()
    assert list(vc.calls) == []
    api.get("/api/content/library")
    assert [c.operation for c in vc.calls] == ["library.list"]


# --- no accidental network --------------------------------------------------------------------------
def test_an_unclaimed_host_is_refused_naming_it_and_the_fake():
    with FakeVCenter("vcenter.example.com"), pytest.raises(requests.ConnectionError) as caught:
        requests.get("https://vcenter.exmaple.invalid/api/session", timeout=2)
    assert str(caught.value) == (
        "Connection refused by vcl_fake: no mock claims 'vcenter.exmaple.invalid' while "
        "FakeVCenter is active on vcenter.example.com (a mistyped host?); allow real requests "
        "to it with FakeVCenter(passthrough=['vcenter.exmaple.invalid']) or the marker's "
        "passthrough="
    )


def test_passthrough_hosts_and_loopback_reach_the_network():
    with FakeVCenter(passthrough=["*.passthrough.invalid"]):
        with pytest.raises(requests.ConnectionError) as caught:  # no such host: DNS fails
            requests.get("https://db.passthrough.invalid/", timeout=2)
        assert "vcl_fake" not in str(caught.value)
        served = FakeVCenter()
        with served.serve() as url:  # a served fake on loopback
            ca_file = served.server.ca_file
            response = requests.post(f"{url}/api/session", auth=(USER, PASSWORD), verify=ca_file)
            assert response.status_code == 201


def test_user_mocks_keep_answering_other_hosts_in_either_order():
    with responses.RequestsMock() as before, FakeVCenter():
        before.get("https://api.other.invalid/x", json={"ok": 1})
        assert requests.get("https://api.other.invalid/x", timeout=2).json() == {"ok": 1}
        with pytest.raises(requests.ConnectionError, match="Connection refused by Responses"):
            requests.get("https://unregistered.invalid/x", timeout=2)
    with FakeVCenter(), responses.RequestsMock() as after:
        after.get("https://api.other.invalid/x", json={"ok": 2})
        assert requests.get("https://api.other.invalid/x", timeout=2).json() == {"ok": 2}
        assert (
            requests.post(
                "https://vcenter.example.com/api/session", auth=(USER, PASSWORD), timeout=2
            ).status_code
            == 201
        )


# --- bundled scenarios and parameters ---------------------------------------------------------------
def test_a_bundled_scenario_by_name_with_parameters():
    vc = FakeVCenter(
        scenario="checksum-mismatch", scenario_params={"item": "ubuntu", "library": "golden"}
    )
    library = vc.find_library("golden")
    assert library is not None and vc.find_item("golden", "ubuntu") == vc.find_item(
        library, "ubuntu"
    )
    assert vc.find_item("golden", "photon-5") is None
    assert vc.scenario is not None and vc.scenario.expect["sessions"] == [
        {"item": "ubuntu", "state": "ERROR"}
    ]
    assert vc.scenario.rules[0].match.file == "*"  # any file by default


def test_unknown_scenario_names_and_parameters_are_clear():
    with pytest.raises(ScenarioError, match="did you mean 'slow-pull'"):
        FakeVCenter(scenario="slow-pul")
    with pytest.raises(ScenarioError, match="no parameter 'itme' is declared; did you mean 'item'"):
        read("slow-pull", params={"itme": "x"})


# --- decorating classes ------------------------------------------------------------------------------
FAKE = FakeVCenter("class.invalid", clock=ManualClock())


@FAKE
class TestDecoratedClass:
    def test_first(self):
        FAKE.create_library("one")
        assert (
            requests.post(f"{FAKE.url}/api/session", auth=(USER, PASSWORD), timeout=2).status_code
            == 201
        )
        assert list(FAKE.libraries().values()) == ["one"]

    def test_second_starts_afresh(self):
        assert FAKE.libraries() == {} and list(FAKE.calls) == []
        assert (
            requests.post(f"{FAKE.url}/api/session", auth=(USER, PASSWORD), timeout=2).status_code
            == 201
        )

    def helper_is_not_wrapped(self):
        return 1


def test_the_class_decorator_leaves_other_methods_alone():
    assert TestDecoratedClass().helper_is_not_wrapped() == 1
    with pytest.raises(requests.ConnectionError):  # the fake is active in test methods only
        requests.post(f"{FAKE.url}/api/session", auth=(USER, PASSWORD), timeout=2)


UNIT = FakeVCenter("unit.invalid", scenario="clean-push-upload")


@UNIT
class DecoratedCase(unittest.TestCase):
    def setUp(self):
        self.item = UNIT.find_item("templates", "photon-5")

    def test_active_with_the_scenario_set_up(self):
        assert self.item is not None
        response = requests.post(f"{UNIT.url}/api/session", auth=(USER, PASSWORD), timeout=2)
        self.assertEqual(response.status_code, 201)


def test_decorating_what_cannot_be_decorated_is_a_type_error():
    vc = FakeVCenter()

    def generator():
        yield 1

    async def agen():
        yield 1

    for thing in (generator, agen, 42, "text"):
        with pytest.raises(
            TypeError, match="FakeVCenter decorates functions, coroutine functions and test classes"
        ):
            vc(thing)


# --- accessors and loose ends ------------------------------------------------------------------------
def test_session_accessors(api, vc, item):
    other = vc.create_item(vc.find_library("templates"), "other")
    first = api.create_session(item)
    api.action(first, "cancel")
    second = api.create_session(item)
    third = api.create_session(other)
    assert [s["id"] for s in vc.sessions()] == [first, second, third]
    assert [s["id"] for s in vc.sessions(item="photon-5")] == [first, second]
    assert [s["id"] for s in vc.sessions(item=other)] == [third]
    assert vc.get_session(first)["state"] == "CANCELED"
    model = vc.get_session(second)
    assert model["id"] == second and model["library_item_id"] == item
    assert (model["state"], model["client_progress"]) == ("ACTIVE", 0)
    with pytest.raises(KeyError):
        vc.get_session("nope")
    assert vc.find_library("nope") is None
    assert vc.loose_ends(["active_sessions"]) == [
        f"update session {second} of item {item} left ACTIVE",
        f"update session {third} of item {other} left ACTIVE",
    ]
    with pytest.raises(ValueError, match="unknown checks"):
        vc.loose_ends(["typo"])


def test_unfired_rules_are_loose_ends():
    vc = FakeVCenter(scenario="complete-503-then-success")
    assert vc.loose_ends() == ["scenario rule 'busy-once' never fired"]


# --- fuzzing the new parsers ---------------------------------------------------------------------
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PATH_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_:/.?=&%~{}$ é0123456789", max_size=80)


@FUZZ
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "BREW"]),
    prefix=st.sampled_from(["/api/content/library", "/rest/com/vmware/content", "/", "/cls/data/"]),
    rest=PATH_TEXT,
)
def test_any_unrouted_request_is_journaled_with_at_most_a_hint(method, prefix, rest):
    vc = FakeVCenter("fuzz.invalid")
    response = vc.handle(Request(method, f"https://fuzz.invalid{prefix}{rest}", Headers(), b""))
    assert response.status < 500
    (call,) = vc.calls
    assert call.status == response.status
    assert call.request.startswith(f"{method} /")
    assert call.hint == "" or call.hint.startswith("did you mean '")
    assert vc.timeline(None).count("\n") == 2


@FUZZ
@given(
    values=st.dictionaries(
        st.sampled_from(["item", "library", "file", "itme", ""]), PATH_TEXT, max_size=3
    ),
    text=PATH_TEXT,
)
def test_scenario_parameters_never_crash_the_loader(values, text):
    document = (
        "version: 1\nname: p\nparameters: {item: a, library: b}\n"
        f"setup:\n  libraries:\n    - name: ${{library}}\n      items: [{{name: {json.dumps(text)}}}]\n"
    )
    try:
        scenario = read(document, params=values)
    except ScenarioError as exc:
        assert exc.problems and all(p.line >= 1 for p in exc.problems)
    else:
        assert set(values) <= {"item", "library"}
        assert scenario.setup["libraries"][0]["name"] == values.get("library", "b")


# --- downloads: streamed answers keep their place in the timeline -------------------------------
def test_downloads_are_journaled_with_their_request_and_accessors_show_their_sessions():
    import httpx

    vc = FakeVCenter(clock=ManualClock(), seed=1)
    item = vc.create_item(vc.create_library("isos"), "photon-5", "iso")
    with vc:
        api = Api(vc)
        session = api.create_session(item)
        spec = {"name": "a.iso", "source_type": "PUSH", "size": 6}
        uri = api.post(f"{SESSIONS}/{session}/file", json=spec).json()["upload_endpoint"]["uri"]
        assert requests.put(uri, data=b"abcdef", timeout=5).status_code == 200
        assert api.action(session, "complete").status_code == 204
        downloads = "/api/content/library/item/download-session"
        download = api.post(downloads, json={"library_item_id": item}).json()
        files = f"{downloads}/{download}/file"
        api.post(files, params={"action": "prepare"}, json={"file_name": "a.iso"})
        ready = api.get(files, params={"file_name": "a.iso"}).json()
        url = ready["download_endpoint"]["uri"]
        assert requests.get(url, timeout=5).content == b"abcdef"
        with httpx.Client(transport=vc.httpx_transport()) as client:
            assert client.get(url).content == b"abcdef"
            with client.stream("GET", url) as streamed:
                assert b"".join(streamed.iter_bytes()) == b"abcdef"
        assert [s["id"] for s in vc.download_sessions(item="photon-5")] == [download]
        assert vc.get_download_session(download)["state"] == "ACTIVE"
        assert vc.loose_ends(["active_sessions"]) == [
            f"download session {download} of item {item} left ACTIVE"
        ]
        assert api.delete(f"{downloads}/{download}").status_code == 204
        assert vc.loose_ends() == []
    rows = [c for c in vc.calls if c.operation == "download"]
    assert [(c.request, c.status, c.outcome, c.state) for c in rows] == [
        ("GET /cls/data/********/a.iso", 200, "success", "ACTIVE")
    ] * 3
    with pytest.raises(KeyError):
        vc.get_download_session("nope")


def test_the_timeline_of_a_shaped_upload_names_its_rule_state_and_hides_tokens():
    scenario = read("session-expires-mid-upload")
    with FakeVCenter(scenario=scenario, seed=1) as vc:
        run(vc, scenario)
        text = vc.timeline(None)
    uploads = [c for c in vc.calls if c.operation == "upload"]
    assert [(c.status, c.outcome, c.state, c.rule) for c in uploads] == [
        (200, "success", "ACTIVE", "slow-uploads"),
        (200, "success", "ACTIVE", "slow-uploads"),
        (404, "NOT_FOUND", None, "slow-uploads"),  # the session expired meanwhile: gone
    ]
    assert "/cls/data/********/photon-5-disk1.vmdk" in text
    assert all(c.request.startswith("PUT /cls/data/********/") for c in uploads)
    for call in vc.calls:
        for token in call.request.split("/")[3:4] if call.operation == "upload" else []:
            assert token == "********"
    assert "No upload is expected at /cls/data/********/photon-5-disk1.vmdk" in text


def test_what_counts_as_unrouted(vc):
    # a JSON-RPC call of an operation nobody serves answers 200, but reached no operation
    envelope = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "invoke",
        "params": {"serviceId": "com.vmware.nothing", "operationId": "list", "input": {}},
    }
    assert requests.post(f"{vc.url}/api", json=envelope, timeout=5).status_code == 200
    call = vc.calls[-1]
    assert (call.protocol, call.operation, call.outcome, call.status) == (
        "jsonrpc",
        "",
        "unrouted",
        200,
    )
    # a static document answered without an operation is not a loose end
    versions = requests.get(f"{vc.url}/sdk/vimServiceVersions.xml", timeout=5)
    assert versions.status_code == 200
    assert len(vc.calls) == 1


def test_the_control_api_loads_a_bundled_scenario_by_name_with_parameters():
    vc = FakeVCenter(seed=1)
    with vc.serve() as url:
        token = {"vcl-fake-token": vc.server.control_token}
        ca = vc.server.ca_file
        loaded = requests.post(
            f"{url}/_vcl_fake/scenario",
            json={"scenario": "slow-pull", "params": {"item": "ubuntu"}},
            headers=token,
            verify=ca,
            timeout=10,
        )
        assert (loaded.status_code, loaded.json()) == (200, {"name": "slow-pull"})
        assert vc.find_item("templates", "ubuntu") is not None
        path = requests.post(
            f"{url}/_vcl_fake/scenario",
            data="/etc/passwd.yaml",
            headers=token,
            verify=ca,
            timeout=10,
        )
        assert path.status_code == 400  # a path is never read
