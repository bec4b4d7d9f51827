"""The README's consumer test must run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
EXAMPLE = ROOT / "examples" / "uploader"


def test_readme_test_examples_pass(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PYTHONPATH", str(EXAMPLE))  # the walk-through's uploader
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    examples = [b for b in blocks if "def test_" in b]
    assert len(examples) >= 2
    pytester.makepyfile(**{f"test_readme_{n}": code for n, code in enumerate(examples)})
    # a subprocess: an in-process run drops the modules it imported first, and cryptography
    # (the served example's certificate) cannot be imported twice in one process
    result = pytester.runpytest_subprocess("--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=sum(code.count("def test_") for code in examples))


def test_readme_says_what_it_is_how_to_add_it_then_the_two_commands():
    text = README.read_text()
    assert text.startswith("# vcl_fake\n\n**vcl_fake** is a pure-Python, in-memory, stateful fake")
    install, demo, tests = re.findall(r"```sh\n(.*?)\n```", text, re.S)[:3]
    assert "# a checkout" in install and "# a wheel" in install and "git+https://" in install
    assert "vcl-fake demo" in demo
    assert "python -m pytest" in tests
    assert (
        "pip install -e '.[test,sdk]' && python -m pytest -n auto"
        in (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    )
