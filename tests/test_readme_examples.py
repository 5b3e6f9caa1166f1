"""README examples are real output: every block marked `<!-- example: ... -->` is run against the test Hub
and compared line by line with what the README shows (the test Hub's address reads as huggingface.co).

The marker names the token (`token=ALICE`) and extra repos the example needs (`world=alternatives`).
Blocks without a marker are lists of commands, not output.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from hubgate.testhub import HubSim
from hubgate.testhub.worlds import add_alternatives
from tests import conftest

README = Path(__file__).resolve().parents[1] / "README.md"
MARKER = re.compile(r"<!-- example:(?P<options>[^>]*)-->\s*\n```text\n(?P<body>.*?)\n```", re.DOTALL)


def examples() -> list[tuple[str, dict[str, str], str, list[str]]]:
    found = []
    for match in MARKER.finditer(README.read_text(encoding="utf-8")):
        options = dict(item.split("=", 1) for item in match["options"].split())
        lines = match["body"].splitlines()
        command = lines.pop(0)
        while command.endswith("\\"):
            command = command[:-1] + lines.pop(0).strip()
        assert command.startswith("$ hubgate "), command
        found.append((command[2:], options, match["body"], lines))
    return found


EXAMPLES = examples()


def test_the_readme_has_marked_examples() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize(
    ("command", "options", "body", "expected"), EXAMPLES, ids=[e[0][:60] for e in EXAMPLES]
)
def test_readme_example_matches_real_output(
    hub: HubSim,
    run_cli,
    tmp_path: Path,
    command: str,
    options: dict[str, str],
    body: str,
    expected: list[str],
) -> None:  # type: ignore[no-untyped-def]
    if options.get("world") == "dinov3":
        from tests.test_request import dinov3_world

        dinov3_world(hub, tmp_path)
    if options.get("world") == "alternatives":
        add_alternatives(hub)
    env = {"HF_TOKEN": getattr(conftest, options["token"])} if "token" in options else {}
    result = run_cli(*shlex.split(command)[1:], **env)
    shown = result.stdout.replace(hub.url, "https://huggingface.co").rstrip("\n").splitlines()
    assert shown == expected, "README block differs from real output:\n" + "\n".join(shown)
