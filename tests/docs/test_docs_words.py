"""The README and the docs name nothing a reader cannot follow: no internal documents, no tracker
numbers of this project, no commit ids of it outside the benchmark pages that say how to reproduce a
figure. Output blocks (generated from the test Hub, with its commit shas) are left to
test_docs_examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.test_docs_examples import FENCE, PAGES, ROOT

INTERNAL = re.compile(r"seed document|\bissue \d+", re.IGNORECASE)
# A hex word with a digit and a letter, 7 to 40 long: what a commit id looks like. Not inside a Hub
# collection's address (`collections/facebook/dinov3-68924841bd6b561778e31009`): its slug ends in a hex id.
COMMIT = re.compile(r"(?<![-/])\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b")
# Benchmarks name the commit their `--before` ran; another project's source is cited at its commit.
COMMITS_ALLOWED = {"docs/performance.md"}
CITES_ANOTHER_PROJECT = re.compile(r"github\.com/[\w.-]+/[\w.-]+ at\s+`[0-9a-f]{7,40}`")


def _prose(page: Path) -> list[tuple[int, str]]:
    """The page's lines outside fenced blocks, with their numbers."""
    found, fence = [], ""
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        opening = FENCE.match(line)
        if fence:
            fence = "" if line.strip() == fence else fence
        elif opening:
            fence = opening["fence"]
        else:
            found.append((number, line))
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_no_reference_a_reader_cannot_follow(page: Path) -> None:
    name = str(page.relative_to(ROOT))
    found, previous = [], ""
    for number, line in _prose(page):
        if INTERNAL.search(line):
            found.append(f"{name}:{number}: {line.strip()}")
        # A citation may wrap: `github.com/owner/repo at` at the end of the line before.
        cited = {c.split("`")[1] for c in CITES_ANOTHER_PROJECT.findall(f"{previous} {line}")}
        if name not in COMMITS_ALLOWED and set(COMMIT.findall(line)) - cited:
            found.append(f"{name}:{number}: {line.strip()}")
        previous = line
    assert found == []
