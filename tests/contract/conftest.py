"""Contract tests need the official bindings (the ``sdk`` extra); CI requires them."""

import importlib.util
import os

import pytest

if importlib.util.find_spec("com.vmware.content_client") is None:
    if os.environ.get("VCL_FAKE_REQUIRE_SDK"):
        raise RuntimeError("VCL_FAKE_REQUIRE_SDK is set but the official bindings are missing")
    pytest.skip("the official bindings (extra 'sdk') are not installed", allow_module_level=True)
