"""The pytest plugin, exercised in throw-away test sessions."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_fixture_yields_an_active_fake(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import requests
        from vcl_fake import FakeVCenter, SystemClock

        def test_it(fake_vcenter):
            assert isinstance(fake_vcenter, FakeVCenter)
            assert isinstance(fake_vcenter.clock, SystemClock)
            r = requests.post(f"{fake_vcenter.url}/api/session",
                              auth=("administrator@vsphere.local", "VMware1!"))
            assert r.status_code == 201
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_marker_sets_content_fetching_and_journal_options(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest, requests

        @pytest.mark.fake_vcenter(keep_content=False, fetch="any", journal_limit=2)
        def test_it(fake_vcenter):
            assert fake_vcenter.journal_limit == 2
            for _ in range(3):
                requests.post(f"{fake_vcenter.url}/api/session",
                              auth=("administrator@vsphere.local", "VMware1!"))
            assert len(fake_vcenter.calls) == 2
            assert fake_vcenter._options["keep_content"] is False
            assert fake_vcenter._options["fetch"] == "any"
        """
    )
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)


def test_marker_configures_the_fake(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest, requests
        from vcl_fake import ManualClock

        @pytest.mark.fake_vcenter(host="vc.lab", clock="manual", session_timeout=10,
                                  users={"u": "p"}, seed=3)
        def test_it(fake_vcenter):
            assert fake_vcenter.host == "vc.lab"
            assert isinstance(fake_vcenter.clock, ManualClock)
            assert fake_vcenter._backend._sessions.timeout.total_seconds() == 10
            assert requests.post("https://vc.lab/api/session", auth=("u", "p")).status_code == 201
        """
    )
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("marker", "complaint"),
    [
        ("sesion_timeout=10", "*unknown keyword(s) sesion_timeout*"),
        ('clock="sundial"', "*must be 'manual', 'system' or a Clock*"),
        ('"positional"', "*takes keyword arguments only*"),
    ],
)
def test_bad_marker_arguments_are_errors(pytester: pytest.Pytester, marker, complaint):
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.fake_vcenter({marker})
        def test_it(fake_vcenter):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([complaint])


def test_marker_is_registered(pytester: pytest.Pytester):
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.fake_vcenter(*"])


def test_each_test_gets_its_own_fake_and_runs_under_xdist(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest, requests

        @pytest.mark.parametrize("n", range(8))
        def test_isolated(fake_vcenter, n):
            assert fake_vcenter.calls == []
            lib = fake_vcenter.create_library(f"lib-{n}")
            s = requests.Session()
            s.headers["vmware-api-session-id"] = s.post(
                f"{fake_vcenter.url}/api/session",
                auth=("administrator@vsphere.local", "VMware1!")).json()
            assert s.get(f"{fake_vcenter.url}/api/content/library").json() == [lib]
        """
    )
    pytester.runpytest("-n", "2", "-p", "xdist").assert_outcomes(passed=8)


def test_served_vcenter_serves_the_test_fake_to_socket_clients(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import base64, hashlib, http.client, json, socket, ssl
        import pytest
        from vcl_fake.server import FakeServer

        SEEN = []

        @pytest.mark.fake_vcenter(users={"ops": "s3cret"})
        def test_it(fake_vcenter, served_vcenter):
            assert isinstance(served_vcenter, FakeServer)
            assert served_vcenter.fake is fake_vcenter is fake_vcenter.server.fake
            assert served_vcenter.host == "127.0.0.1"
            assert served_vcenter.url == f"https://127.0.0.1:{served_vcenter.port}"
            pem = served_vcenter.ca_file.read_text()
            assert pem.startswith("-----BEGIN CERTIFICATE-----")
            library = fake_vcenter.create_library("templates")

            # http.client, as pyVmomi uses it: verified with the CA file, no requests involved
            context = ssl.create_default_context(cafile=str(served_vcenter.ca_file))
            conn = http.client.HTTPSConnection(
                served_vcenter.host, served_vcenter.port, context=context, timeout=10)
            auth = base64.b64encode(b"ops:s3cret").decode()
            conn.request("POST", "/api/session", headers={"Authorization": f"Basic {auth}"})
            answer = conn.getresponse()
            assert answer.status == 201
            token = json.loads(answer.read())
            conn.request("GET", "/api/content/library",
                         headers={"vmware-api-session-id": token})
            answer = conn.getresponse()
            assert (answer.status, json.loads(answer.read())) == (200, [library])
            digest = hashlib.sha256(conn.sock.getpeercert(binary_form=True)).hexdigest().upper()
            assert served_vcenter.thumbprint == ":".join(
                digest[i:i + 2] for i in range(0, len(digest), 2))
            conn.close()
            assert [c.operation for c in fake_vcenter.calls] == ["session.login", "library.list"]
            SEEN.append((served_vcenter.host, served_vcenter.port))

        def test_stopped_after_the_test():
            with socket.socket() as s:
                assert s.connect_ex(SEEN[0]) != 0   # nothing listens there any more
        """
    )
    # a subprocess: cryptography (the served certificate) cannot be imported twice in one
    # process, and an in-process run drops the modules it imported first
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=2)


def test_entering_the_fixtures_fake_again_keeps_it_active(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest, requests

        @pytest.mark.fake_vcenter(host="fixture.invalid")
        def test_it(fake_vcenter):
            with fake_vcenter:
                pass
            assert fake_vcenter.active
            r = requests.post(f"{fake_vcenter.url}/api/session",
                              auth=("administrator@vsphere.local", "VMware1!"), timeout=5)
            assert r.status_code == 201
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_failing_test_reports_the_fakes_timeline(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import requests

        def test_it(fake_vcenter):
            http = requests.Session()
            http.post(f"{fake_vcenter.url}/api/session",
                      auth=("administrator@vsphere.local", "VMware1!"))
            http.post(f"{fake_vcenter.url}/api/content/library/item/update-session/a:b",
                      params={"action": "complet"})
            assert False, "the uploader broke"

        def test_passing(fake_vcenter):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*- vcl_fake timeline (https://vcenter.example.com) -*",
            "#*time*protocol*request*operation*status*outcome*state*rule*detail",
            "1 * api *POST /api/session*session.login*201*success",
            "2 * api *POST /api/content/library/item/update-session/a:b?action=complet*-*404*"
            "unrouted*did you mean 'POST /api/content/library/item/update-session/a:b"
            "?action=complete'?",
        ]
    )
    assert result.stdout.str().count("vcl_fake timeline") == 1  # the passing test shows none


def test_strict_teardown_checks_and_opting_out(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest, requests

        AUTH = ("administrator@vsphere.local", "VMware1!")

        def leave_a_session(vc):
            item = vc.create_item(vc.create_library("templates"), "photon-5")
            http = requests.Session()
            http.headers["vmware-api-session-id"] = http.post(f"{vc.url}/api/session", auth=AUTH).json()
            http.post(f"{vc.url}/api/content/library/item/update-session",
                      json={"library_item_id": item})
            http.get(f"{vc.url}/api/content/libary")

        def test_strict(fake_vcenter):
            leave_a_session(fake_vcenter)

        @pytest.mark.fake_vcenter(strict=False)
        def test_not_strict(fake_vcenter):
            leave_a_session(fake_vcenter)

        @pytest.mark.fake_vcenter(strict=["unfired_rules"])
        def test_only_rules(fake_vcenter):
            leave_a_session(fake_vcenter)

        @pytest.mark.fake_vcenter(scenario="complete-503-then-success", strict=["unfired_rules"])
        def test_unfired(fake_vcenter):
            fake_vcenter.scenario.expect.clear()   # only the strict check speaks
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_strict*",
            "*the fake saw loose ends (opt out with @pytest.mark.fake_vcenter(strict=False)*",
            "  - unexpected request GET /api/content/libary answered 404 (did you mean "
            "'GET /api/content/library'?)",
            "  - update session * of item * left ACTIVE",
            "*ERROR at teardown of test_unfired*",
            "  - scenario rule 'busy-once' never fired",
        ]
    )


def test_strict_checks_can_be_off_for_a_whole_project(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nvcl_fake_strict = false\n")
    pytester.makepyfile(
        """
        import requests

        def test_it(fake_vcenter):
            requests.get(f"{fake_vcenter.url}/nowhere")
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_marker_names_a_bundled_scenario_with_parameters(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fake_vcenter(scenario="forgotten-session-busy",
                                  scenario_params={"item": "ubuntu"}, strict=False)
        def test_it(fake_vcenter):
            assert fake_vcenter.scenario.name == "forgotten-session-busy"
            (session,) = fake_vcenter.sessions(item="ubuntu")
            assert session["state"] == "ACTIVE"
            fake_vcenter.scenario.expect.clear()
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.parametrize("how", ["option", "env"])
def test_the_served_switch_runs_tests_against_a_socket(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, how: str
):
    pytester.makepyfile(
        """
        import requests

        def test_it(fake_vcenter):
            response = requests.post(f"{fake_vcenter.url}/api/session",
                                     auth=("administrator@vsphere.local", "VMware1!"))
            assert response.status_code == 201
            pool = response.raw._pool
            assert fake_vcenter.server.url == f"https://{pool.host}:{pool.port}"

        def test_served_vcenter_is_the_same_socket(fake_vcenter, served_vcenter):
            assert served_vcenter is fake_vcenter.server
        """
    )
    args = ["-p", "no:cacheprovider"]
    if how == "option":
        args.append("--vcl-fake-served")
    else:
        monkeypatch.setenv("VCL_FAKE_SERVED", "1")
    # a subprocess: cryptography (the served certificate) cannot be imported twice in one process
    pytester.runpytest_subprocess(*args).assert_outcomes(passed=2)


def test_loading_the_plugin_loads_no_contract_tables():
    """Every pytest run of a project that installs vcl_fake loads the plugin: it must stay
    light (the contract tables load when a fake is first built)."""
    code = (
        "import sys, pytest, vcl_fake.pytest_plugin; "
        "print(sorted(m for m in sys.modules if m.startswith('vcl_fake.contract')))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
