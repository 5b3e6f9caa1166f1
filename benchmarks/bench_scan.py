"""Benchmark: `hubgate scan` on a generated tree of 10,000 files, beside the ad-hoc regex scripts that
public projects use (`re.findall(r'from_pretrained\\("([^"]+)"\\)')` over every .py file).

The tree mixes Python (most without any Hub call, as in a real codebase), notebooks, YAML/JSON/TOML
configs, shell scripts, Dockerfiles, Markdown and binary files, plus a .venv/ and a .gitignore'd folder
that must be skipped. Every file that names a repo names a known one, so both scanners' findings are
compared against the truth. The scan runs in a child process where any socket connection raises and is
counted, and which reports whether huggingface_hub or an HTTP client was imported: proof that scanning
never talks to the Hub.

Beside them `grep -rnF` for the names hubgate's pre-filter looks for (the goal: within 10x of it, with the
same findings), and with `--before REF` the scan of an earlier git revision, interleaved round by round.

    .venv/bin/python benchmarks/bench_scan.py [--files 10000] [--repeat 3] [--before REF]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _revisions import export_src

ROOT = Path(__file__).resolve().parents[1]

PLAIN_PY = '''"""A module with no Hub call."""
import os


def helper_{n}(values: list[int]) -> int:
    total = 0
    for value in values:
        total += value * {n}
    return total + len(os.sep)
'''
HUB_PY = """from transformers import AutoModelForCausalLM, AutoTokenizer

MODEL_ID = "org-{n}/model-{n}"
tok = AutoTokenizer.from_pretrained(MODEL_ID)
model = AutoModelForCausalLM.from_pretrained(
    MODEL_ID, torch_dtype="auto"
)
"""
HUB_PY_LITERAL = """from transformers import AutoModel

model = AutoModel.from_pretrained("org-{n}/model-{n}")
"""
YAML = "model_name_or_path: org-{n}/model-{n}\noutput_dir: ./out/{n}\nlearning_rate: 2.0e-5\n"
JSON = '{{"model_id": "org-{n}/model-{n}", "epochs": 3}}\n'
TOML = '[train]\nbase_model = "org-{n}/model-{n}"\nbatch_size = 8\n'
SHELL = "#!/bin/sh\nset -e\nhf download org-{n}/model-{n} --local-dir /models\n"
MARKDOWN = "# Notes {n}\n\nWe use `org-{n}/model-{n}` (text, not a load).\n"


def notebook(n: int) -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# Explore"},
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": f'from transformers import AutoModel\nm = AutoModel.from_pretrained("org-{n}/model-{n}")',
        },
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def generate(root: Path, count: int) -> set[tuple[str, str]]:
    """Write `count` files under root; returns the truth: (repo_id, file) for every reference."""
    rng = random.Random(13)
    truth: set[tuple[str, str]] = set()
    (root / ".gitignore").write_text("build/\n")
    kinds = (
        ["plain"] * 62 + ["hub_py"] * 8 + ["yaml"] * 6 + ["json"] * 4 + ["toml"] * 3 + ["shell"] * 3
        + ["notebook"] * 2 + ["markdown"] * 6 + ["binary"] * 4 + ["venv"] * 1 + ["ignored"] * 1
    )  # fmt: skip
    for n in range(count):
        kind = rng.choice(kinds)
        folder = root / f"pkg{n % 50}" / f"sub{n % 7}"
        if kind == "venv":
            folder = root / ".venv" / "lib" / f"p{n % 20}"
        elif kind == "ignored":
            folder = root / "build" / f"b{n % 20}"
        folder.mkdir(parents=True, exist_ok=True)
        repo = f"org-{n}/model-{n}"
        name, text = {
            "plain": (f"mod_{n}.py", PLAIN_PY),
            "hub_py": (f"load_{n}.py", HUB_PY if n % 2 else HUB_PY_LITERAL),
            "yaml": (f"cfg_{n}.yaml", YAML),
            "json": (f"cfg_{n}.json", JSON),
            "toml": (f"cfg_{n}.toml", TOML),
            "shell": (f"get_{n}.sh", SHELL),
            "notebook": (f"nb_{n}.ipynb", None),
            "markdown": (f"notes_{n}.md", MARKDOWN),
            "binary": (f"weights_{n}.bin", None),
            "venv": (f"site_{n}.py", HUB_PY_LITERAL),
            "ignored": (f"gen_{n}.py", HUB_PY_LITERAL),
        }[kind]
        path = folder / name
        if kind == "notebook":
            path.write_text(notebook(n))
        elif kind == "binary":
            path.write_bytes(bytes(rng.getrandbits(8) for _ in range(256)))
        else:
            path.write_text(text.format(n=n))  # type: ignore[union-attr]
        if kind in ("hub_py", "yaml", "json", "toml", "shell", "notebook"):
            truth.add((repo, path.relative_to(root).as_posix()))
    return truth


CHILD = r"""
import json, socket, sys, time
attempts = []
def refuse(self, address, *args):
    attempts.append(str(address))
    raise OSError("bench_scan: network is off")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
from hubgate.inputs.scan import scan_paths
times, cpu = [], []
for _ in range(int(sys.argv[1])):
    start, start_cpu = time.perf_counter(), time.process_time()
    result = scan_paths(["."])
    times.append(time.perf_counter() - start)
    cpu.append(time.process_time() - start_cpu)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("huggingface_hub", "httpx", "httpx2", "requests", "urllib3"))
print(json.dumps({
    "seconds": min(times), "first": times[0], "cpu": min(cpu), "files": result.files,
    "found": sorted({(f.repo_id, f.place.file) for f in result.found}),
    "connect_attempts": attempts, "network_modules": loaded,
}))
"""


def regex_baseline(root: Path) -> tuple[float, set[tuple[str, str]], int]:
    """The ad-hoc script: every .py file, one regex, no .gitignore, no venv skipping."""
    pattern = re.compile(r'from_pretrained\("([^"]+)"\)')
    start = time.perf_counter()
    found = set()
    files = 0
    for folder, _, names in os.walk(root):
        for name in names:
            if name.endswith(".py"):
                path = Path(folder, name)
                files += 1
                for repo in pattern.findall(path.read_text(errors="replace")):
                    found.add((repo, path.relative_to(root).as_posix()))
    return time.perf_counter() - start, found, files


def grep_words() -> list[str]:
    """The names hubgate's pre-filter looks for, every kind's: what `grep -r` is asked for."""
    sys.path.insert(0, str(ROOT / "src"))
    from hubgate.inputs.scan import config, python, shell

    return sorted({*python.TRIGGERS, *config.TRIGGERS, *shell.TRIGGERS, "download"})


def grep_baseline(root: Path) -> tuple[float, float]:
    """`grep -rnF` for the same names over the whole tree (binaries, .venv/ and ignored folders too):
    (wall seconds, CPU seconds)."""
    command = ["grep", "-rnF", *(arg for word in grep_words() for arg in ("-e", word)), "."]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=root, stdout=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def scan_child(root: Path, env: dict[str, str], scans: int, src: Path | None = None) -> dict[str, Any]:
    """`scans` scans in a fresh process (`src`: another checkout's sources, for --before)."""
    if src is not None:
        env = dict(env, PYTHONPATH=str(src))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(scans)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best of each scanner is reported")
    parser.add_argument("--before", metavar="REF", help="also scan with the code of git revision REF")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        root = Path(tmp) / "tree"
        root.mkdir()
        truth = generate(root, args.files)
        total = sum(1 for _ in root.rglob("*") if _.is_file())
        env = dict(os.environ, HF_ENDPOINT="http://127.0.0.1:9", HF_HUB_OFFLINE="0")
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode compiled once, not every run
        before_src = export_src(args.before, Path(tmp)) if args.before else None
        # Rounds interleave the scanners, so that a busy machine slows them alike.
        grep_times, child_runs, before_runs = [], [], []
        for _ in range(args.repeat):
            grep_times.append(grep_baseline(root))
            child_runs.append(scan_child(root, env, 2))
            if before_src is not None:
                before_runs.append(scan_child(root, env, 2, before_src))
        child = min(child_runs, key=lambda run: run["cpu"])
        start = time.perf_counter()
        cli = subprocess.run(
            [sys.executable, "-m", "hubgate", "scan", "--format", "json"],
            cwd=root,
            env=env,
            capture_output=True,
            check=True,
        )
        cli_seconds = time.perf_counter() - start
        cli_repos = len(json.loads(cli.stdout)["repos"])
        found = {tuple(item) for item in child["found"]}
        regex_seconds, regex_found, regex_files = regex_baseline(root)
        print(f"the regex script read {regex_files} .py files")

    grep_seconds = min(wall for wall, _ in grep_times)
    grep_cpu = min(cpu for _, cpu in grep_times)
    print(f"tree: {total} files generated; {len(truth)} references to find (outside .venv/ and build/)")
    print("x grep: CPU seconds over grep's (steady on a busy machine, where wall seconds are not)")
    print(f"{'scanner':<34}{'wall s':>8}{'CPU s':>8}{'x grep':>8}{'found':>7}{'missed':>8}{'extra':>7}")
    rows: list[tuple[str, float, float | None, set[Any] | None]] = [
        (f"hubgate scan (best of {args.repeat})", child["seconds"], child["cpu"], found)
    ]
    if before_runs:
        best = min(before_runs, key=lambda run: run["cpu"])
        rows.append(
            (
                f"hubgate scan at {args.before}",
                best["seconds"],
                best["cpu"],
                {tuple(i) for i in best["found"]},
            )
        )
    rows += [
        ("grep -rnF, the same names", grep_seconds, grep_cpu, None),
        ('regex from_pretrained\\("..."\\)', regex_seconds, None, regex_found),
    ]
    for label, seconds, cpu, hits in rows:
        counts = (
            f"{len(hits & truth):>7}{len(truth - hits):>8}{len(hits - truth):>7}"
            if hits is not None
            else f"{'-':>7}{'-':>8}{'-':>7}"
        )
        ratio = f"{cpu / grep_cpu:>8.1f}" if cpu is not None else f"{'-':>8}"
        shown_cpu = f"{cpu:>8.2f}" if cpu is not None else f"{'-':>8}"
        print(f"{label:<34}{seconds:>8.2f}{shown_cpu}{ratio}{counts}")
    print(f"hubgate scan, first run (imports of yaml and nbformat included): {child['first']:.2f} s")
    print(
        f"CLI end to end (`hubgate scan --format json`, one cold run, start-up included): {cli_seconds:.2f} s, {cli_repos} repos"
    )
    print(f"hubgate read {child['files']} files (the rest: unknown kinds, binaries, .venv/, .gitignore'd)")
    print(
        f"network: {len(child['connect_attempts'])} connection attempts; Hub/HTTP modules imported: {child['network_modules'] or 'none'}"
    )
    if child["connect_attempts"] or child["network_modules"] or truth - found or found - truth:
        sys.exit(1)


if __name__ == "__main__":
    main()
