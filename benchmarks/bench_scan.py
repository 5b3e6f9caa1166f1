"""Benchmark: `hubgate scan` on a generated tree of 10,000 files, beside the ad-hoc regex scripts that
public projects use (`re.findall(r'from_pretrained\\("([^"]+)"\\)')` over every .py file).

The tree mixes Python (most without any Hub call, as in a real codebase), notebooks, YAML/JSON/TOML
configs, shell scripts, Dockerfiles, Markdown and binary files, plus a .venv/ and a .gitignore'd folder
that must be skipped. Every file that names a repo names a known one, so both scanners' findings are
compared against the truth. The scan runs in a child process where any socket connection raises and is
counted, and which reports whether huggingface_hub or an HTTP client was imported: proof that scanning
never talks to the Hub.

    .venv/bin/python benchmarks/bench_scan.py [--files 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
times = []
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    result = scan_paths(["."])
    times.append(time.perf_counter() - start)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("huggingface_hub", "httpx", "httpx2", "requests", "urllib3"))
print(json.dumps({
    "seconds": min(times), "first": times[0], "files": result.files,
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="scans timed; the best is reported")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        root = Path(tmp)
        truth = generate(root, args.files)
        total = sum(1 for _ in root.rglob("*") if _.is_file())
        env = dict(os.environ, HF_ENDPOINT="http://127.0.0.1:9", HF_HUB_OFFLINE="0")
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(args.repeat)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        child = json.loads(out.stdout)
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

    print(f"tree: {total} files generated; {len(truth)} references to find (outside .venv/ and build/)")
    print(f"{'scanner':<34}{'seconds':>9}{'files/s (tree)':>16}{'found':>7}{'missed':>8}{'extra':>7}")
    for label, seconds, hits in (
        (f"hubgate scan (best of {args.repeat})", child["seconds"], found),
        ('regex from_pretrained\\("..."\\)', regex_seconds, regex_found),
    ):
        print(
            f"{label:<34}{seconds:>9.2f}{total / seconds:>16,.0f}{len(hits & truth):>7}"
            f"{len(truth - hits):>8}{len(hits - truth):>7}"
        )
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
