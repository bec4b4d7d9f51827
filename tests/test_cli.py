"""The vcl-fake command."""

from __future__ import annotations

import io
import subprocess
import sys

from vcl_fake.demo import run_demo


def test_demo_prints_the_timeline():
    out = io.StringIO()
    assert run_demo(out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:3] == ["#", "step", "request"]
    table = {line.split("  ")[1].strip(): line for line in lines[1:12]}
    assert " 201 " in table["create session"]
    assert "RESOURCE_BUSY" in table["second session on the item"]
    assert "DONE" in table["poll session"]
    assert "content_version=2" in table["read the item"]
    assert "NOT_FOUND" in table["read deleted session"]
    assert lines[-1] == "11 requests answered by the fake at https://vcenter.example.com"


def test_console_script_runs():
    result = subprocess.run(
        [sys.executable, "-m", "vcl_fake.cli", "demo"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "complete" in result.stdout


def test_version():
    result = subprocess.run(
        [sys.executable, "-m", "vcl_fake.cli", "--version"], capture_output=True, text=True
    )
    assert result.stdout.startswith("vcl-fake 0.1.0")
