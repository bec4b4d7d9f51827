"""The call journal: bounded, no secrets, nothing kept of refused anonymous requests."""

from __future__ import annotations

import requests
from conftest import PASSWORD, USER, Api

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.contract.operations import routable
from vcl_fake.contract.types import REDACTED as SECRET
from vcl_fake.contract.types import List, Map, Optional, Scalar, Struct
from vcl_fake.journal import JOURNAL_LIMIT


def test_the_journal_keeps_the_last_journal_limit_calls():
    with FakeVCenter("bounded.example.com", clock=ManualClock(), journal_limit=5) as vc:
        api = Api(vc)
        for _ in range(8):
            assert api.get("/api/content/library").status_code == 200
        assert [c.operation for c in vc.calls] == ["library.list"] * 5
        vc.reset()  # the limit survives a reset
        Api(vc)
        assert len(vc.calls) == 1
    assert FakeVCenter().journal_limit == JOURNAL_LIMIT == 10_000
    unbounded = FakeVCenter("all.example.com", journal_limit=None)
    assert unbounded._dispatcher.journal.limit is None


def test_refused_anonymous_input_is_not_kept(vc):
    huge = {"library_item_id": "x" * (4 * 1024 * 1024)}
    response = requests.post(f"{vc.url}/api/content/library/item/update-session", json=huge)
    assert response.status_code == 401
    call = vc.calls[-1]
    assert (call.operation, call.outcome, dict(call.input)) == (
        "update_session.create",
        "UNAUTHENTICATED",
        {},
    )
    envelope = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "invoke",
        "params": {
            "serviceId": "com.vmware.content.library.item.update_session",
            "operationId": "create",
            "input": {"STRUCTURE": {"operation-input": {"x": "y" * 100_000}}},
            "ctx": {"securityCtx": {}},
        },
    }
    assert requests.post(f"{vc.url}/api", json=envelope).status_code == 200
    assert dict(vc.calls[-1].input) == {}
    assert vc.calls[-1].outcome == "UNAUTHENTICATED"


def test_secrets_are_never_journaled(vc):
    api = Api(vc)
    login = next(c for c in vc.calls if c.operation == "session.login")
    assert login.result == SECRET  # the session token
    assert dict(login.input) == {"user": USER}
    assert api.token not in repr(vc.calls)
    assert PASSWORD not in repr(vc.calls)
    spec = {
        "name": "published",
        "type": "LOCAL",
        "publish_info": {
            "published": True,
            "authentication_method": "BASIC",
            "password": "hunter2",
        },
        "storage_backings": [],
    }
    api.post("/api/content/local-library", json=spec)
    call = vc.calls[-1]
    assert call.operation == "local_library.create"
    assert "hunter2" not in repr(vc.calls)
    assert call.input["create_spec"]["publish_info"]["password"] == SECRET


def test_secrets_sent_with_bad_input_are_not_journaled_either(vc):
    api = Api(vc)
    spec = {"name": 5, "publish_info": {"password": "hunter2"}}
    response = api.post("/api/content/local-library", json=spec)
    assert response.status_code == 400
    assert "hunter2" not in repr(vc.calls)


def test_only_types_that_can_hold_a_secret_are_copied_for_the_journal():
    """Values of secret-free types are journaled as they are; any secret nested in an
    optional, a list, a map or a structure (even a recursive one) is found."""
    plain = Struct("plain")
    plain.fields = {"name": Scalar("string"), "again": Optional(plain)}  # recursive
    hidden = Struct("hidden")
    hidden.fields = {"inner": Optional(List(Map(Scalar("string"), Scalar("secret"))))}
    assert not plain.holds_secret
    assert hidden.holds_secret
    value = {"name": "a", "again": None}
    assert plain.redact(value) == value
    assert hidden.redact({"inner": [{"k": "hunter2"}]}) == {"inner": [{"k": SECRET}]}
    ops = {op.alias: op for op in routable()}
    assert ops["local_library.create"].secret_input
    assert not ops["update_session.get"].secret_input
    assert ops["session.login"].output.holds_secret
    assert not ops["file.add"].output.holds_secret
