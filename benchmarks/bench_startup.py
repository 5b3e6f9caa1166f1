"""Benchmark: how fast hubgate starts. `hubgate --version` beside `hf version` and the bare interpreter,
and two commands that need no Hub: `hubgate check --help` and `hubgate scan` of a one-file project.

Each command runs `--runs` times in a fresh process; the best and the median wall times are printed.
`--baseline DIR` adds `--version` on another checkout's `src` (e.g. a worktree of an older commit);
`--site DIR` adds the two commands again with DIR first on the import path, e.g. another version of a
dependency (`pip install --no-deps typer==0.29.2 -t DIR`). Also checks that `--version` imports neither
typer, rich nor pydantic.

    .venv/bin/python benchmarks/bench_startup.py [--runs 15] [--baseline /tmp/wt-base] [--site /tmp/typer029]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
VERSION_CALL = "import sys; sys.argv[1:] = ['--version']; from hubgate.cli import main; main()"


def timed(command: list[str], env: dict[str, str] | None = None, runs: int = 15) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def heavy_imports() -> list[str]:
    probe = VERSION_CALL + "; print(sorted(m for m in ('typer', 'rich', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[-1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", type=Path, default=None)
    parser.add_argument("--site", type=Path, default=None)
    args = parser.parse_args()
    project = Path(tempfile.mkdtemp(prefix="hubgate-bench-"))
    (project / "train.py").write_text(
        'from transformers import AutoModel\nmodel = AutoModel.from_pretrained("openai-community/gpt2")\n'
    )
    commands = [
        ("hubgate check --help", [sys.executable, "-m", "hubgate", "check", "--help"]),
        ("hubgate scan (one file)", [sys.executable, "-m", "hubgate", "scan", str(project)]),
    ]
    rows: list[tuple[str, list[str], dict[str, str] | None]] = [
        ("python -c pass (the floor)", [sys.executable, "-c", "pass"], None),
        ("hubgate --version (console script)", [str(BIN / "hubgate"), "--version"], None),
        ("hubgate --version (python -c)", [sys.executable, "-c", VERSION_CALL], None),
        ("hf version", [str(BIN / "hf"), "version"], None),
        *((name, command, None) for name, command in commands),
    ]
    if args.baseline is not None:
        env = {**os.environ, "PYTHONPATH": str(args.baseline / "src")}
        rows.append(
            (f"baseline {args.baseline.name}: hubgate --version", [sys.executable, "-c", VERSION_CALL], env)
        )
    if args.site is not None:
        env = {**os.environ, "PYTHONPATH": str(args.site)}
        rows += [(f"with {args.site.name}: {name}", command, env) for name, command in commands]
    print(f"best and median of {args.runs} runs each")
    try:
        for name, command, env in rows:
            best, median = timed(command, env, args.runs)
            print(f"{name:45s} {best:6.3f} s  {median:6.3f} s")
    finally:
        shutil.rmtree(project)
    print(f"heavy modules imported by hubgate --version: {heavy_imports()[0]}")


if __name__ == "__main__":
    main()
