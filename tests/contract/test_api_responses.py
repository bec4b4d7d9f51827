"""Every /api answer of realistic flows (the whole scenario library, run by the demo client,
and the error paths) checked against the official bindings."""

from __future__ import annotations

import pytest

from contract.test_sdk import Checked
from vcl_fake import FakeVCenter
from vcl_fake.cli import bundled_scenarios
from vcl_fake.demo import run
from vcl_fake.scenario import read

LIBRARY = sorted(bundled_scenarios().items())


@pytest.mark.parametrize(("name", "path"), LIBRARY, ids=[n for n, _ in LIBRARY])
def test_scenario_flows_answer_within_the_contract(name, path):
    # the damaged manifest would end the session early: damage the disk, to reach complete
    scenario = read(path, params={"file": "*.vmdk"} if name == "checksum-mismatch" else None)
    with FakeVCenter(scenario=scenario, seed=1) as vc:
        checked = Checked(vc)
        run(vc, scenario)
    assert any(s.startswith("api update_session.complete") for s in checked.seen) or name in (
        "session-expires-mid-upload",
    )
    assert len(checked.seen) >= 5
