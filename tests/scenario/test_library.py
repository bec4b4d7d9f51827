"""The scenario library: every bundled file is valid, documented, and does what it says
when a realistic client (the demo client) runs against it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from vcl_fake import FakeVCenter
from vcl_fake.cli import bundled_scenarios, main
from vcl_fake.demo import run, run_demo
from vcl_fake.scenario import read

LIBRARY = sorted(bundled_scenarios().items())


def walk(path: Path):
    scenario = read(path)
    with FakeVCenter(scenario=scenario, seed=1) as vc:
        result = run(vc, scenario)
        return vc, result


def steps(result, what):
    return [s for s in result.steps if s.what.startswith(what)]


def test_the_library_has_at_least_twelve_documented_scenarios():
    assert len(LIBRARY) >= 12
    for name, path in LIBRARY:
        scenario = read(path)
        assert scenario.name == name
        assert len(scenario.description.strip()) > 60, name
        assert path.read_text().startswith("# yaml-language-server: $schema=")


@pytest.mark.parametrize(("name", "path"), LIBRARY, ids=[n for n, _ in LIBRARY])
def test_every_scenario_meets_its_expectations(name, path):
    _, result = walk(path)
    assert result.failures == [], result.failures


def test_clean_push_upload():
    vc, result = walk(bundled_scenarios()["clean-push-upload"])
    assert result.outcome == "DONE"
    assert all(s.status in ("200", "201", "204") for s in result.steps)
    assert vc.clock.now().isoformat().startswith("2026-03-01T09:0")


def test_slow_pull_is_seen_mid_transfer():
    _, result = walk(bundled_scenarios()["slow-pull"])
    assert result.outcome == "DONE"
    polls = [s.state for s in steps(result, "poll session")]
    assert polls[0] == "ACTIVE" and polls[-1] == "DONE"  # complete returned before the pulls ended


@pytest.mark.parametrize(
    ("name", "warnings"),
    [
        ("signed-ova-self-signed", "SELF_SIGNED_CERTIFICATE, UNTRUSTED_CERTIFICATE"),
        ("expired-certificate", "EXPIRED_CERTIFICATE"),
        ("untrusted-chain", "UNTRUSTED_CERTIFICATE"),
        ("warnings-ignored-by-patch", "EXPIRED_CERTIFICATE, UNTRUSTED_CERTIFICATE"),
    ],
)
def test_certificate_warnings_are_seen_then_ignored(name, warnings):
    _, result = walk(bundled_scenarios()[name])
    (preview,) = [s for s in steps(result, "poll preview") if s.preview == "AVAILABLE"]
    assert preview.detail == warnings
    assert steps(result, "ignore the warnings seen")[0].status == "204"
    assert result.outcome == "DONE"


def test_session_expires_mid_upload():
    _, result = walk(bundled_scenarios()["session-expires-mid-upload"])
    upload = steps(result, "upload photon-5-disk1.vmdk")[-1]
    assert (upload.status, upload.detail.split(":")[0]) == ("404", "NOT_FOUND")
    assert result.outcome.startswith("gave up")


def test_checksum_mismatch():
    vc, result = walk(bundled_scenarios()["checksum-mismatch"])
    (session,) = vc.sessions(item="photon-5")
    assert session["state"] == "ERROR"
    assert session["error_message"]["default_message"] == (
        "File photon-5.mf is not a valid OVF package part: the manifest is not UTF-8 text"
    )  # the first file uploaded (the manifest) arrived damaged
    assert result.outcome == "gave up: cannot add photon-5.ovf"


def test_checksum_mismatch_on_the_disk_only():
    scenario = read("checksum-mismatch", params={"file": "*.vmdk"})
    with FakeVCenter(scenario=scenario, seed=1) as vc:
        result = run(vc, scenario)
    assert steps(result, "poll preview")[0].state == "ERROR"
    assert "expected SHA256 checksum" in result.outcome
    assert result.failures == []


def test_complete_503_then_success():
    _, result = walk(bundled_scenarios()["complete-503-then-success"])
    assert [s.status for s in steps(result, "complete")] == ["503", "204"]


def test_login_expires_mid_flow():
    _, result = walk(bundled_scenarios()["login-expires-mid-flow"])
    assert [s.status for s in steps(result, "log in")] == ["201", "201"]
    assert any(s.status == "401" for s in result.steps)
    assert result.outcome == "DONE"


def test_forgotten_session_is_cleaned_up():
    _, result = walk(bundled_scenarios()["forgotten-session-busy"])
    assert [s.status for s in steps(result, "create session")] == ["400", "201"]
    assert steps(result, "cancel it")[0].status == "204"


def test_validation_missing_disk():
    _, result = walk(bundled_scenarios()["validation-missing-disk"])
    assert steps(result, "validate")[0].detail == "missing=['photon-5-disk1.vmdk'] invalid=[]"
    assert steps(result, "complete")[0].status == "400"


def test_connection_reset_during_upload():
    _, result = walk(bundled_scenarios()["connection-reset-during-upload"])
    uploads = steps(result, "upload photon-5.mf")  # the first upload, whatever its file
    assert [s.status for s in uploads] == ["ConnectionError", "200"]
    assert result.outcome == "DONE"


def test_demo_command_runs_a_bundled_scenario_by_name(capsys):
    assert main(["demo", "complete-503-then-success"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("scenario 'complete-503-then-success'")
    assert "expectations met" in out


def test_demo_exit_status_reflects_unmet_expectations(tmp_path):
    text = (
        bundled_scenarios()["clean-push-upload"]
        .read_text()
        .replace("content_version: 2", "content_version: 3")
    )
    (tmp_path / "wrong.yaml").write_text(text)
    out = io.StringIO()
    assert run_demo(out, str(tmp_path / "wrong.yaml")) == 1
    assert "expected content_version 3, got 2" in out.getvalue()


def test_scenario_check_command(tmp_path, capsys):
    good = str(bundled_scenarios()["slow-pull"])
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: 1\nname: x\nrules:\n  - match: {operation: file.ad}\n    then: {delay: 1s}\n"
    )
    assert main(["scenario", "check", good]) == 0
    assert main(["scenario", "check", good, str(bad)]) == 1
    captured = capsys.readouterr()
    assert f"{good}: ok" in captured.out
    assert f"{bad}:4:24: unknown operation 'file.ad'; did you mean 'file.add'?" in captured.err


def test_scenario_list_command(capsys):
    assert main(["scenario", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == len(LIBRARY)
    assert listed[0].startswith("checksum-mismatch")


def test_unknown_scenario_name():
    with pytest.raises(SystemExit, match="no scenario file or bundled scenario named 'nope'"):
        main(["demo", "nope"])
