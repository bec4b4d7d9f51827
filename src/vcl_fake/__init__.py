"""vcl_fake: a stateful, in-memory fake of the vSphere Content Library update-session API."""

from vcl_fake.clock import Clock, ManualClock, SystemClock
from vcl_fake.dispatcher import Call
from vcl_fake.errors import VapiError
from vcl_fake.fake import FakeVCenter

__all__ = ["Call", "Clock", "FakeVCenter", "ManualClock", "SystemClock", "VapiError"]
__version__ = "0.1.0"
