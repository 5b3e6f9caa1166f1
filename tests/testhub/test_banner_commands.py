"""What `python -m hubgate.testhub` prints names commands that exist."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hubgate.testhub.worlds import TOKEN_NOTES

NAMED = sorted({word for note in TOKEN_NOTES.values() for word in re.findall(r"`hubgate (\w+)", note)})


def test_the_banner_names_commands() -> None:
    assert NAMED


@pytest.mark.parametrize("command", NAMED)
def test_each_command_the_banner_names_exists(command: str, run_cli: Any) -> None:
    result = run_cli(command, "--help")
    assert result.code == 0, result.stderr
