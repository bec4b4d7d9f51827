"""The vcl-fake command and its built-in demo."""

from __future__ import annotations

import io
import subprocess
import sys

from vcl_fake.demo import run_demo


def rows(text: str) -> list[list[str]]:
    """The timeline's rows, split into columns."""
    lines = text.splitlines()
    table = lines[lines.index("") + 1 : lines.index("", lines.index("") + 1)]
    return [line.split() for line in table]


def test_demo_prints_the_timeline():
    out = io.StringIO()
    assert run_demo(out) == 0
    text = out.getvalue()
    assert text.startswith("built-in demo (no scenario)\n")
    table = rows(text)
    assert table[0] == [
        "#",
        "time",
        "protocol",
        "request",
        "operation",
        "status",
        "outcome",
        "state",
        "rule",
        "detail",
    ]
    by_operation = {row[5]: row for row in table[1:]}
    assert by_operation["update_session.create"][6:9] == ["201", "success", "ACTIVE"]
    validate = by_operation["file.validate"]
    assert validate[3:5] == ["POST", validate[4]]
    assert validate[4].endswith("/file?action=validate")  # the whole operation, query included
    assert by_operation["update_session.complete"][4].endswith("?action=complete")
    assert by_operation["update_session.complete"][6:9] == ["204", "success", "DONE"]
    uploads = [row for row in table[1:] if row[5] == "upload"]
    assert [row[4] for row in uploads] == [
        "/cls/data/********/photon-5.mf",  # the upload token is never shown
        "/cls/data/********/photon-5.ovf",
        "/cls/data/********/photon-5-disk1.vmdk",
    ]
    adds = [row for row in table[1:] if row[5] == "file.add"]
    assert [row[-2:] for row in adds] == [
        ["file", "photon-5.mf"],
        ["file", "photon-5.ovf"],
        ["file", "photon-5-disk1.vmdk"],
    ]
    assert text.splitlines()[-1] == (
        "outcome: DONE; 14 requests answered by the fake at https://vcenter.example.com"
    )


def test_console_script_runs():
    result = subprocess.run(
        [sys.executable, "-m", "vcl_fake.cli", "demo"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "outcome: DONE" in result.stdout


def test_version():
    result = subprocess.run(
        [sys.executable, "-m", "vcl_fake.cli", "--version"], capture_output=True, text=True
    )
    assert result.stdout.startswith("vcl-fake 0.1.0")


def commands(parser=None, prefix=("vcl-fake",)):
    """Every (command path, parser) of the CLI."""
    import argparse

    from vcl_fake.cli import build_parser

    parser = parser or build_parser()
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*prefix, name))


def test_help_describes_every_argument_with_its_default_and_an_example():
    import argparse

    for path, parser in commands():
        assert parser.description, path
        assert parser.epilog.startswith("example:\n  vcl-fake"), path
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
                continue
            if isinstance(action, argparse._SubParsersAction):
                assert all(a.help for a in action._choices_actions), path
                continue
            if action.help == argparse.SUPPRESS:
                continue
            assert action.help, (path, action.dest)
            if action.option_strings:  # options say what happens when they are not given
                assert "default" in action.help, (path, action.dest, action.help)


def test_scenario_check_takes_bundled_names_and_parameters(capsys):
    from vcl_fake.cli import main

    assert main(["scenario", "check", "slow-pull", "--param", "item=ubuntu"]) == 0
    assert capsys.readouterr().out == "slow-pull: ok\n"
    assert main(["scenario", "check", "slow-pull", "--param", "itme=ubuntu"]) == 1
    assert "no parameter 'itme' is declared; did you mean 'item'?" in capsys.readouterr().err
