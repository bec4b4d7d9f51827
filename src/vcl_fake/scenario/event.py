"""What scenario rules see of one call (kept apart so the dispatcher loads no scenario code)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class Event:
    """One call as rules see it."""

    protocol: str
    operation: str
    raw: Mapping[str, Any]
    rule: str | None = None  # set when a rule fires
    truncate: bool = False  # answer, but cut the response body short
