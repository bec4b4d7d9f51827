"""The README's consumer test must run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_consumer_example_passes(pytester: pytest.Pytester):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    consumer = next(b for b in blocks if "def test_" in b)
    pytester.makepyfile(test_readme_example=consumer)
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)


def test_readme_opens_with_the_two_commands():
    text = README.read_text()
    commands = re.findall(r"```sh\n(.*?)\n```", text, re.S)[:2]
    assert "vcl-fake demo" in commands[0]
    assert "python -m pytest" in commands[1]
    assert (
        "pip install -e '.[test,sdk]' && python -m pytest -n auto"
        in (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    )
