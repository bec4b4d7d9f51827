"""The official Python SDK against a fake, closed properly.

``create_vsphere_client`` returns a client that logs out in ``__del__``: left to the garbage
collector, that logout reaches whatever answers the same host later (another test's fake, or
the real network). :func:`vsphere_client` logs out while the fake still runs, exactly once::

    with vsphere_client(fake_vcenter) as client:
        client.content.Library.list()

The SDK (``vmware-vcenter``) is not a dependency of vcl_fake; install it yourself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vcl_fake.fake import FakeVCenter


@contextlib.contextmanager
def vsphere_client(
    vc: FakeVCenter,
    *,
    username: str | None = None,
    password: str | None = None,
    session: Any = None,
    server: str | None = None,
) -> Iterator[Any]:
    """A logged-in ``VsphereClient`` for ``vc`` (the first user by default; ``server`` to
    reach a served fake, e.g. ``"127.0.0.1:8443"``), logged out on leaving the block."""
    import requests
    from vmware.vapi.vsphere.client import create_vsphere_client

    if username is None:
        username, default_password = next(iter(vc.users.items()))
        password = default_password if password is None else password
    client = create_vsphere_client(
        server=server or vc.host,
        username=username,
        password=password,
        session=session if session is not None else requests.Session(),
    )
    try:
        yield client
    finally:
        client.__exit__(None, None, None)  # log out now, while the fake answers
        client.session_svc = None  # and not again when the client is collected
