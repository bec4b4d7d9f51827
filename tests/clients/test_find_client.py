"""find_client: a missing client skips with the reason, or fails when CI requires clients."""

from __future__ import annotations

import sys

import pytest

from clients.conftest import find_client


@pytest.fixture
def optional(monkeypatch):
    monkeypatch.delenv("VCL_FAKE_REQUIRE_CLIENTS", raising=False)


@pytest.fixture
def required(monkeypatch):
    monkeypatch.setenv("VCL_FAKE_REQUIRE_CLIENTS", "1")


def test_a_present_module_is_returned(required):
    assert find_client("json") is sys.modules["json"]


def test_a_missing_module_skips_with_the_reason(optional):
    with pytest.raises(pytest.skip.Exception, match=r"^no_such_client cannot be imported \("):
        find_client("no_such_client")


def test_a_missing_module_fails_when_clients_are_required(required):
    with pytest.raises(
        pytest.fail.Exception, match=r"^VCL_FAKE_REQUIRE_CLIENTS=1 but no_such_client cannot"
    ):
        find_client("no_such_client")


def test_govc_from_the_environment_must_be_an_executable(optional, monkeypatch, tmp_path):
    monkeypatch.setenv("GOVC", str(tmp_path / "govc"))
    with pytest.raises(pytest.skip.Exception, match=r"is not an executable \(build it with"):
        find_client("govc")


def test_govc_of_another_version_is_not_taken(required, monkeypatch, tmp_path):
    fake = tmp_path / "govc"
    fake.write_text("#!/bin/sh\necho 'govc 0.30.0'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("GOVC", str(fake))
    with pytest.raises(
        pytest.fail.Exception, match=r"is 'govc 0.30.0'; these tests need govc 0.24.2"
    ):
        find_client("govc")


def test_an_executable_missing_from_path(required, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match=r"but curl is not on PATH$"):
        find_client("curl")


def test_pyvmomi7_needs_an_interpreter_named(optional, monkeypatch):
    monkeypatch.delenv("VCL_FAKE_PYVMOMI7_PYTHON", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"^VCL_FAKE_PYVMOMI7_PYTHON does not name"):
        find_client("pyvmomi7")


def test_pyvmomi7_must_be_7_0_3(required, monkeypatch):
    monkeypatch.setenv("VCL_FAKE_PYVMOMI7_PYTHON", sys.executable)  # the current pyVmomi
    with pytest.raises(pytest.fail.Exception, match=r"has pyvmomi 9\.[\d.]+, not 7\.0\.3$"):
        find_client("pyvmomi7")
