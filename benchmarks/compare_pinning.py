"""Side by side: what Bandit's B615 and hubgate find unpinned, and pin, on tests/fixtures/pin_project.

Bandit is run from its own environment (never the project's), on a copy of the fixture:

    python3 -m venv /tmp/bandit-venv && /tmp/bandit-venv/bin/pip install bandit
    .venv/bin/python benchmarks/compare_pinning.py --bandit /tmp/bandit-venv/bin/bandit

hubgate runs its offline `scan` (places found), then `pin --write` against the loopback Hub with a read
token (places pinned), then checks that every Python file still parses and that a new scan finds no
place it pinned still unpinned. Prints a Markdown table (docs/scan.md, "Pinning compared", holds the last run).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "pin_project"
sys.path.insert(0, str(ROOT / "src"))

from hubgate.testhub import HubSim  # noqa: E402
from hubgate.testhub.worlds import ALICE, populate  # noqa: E402


def kind(name: str) -> str:
    if name.endswith(".py"):
        return "Python"
    if name.endswith(".ipynb"):
        return "notebook"
    if name.endswith(".sh"):
        return "shell"
    return "config"


def bandit(executable: str, project: Path) -> Counter[str]:
    proc = subprocess.run(
        [executable, "-q", "-t", "B615", "-r", ".", "-f", "json"],
        capture_output=True,
        text=True,
        cwd=project,
    )
    found = json.loads(proc.stdout)["results"]
    return Counter(kind(item["filename"]) for item in found)


def hubgate(
    *args: str, project: Path, url: str, token: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_ENDPOINT": url, "NO_COLOR": "1", "HF_HOME": str(project.parent / "hf-home")}
    env.pop("HF_TOKEN", None)
    if token:
        env["HF_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "hubgate", *args], capture_output=True, text=True, env=env, cwd=project
    )


def unpinned(project: Path, url: str) -> Counter[str]:
    data = json.loads(hubgate("scan", "--format", "json", project=project, url=url).stdout)
    return Counter(kind(p["file"]) for r in data["repos"] for p in r["places"] if p["unpinned"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bandit", help="the bandit executable (from its own environment)")
    args = parser.parse_args()
    kinds = ("Python", "notebook", "shell", "config")
    with tempfile.TemporaryDirectory() as tmp, HubSim() as hub:
        populate(hub)
        project = Path(tmp) / "project"
        shutil.copytree(FIXTURE, project)
        found_bandit = bandit(args.bandit, project) if args.bandit else None
        before = unpinned(project, hub.url)
        pinned = hubgate("pin", "--write", project=project, url=hub.url, token=ALICE)
        after = unpinned(project, hub.url)
        for path in project.rglob("*.py"):
            ast.parse(path.read_text())  # still parses
        done = before - after
        print("| places | Bandit B615 found | hubgate found | hubgate pinned |")
        print("|---|---|---|---|")
        for name in kinds:
            shown = str(found_bandit[name]) if found_bandit is not None else "not run"
            print(f"| {name} | {shown} | {before[name]} | {done[name]} |")
        total_bandit = str(sum(found_bandit.values())) if found_bandit is not None else "not run"
        print(f"| all | {total_bandit} | {sum(before.values())} | {sum(done.values())} |")
        print()
        print(pinned.stderr.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
