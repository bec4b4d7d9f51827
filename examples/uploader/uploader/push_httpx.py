"""Upload with ``httpx`` (a caller may hand in the transport, as tests do)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from uploader.flow import Flow


def upload_template(
    base_url: str,
    user: str,
    password: str,
    library: str,
    item: str,
    files: Mapping[str, bytes],
    *,
    transport: httpx.BaseTransport | None = None,
    verify: bool | str = True,
) -> dict[str, Any]:
    """As :func:`uploader.push.upload_template`, over httpx."""
    with httpx.Client(transport=transport, verify=verify, timeout=60) as http:
        flow = Flow(
            http,
            base_url,
            send=lambda uri, data: http.put(uri, content=data),
            transient=(httpx.TransportError,),
        )
        return flow.run(user, password, library, item, files)
