"""What scenario rules see of one call (kept apart so the dispatcher loads no scenario code)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Event:
    """One call as rules see it."""

    protocol: str
    operation: str
    raw: Mapping[str, Any]
    rule: str | None = None  # set when a rule fires
    truncate: bool = False  # answer, but cut the response body short
    shown: Mapping[str, Any] = field(default_factory=dict)  # what the journal records as input

    def __post_init__(self) -> None:
        self.shown = self.shown or self.raw
