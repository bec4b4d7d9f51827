"""Scenario files: YAML that scripts preview outcomes, certificate warnings, errors and faults.

``read(path_or_text_or_dict)`` parses and checks a scenario (raising ScenarioError that lists
every problem as ``file:line:col: message``); ``FakeVCenter(scenario=...)`` and
``vc.load_scenario(...)`` apply it. See docs/scenarios.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vcl_fake.scenario.loader import Document, Problem, ScenarioError, load
from vcl_fake.scenario.model import Scenario, parse

__all__ = ["Problem", "Scenario", "ScenarioError", "read"]


def read(
    source: str | os.PathLike[str] | Mapping[str, Any], *, name: str | None = None
) -> Scenario:
    """A checked scenario from a file path, YAML text, or an already-loaded mapping."""
    if isinstance(source, Mapping):
        doc = Document(name or "<scenario>", dict(source))
        return parse(doc)
    text = str(source)
    if isinstance(source, os.PathLike) or ("\n" not in text and text.endswith((".yaml", ".yml"))):
        path = Path(source)
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(
                [Problem(str(path), 1, 1, f"cannot read the file: {exc}")]
            ) from None
        return parse(load(content, str(path)), base_dir=path.parent)
    return parse(load(text, name or "<scenario>"))
