"""pyVmomi 7.0.3 against the served fake. Its property accessor is one RetrievePropertiesEx
per attribute (8.0 and later use Fetch). It runs ``pyvmomi_flow.py`` in an interpreter of its
own (``VCL_FAKE_PYVMOMI7_PYTHON``; CI makes one): the fake serves SOAP with the current
pyVmomi, and two pyVmomi versions cannot share a process."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import PASSWORD, USER

from clients.conftest import find_client

PYTHON = find_client("pyvmomi7")
FLOW = Path(__file__).with_name("pyvmomi_flow.py")


@pytest.mark.fake_vcenter(clock="manual")
def test_the_sdk_and_ansible_flow(fake_vcenter, served_vcenter, vapi):
    done = subprocess.run(
        [
            PYTHON,
            str(FLOW),
            served_vcenter.host,
            str(served_vcenter.port),
            USER,
            PASSWORD,
            str(served_vcenter.ca_file),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": os.environ.get("PATH", "")},
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert (seen["pyvmomi"], seen["api_type"]) == ("7.0.3", "VirtualCenter")
    datastores = vapi.get("/api/vcenter/datastore")
    assert seen["datastores"] == sorted(
        [d["datastore"], d["name"], d["capacity"], d["free_space"]] for d in datastores
    )
    clusters = vapi.get("/api/vcenter/cluster")
    assert [c[:2] for c in seen["clusters"]] == sorted([c["cluster"], c["name"]] for c in clusters)
    for cluster_id, _, pool in seen["clusters"]:
        pools = vapi.get("/api/vcenter/resource-pool", clusters=cluster_id)
        assert pool in [p["resource_pool"] for p in pools]
    assert seen["lookup"] == vapi.lookup()
    assert seen["pages"] == [1] * len(seen["lookup"])
    assert seen["now"] == fake_vcenter.clock.now().isoformat()
    assert seen["unknown_datastore"] == "ManagedObjectNotFound"
    assert seen["after_disconnect"] == "NotAuthenticated"
    operations = [c.operation for c in fake_vcenter.calls]
    assert "vim.PropertyCollector.RetrievePropertiesEx" in operations
    assert not any(op.endswith(".Fetch") for op in operations)  # 7.0.3 never fetches
