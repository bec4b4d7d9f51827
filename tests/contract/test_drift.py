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
