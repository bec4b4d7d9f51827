"""Scenario rules at run time, and the checks of ``expect``.

The dispatcher (and the upload data plane) call :meth:`Engine.before` for every operation,
under the backend lock, once the caller is authenticated. Every rule counts the calls its
``match`` matches (``nth`` refers to that count, whatever other rules did); of the rules whose
``when`` selects the call, the first in the file fires, alone.
What a rule does is its action's declared effect (:mod:`vcl_fake.scenario.actions`):
answering actions raise, shaping actions act and let the model answer.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
from typing import TYPE_CHECKING

from vcl_fake.scenario.actions import ACTIONS
from vcl_fake.scenario.data import Rule, Scenario
from vcl_fake.scenario.event import Event

if TYPE_CHECKING:
    from vcl_fake.backend import Backend
    from vcl_fake.backend.records import Lease
    from vcl_fake.journal import Call


class Engine:
    def __init__(self, scenario: Scenario, target: Backend) -> None:
        self.scenario = scenario
        self.target = target  # what rules act on, through its public methods
        self.started = target.now()
        self.seen = [0] * len(scenario.rules)
        self.fired = [0] * len(scenario.rules)
        # What expectations need of the calls, counted as they end (the journal is bounded).
        self.operations: set[str] = set()
        self.session_items: set[str] = set()  # items an update session was created for

    # --- matching ----------------------------------------------------------------------------
    def before(self, event: Event) -> None:
        chosen = None
        for rule in self.scenario.rules:
            if not self._matches(rule, event) or not self._eligible(rule):
                continue
            self.seen[rule.index] += 1
            if chosen is None and self._selected(rule):
                chosen = rule
        if chosen is not None:
            self.fired[chosen.index] += 1
            event.rule = chosen.name
            self._act(chosen, event)

    def _matches(self, rule: Rule, event: Event) -> bool:
        match = rule.match
        if event.operation not in match.operations:
            return False
        if match.protocol is not None and match.protocol != event.protocol:
            return False
        if match.file is not None:
            name = self.file_of(event)
            if name is None or not fnmatch.fnmatchcase(name, match.file):
                return False
        if match.item is not None:
            item = self.item_of(event)
            if item != match.item:
                return False
        return True

    def _eligible(self, rule: Rule) -> bool:
        when = rule.when
        if when.after is not None and not any(
            self.fired[r.index] for r in self.scenario.rules if r.name == when.after
        ):
            return False
        now = self.target.now()
        if when.at is not None and now < when.at:
            return False
        return not (
            when.after_time is not None
            and now < self.started + _dt.timedelta(seconds=when.after_time)
        )

    def _selected(self, rule: Rule) -> bool:
        count, when = self.seen[rule.index], rule.when
        first = when.nth or 1
        times = when.times if when.times is not None else (1 if when.nth else None)
        return count >= first and (times is None or count < first + times)

    # --- what a call concerns ----------------------------------------------------------------
    def session_of(self, event: Event) -> Lease | None:
        """The update or download session the call names (by id, or its URL's token)."""
        raw = event.raw
        if event.operation == "upload":
            return self.target.session_of_upload(raw.get("token"))
        if event.operation == "download":
            return self.target.session_of_download(raw.get("token"))
        if event.operation.startswith("download_"):
            return self.target.download_session(raw.get("download_session_id"))
        return self.target.session(raw.get("update_session_id"))

    def item_of(self, event: Event) -> str | None:
        """The name of the item the call concerns."""
        raw = event.raw
        item_id = raw.get("library_item_id")
        spec = raw.get("create_spec")
        if item_id is None and isinstance(spec, dict):
            item_id = spec.get("library_item_id")
        if item_id is None:
            session = self.session_of(event)
            item_id = session.item_id if session else None
        return self.target.item_name(item_id)

    @staticmethod
    def file_of(event: Event) -> str | None:
        spec = event.raw.get("file_spec")
        name = spec.get("name") if isinstance(spec, dict) else event.raw.get("file_name")
        return name if isinstance(name, str) else None

    # --- actions --------------------------------------------------------------------------------
    def _act(self, rule: Rule, event: Event) -> None:
        ACTIONS[rule.action].effect(self, rule, event)

    # --- expectations -----------------------------------------------------------------------------
    def ended(self, call: Call) -> None:
        """Count what the expectations need of a call that ended (the dispatcher calls it)."""
        self.operations.add(call.operation)
        if call.operation == "update_session.create" and call.ok:
            self.session_items.add(call.input["create_spec"]["library_item_id"])

    def check(self) -> list[str]:
        """What the ``expect`` block asked for and did not happen (empty when all is well)."""
        expect, failures = self.scenario.expect, []
        if expect.get("all_rules_fired"):
            for rule in self.scenario.rules:
                if not self.fired[rule.index]:
                    failures.append(f"rule {rule.name!r} (rules.{rule.index}) never fired")
        by_name = self.target.item_contents()
        for want in expect.get("sessions", []):
            actual = self._final_state(want["item"])
            if actual != want["state"]:
                failures.append(
                    f"session of item {want['item']!r}: expected {want['state']}, got {actual}"
                )
        for name, want in expect.get("items", {}).items():
            found = by_name.get(name)
            if found is None:
                failures.append(f"item {name!r}: expected to exist, but there is none")
                continue
            content_version, present = found
            if "content_version" in want and content_version != want["content_version"]:
                failures.append(
                    f"item {name!r}: expected content_version {want['content_version']}, "
                    f"got {content_version}"
                )
            if "files" in want and present != sorted(want["files"]):
                wanted = sorted(want["files"])
                failures.append(f"item {name!r}: expected files {wanted}, got {present}")
        if "operations" in expect:
            allowed = set(expect["operations"])
            extra = sorted(self.operations - allowed)
            if extra:
                failures.append(
                    f"operations outside the expected list were called: {', '.join(extra)}"
                )
        return failures

    def _final_state(self, item_name: str) -> str:
        item_id = self.target.item_id(item_name)
        if item_id is None:
            return "NO ITEM"
        state = self.target.final_session_state(item_name)
        if state is not None:
            return state
        return "DELETED" if item_id in self.session_items else "NONE"
