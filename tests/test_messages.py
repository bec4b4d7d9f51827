"""The message catalog: every entry says where it comes from; unsourced ones are documented."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from vcl_fake import messages as M

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path(M.__file__).read_text().splitlines()
DIFFERENCES = (ROOT / "docs" / "differences.md").read_text()
ENTRY = re.compile(r"^([A-Z][A-Z0-9_]*) = ")


def entries() -> dict[str, str]:
    """Catalog entry name -> the comment block right above it."""
    found = {}
    for n, line in enumerate(SOURCE):
        match = ENTRY.match(line)
        if match is None or not isinstance(getattr(M, match[1]), tuple):
            continue
        above = n - 1
        comments = []
        while above >= 0 and SOURCE[above].startswith("#"):
            comments.insert(0, SOURCE[above].lstrip("# "))
            above -= 1
        found[match[1]] = " ".join(comments)
    return found


ENTRIES = entries()


def test_every_entry_is_a_template_with_numbered_placeholders():
    for name in ENTRIES:
        msg_id, text = getattr(M, name)
        assert isinstance(msg_id, str) and isinstance(text, str), name
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        assert all(re.fullmatch(r"\d+(![rs])?", f) for f in fields), (name, fields)


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_every_entry_names_its_source_or_says_it_has_none(name):
    comment = ENTRIES[name]
    assert re.search(r"\b(source|unsourced|own)\b.*:", comment), (
        f"{name}: say where it comes from (# source: / # unsourced: / # own:)"
    )
    if comment.startswith("source:") and "unsourced" not in comment:  # names where it is
        assert re.search(r"https://|\w/\w|bindings|runtime|README|vcsim", comment), name


def test_every_unsourced_id_is_listed_in_the_differences_page():
    unsourced = sorted(
        {getattr(M, name)[0] for name, comment in ENTRIES.items() if "unsourced" in comment}
    )
    missing = [i for i in unsourced if f"`{i}`" not in DIFFERENCES]
    assert not missing, f"docs/differences.md does not list: {missing}"
