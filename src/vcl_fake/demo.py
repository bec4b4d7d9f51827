"""A built-in client that walks a realistic upload against a fake, under a scenario if given,
and prints the fake's timeline (``vcl-fake demo [SCENARIO]``), the table ``vc.timeline()``
prints and a failing test's report shows.

The client is plain ``requests`` code, written the way careful consumer code is: it logs in
again on 401, cleans up a forgotten session on RESOURCE_BUSY, retries uploads and complete on
transient failures, polls the preview and ignores the warnings it saw (as VMware's sample
does), validates, completes, polls until the session ends, and deletes it.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import requests

from vcl_fake import packages
from vcl_fake.fake import FakeVCenter
from vcl_fake.scenario import Scenario, read

USER = ("administrator@vsphere.local", "VMware1!")
SESSIONS = "/api/content/library/item/update-session"
TRANSIENT = (requests.ConnectionError, requests.Timeout)


@dataclass
class Step:
    what: str
    request: str
    status: str
    state: str = ""
    preview: str = ""
    detail: str = ""


@dataclass
class DemoResult:
    steps: list[Step] = field(default_factory=list)
    outcome: str = ""  # the session's final state, or why the client gave up
    failures: list[str] = field(default_factory=list)  # unmet scenario expectations


class GiveUp(Exception):
    """The client stops: what a real script would report to its user."""


class DemoClient:
    def __init__(self, vc: FakeVCenter, user: tuple[str, str]) -> None:
        self.vc = vc
        self.user = user
        self.http = requests.Session()
        self.steps: list[Step] = []
        self.names: dict[str, str] = {}

    # --- one request, recorded ---------------------------------------------------------------
    def call(
        self, what: str, method: str, path: str, *, retry_auth: bool = True, **kw: Any
    ) -> requests.Response | None:
        url = path if path.startswith("http") else self.vc.url + path
        shown = self._short(re.sub(r"^https?://[^/]+", "", path))
        try:
            response = self.http.request(method, url, timeout=30, **kw)
            body: Any = (
                response.json()
                if response.content and "json" in response.headers.get("Content-Type", "")
                else None
            )
        except (*TRANSIENT, requests.exceptions.ChunkedEncodingError) as exc:
            self.steps.append(
                Step(
                    what, f"{method} {shown}", type(exc).__name__, detail=self._short(str(exc))[:90]
                )
            )
            return None
        step = Step(what, f"{method} {shown}", str(response.status_code))
        if isinstance(body, dict) and "error_type" in body:
            step.detail = self._short(
                f"{body['error_type']}: {body['messages'][0]['default_message']}"
            )
        elif isinstance(body, dict):
            step.state = str(body.get("state", body.get("status", "")))
            preview = body.get("preview_info") or {}
            step.preview = preview.get("state", "")
            warnings = [
                w["type"] + (" (ignored)" if w["ignored"] else "")
                for w in preview.get("warnings", [])
            ]
            step.detail = ", ".join(warnings) or self._describe(body)
        self.steps.append(step)
        if response.status_code == 401 and retry_auth and what != "log in":
            self.login()
            return self.call(what + " (again)", method, path, retry_auth=False, **kw)
        return response

    def _describe(self, body: dict[str, Any]) -> str:
        if "content_version" in body:
            return f"content_version={body['content_version']}"
        if "has_errors" in body:
            invalid = [f["name"] for f in body["invalid_files"]]
            return f"missing={body['missing_files']} invalid={invalid}"
        if "bytes_transferred" in body:
            return f"{body['bytes_transferred']} bytes"
        return ""

    def _short(self, text: str) -> str:
        for value, name in self.names.items():
            text = text.replace(value, name)
        return text

    def ok(self, response: requests.Response | None, *codes: int) -> bool:
        return response is not None and response.status_code in (codes or (200, 201, 204))

    # --- the flow --------------------------------------------------------------------------------
    def login(self) -> None:
        response = self.call("log in", "POST", "/api/session", auth=self.user)
        if not self.ok(response, 201):
            raise GiveUp("cannot log in")
        assert response is not None
        self.http.headers["vmware-api-session-id"] = response.json()

    def create_session(self, item_id: str) -> str:
        for _ in range(2):
            response = self.call(
                "create session",
                "POST",
                SESSIONS,
                json={"library_item_id": item_id},
                headers={"Client-Token": str(uuid.uuid4())},
            )
            if self.ok(response, 201):
                assert response is not None
                session_id = response.json()
                self.names[session_id] = "{session}"
                return session_id
            if response is not None and response.json().get("error_type") == "RESOURCE_BUSY":
                self.cancel_forgotten(item_id)
                continue
            raise GiveUp("cannot create an update session")
        raise GiveUp("the item stays busy")

    def cancel_forgotten(self, item_id: str) -> None:
        listed = self.call(
            "find forgotten sessions", "GET", SESSIONS, params={"library_item_id": item_id}
        )
        for session_id in listed.json() if self.ok(listed, 200) and listed is not None else []:
            self.names.setdefault(session_id, "{forgotten}")
            state = self.call("inspect it", "GET", f"{SESSIONS}/{session_id}")
            if self.ok(state, 200) and state is not None and state.json()["state"] == "ACTIVE":
                self.call(
                    "cancel it", "POST", f"{SESSIONS}/{session_id}", params={"action": "cancel"}
                )

    def add_and_send(self, session_id: str, name: str, data: bytes, pull_uri: str | None) -> None:
        files = f"{SESSIONS}/{session_id}/file"
        checksum = {"algorithm": "SHA256", "checksum": hashlib.sha256(data).hexdigest()}
        spec: dict[str, Any] = {"name": name, "checksum_info": checksum}
        if pull_uri is not None:
            spec.update(source_type="PULL", source_endpoint={"uri": pull_uri})
            self.call(f"add {name} (PULL)", "POST", files, json=spec)
            return
        spec.update(source_type="PUSH", size=len(data))
        response = self.call(f"add {name}", "POST", files, json=spec)
        if not self.ok(response, 200):
            raise GiveUp(f"cannot add {name}")
        assert response is not None
        uri = response.json()["upload_endpoint"]["uri"]
        self.names[uri.rsplit("/", 2)[-2]] = "{token}"
        for attempt in range(3):
            sent = self.call(
                f"upload {name}" + (" (retry)" if attempt else ""),
                "PUT",
                uri,
                data=data,
                headers={"Content-Type": "application/octet-stream"},
            )
            if self.ok(sent, 200):
                return
            if sent is not None and sent.status_code < 500:
                raise GiveUp(f"the upload of {name} was refused ({sent.status_code})")

    def poll(
        self,
        session_id: str,
        what: str,
        done: Callable[[dict[str, Any]], bool],
        every: float,
        limit: int,
    ) -> dict[str, Any]:
        for _ in range(limit):
            response = self.call(what, "GET", f"{SESSIONS}/{session_id}")
            if not self.ok(response, 200):
                raise GiveUp("the session is gone")
            assert response is not None
            model = response.json()
            if done(model):
                return model
            self.vc.clock.advance(every)
        raise GiveUp(f"gave up after {limit} polls")

    def complete(self, session_id: str) -> str | None:
        """Complete (retrying transient failures); the reason if the server refused it."""
        for attempt in range(3):
            response = self.call(
                "complete" + (" (retry)" if attempt else ""),
                "POST",
                f"{SESSIONS}/{session_id}",
                params={"action": "complete"},
            )
            if self.ok(response, 204):
                return None
            if response is not None and response.status_code < 500:
                return str(response.json()["messages"][0]["default_message"])
            self.vc.clock.advance(5)
        return "complete kept failing"


def _package(vc: FakeVCenter, demo: dict[str, Any]) -> dict[str, bytes]:
    disk = bytes(range(256)) * 256
    kind, signing = demo.get("package", "ovf"), demo.get("signing", "none")
    if kind == "iso":
        return {"photon-5.iso": disk}
    now = vc.clock.now()
    signer = None
    if signing == "self_signed":
        signer = packages.signing_certificate("CN=Demo Self Signer")
    elif signing in ("trusted", "untrusted", "expired", "not_yet_valid"):
        root = packages.certificate_authority("CN=Demo Root CA")
        if signing != "untrusted":
            vc.trust(root.certificate_pem)
        start, end = now - dt.timedelta(days=365), now + dt.timedelta(days=365)
        if signing == "expired":
            end = now - dt.timedelta(days=1)
        elif signing == "not_yet_valid":
            start = now + dt.timedelta(days=30)
        signer = packages.signing_certificate(
            "CN=Demo Signer", issuer=root, not_before=start, not_after=end
        )
    files = {"photon-5-disk1.vmdk": disk}
    package = (
        packages.signed_ovf("photon-5", files, signer)
        if signer
        else packages.ovf_package("photon-5", files)
    )
    if kind == "ova":
        return {"photon-5.ova": packages.ova(package)}
    return package


def _order(name: str) -> tuple[int, str]:
    return (0 if name.endswith((".mf", ".cert")) else 1 if name.endswith(".ovf") else 2, name)


def run(vc: FakeVCenter, scenario: Scenario | None) -> DemoResult:
    """Walk the flow against an active fake; the fake's expectations are checked at the end."""
    demo = scenario.demo if scenario else {}
    users = scenario.setup.get("users") if scenario else None
    client = DemoClient(vc, next(iter(users.items())) if users else USER)
    result = DemoResult(client.steps)
    item_id = _item(vc, demo.get("item"))
    client.names[item_id] = "{item}"
    package = _package(vc, demo)
    pull = demo.get("transfer") == "pull"
    try:
        client.login()
        session_id = client.create_session(item_id)
        for name in sorted(package, key=_order):
            if any(fnmatch.fnmatchcase(name, g) for g in demo.get("skip_files", [])):
                continue
            uri = None
            if pull:
                uri = f"https://depot.example.org/{name}"
                if not vc.has_source(uri):
                    vc.add_source(uri, package[name], rate=len(package[name]) / 4)
            client.add_and_send(session_id, name, package[name], uri)
        model = client.poll(
            session_id,
            "poll preview",
            lambda m: (
                m.get("state") != "ACTIVE"
                or m["preview_info"]["state"] in ("AVAILABLE", "NOT_APPLICABLE", "UNAVAILABLE")
            ),
            1,
            30,
        )
        warnings = (model.get("preview_info") or {}).get("warnings") or []
        if warnings:
            behavior = [{"type": w["type"], "ignored": True} for w in warnings]
            client.call(
                "ignore the warnings seen",
                "PATCH",
                f"{SESSIONS}/{session_id}",
                json={"warning_behavior": behavior},
            )
        client.call(
            "validate", "POST", f"{SESSIONS}/{session_id}/file", params={"action": "validate"}
        )
        refused = client.complete(session_id)
        if refused is not None:
            state = client.call("read session", "GET", f"{SESSIONS}/{session_id}")
            if client.ok(state, 200) and state is not None and state.json()["state"] == "ACTIVE":
                body = {"client_error_message": f"giving up: {refused}"}
                client.call(
                    "fail the session",
                    "POST",
                    f"{SESSIONS}/{session_id}",
                    params={"action": "fail"},
                    json=body,
                )
            raise GiveUp(f"complete refused: {refused}")
        model = client.poll(
            session_id,
            "poll session",
            lambda m: m["state"] != "ACTIVE" or not m.get("preview_info"),
            3,
            100,
        )
        result.outcome = model["state"]
        if model["state"] != "ACTIVE":
            client.call("delete session", "DELETE", f"{SESSIONS}/{session_id}")
        client.call("read the item", "GET", f"/api/content/library/item/{item_id}")
    except GiveUp as stop:
        result.outcome = f"gave up: {stop}"
    result.failures = vc.check_expectations()
    return result


def _item(vc: FakeVCenter, name: str | None) -> str:
    for item in vc.items():
        if name is None or item["name"] == name:
            return str(item["id"])
    if name is not None:
        raise ValueError(f"the scenario's demo.item {name!r} is not in its setup")
    return vc.create_item(vc.create_library("demo-library"), "photon-5-template")


def run_demo(out: TextIO, scenario: str | None = None, params: dict[str, str] | None = None) -> int:
    """Run the demo on a fresh fake (under ``scenario`` if given) and print the timeline."""
    script = read(scenario, params=params or None) if scenario else None
    with FakeVCenter(scenario=script, seed=1, clock=None if script else _manual()) as vc:
        result = run(vc, script)
    title = (
        f"scenario {script.name!r}: {script.description.strip()}"
        if script
        else "built-in demo (no scenario)"
    )
    out.write(title.rstrip() + "\n\n")
    vc.timeline(out)  # the fake's view of every request: the table a failing test shows
    count = len(vc.calls)
    out.write(f"\noutcome: {result.outcome}; {count} requests answered by the fake at {vc.url}\n")
    if script and script.expect:
        if result.failures:
            out.write("expectations NOT met:\n" + "".join(f"  - {f}\n" for f in result.failures))
        else:
            out.write("expectations met\n")
    return 1 if result.failures else 0


def _manual() -> Any:
    from vcl_fake.clock import ManualClock

    return ManualClock()
