"""The README's consumer test must run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_test_examples_pass(pytester: pytest.Pytester):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    examples = [b for b in blocks if "def test_" in b]
    assert len(examples) >= 2
    pytester.makepyfile(**{f"test_readme_{n}": code for n, code in enumerate(examples)})
    # a subprocess: an in-process run drops the modules it imported first, and cryptography
    # (the served example's certificate) cannot be imported twice in one process
    result = pytester.runpytest_subprocess("--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(examples))


def test_readme_opens_with_the_two_commands():
    text = README.read_text()
    commands = re.findall(r"```sh\n(.*?)\n```", text, re.S)[:2]
    assert "vcl-fake demo" in commands[0]
    assert "python -m pytest" in commands[1]
    assert (
        "pip install -e '.[test,sdk]' && python -m pytest -n auto"
        in (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    )
