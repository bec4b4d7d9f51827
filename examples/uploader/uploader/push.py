"""Upload with ``requests``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from uploader.flow import Flow


def upload_template(
    base_url: str,
    user: str,
    password: str,
    library: str,
    item: str,
    files: Mapping[str, bytes],
    *,
    verify: bool | str = True,
) -> dict[str, Any]:
    """Upload ``files`` (name -> bytes) as the new content of ``item`` in ``library``;
    return the item as the server describes it afterwards."""
    with requests.Session() as http:
        http.verify = verify
        flow = Flow(
            http,
            base_url,
            send=lambda uri, data: http.put(uri, data=data, timeout=60),
            transient=(requests.ConnectionError,),
        )
        return flow.run(user, password, library, item, files)
