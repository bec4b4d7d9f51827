"""Reading scenario YAML safely, keeping where every value stood.

YAML is composed with ``yaml.SafeLoader`` (no object construction) and turned into plain data
by hand, so that duplicate keys and non-string keys (``on:``, ``yes:``, ``1:``, which YAML 1.1
reads as booleans or numbers) are refused, and every value's line and column is kept for
``file:line:col: message`` reports.

Hostile input is bounded: at most ``MAX_TEXT`` characters, ``MAX_DEPTH`` levels of nesting
(checked on the event stream, before anything recursive runs), ``MAX_VALUES`` values once
aliases are expanded (an alias bomb), and no alias may contain itself.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

Path = tuple[str | int, ...]
#: Limits of a scenario document (see docs/security.md).
MAX_TEXT = 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 100_000


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ValueError for anything else
    (a FIFO or a device is never waited on: it is opened non-blocking and refused)."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise ValueError("not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit} bytes")
    return data


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

    if len(text) > MAX_TEXT:
        raise ScenarioError([Problem(source, 1, 1, f"longer than {MAX_TEXT} characters")])
    try:
        _check_depth(text, source)
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
    walk = _Walk(doc, problems, constructor)
    try:
        doc.data = walk.convert(node, ())
    except _TooLarge as exc:
        raise ScenarioError([exc.problem]) from None
    if problems:
        raise ScenarioError(problems)
    return doc


def _check_depth(text: str, source: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH, found on the (iterative) event stream."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                why = f"nested more than {MAX_DEPTH} levels deep"
                raise ScenarioError([Problem(source, mark.line + 1, mark.column + 1, why)])
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def check_depth(data: Any, source: str) -> None:
    """The same MAX_DEPTH limit for an already-loaded mapping (iteratively)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                why = f"nested more than {MAX_DEPTH} levels deep"
                raise ScenarioError([Problem(source, 1, 1, why)])
            items = value.values() if isinstance(value, dict) else value
            stack.extend((v, depth + 1) for v in items)


class _TooLarge(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Walk:
    """YAML nodes to plain data, counting values and refusing aliases that contain
    themselves."""

    def __init__(self, doc: Document, problems: list[Problem], constructor: Any) -> None:
        self.doc, self.problems, self.constructor = doc, problems, constructor
        self.count = 0
        self.open: set[int] = set()  # ids of the collections being converted (an alias cycle)

    def convert(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            line, column = _position(node)
            why = f"more than {MAX_VALUES} values once aliases are expanded"
            raise _TooLarge(Problem(self.doc.source, line, column, why))
        if id(node) in self.open:
            line, column = _position(node)
            raise _TooLarge(Problem(self.doc.source, line, column, "an alias contains itself"))
        self.open.add(id(node))
        try:
            return _convert(node, path, self.doc, self.problems, self.constructor, self)
        finally:
            self.open.discard(id(node))


def _convert(
    node: yaml.Node,
    path: Path,
    doc: Document,
    problems: list[Problem],
    constructor: Any,
    walk: _Walk,
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
            key = walk.convert(key_node, (*path, "<key>"))
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
            out[key] = walk.convert(value_node, where)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [walk.convert(item, (*path, n)) for n, item in enumerate(node.value)]
    try:
        value = constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        line, column = _position(node)
        problems.append(Problem(doc.source, line, column, f"unreadable value: {exc}"))
        return None
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return node.value  # dates and times stay text: the schema reads them
    return value
