"""The checks that turn a scenario document into a :class:`~vcl_fake.scenario.data.Scenario`.

:func:`parse` raises ScenarioError listing **every** problem with its position: schema
violations (with a did-you-mean for misspelt keys, operations and enum values), then
semantics (rule names, dangling ``after``, unreachable rules, actions that do not fit their
operations, certificates that do not parse).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vcl_fake.backend.sources import MAX_SOURCE_SIZE
from vcl_fake.clock import parse_datetime
from vcl_fake.contract.operations import NAMES
from vcl_fake.scenario.actions import ACTIONS, FILE_OPERATIONS
from vcl_fake.scenario.data import (
    _NUMBER_UNIT,
    _SIZES,
    _UNITS,
    Match,
    Rule,
    Scenario,
    When,
    rate,
    read_pem,
    resolve,
    seconds,
    size,
)
from vcl_fake.scenario.loader import Document, Problem, ScenarioError
from vcl_fake.scenario.loader import Path as DocPath
from vcl_fake.scenario.schema import DURATION, SCHEMA


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _schema_problems(doc: Document) -> list[Problem]:
    import jsonschema  # only scenario loading needs it

    validator = jsonschema.Draft202012Validator(SCHEMA)
    problems = []
    for error in sorted(
        validator.iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))
    ):
        path: DocPath = tuple(error.absolute_path)
        shown = ".".join(str(p) for p in path) or "the file"
        if error.validator == "additionalProperties":
            allowed = list(error.schema.get("properties", {}))
            extra = [k for k in error.instance if k not in allowed]
            for key in extra:
                problems.append(
                    doc.at(
                        (*path, key),
                        f"unknown key {key!r} in {shown}{_suggest(key, allowed)}",
                        key=True,
                    )
                )
            continue
        if "operation" in path and error.validator in ("anyOf", "enum"):
            for bad, where in _bad_operations(error.instance, path):
                problems.append(doc.at(where, f"unknown operation {bad!r}{_suggest(bad, NAMES)}"))
            continue
        if error.validator == "enum":
            values = list(map(str, error.validator_value))
            listed = ", ".join(values) if len(values) <= 8 else f"the {len(values)} allowed values"
            message = f"{shown}: {error.instance!r} is not one of {listed}"
            problems.append(doc.at(path, message + _suggest(error.instance, error.validator_value)))
            continue
        if error.validator in ("minProperties", "maxProperties") and path and path[-1] == "then":
            problems.append(
                doc.at(path, f"{shown}: exactly one action, one of: {', '.join(ACTIONS)}")
            )
            continue
        if error.validator == "pattern" or (
            error.validator == "anyOf" and isinstance(error.instance, str)
        ):
            hint = _pattern_hint(error.schema, path)
            problems.append(doc.at(path, f"{shown}: {error.instance!r} is not {hint}"))
            continue
        if (
            error.validator == "type"
            and error.schema.get("pattern") == DURATION
            and isinstance(error.instance, (int, float))
            and not isinstance(error.instance, bool)
        ):
            n = error.instance
            message = (
                f"{shown}: {n} is a bare number; a duration needs a unit: {n}s for seconds "
                f"(also ms, m, h, d: 500ms, 30s, 5m, 1.5h, 2d)"
            )
            problems.append(doc.at(path, message))
            continue
        if error.validator == "required":
            problems.append(doc.at(path, f"{shown}: {error.message}"))
            continue
        problems.append(doc.at(path, f"{shown}: {error.message}"))
    return problems


def _pattern_hint(schema: dict[str, Any], path: DocPath) -> str:
    text = str(schema)
    if "ms|s|m|h|d" in text:
        return "a duration with a unit (500ms, 30s, 5m, 1.5h, 2d)"
    if "/s" in text:
        return "a rate: bytes per second, or a size per second (1MiB/s)"
    if "KiB" in text:
        return "a size: bytes, or a number with a unit (10KiB, 1.5GiB)"
    if "T[0-9]" in text:
        return "an RFC 3339 date and time (2026-01-01T00:00:00Z)"
    return "valid here"


def _bad_operations(value: Any, path: DocPath) -> list[tuple[str, DocPath]]:
    if isinstance(value, str):
        return [] if value in NAMES else [(value, path)]
    if isinstance(value, list):
        return [
            (v, (*path, n)) for n, v in enumerate(value) if not isinstance(v, str) or v not in NAMES
        ]
    return [(repr(value), path)]


def _valid(part: str, value: Any) -> bool:
    """Is ``value`` valid against the schema of one top-level ``part`` (or one rule)?"""
    import jsonschema

    schema = SCHEMA["properties"][part]
    if part == "rules":
        schema = schema["items"]
    return jsonschema.Draft202012Validator({**schema, "$defs": SCHEMA["$defs"]}).is_valid(value)


PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def _substitute(doc: Document, params: Mapping[str, str] | None) -> list[Problem]:
    """Fill ``${name}`` placeholders from ``params`` and the declared ``parameters``'
    defaults (in place; positions stay)."""
    data = doc.data
    declared = data.get("parameters") if isinstance(data, dict) else None
    declared = declared if isinstance(declared, dict) else {}
    problems = []
    for key in params or {}:
        if key not in declared:
            known = ", ".join(declared) or "none"
            problems.append(
                doc.at(
                    ("parameters",),
                    f"no parameter {key!r} is declared{_suggest(key, declared)} "
                    f"(declared: {known})",
                )
            )
    values = {k: str(v) for k, v in {**declared, **(params or {})}.items() if k in declared}

    def fill(value: Any, path: DocPath) -> Any:
        if isinstance(value, str):

            def one(found: re.Match[str]) -> str:
                name = found.group(1)
                if name in values:
                    return values[name]
                problems.append(
                    doc.at(
                        path,
                        f"${{{name}}} is not a declared parameter{_suggest(name, values)}",
                    )
                )
                return found.group(0)

            return PLACEHOLDER.sub(one, value) if "${" in value else value
        if isinstance(value, dict):  # keys too: expect.items is keyed by item name
            return {
                fill(k, (*path, k)): v if path == () and k == "parameters" else fill(v, (*path, k))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [fill(v, (*path, n)) for n, v in enumerate(value)]
        return value

    doc.data = fill(data, ())
    return problems


def parse(
    doc: Document, base_dir: Path | None = None, params: Mapping[str, str] | None = None
) -> Scenario:
    """A Scenario, or ScenarioError with every problem: placeholders and schema problems,
    then the meaning of every part that is well-formed."""
    problems = _substitute(doc, params)
    problems += _schema_problems(doc)
    problems += _value_problems(doc)
    data = doc.data if isinstance(doc.data, dict) else {}
    raw_rules = data.get("rules", [])
    raw_rules = raw_rules if isinstance(raw_rules, list) else []
    checked = [r for r in raw_rules if _valid("rules", r)]
    rules, rule_problems = _rules(doc, checked, [raw_rules.index(r) for r in checked])
    problems += rule_problems + _reference_problems(doc, raw_rules)
    setup = data.get("setup", {})
    if isinstance(setup, dict):  # checked as far as it is well-formed, whatever else is not
        problems += _setup_problems(doc, setup, base_dir)
    if problems:
        raise ScenarioError(sorted(problems, key=lambda p: (p.line, p.column)))
    clock = data.get("clock", {})
    return Scenario(
        name=data["name"],
        description=data.get("description", ""),
        source=doc.source,
        base_dir=base_dir,
        clock_start=parse_datetime(clock["start"]) if "start" in clock else None,
        clock_mode=clock.get("mode"),
        seed=data.get("seed"),
        setup=data.get("setup", {}),
        rules=tuple(rules),
        expect=data.get("expect", {}),
        demo=data.get("demo", {}),
    )


#: Keys whose values are durations, rates and moments: checked beyond their pattern.
DURATION_KEYS = frozenset(
    {"delay", "advance_clock", "after_time", "session_timeout", "retention", "api_session_timeout"}
)


def _value_problems(doc: Document) -> list[Problem]:
    """Durations within MAX_DURATION, positive rates, datetimes inside the calendar (and
    before the latest moment a clock may reach)."""
    from vcl_fake.clock import LATEST, MAX_DURATION

    problems: list[Problem] = []
    stack: list[tuple[DocPath, Any]] = [((), doc.data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in value.items())
            continue
        if isinstance(value, list):
            stack.extend(((*path, n), v) for n, v in enumerate(value))
            continue
        if path and path[-1] in ("size", "fail_after") and isinstance(value, (int, str)):
            if not isinstance(value, bool) and _too_big(value):
                problems.append(doc.at(path, f"{value!r} is more than {MAX_SOURCE_SIZE} bytes"))
            continue
        if not isinstance(value, str) or not path:
            continue
        key, found = path[-1], _NUMBER_UNIT.match(value)
        if key in DURATION_KEYS and found and found.group(2) in _UNITS and not found.group(3):
            if seconds(value) > MAX_DURATION:
                why = f"{value!r} is longer than the limit of {MAX_DURATION:.0f} s"
                problems.append(doc.at(path, why))
        elif key == "rate" and found and found.group(2) in _SIZES and found.group(3):
            if rate(value) <= 0:
                problems.append(doc.at(path, f"rate {value!r} must be more than zero"))
        elif path[-2:] in (("clock", "start"), ("when", "at")):
            try:
                moment = parse_datetime(value)
            except ValueError as exc:
                problems.append(doc.at(path, f"{value!r} is not a date and time: {exc}"))
                continue
            if moment > LATEST:
                problems.append(doc.at(path, f"{value!r} is after {LATEST.date()}"))
    return problems


def _too_big(value: int | str) -> bool:
    if isinstance(value, str) and not _NUMBER_UNIT.match(value):
        return False  # the schema reports it
    try:
        return size(value) > MAX_SOURCE_SIZE
    except (OverflowError, KeyError, AttributeError):
        return isinstance(value, str) and _NUMBER_UNIT.match(value) is not None


def _rules(
    doc: Document, raw_rules: list[dict[str, Any]], positions: list[int] | None = None
) -> tuple[list[Rule], list[Problem]]:
    problems: list[Problem] = []
    rules: list[Rule] = []
    for n, raw in zip(positions or range(len(raw_rules)), raw_rules, strict=True):
        where: DocPath = ("rules", n)
        name = raw.get("name", f"rules.{n}")
        ops = raw["match"]["operation"]
        operations = frozenset([ops] if isinstance(ops, str) else ops)
        match = Match(
            operations,
            raw["match"].get("file"),
            raw["match"].get("item"),
            raw["match"].get("protocol"),
        )
        w = raw.get("when", {})
        when = When(
            nth=w.get("nth"),
            times=w.get("times"),
            after=w.get("after"),
            at=parse_datetime(w["at"]) if "at" in w else None,
            after_time=seconds(w["after_time"]) if "after_time" in w else None,
        )
        ((action, argument),) = raw["then"].items()
        rule = Rule(n, name, match, when, action, argument, raw.get("description", ""))
        problems += _fit(doc, rule, where)
        rules.append(rule)
    for rule in rules:
        for earlier in (r for r in rules if r.index < rule.index):
            if earlier.when.always and earlier.match.covers(rule.match):
                problems.append(
                    doc.at(
                        ("rules", rule.index),
                        f"{rule.name!r} can never fire: {earlier.name!r} matches every call it "
                        "would, and fires first",
                    )
                )
                break
    return rules, problems


def _reference_problems(doc: Document, raw_rules: list[Any]) -> list[Problem]:
    """Rule names used twice, and ``after`` naming no rule (or its own), over every rule
    whatever its other problems."""
    problems: list[Problem] = []
    names: dict[str, int] = {}
    for n, raw in enumerate(raw_rules):
        name = raw.get("name") if isinstance(raw, dict) else None
        if isinstance(name, str):
            if name in names:
                problems.append(doc.at(("rules", n, "name"), f"rule name {name!r} is used twice"))
            names[name] = n
    for n, raw in enumerate(raw_rules):
        when = raw.get("when") if isinstance(raw, dict) else None
        after = when.get("after") if isinstance(when, dict) else None
        if not isinstance(after, str):
            continue
        where = ("rules", n, "when", "after")
        if after not in names:
            problems.append(doc.at(where, f"no rule is named {after!r}{_suggest(after, names)}"))
        elif after == raw.get("name"):
            problems.append(doc.at(where, "a rule cannot wait for itself"))
    return problems


def _fit(doc: Document, rule: Rule, where: DocPath) -> list[Problem]:
    """Does the action (and the file glob) make sense for the operations matched?"""
    problems = []
    ops = rule.match.operations
    if rule.match.file is not None and not ops <= FILE_OPERATIONS:
        odd = ", ".join(sorted(ops - FILE_OPERATIONS))
        problems.append(
            doc.at(
                (*where, "match", "file"),
                f"match.file needs file operations, upload or download; {odd} carry no file name",
            )
        )
    needs = ACTIONS[rule.action].applies_to
    if needs is not None and not ops <= needs:
        odd = ", ".join(sorted(ops - needs))
        problems.append(
            doc.at((*where, "then", rule.action), f"{rule.action} does not apply to {odd}")
        )
    return problems


def _entries(value: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    """The well-formed entries (mappings) of a list under ``key``, with their positions."""
    found = value.get(key) if isinstance(value, dict) else None
    if not isinstance(found, list):
        return []
    return [(n, entry) for n, entry in enumerate(found) if isinstance(entry, dict)]


def _setup_problems(doc: Document, setup: dict[str, Any], base_dir: Path | None) -> list[Problem]:
    """The meaning of setup, as far as each part is well-formed (the schema reports the
    rest): names used twice, sessions of unknown items, sources and certificates."""
    problems: list[Problem] = []
    seen: dict[str, DocPath] = {}
    library_names: set[str] = set()
    for n, library in _entries(setup, "libraries"):
        name = library.get("name")
        if isinstance(name, str):
            if name in library_names:
                problems.append(
                    doc.at(
                        ("setup", "libraries", n, "name"),
                        f"library name {name!r} is used twice",
                    )
                )
            library_names.add(name)
        for m, item in _entries(library, "items"):
            where = ("setup", "libraries", n, "items", m, "name")
            item_name = item.get("name")
            if not isinstance(item_name, str):
                continue
            if item_name in seen:
                problems.append(
                    doc.at(
                        where,
                        f"item name {item_name!r} is used twice "
                        "(names identify items in a scenario)",
                    )
                )
            seen[item_name] = where
    for n, session in _entries(setup, "sessions"):
        item_name = session.get("item")
        if isinstance(item_name, str) and item_name not in seen:
            problems.append(
                doc.at(
                    ("setup", "sessions", n, "item"),
                    f"no item named {item_name!r} in setup{_suggest(item_name, seen)}",
                )
            )
    for n, source in _entries(setup, "sources"):
        given = [k for k in ("data", "size", "file") if k in source]
        if len(given) != 1:
            problems.append(
                doc.at(("setup", "sources", n), "a source needs exactly one of data, size, file")
            )
        file = source.get("file")
        if isinstance(file, str):
            try:
                resolve(file, base_dir)
            except ValueError as exc:
                problems.append(doc.at(("setup", "sources", n, "file"), str(exc)))
        if isinstance(source.get("certificate"), str):
            problems += _pem_problem(
                doc, ("setup", "sources", n, "certificate"), source["certificate"], base_dir
            )
    roots = setup.get("trusted_roots")
    for n, pem in enumerate(roots if isinstance(roots, list) else []):
        if isinstance(pem, str):
            problems += _pem_problem(doc, ("setup", "trusted_roots", n), pem, base_dir)
    return problems


def _pem_problem(doc: Document, where: DocPath, value: str, base_dir: Path | None) -> list[Problem]:
    from vcl_fake.backend import load_certificates

    try:
        pem = read_pem(value, base_dir)
    except (OSError, ValueError) as exc:  # the reason names the file, never its content
        return [doc.at(where, f"not a PEM certificate (or a file holding one): {exc}")]
    try:
        load_certificates(pem)
    except ValueError:
        return [doc.at(where, "not a PEM certificate (or a file holding one)")]
    return []
