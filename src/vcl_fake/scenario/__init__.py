"""Scenario files: YAML that scripts preview outcomes, certificate warnings, errors and faults.

``read(name_or_path_or_text_or_dict, params=...)`` parses and checks a scenario (raising
ScenarioError that lists every problem as ``file:line:col: message``);
``FakeVCenter(scenario=...)`` and ``vc.load_scenario(...)`` apply it. A bare name
(``"checksum-mismatch"``) is one of the bundled scenarios (:func:`bundled`). See
docs/scenarios.md. The modules load on first use.
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vcl_fake.scenario.data import Scenario
    from vcl_fake.scenario.loader import Problem, ScenarioError

__all__ = ["Problem", "Scenario", "ScenarioError", "bundled", "read"]
_WHERE = {
    "Problem": "vcl_fake.scenario.loader",
    "ScenarioError": "vcl_fake.scenario.loader",
    "Scenario": "vcl_fake.scenario.data",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'vcl_fake.scenario' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def bundled() -> dict[str, Path]:
    """The scenario library shipped with vcl_fake: name -> file."""
    from importlib import resources

    root = Path(str(resources.files("vcl_fake") / "scenarios"))
    if not root.is_dir():  # running from a source checkout
        root = Path(__file__).resolve().parents[3] / "scenarios"
    return {p.stem: p for p in sorted(root.glob("*.yaml"))}


def is_name(text: str) -> bool:
    """Does ``text`` look like a bundled scenario's name (not YAML text, not a file name)?"""
    return len(text) <= 100 and bool(_NAME.fullmatch(text)) and not text.endswith((".yaml", ".yml"))


def read(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    name: str | None = None,
    text_only: bool = False,
    params: Mapping[str, str] | None = None,
) -> Scenario:
    """A checked scenario from a bundled scenario's name, a file path, YAML text, or an
    already-loaded mapping; ``params`` fill its ``${name}`` placeholders (the scenario's
    ``parameters`` give the defaults). ``text_only``: a string is YAML text or a bundled
    name, never a path (what the control API receives)."""
    from vcl_fake.scenario.checks import parse
    from vcl_fake.scenario.loader import Document, Problem, ScenarioError, check_depth, load

    if isinstance(source, Mapping):
        check_depth(source, name or "<scenario>")
        return parse(Document(name or "<scenario>", dict(source)), params=params)
    text = str(source)
    if isinstance(source, str) and is_name(text) and (text_only or not Path(text).is_file()):
        library = bundled()
        if text not in library:
            close = difflib.get_close_matches(text, list(library), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ScenarioError(
                [
                    Problem(
                        text,
                        1,
                        1,
                        f"no scenario file or bundled scenario named {text!r}{hint} "
                        f"(bundled: {', '.join(library)})",
                    )
                ]
            )
        source, text_only = library[text], False
    is_path = "\n" not in text and text.endswith((".yaml", ".yml")) and not text_only
    if isinstance(source, os.PathLike) or is_path:
        path = Path(source)
        try:
            content = _read_file(path)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ScenarioError(
                [Problem(str(path), 1, 1, f"cannot read the file: {exc}")]
            ) from None
        return parse(load(content, str(path)), base_dir=path.parent, params=params)
    return parse(load(text, name or "<scenario>"), params=params)


def _read_file(path: Path) -> str:
    """A scenario file's text: a regular file of at most MAX_TEXT bytes."""
    from vcl_fake.scenario.loader import MAX_TEXT, read_regular

    return read_regular(path, MAX_TEXT).decode("utf-8")
