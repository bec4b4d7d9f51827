"""The generated contract must equal what the official bindings say today."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HAVE_SDK = importlib.util.find_spec("com.vmware.content_client") is not None

needs_sdk = pytest.mark.skipif(
    not HAVE_SDK and not os.environ.get("VCL_FAKE_REQUIRE_SDK"),
    reason="the official bindings (extra 'sdk') are not installed",
)


@needs_sdk
def test_generated_contract_matches_the_bindings():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import gen_contract
    finally:
        sys.path.remove(str(ROOT / "tools"))
    expected = gen_contract.generate()
    actual = (ROOT / "src" / "vcl_fake" / "contract" / "_generated.py").read_text()
    assert actual == expected, "run: python tools/gen_contract.py"


@needs_sdk
def test_rest_routes_and_errors_match_the_binding_stubs():
    """Spot-check the table against the live stubs (an independent reading of the bindings)."""
    from com.vmware.content.library import item_client

    from vcl_fake.contract.operations import TABLE

    source = Path(item_client.__file__).read_text()
    for alias in ("update_session.complete", "update_session.keep_alive", "update_session.fail"):
        op = TABLE[alias]
        action = op.api.dispatch["action"]
        assert (
            f"url_template='/content/library/item/update-session/{{updateSessionId}}?action={action}'"
            in source
        )
    assert TABLE["update_session.create"].errors == {
        "com.vmware.vapi.std.errors.invalid_argument",
        "com.vmware.vapi.std.errors.invalid_element_type",
        "com.vmware.vapi.std.errors.not_found",
        "com.vmware.vapi.std.errors.resource_busy",
    }


@needs_sdk
def test_every_operation_of_the_bindings_is_routed():
    """Each operation of every installed stub is known: served, or answered as not modelled."""
    import importlib
    import pkgutil
    from types import SimpleNamespace

    import com.vmware
    from vmware.vapi.bindings.stub import ApiInterfaceStub

    from vcl_fake.contract.operations import BY_ID, TABLE

    config = SimpleNamespace(connector=SimpleNamespace(get_api_provider=lambda: object()))
    seen = set()
    for info in pkgutil.walk_packages(com.vmware.__path__, "com.vmware."):
        if not info.name.endswith("_client"):
            continue
        for stub in vars(importlib.import_module(info.name)).values():
            if not isinstance(stub, type) or stub.__module__ != info.name:
                continue
            if issubclass(stub, ApiInterfaceStub) and stub is not ApiInterfaceStub:
                instance = stub(config)
                seen |= {(instance._iface_id.get_name(), op) for op in instance._operations}
    assert len(seen) > 1000
    assert seen == set(BY_ID)
    assert {(op.service, op.name) for op in TABLE.values()} <= seen
    assert all(op.modelled == (op.alias in TABLE) for op in BY_ID.values())
