"""`hubgate pin`'s output: a unified diff per file (what `--write` would change, or changed), and one
line per place left unpinned, with the reason."""

from __future__ import annotations

import difflib

from hubgate.inputs.scan.model import shown
from hubgate.pin.plan import PinPlan


def diff(plan: PinPlan) -> str:
    """The changes as `git apply` and `patch -p1` read them (paths relative to the working folder)."""
    parts: list[str] = []
    for change in plan.changes:
        name = shown(change.file)
        parts += difflib.unified_diff(
            change.before.splitlines(keepends=True),
            change.after.splitlines(keepends=True),
            fromfile=f"a/{name}",
            tofile=f"b/{name}",
        )
        if parts and not parts[-1].endswith("\n"):
            parts[-1] += "\n\\ No newline at end of file\n"
    return "".join(parts)


def refused(plan: PinPlan) -> list[str]:
    return [f"{place} {repo_id}: not pinned: {why}" for place, repo_id, why in plan.refused]


def summary(plan: PinPlan, *, written: bool) -> str:
    places = sum(len(change.pinned) for change in plan.changes)
    files = len(plan.changes)
    verb = "pinned" if written else "to pin (run with --write to change the files)"
    line = f"{places} places in {files} files {verb}"
    if not places:
        line = "nothing to pin"
    if plan.refused:
        line += f"; {len(plan.refused)} left unpinned"
    return line
