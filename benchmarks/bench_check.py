"""Benchmark: `hubgate check` against the naive loop, on the same 200-model list, against the loopback Hub.

The naive loop is what the seed notebooks do: `HfApi().model_info(id)` then `auth_check(id)` for each
model, one after another. Both run through the real huggingface_hub client against the loopback Hub
(tests/hubsim) with a fixed latency per request. Prints wall time and requests per model for both,
and the ideal `requests x latency / jobs` for hubgate.

    .venv/bin/python benchmarks/bench_check.py [--models 200] [--latency 0.05] [--jobs 8]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hubsim import HubSim, Repo, Token  # noqa: E402

TOKEN = "hf_" + "Bench" * 7


def build_world(hub: HubSim, count: int) -> list[str]:
    hub.add_token(Token(TOKEN, "bench", role="read"))
    ids = []
    for index in range(count):
        if index % 2 == 0:
            repo = hub.add_repo(Repo(f"open-org/model-{index:04d}"))
        else:
            repo = hub.add_repo(
                Repo(f"gated-org/model-{index:04d}", gated="manual" if index % 4 == 1 else "auto")
            )
            state = ("accepted", "pending", "rejected", None)[(index // 2) % 4]
            if state:
                hub.set_access("bench", repo.id, state)
        ids.append(repo.id)
    return ids


def naive_loop(endpoint: str, ids: list[str]) -> None:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(endpoint=endpoint, token=TOKEN)
    for repo_id in ids:
        try:
            api.model_info(repo_id)
            api.auth_check(repo_id)
        except HfHubHTTPError:
            pass


def hubgate_library(endpoint: str, ids: list[str], jobs: int) -> None:
    from hubgate.check.runner import run_checks
    from hubgate.hub.token import ResolvedToken
    from hubgate.inputs.refs import RepoRef

    refs = [RepoRef(i, "model", i) for i in ids]
    run_checks(refs, token=ResolvedToken(TOKEN, "bench"), endpoint=endpoint, jobs=jobs)


def hubgate_cli(endpoint: str, ids: list[str], jobs: int, *extra: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "models.txt"
        listing.write_text("\n".join(ids) + "\n")
        env = {**os.environ, "HF_ENDPOINT": endpoint, "HF_TOKEN": TOKEN, "HF_HOME": tmp}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "hubgate",
                "check",
                "-f",
                str(listing),
                "--jobs",
                str(jobs),
                "--format",
                "quiet",
                *extra,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            check=False,
        )


def measure(hub: HubSim, count: int, run) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    hub.reset_log()
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    return elapsed, hub.count("api"), hub.count("resolvers")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--jobs", type=int, default=8)
    args = parser.parse_args()

    with HubSim(latency=args.latency) as hub:
        ids = build_world(hub, args.models)
        rows = [
            (
                "naive loop (model_info + auth_check)",
                measure(hub, args.models, lambda: naive_loop(hub.url, ids)),
                1,
            ),
            (
                f"hubgate library, --jobs {args.jobs}",
                measure(hub, args.models, lambda: hubgate_library(hub.url, ids, args.jobs)),
                args.jobs,
            ),
            (
                f"hubgate CLI, --jobs {args.jobs}",
                measure(hub, args.models, lambda: hubgate_cli(hub.url, ids, args.jobs)),
                args.jobs,
            ),
            (
                f"hubgate CLI, --jobs {args.jobs} --no-registry",
                measure(hub, args.models, lambda: hubgate_cli(hub.url, ids, args.jobs, "--no-registry")),
                args.jobs,
            ),
        ]

    naive_time = rows[0][1][0]
    print(
        f"{args.models} models ({args.models // 2} gated), {args.latency * 1000:.0f} ms latency per request\n"
    )
    header = f"{'run':40} {'wall s':>7} {'api/model':>9} {'resolvers/model':>15} {'requests':>8} {'ideal s':>7} {'vs ideal':>8} {'speedup':>7}"
    print(header)
    print("-" * len(header))
    for name, (elapsed, api, resolvers), jobs in rows:
        requests = api + resolvers
        ideal = requests * args.latency / jobs
        print(
            f"{name:40} {elapsed:7.2f} {api / args.models:9.3f} {resolvers / args.models:15.3f} {requests:8d} "
            f"{ideal:7.2f} {elapsed / ideal:7.2f}x {naive_time / elapsed:6.1f}x"
        )


if __name__ == "__main__":
    main()
