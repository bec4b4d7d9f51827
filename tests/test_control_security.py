"""The security model of a served fake: the control API's token, and scenario files that may
only name regular files of bounded size in their own folder (and never echo their content)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.scenario import ScenarioError, read
from vcl_fake.scenario.data import MAX_PEM_FILE

HEAD = "version: 1\nname: s\n"
TOKEN_ID = "vcl_fake.control.token"


@pytest.fixture
def served():
    vc = FakeVCenter("control.example.com", clock=ManualClock())
    with vc.serve(tls=False) as url:
        http = requests.Session()
        http.trust_env = False
        yield vc, url, http


@pytest.mark.parametrize(
    "headers",
    [{}, {"vcl-fake-token": "wrong"}, {"vcl-fake-token": "é" * 10}, {"vcl-fake-token": ""}],
    ids=["none", "wrong", "non-ascii", "empty"],
)
def test_the_control_api_needs_the_servers_token(served, headers):
    vc, url, http = served
    before = vc.clock.now()
    for method, route, body in [
        ("GET", "calls", None),
        ("POST", "clock/advance", {"seconds": 301}),
        ("POST", "reset", None),
    ]:
        answer = http.request(
            method, f"{url}/_vcl_fake/{route}", json=body, headers=headers, timeout=5
        )
        assert answer.status_code == 401, answer.text
        assert answer.json()["error_type"] == "UNAUTHENTICATED"
        assert answer.json()["messages"][0]["id"] == TOKEN_ID
    assert vc.clock.now() == before
    good = {"vcl-fake-token": vc.server.control_token}
    moved = http.post(
        f"{url}/_vcl_fake/clock/advance", json={"seconds": 301}, headers=good, timeout=5
    )
    assert moved.json() == {"now": "2026-01-01T00:05:01.000Z"}


def test_every_server_has_its_own_unguessable_token():
    tokens = set()
    for _ in range(3):
        vc = FakeVCenter("tokens.example.com")
        with vc.serve(tls=False):
            tokens.add(vc.server.control_token)
    assert len(tokens) == 3
    assert all(len(t) >= 40 for t in tokens)  # 256 random bits, URL-safe base64


def test_serve_prints_the_token_and_it_works():
    proc = subprocess.Popen(
        [sys.executable, "-m", "vcl_fake.cli", "serve", "--port", "0", "--no-tls"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip().removeprefix("vcl-fake listening on ")
        token = None
        for _ in range(12):
            line = proc.stdout.readline().strip()
            if line.startswith("control API token (header vcl-fake-token): "):
                token = line.rsplit(": ", 1)[1]
                break
        assert token
        http = requests.Session()
        http.trust_env = False
        assert http.get(f"{url}/_vcl_fake/clock", timeout=5).status_code == 401
        ok = http.get(f"{url}/_vcl_fake/clock", headers={"vcl-fake-token": token}, timeout=5)
        assert ok.status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


# --- scenario file references ------------------------------------------------------------------
def scenario_naming(tmp_path, reference: str, kind: str = "trusted_roots"):
    folder = tmp_path / "scenarios"
    folder.mkdir(exist_ok=True)
    if kind == "trusted_roots":
        text = HEAD + f"setup:\n  trusted_roots: [{reference!r}]\n"
    else:
        text = HEAD + f"setup:\n  sources: [{{uri: 'http://depot/x.iso', file: {reference!r}}}]\n"
    path = folder / "s.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("kind", ["trusted_roots", "source"])
@pytest.mark.parametrize(
    ("reference", "why"),
    [
        ("/etc/hostname", "files are named relative to the scenario's folder"),
        ("../outside.pem", "outside the scenario's folder"),
        ("link.pem", "outside the scenario's folder"),
        ("zero.pem", "not a regular file"),
        ("missing.pem", "no such file: missing.pem"),
    ],
)
def test_scenario_files_are_confined_to_their_folder(tmp_path, kind, reference, why):
    (tmp_path / "outside.pem").write_text("SECRET-CONTENT")
    path = scenario_naming(tmp_path, reference, kind)
    (path.parent / "link.pem").symlink_to(tmp_path / "outside.pem")
    if os.path.exists("/dev/zero"):
        (path.parent / "zero.pem").symlink_to("/dev/zero")
    else:
        os.mkfifo(path.parent / "zero.pem")
    if reference == "zero.pem" and os.path.realpath(path.parent / "zero.pem") == "/dev/zero":
        why = "outside the scenario's folder"  # the link leaves the folder first
    with pytest.raises(ScenarioError) as refused:
        read(path)
    text = str(refused.value)
    assert why in text, text
    assert text.startswith(f"{path}:4:")
    assert "SECRET-CONTENT" not in text


def test_a_special_file_inside_the_folder_is_refused(tmp_path):
    path = scenario_naming(tmp_path, "fifo.pem")
    os.mkfifo(path.parent / "fifo.pem")
    with pytest.raises(ScenarioError, match=r"fifo\.pem: not a regular file"):
        read(path)


def test_pem_files_are_bounded_and_their_content_never_echoed(tmp_path):
    path = scenario_naming(tmp_path, "big.pem")
    (path.parent / "big.pem").write_bytes(b"A" * (MAX_PEM_FILE + 1))
    with pytest.raises(ScenarioError, match=rf"big\.pem: larger than {MAX_PEM_FILE} bytes"):
        read(path)
    (path.parent / "big.pem").write_text("SECRET-CONTENT\n")
    with pytest.raises(ScenarioError) as refused:
        read(path)
    assert "not a PEM certificate (or a file holding one)" in str(refused.value)
    assert "SECRET-CONTENT" not in str(refused.value)
    (path.parent / "big.pem").write_bytes(b"\xffSECRET")
    with pytest.raises(ScenarioError) as refused:
        read(path)
    assert "big.pem: not a PEM text file" in str(refused.value)
    assert "SECRET" not in str(refused.value).replace("SECRET-", "")


def test_a_scenario_file_itself_must_be_a_regular_file_of_bounded_size(tmp_path):
    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match="cannot read the file: not a regular file"):
        read(fifo)
    big = tmp_path / "big.yaml"
    big.write_text("#" * (1024 * 1024 + 1))
    with pytest.raises(ScenarioError, match="larger than 1048576 bytes"):
        read(big)


def test_a_scenario_posted_to_the_control_api_names_no_files(served, tmp_path):
    vc, url, http = served
    (tmp_path / "root.pem").write_text("SECRET-CONTENT")
    good = {"vcl-fake-token": vc.server.control_token}
    for body in (
        {"data": HEAD + f"setup:\n  trusted_roots: [{str(tmp_path / 'root.pem')!r}]\n"},
        {
            "json": {
                "scenario": {"version": 1, "name": "s", "setup": {"trusted_roots": ["root.pem"]}}
            }
        },
        {
            "json": {
                "scenario": {
                    "version": 1,
                    "name": "s",
                    "setup": {"sources": [{"uri": "http://d/x", "file": "/etc/hostname"}]},
                }
            }
        },
    ):
        answer = http.post(f"{url}/_vcl_fake/scenario", headers=good, timeout=5, **body)
        assert answer.status_code == 400, answer.text
        assert answer.json()["messages"][0]["id"] == "vcl_fake.control.bad_request"
        assert "only a scenario read from a file may name files" in answer.text
        assert "SECRET-CONTENT" not in answer.text
    as_path = http.post(
        f"{url}/_vcl_fake/scenario", data=str(tmp_path / "x.yaml"), headers=good, timeout=5
    )
    assert as_path.status_code == 400  # read as YAML text (a string), never opened as a path
    assert "cannot read the file" not in as_path.text


def test_control_sources_take_text_never_a_path(served):
    vc, url, http = served
    good = {"vcl-fake-token": vc.server.control_token}
    for data in (["/etc/hostname"], {"path": "/etc/hostname"}, 5):
        answer = http.post(
            f"{url}/_vcl_fake/sources",
            json={"uri": "http://d/x", "data": data},
            headers=good,
            timeout=5,
        )
        assert answer.status_code == 400, answer.text
    huge = http.post(
        f"{url}/_vcl_fake/sources",
        json={"uri": "http://d/x", "size": 1 << 50},
        headers=good,
        timeout=5,
    )
    assert huge.status_code == 400
    assert "at most 1099511627776 bytes" in huge.text
