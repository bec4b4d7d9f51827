"""Scenario files: YAML that scripts preview outcomes, certificate warnings, errors and faults.

``read(path_or_text_or_dict)`` parses and checks a scenario (raising ScenarioError that lists
every problem as ``file:line:col: message``); ``FakeVCenter(scenario=...)`` and
``vc.load_scenario(...)`` apply it. See docs/scenarios.md. The modules load on first use.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vcl_fake.scenario.data import Scenario
    from vcl_fake.scenario.loader import Problem, ScenarioError

__all__ = ["Problem", "Scenario", "ScenarioError", "read"]
_WHERE = {
    "Problem": "vcl_fake.scenario.loader",
    "ScenarioError": "vcl_fake.scenario.loader",
    "Scenario": "vcl_fake.scenario.data",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'vcl_fake.scenario' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)


def read(
    source: str | os.PathLike[str] | Mapping[str, Any], *, name: str | None = None
) -> Scenario:
    """A checked scenario from a file path, YAML text, or an already-loaded mapping."""
    from vcl_fake.scenario.checks import parse
    from vcl_fake.scenario.loader import Document, Problem, ScenarioError, load

    if isinstance(source, Mapping):
        return parse(Document(name or "<scenario>", dict(source)))
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
