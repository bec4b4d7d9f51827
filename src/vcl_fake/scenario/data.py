"""Scenario files as typed data: :class:`Scenario` and its rules, and the units scenario files
write (durations, sizes, rates) with their parsers. The checks that build them are in
:mod:`vcl_fake.scenario.checks`."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_SIZES = {
    "B": 1,
    "KB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
    "KiB": 1024,
    "MiB": 1024**2,
    "GiB": 1024**3,
}
_NUMBER_UNIT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)(/s)?\s*$")


def seconds(text: str) -> float:
    number, unit, _ = _NUMBER_UNIT.match(text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def size(value: int | str) -> int:
    if isinstance(value, int):
        return value
    number, unit, _ = _NUMBER_UNIT.match(value).groups()  # type: ignore[union-attr]
    return int(float(number) * _SIZES[unit])


def rate(value: float | str) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    number, unit, _ = _NUMBER_UNIT.match(value).groups()  # type: ignore[union-attr]
    return float(number) * _SIZES[unit]


@dataclass(frozen=True)
class Match:
    operations: frozenset[str]
    file: str | None = None
    item: str | None = None
    protocol: str | None = None

    def covers(self, other: Match) -> bool:
        """Does every call ``other`` matches also match this?"""
        return (
            self.operations >= other.operations
            and self.file in (None, other.file)
            and self.item in (None, other.item)
            and self.protocol in (None, other.protocol)
        )


@dataclass(frozen=True)
class When:
    nth: int | None = None
    times: int | None = None
    after: str | None = None
    at: _dt.datetime | None = None
    after_time: float | None = None

    @property
    def always(self) -> bool:
        return self == When()


@dataclass(frozen=True)
class Rule:
    index: int
    name: str
    match: Match
    when: When
    action: str
    argument: Any
    description: str = ""


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str = ""
    source: str = "<scenario>"
    base_dir: Path | None = None
    clock_start: _dt.datetime | None = None
    clock_mode: str | None = None
    seed: int | None = None
    setup: dict[str, Any] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    expect: dict[str, Any] = field(default_factory=dict)
    demo: dict[str, Any] = field(default_factory=dict)


#: The largest PEM file a scenario may name.
MAX_PEM_FILE = 1024 * 1024


def resolve(path: str, base_dir: Path | None) -> Path:
    """The regular file ``path`` names inside the scenario's own folder (symbolic links
    resolved first); ValueError for anything else. A scenario given as text or data (the
    control API's) has no folder, so it names no files."""
    import stat

    if base_dir is None:
        raise ValueError(f"{path}: only a scenario read from a file may name files")
    candidate = Path(path)
    if candidate.is_absolute():
        raise ValueError(f"{path}: files are named relative to the scenario's folder")
    root = base_dir.resolve()
    target = (root / candidate).resolve()
    if not target.is_relative_to(root):
        raise ValueError(f"{path}: outside the scenario's folder")
    try:
        mode = target.stat().st_mode
    except OSError:
        raise ValueError(f"no such file: {path}") from None
    if not stat.S_ISREG(mode):
        raise ValueError(f"{path}: not a regular file")
    return target


def read_pem(value: str, base_dir: Path | None) -> str:
    """PEM text given inline, or read from a file in the scenario's folder (at most
    MAX_PEM_FILE bytes)."""
    if "-----BEGIN" in value:
        return value
    from vcl_fake.scenario.loader import read_regular

    path = resolve(value, base_dir)
    try:
        return read_regular(path, MAX_PEM_FILE).decode("ascii")
    except UnicodeDecodeError:
        raise ValueError(f"{value}: not a PEM text file") from None
    except ValueError as exc:
        raise ValueError(f"{value}: {exc}") from None
