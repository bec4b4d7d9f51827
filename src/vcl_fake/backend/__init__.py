"""The fake vCenter's state and behaviour, with no HTTP: see :class:`Backend`.

What code outside the package may use: the :class:`Backend` and its public methods, the
records it hands out, and the helpers for sources and certificates.
"""

from vcl_fake.backend.core import Backend, Context
from vcl_fake.backend.records import ItemFile, SessionFile, UpdateSession
from vcl_fake.backend.sources import Source, load_certificates, make_source, thumbprint

__all__ = [
    "Backend",
    "Context",
    "ItemFile",
    "SessionFile",
    "Source",
    "UpdateSession",
    "load_certificates",
    "make_source",
    "thumbprint",
]
