"""Where the team's policy file is, and reading it: `hubgate.toml`, or `[tool.hubgate]` in `pyproject.toml`,
the nearest one upward from the working directory, read at a bounded size."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

POLICY_FILE = "hubgate.toml"
PYPROJECT = "pyproject.toml"

FailOnCheck = Callable[[str], object]
"""Raises ValueError on a fail-on value it does not know. The words (statuses, finding kinds) are the
verdicts', a floor above this one: whoever loads the policy hands the check in
(`hubgate.verdicts.exit_codes.parse_fail_on`), and a bad file is still refused as it is read."""


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the key. `hint`, when set,
    says what to do about it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def find_policy_file(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest `hubgate.toml`, or `pyproject.toml` with a `[tool.hubgate]` table, from `start` upward."""
    for folder in [start, *start.parents]:
        own = folder / POLICY_FILE
        if _present(own):
            data = _read(own)
            table = data.get("tool", {}).get("hubgate", data) if "tool" in data else data
            return own, table
        project = folder / PYPROJECT
        if _present(project):
            data = _read(project)
            table = data.get("tool", {}).get("hubgate")
            if table is not None:
                if not isinstance(table, dict):
                    raise PolicyError(f"{project}: [tool.hubgate] must be a table")
                return project, table
    return None


def _present(path: Path) -> bool:
    """A policy file is there, regular or not: a link to a device or a FIFO is refused when read, never
    skipped (a policy that silently stops applying would pass what it should stop)."""
    return (path.exists() or path.is_symlink()) and not path.is_dir()


def _read(path: Path) -> dict[str, Any]:
    from hubgate.inputs.bounded import MAX_CONFIG_BYTES, UnreadableFile, load_toml, read_capped

    try:
        return load_toml(read_capped(path, MAX_CONFIG_BYTES, what="TOML file", pipes=False), str(path))
    except UnreadableFile as exc:
        raise PolicyError(str(exc), exc.hint) from None


def section(path: Path) -> str:
    """How a message names the table the keys are in: `[tool.hubgate] ` in pyproject.toml, else nothing."""
    return "[tool.hubgate] " if path.name == PYPROJECT else ""
