"""What the benchmarks share to run an earlier revision beside today's code (`--before REF`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def export_src(ref: str, into: Path) -> Path:
    """The `src` folder of git revision `ref`, exported into `into` (no worktree left behind)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / "src"
