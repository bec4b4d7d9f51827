"""A built-in client that walks a realistic update-session flow against a fake and prints
a timeline, so a newcomer sees what the fake does (``vcl-fake demo``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

import requests

from vcl_fake.clock import ManualClock
from vcl_fake.fake import FakeVCenter

SESSIONS = "/api/content/library/item/update-session"


@dataclass
class Step:
    what: str
    method: str
    path: str
    status: int
    state: str
    preview: str
    note: str


class DemoClient:
    """Plain ``requests`` code, as a consumer would write it."""

    def __init__(self, vc: FakeVCenter, user: str, password: str) -> None:
        self.vc = vc
        self.http = requests.Session()
        self.steps: list[Step] = []
        self.names: dict[str, str] = {}  # long ids shown as {id} / {item}
        token = self.call("log in", "POST", "/api/session", auth=(user, password)).json()
        self.http.headers["vmware-api-session-id"] = token

    def call(self, what: str, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = self.http.request(method, self.vc.url + path, **kwargs)
        state = preview = note = ""
        body: Any = response.json() if response.content else None
        if isinstance(body, dict) and "error_type" in body:
            note = f"{body['error_type']}: {body['messages'][0]['default_message']}"
        elif isinstance(body, dict):
            state = body.get("state", "")
            preview = body.get("preview_info", {}).get("state", "")
            if "content_version" in body:
                note = f"content_version={body['content_version']}"
            elif "expiration_time" in body:
                note = f"progress {body['client_progress']}%, expires {body['expiration_time']}"
        elif isinstance(body, str) and what != "log in":
            note = body
        shown = path
        for value, name in self.names.items():
            shown = shown.replace(value, name)
            note = note.replace(value, name)
        self.steps.append(Step(what, method, shown, response.status_code, state, preview, note))
        return response

    def run(self, item_id: str) -> None:
        self.names = {item_id: "{item}"}
        created = self.call(
            "create session",
            "POST",
            SESSIONS,
            json={"library_item_id": item_id},
            headers={"Client-Token": str(uuid.uuid4())},
        )
        session_id = created.json()
        self.names = {session_id: "{id}", item_id: "{item}"}
        one = f"{SESSIONS}/{session_id}"
        self.call("read session", "GET", one)
        self.call("second session on the item", "POST", SESSIONS, json={"library_item_id": item_id})
        self.call(
            "report progress",
            "POST",
            one,
            params={"action": "keep-alive"},
            json={"client_progress": 50},
        )
        self.vc.clock.advance(120)
        self.call("read after 2 minutes", "GET", one)
        self.call("complete", "POST", one, params={"action": "complete"})
        self.call("poll session", "GET", one)
        self.call("read the item", "GET", f"/api/content/library/item/{item_id}")
        self.call("delete session", "DELETE", one)
        self.call("read deleted session", "GET", one)


def run_demo(out: TextIO, echo: Callable[[str], None] | None = None) -> int:
    """Run the built-in demo on a fresh fake with a manual clock; print the timeline."""
    with FakeVCenter(clock=ManualClock(), seed=1) as vc:
        library = vc.create_library("demo-library")
        item = vc.create_item(library, "photon-5-template")
        client = DemoClient(vc, "administrator@vsphere.local", "VMware1!")
        client.run(item)
    rows = [("#", "step", "request", "status", "state", "preview", "detail")]
    for n, s in enumerate(client.steps, 1):
        rows.append(
            (str(n), s.what, f"{s.method} {s.path}", str(s.status), s.state, s.preview, s.note)
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=False)] + [row[-1]]
        out.write("  ".join(cells).rstrip() + "\n")
    out.write(f"\n{len(client.steps)} requests answered by the fake at {vc.url}\n")
    return 0
