"""The upload flow, written once for any client with a requests-like API (``requests.Session``
or ``httpx.Client``): log in, find the library, find or create the item, open an update
session, add and send each file with its SHA-256, validate, complete (retrying while the
server is busy), wait for the session to end, and delete it when it succeeded. A session
that failed is left for an operator to read (it expires on its own)."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

SESSIONS = "/api/content/library/item/update-session"
RETRIES = 3
PAUSE = 0.2  # seconds between retries and polls


class UploadError(Exception):
    """The upload failed; the message says why, as the server said it."""


class Flow:
    def __init__(
        self,
        http: Any,
        base_url: str,
        send: Callable[[str, bytes], Any],
        transient: tuple[type[BaseException], ...],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http, self.base, self.send, self.transient, self.sleep = (
            http,
            base_url.rstrip("/"),
            send,
            transient,
            sleep,
        )

    def call(self, method: str, path: str, ok: tuple[int, ...], **kwargs: Any) -> Any:
        response = self.http.request(method, self.base + path, **kwargs)
        if response.status_code not in ok:
            raise UploadError(f"{method} {path}: {response.status_code} {_reason(response)}")
        return response.json() if response.content else None

    def run(
        self, user: str, password: str, library: str, item: str, files: Mapping[str, bytes]
    ) -> dict[str, Any]:
        token = self.call("POST", "/api/session", (201,), auth=(user, password))
        self.http.headers["vmware-api-session-id"] = token
        found = self.call(
            "POST",
            "/api/content/library",
            (200,),
            params={"action": "find"},
            json={"name": library},
        )
        if not found:
            raise UploadError(f"no library named {library!r}")
        item_id = self.item(found[0], item, files)
        session = self.call(
            "POST",
            SESSIONS,
            (201,),
            json={"library_item_id": item_id},
            headers={"Client-Token": str(uuid.uuid4())},
        )
        state = self.upload(session, files)
        if state != "DONE":
            model = self.call("GET", f"{SESSIONS}/{session}", (200,))
            raise UploadError(f"the update session ended {state}: {_message(model)}")
        self.call("DELETE", f"{SESSIONS}/{session}", (204,))
        return self.call("GET", f"/api/content/library/item/{item_id}", (200,))

    def item(self, library_id: str, name: str, files: Mapping[str, bytes]) -> str:
        spec = {"library_id": library_id, "name": name}
        found = self.call(
            "POST", "/api/content/library/item", (200,), params={"action": "find"}, json=spec
        )
        if found:
            return str(found[0])
        kind = "iso" if all(n.endswith(".iso") for n in files) else "ovf"
        return str(
            self.call("POST", "/api/content/library/item", (201,), json={**spec, "type": kind})
        )

    def upload(self, session: str, files: Mapping[str, bytes]) -> str:
        for name, data in files.items():
            spec = {
                "name": name,
                "source_type": "PUSH",
                "size": len(data),
                "checksum_info": {
                    "algorithm": "SHA256",
                    "checksum": hashlib.sha256(data).hexdigest(),
                },
            }
            added = self.http.post(f"{self.base}{SESSIONS}/{session}/file", json=spec)
            if added.status_code != 200:
                return self.state(session)  # the session broke (a damaged file before this one)
            self.put(added.json()["upload_endpoint"]["uri"], data)
        state = self.state(session)
        if state != "ACTIVE":  # a file arrived damaged, say
            return state
        check = self.call(
            "POST", f"{SESSIONS}/{session}/file", (200,), params={"action": "validate"}
        )
        if check["has_errors"]:
            self.call(
                "POST",
                f"{SESSIONS}/{session}",
                (204,),
                params={"action": "fail"},
                json={"client_error_message": f"missing {check['missing_files']}"},
            )
            return self.state(session)
        self.complete(session)
        for _ in range(300):
            state = self.state(session)
            if state != "ACTIVE":
                return state
            self.sleep(PAUSE)
        raise UploadError("the update session did not end")

    def put(self, uri: str, data: bytes) -> None:
        for attempt in range(RETRIES):
            try:
                response = self.send(uri, data)
            except self.transient:
                if attempt == RETRIES - 1:
                    raise
                continue
            if response.status_code == 200:
                return
            raise UploadError(f"the upload was refused: {response.status_code}")

    def complete(self, session: str) -> None:
        for _ in range(RETRIES):
            response = self.http.post(
                f"{self.base}{SESSIONS}/{session}", params={"action": "complete"}
            )
            if response.status_code == 204:
                return
            if response.status_code != 503:  # refused for good: the session says why
                return
            self.sleep(PAUSE)
        raise UploadError("complete kept answering 503")

    def state(self, session: str) -> str:
        return str(self.call("GET", f"{SESSIONS}/{session}", (200,))["state"])


def _reason(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return _message(body) if isinstance(body, dict) else str(body)


def _message(body: dict[str, Any]) -> str:
    error = body.get("error_message") or body
    messages = error.get("messages") if isinstance(error, dict) else None
    if messages:
        return str(messages[0]["default_message"])
    if isinstance(error, dict) and "default_message" in error:
        return str(error["default_message"])
    return str(body)
