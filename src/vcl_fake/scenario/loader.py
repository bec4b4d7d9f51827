"""Reading scenario YAML safely, keeping where every value stood.

YAML is composed with ``yaml.SafeLoader`` (no object construction) and turned into plain data
by hand, so that duplicate keys and non-string keys (``on:``, ``yes:``, ``1:``, which YAML 1.1
reads as booleans or numbers) are refused, and every value's line and column is kept for
``file:line:col: message`` reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One problem in a scenario file."""

    source: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}: {self.message}"


class ScenarioError(ValueError):
    """A scenario file has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Document:
    """Plain data from YAML, with the position of every value and every mapping key."""

    source: str
    data: Any
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def at(self, path: Path, message: str, *, key: bool = False) -> Problem:
        """A problem at ``path`` (the key's position with ``key=True``), else the nearest parent."""
        table = self.keys if key and path in self.keys else self.values
        probe = path
        while probe not in table and probe:
            probe = probe[:-1]
        line, column = table.get(probe, (1, 1))
        return Problem(self.source, line, column, message)


def load(text: str, source: str) -> Document:
    """Parse ``text``; raise ScenarioError (with positions) for YAML or key problems."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([Problem(source, line, column, f"not valid YAML: {reason}")]) from None
    doc = Document(source, None)
    if node is None:
        raise ScenarioError([Problem(source, 1, 1, "the file is empty")])
    problems: list[Problem] = []
    constructor = yaml.SafeLoader("")
    doc.data = _convert(node, (), doc, problems, constructor)
    if problems:
        raise ScenarioError(problems)
    return doc


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _convert(
    node: yaml.Node, path: Path, doc: Document, problems: list[Problem], constructor: Any
) -> Any:
    import yaml

    doc.values[path] = _position(node)
    if not node.tag.startswith("tag:yaml.org,2002:") or node.tag.startswith(
        "tag:yaml.org,2002:python"
    ):
        line, column = _position(node)
        problems.append(Problem(doc.source, line, column, f"tag {node.tag!r} is not allowed"))
        return None
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line, column = _position(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(doc.source, line, column, "a key must be plain text"))
                continue
            key = _convert(key_node, (*path, "<key>"), doc, problems, constructor)
            if not isinstance(key, str):
                text = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                kind = {bool: "a boolean", int: "a number", float: "a number"}.get(
                    type(key), "not a string"
                )
                problems.append(
                    Problem(
                        doc.source,
                        line,
                        column,
                        f"key {text!r} is read as {kind} by YAML; quote it",
                    )
                )
                continue
            if key in out:
                problems.append(Problem(doc.source, line, column, f"duplicate key {key!r}"))
                continue
            where = (*path, key)
            doc.keys[where] = (line, column)
            out[key] = _convert(value_node, where, doc, problems, constructor)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, n), doc, problems, constructor)
            for n, item in enumerate(node.value)
        ]
    try:
        value = constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        line, column = _position(node)
        problems.append(Problem(doc.source, line, column, f"unreadable value: {exc}"))
        return None
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return node.value  # dates and times stay text: the schema reads them
    return value
