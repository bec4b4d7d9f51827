"""What a failing test of this project shows, and the whole suite against a served fake."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parent


def test_a_failing_test_shows_the_fakes_timeline(pytester: pytest.Pytester, monkeypatch):
    pytester.makepyfile(
        """
        from uploader import push

        def test_upload_into_a_mistyped_library(fake_vcenter):
            fake_vcenter.create_library("isos")
            push.upload_template("https://vcenter.example.com", "administrator@vsphere.local",
                                 "VMware1!", "iso", "photon-5", {"a.iso": b"x"})
        """
    )
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    # in a subprocess, as every pytester run here: a served fake's certificate needs
    # cryptography, which cannot be imported twice in one process
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*UploadError: no library named 'iso'",
            "*- vcl_fake timeline (https://vcenter.example.com) -*",
            "#*time*protocol*request*operation*status*outcome*state*rule*detail",
            "1 * api *POST /api/session * session.login * 201 * success",
            "2 * api *POST /api/content/library?action=find * library.find * 200 * success",
        ]
    )


def test_the_suite_passes_against_a_served_fake(pytester: pytest.Pytester, monkeypatch):
    pytester.makepyfile(test_upload=(HERE / "test_upload.py").read_text())
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-W", "error", "--vcl-fake-served"
    )
    result.assert_outcomes(passed=8)
