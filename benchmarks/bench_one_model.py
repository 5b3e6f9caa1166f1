"""Benchmark: `hubgate check ID` for one open model, side by side with the five-line huggingface_hub
script people write instead (`model_info` then `auth_check`), each in a fresh process, against the
loopback Hub (hubgate.testhub) at a given latency per request; hubgate also in a project whose
pyproject.toml holds a `[tool.hubgate]` policy, as a team's does. Also counts each one's requests and
shows what hubgate's start-up imports cost (`-X importtime`, top modules).

The script:

    from huggingface_hub import HfApi
    api = HfApi()
    info = api.model_info(ID)
    api.auth_check(ID)
    print(ID, "ok", info.sha)

    .venv/bin/python benchmarks/bench_one_model.py [--runs 11] [--latency 0.05] [--before REF]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _revisions import export_src

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from hubgate.testhub import HubSim, Repo, Token  # noqa: E402

MODEL = "openai-community/gpt2"
TOKEN = "hf_" + "Bench" * 7
SCRIPT = (
    "from huggingface_hub import HfApi\n"
    "api = HfApi()\n"
    f"info = api.model_info({MODEL!r})\n"
    f"api.auth_check({MODEL!r})\n"
    f"print({MODEL!r}, 'ok', info.sha)\n"
)


def timed(command: list[str], env: dict[str, str], hub: HubSim, cwd: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the process, requests the Hub saw)."""
    hub.reset_log()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), hub.count()


def import_top(env: dict[str, str], cwd: Path, count: int = 8) -> list[tuple[int, str]]:
    """The modules whose import (with what they import) takes longest when hubgate checks one model."""
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "hubgate", "check", MODEL],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    ).stderr
    rows = []
    for line in err.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
            if cumulative.isdigit() and not name.startswith(" "):
                rows.append((int(cumulative), name.strip()))
    top_level = [row for row in rows if "." not in row[1]]
    return sorted(top_level, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--before", metavar="REF", help="also time hubgate at git revision REF")
    args = parser.parse_args()
    with HubSim(latency=args.latency) as hub, tempfile.TemporaryDirectory(prefix="bench-one-") as tmp:
        hub.add_repo(Repo(MODEL, legacy_ids=("gpt2",), card_data={"license": "mit"}))
        hub.add_token(Token(TOKEN, "bench", role="read"))
        home = Path(tmp) / "home"
        home.mkdir()
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "HF_ENDPOINT": hub.url,
            "HF_TOKEN": TOKEN,
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "XDG_CACHE_HOME": str(Path(tmp) / "cache"),
            "XDG_STATE_HOME": str(Path(tmp) / "state"),
            "NO_COLOR": "1",
        }
        # Every row runs in a folder of its own: the invoker's folder may hold a policy file.
        plain, project = Path(tmp) / "plain", Path(tmp) / "project"
        plain.mkdir()
        project.mkdir()
        (project / "pyproject.toml").write_text(
            '[tool.hubgate]\nfail-on = "action,pickle"\nmax-size = "20GB"\n'
        )
        check = [sys.executable, "-m", "hubgate", "check", MODEL]
        rows: list[tuple[str, list[str], dict[str, str], Path]] = [
            ("five-line huggingface_hub script", [sys.executable, "-c", SCRIPT], env, plain),
            ("hubgate check ID", check, env, plain),
            ("hubgate check ID --no-cache", [*check, "--no-cache"], env, plain),
            ("hubgate check ID --no-registry", [*check, "--no-registry"], env, plain),
            ("hubgate check ID, policy file", check, env, project),
        ]
        if args.before:
            before_env = dict(env, PYTHONPATH=str(export_src(args.before, Path(tmp))))
            rows.append((f"hubgate check ID at {args.before}", check, before_env, plain))
            rows.append((f"policy file at {args.before}", check, before_env, project))
        times: dict[str, list[float]] = {name: [] for name, *_ in rows}
        cpu: dict[str, list[float]] = {name: [] for name, *_ in rows}
        requests: dict[str, int] = {}
        for _ in range(args.runs):  # rounds interleave the commands: a busy machine slows them alike
            for name, command, run_env, cwd in rows:
                seconds, cpu_seconds, sent = timed(command, run_env, hub, cwd)
                times[name].append(seconds)
                cpu[name].append(cpu_seconds)
                requests[name] = sent
        print(
            f"one open model, {args.latency * 1000:.0f} ms per request, best and median of {args.runs} runs"
        )
        print("(CPU: the process's own seconds, steady on a busy machine where wall seconds are not)")
        print(f"{'command':<38}{'wall best':>10}{'median':>8}{'CPU best':>10}{'median':>8}{'requests':>10}")
        for name, *_ in rows:
            print(
                f"{name:<38}{min(times[name]):>9.3f}s{statistics.median(times[name]):>7.3f}s"
                f"{min(cpu[name]):>9.3f}s{statistics.median(cpu[name]):>7.3f}s{requests[name]:>10}"
            )
        print("slowest imports of `hubgate check ID` (cumulative microseconds):")
        for micros, module in import_top(env, plain):
            print(f"  {module:<30}{micros:>10,}")


if __name__ == "__main__":
    main()
