"""Side by side: hubgate's pre-flight findings and hf-preflight's, on the same repos of the loopback Hub.

hf-preflight (PyPI, no dependencies) talks to https://huggingface.co only, so this script points its two
URL constants at the loopback Hub before calling its `inspect_model`; nothing else of it is changed.
Install it outside the project first, then pass the folder:

    .venv/bin/python -m pip install --target /tmp/hfp hf-preflight
    .venv/bin/python benchmarks/compare_hf_preflight.py --hf-preflight /tmp/hfp
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from hubgate.testhub import HubSim  # noqa: E402
from hubgate.testhub.worlds import GPT2, LLAMA2, PREFLIGHT_REPOS, populate  # noqa: E402

REPOS = (*PREFLIGHT_REPOS, GPT2, LLAMA2)


def hf_preflight(folder: str, url: str) -> dict[str, str]:
    sys.path.insert(0, folder)
    from hf_preflight import core

    core._API = f"{url}/api/models"
    core._WHOAMI = f"{url}/api/whoami-v2"
    shown = {}
    for repo in REPOS:
        report = core.inspect_model(repo)
        risky = [f"{f.kind}" for f in report.findings if f.severity != "clean"]
        shown[repo] = f"{report.severity}: {', '.join(risky) or '-'}"
    return shown


def hubgate(url: str) -> tuple[dict[str, str], int]:
    env = {**os.environ, "HF_ENDPOINT": url, "NO_COLOR": "1"}
    env.pop("HF_TOKEN", None)
    proc = subprocess.run(
        [sys.executable, "-m", "hubgate", "check", *REPOS, "--json", "--no-registry", "--anonymous"],
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
    )
    report = json.loads(proc.stdout)
    shown = {
        m["id"]: f"{m['status']}: {', '.join(f['kind'] for f in m['findings']) or '-'}"
        for m in report["models"]
    }
    return shown, sum(report["requests"]["by_bucket"].values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hf-preflight", required=True, help="folder hf-preflight was installed into")
    args = parser.parse_args()
    with HubSim() as hub:
        populate(hub)
        theirs = hf_preflight(args.hf_preflight, hub.url)
        their_requests = len(hub.log)
        hub.reset_log()
        ours, our_requests = hubgate(hub.url)
    print("| repo | hf-preflight (severity: non-clean findings) | hubgate (status: findings) |")
    print("|---|---|---|")
    for repo in REPOS:
        print(f"| `{repo}` | {theirs[repo]} | {ours[repo]} |")
    print(
        f"\nrequests: hf-preflight {their_requests} (one inspect_model call per repo), hubgate {our_requests} (one run)"
    )


if __name__ == "__main__":
    main()
