"""vcl_fake: a stateful, in-memory fake of the vSphere Content Library update-session API.

Names are imported on first use, so ``import vcl_fake`` (and the pytest plugin) cost almost
nothing until a fake is actually made.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vcl_fake.clock import Clock, ManualClock, SystemClock
    from vcl_fake.errors import VapiError
    from vcl_fake.fake import FakeVCenter
    from vcl_fake.journal import Call
    from vcl_fake.scenario import ScenarioError

__all__ = [
    "Call",
    "Clock",
    "FakeVCenter",
    "ManualClock",
    "ScenarioError",
    "SystemClock",
    "VapiError",
]
__version__ = "0.1.0"

_WHERE = {
    "Call": "vcl_fake.journal",
    "Clock": "vcl_fake.clock",
    "FakeVCenter": "vcl_fake.fake",
    "ManualClock": "vcl_fake.clock",
    "ScenarioError": "vcl_fake.scenario",
    "SystemClock": "vcl_fake.clock",
    "VapiError": "vcl_fake.errors",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'vcl_fake' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
