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
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    name: str | None = None,
    text_only: bool = False,
) -> Scenario:
    """A checked scenario from a file path, YAML text, or an already-loaded mapping.
    ``text_only``: a string is YAML text, never a path (what the control API receives)."""
    from vcl_fake.scenario.checks import parse
    from vcl_fake.scenario.loader import Document, Problem, ScenarioError, check_depth, load

    if isinstance(source, Mapping):
        check_depth(source, name or "<scenario>")
        return parse(Document(name or "<scenario>", dict(source)))
    text = str(source)
    is_path = "\n" not in text and text.endswith((".yaml", ".yml")) and not text_only
    if isinstance(source, os.PathLike) or is_path:
        path = Path(source)
        try:
            content = _read_file(path)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ScenarioError(
                [Problem(str(path), 1, 1, f"cannot read the file: {exc}")]
            ) from None
        return parse(load(content, str(path)), base_dir=path.parent)
    return parse(load(text, name or "<scenario>"))


def _read_file(path: Path) -> str:
    """A scenario file's text: a regular file of at most MAX_TEXT bytes."""
    from vcl_fake.scenario.loader import MAX_TEXT, read_regular

    return read_regular(path, MAX_TEXT).decode("utf-8")
