"""The fake vCenter's state and behaviour, with no HTTP: see :class:`Backend`."""

from vcl_fake.backend.core import Backend

__all__ = ["Backend"]
