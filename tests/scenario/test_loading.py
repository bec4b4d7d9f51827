"""Loading scenario files: safe YAML, positions, every problem at once, did-you-mean."""

from __future__ import annotations

import json
import re
import textwrap

import pytest

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.scenario import ScenarioError, read
from vcl_fake.scenario.schema import SCHEMA, SCHEMA_FILE

HEAD = "version: 1\nname: t\n"


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        read(textwrap.dedent(text), name="s.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_minimal_scenario_loads():
    scenario = read(HEAD, name="s.yaml")
    assert (scenario.name, scenario.rules, scenario.setup) == ("t", (), {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a: [\n",
            "s.yaml:2:1: not valid YAML: expected the node content, but found '<stream end>'",
        ),
        ("", "s.yaml:1:1: the file is empty"),
        (HEAD + "name: again\n", "s.yaml:3:1: duplicate key 'name'"),
        (HEAD + "on: 1\n", "s.yaml:3:1: key 'on' is read as a boolean by YAML; quote it"),
        (HEAD + "yes: 1\n", "s.yaml:3:1: key 'yes' is read as a boolean by YAML; quote it"),
        (HEAD + "1: x\n", "s.yaml:3:1: key '1' is read as a number by YAML; quote it"),
        (
            HEAD + "x: !!python/object/apply:os.system [ls]\n",
            "s.yaml:3:4: tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
        ),
    ],
)
def test_yaml_problems_have_positions(text, expected):
    assert problems(text) == [expected]


def test_python_tags_never_construct_anything(tmp_path):
    marker = tmp_path / "pwned"
    text = HEAD + f"description: !!python/object/apply:os.system ['touch {marker}']\n"
    problems(text)
    assert not marker.exists()


def test_every_problem_is_reported_at_once_with_did_you_mean():
    found = problems(
        """\
        version: 1
        name: t
        setup:
          libraries:
            - name: lib
              items: [{name: photon}, {name: photon}]
          sessions: [{item: photn}]
        rules:
          - match: {operation: update_sesion.complete}
            then: {error: {type: SERVICE_UNAVAILABE}}
          - name: a
            match: {operation: file.list, file: x}
            when: {after: b}
            then: {delay: 5 minutes}
          - match: {operation: update_session.get}
            then: {advance_clock: 1m}
            whne: {nth: 1}
          - match: {operation: update_session.get}
            then: {advance_clock: 1m, delay: 2s}
          - match: {operation: update_session.get}
            then: {advance_clock: 1m}
          - match: {operation: update_session.get, item: photon}
            then: {preview: {state: AVAILABLE}}
          - match: {operation: update_session.create}
            then: {transfer: {stall: true}}
        """
    )
    assert found == [
        "s.yaml:6:38: item name 'photon' is used twice (names identify items in a scenario)",
        "s.yaml:7:21: no item named 'photn' in setup; did you mean 'photon'?",
        "s.yaml:9:24: unknown operation 'update_sesion.complete'; did you mean 'update_session.complete'?",
        "s.yaml:10:26: rules.0.then.error.type: 'SERVICE_UNAVAILABE' is not one of the 25 allowed values; did you mean 'SERVICE_UNAVAILABLE'?",
        "s.yaml:13:19: no rule is named 'b'",  # in a rule with other problems, reported too
        "s.yaml:14:19: rules.1.then.delay: '5 minutes' is not a duration with a unit (500ms, 30s, 5m, 1.5h, 2d)",
        "s.yaml:17:5: unknown key 'whne' in rules.2; did you mean 'when'?",
        "s.yaml:19:11: rules.3.then: exactly one action, one of: error, http, fault, delay, advance_clock, preview, transfer, prepare, expire_session, fail_session, expire_login",
        "s.yaml:22:5: 'rules.5' can never fire: 'rules.4' matches every call it would, and fires first",
        "s.yaml:25:22: transfer does not apply to update_session.create",
    ]


def test_semantic_problems_of_well_formed_rules():
    found = problems(
        HEAD
        + """\
rules:
  - name: a
    match: {operation: file.list, file: x}
    when: {after: b}
    then: {advance_clock: 5m}
  - name: a
    match: {operation: upload}
    when: {after: a}
    then: {fault: connection_error}
"""
    )
    assert found == [
        "s.yaml:5:41: match.file needs file operations, upload or download; file.list carry no file name",
        "s.yaml:6:19: no rule is named 'b'",
        "s.yaml:8:11: rule name 'a' is used twice",
        "s.yaml:10:19: a rule cannot wait for itself",
    ]


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        (
            "setup: {session_timeout: 300}",
            "setup.session_timeout: 300 is a bare number; a duration needs a unit: 300s for "
            "seconds (also ms, m, h, d: 500ms, 30s, 5m, 1.5h, 2d)",
        ),
        ("rules: [{match: {operation: upload}, then: {delay: 1.5}}]", "1.5 is a bare number"),
        ("setup: {session_timeout: 5 min}", "'5 min' is not a duration with a unit"),
        ("setup: {sources: [{uri: 'http://x/a', size: 10 Mb}]}", "'10 Mb' is not a size"),
        (
            "setup: {sources: [{uri: 'http://x/a', size: 10, data: x}]}",
            "a source needs exactly one of data, size, file",
        ),
        (
            "setup: {trusted_roots: ['-----BEGIN CERTIFICATE-----\\nnope\\n-----END CERTIFICATE-----']}",
            "not a PEM certificate",
        ),
        ("clock: {start: yesterday}", "is not an RFC 3339 date and time"),
        ("version: 2", "version: 1 was expected"),
        (
            "expect: {sessions: [{item: x, state: FINISHED}]}",
            "'FINISHED' is not one of ACTIVE, CANCELED, DONE, ERROR, DELETED",
        ),
    ],
)
def test_schema_messages(snippet, message):
    text = HEAD.replace("version: 1\n", "") if snippet.startswith("version") else HEAD
    found = problems(text + snippet + "\n")
    assert any(message in f for f in found), found


def test_a_bad_scenario_never_half_applies():
    with FakeVCenter("half.example.com", clock=ManualClock()) as vc:
        text = (
            HEAD
            + "setup:\n  libraries: [{name: ok}]\n  sources: [{uri: 'ftp://x', size: 1}]\nrules:\n  - match: {operation: nope}\n    then: {delay: 1s}\n"
        )
        with pytest.raises(ScenarioError):
            vc.load_scenario(text)
        assert vc.libraries() == {}
        assert vc.scenario is None


def test_setup_clashing_with_the_fake_changes_nothing():
    with FakeVCenter("clash.example.com", clock=ManualClock()) as vc:
        vc.create_library("templates")
        text = HEAD + "setup:\n  users: {a: b}\n  libraries: [{name: other}, {name: templates}]\n"
        with pytest.raises(ValueError, match="already has libraries named templates"):
            vc.load_scenario(text)
        assert list(vc.libraries().values()) == ["templates"]
        assert "a" not in vc.users


def test_scenario_files_resolve_relative_paths(tmp_path):
    (tmp_path / "iso.bin").write_bytes(b"abc")
    (tmp_path / "s.yaml").write_text(
        HEAD + "setup:\n  sources: [{uri: 'http://depot/x.iso', file: iso.bin}]\n"
    )
    scenario = read(tmp_path / "s.yaml")
    assert scenario.base_dir == tmp_path
    with FakeVCenter("rel.example.com", scenario=scenario) as vc:
        assert vc._backend._files.sources["http://depot/x.iso"].size == 3
    broken = tmp_path / "t.yaml"
    broken.write_text(
        HEAD + "setup:\n  sources: [{uri: 'http://depot/x.iso', file: missing.bin}]\n"
    )
    with pytest.raises(ScenarioError, match=re.escape("t.yaml:4:47: no such file: missing.bin")):
        read(broken)


def test_unreadable_file():
    with pytest.raises(ScenarioError, match="cannot read the file"):
        read("does/not/exist.yaml")


def test_shipped_schema_file_is_current():
    assert json.loads(SCHEMA_FILE.read_text()) == SCHEMA


def test_the_docs_table_of_actions_is_derived_from_their_declarations():
    from pathlib import Path

    from vcl_fake.scenario.actions import ACTIONS, docs_table

    docs = Path(__file__).parents[2] / "docs" / "scenarios.md"
    assert docs_table() in docs.read_text()
    assert set(SCHEMA["properties"]["rules"]["items"]["properties"]["then"]["properties"]) == set(
        ACTIONS
    )
