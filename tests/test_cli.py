"""The vcl-fake command and its built-in demo."""

from __future__ import annotations

import io
import subprocess
import sys

from vcl_fake.demo import run_demo


def rows(text: str) -> dict[str, str]:
    lines = text.splitlines()
    table = lines[lines.index("") + 2 : lines.index("", lines.index("") + 1)]
    return {line.split("  ")[1].strip(): line + " " for line in table}


def test_demo_prints_the_timeline():
    out = io.StringIO()
    assert run_demo(out) == 0
    text = out.getvalue()
    assert text.startswith("built-in demo (no scenario)\n")
    table = rows(text)
    assert " 201 " in table["create session"]
    assert " 200 " in table["upload photon-5-disk1.vmdk"]
    assert "AVAILABLE" in table["poll preview"]
    assert " 204 " in table["complete"]
    assert "DONE" in table["poll session"]
    assert "content_version=2" in table["read the item"]
    assert text.splitlines()[-1] == (
        "outcome: DONE; 14 requests answered by the fake at https://vcenter.example.com"
    )


def test_console_script_runs():
    result = subprocess.run(
        [sys.executable, "-m", "vcl_fake.cli", "demo"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "outcome: DONE" in result.stdout


def test_version():
    result = subprocess.run(
        [sys.executable, "-m", "vcl_fake.cli", "--version"], capture_output=True, text=True
    )
    assert result.stdout.startswith("vcl-fake 0.1.0")
