"""What the benchmarks share to run an earlier revision beside today's code (`--before REF`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def export_src(ref: str, into: Path) -> Path:
    """The `src` folder of git revision `ref`, exported into `into` (no worktree left behind), with the
    bundled `registry` folder beside it: a source tree finds its registry there, and a baseline without one
    would skip the registry's work (about 35 ms of a one-model check) and look faster than it was."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-tree", "--name-only", ref, "registry"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    paths = ["src", *listed]
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, *paths], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / "src"
