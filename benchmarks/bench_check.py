"""Benchmark: `hubgate check` against the naive loop and against its own metadata path, on a model zoo
served by the loopback Hub (hubgate.testhub), through the real huggingface_hub client.

The zoo is what a lab keeps: half the models gated (in the organizations that gate, in every state:
granted, pending, rejected, never asked, auto), the rest open; a few big authors, many medium ones and a
long tail of one-model authors.

Four scenarios:

- `latency` (default 200 models, 50 ms per request): wall time and requests of the naive loop of the seed
  notebooks (`HfApi.model_info` then `auth_check`, one model after another), hubgate's metadata path
  (one api request per model, as before issue 17: `batch=False`, no cache), and hubgate's first and
  second runs (author listings, file probes, the metadata cache), as a library and as the CLI. `ideal` is
  requests x latency / jobs.
- `free-tier` (default 1,000 models): the Hub enforces a free account's quotas (api 1,000 and resolvers
  5,000 per 5-minute window; anonymous callers 500 and 3,000 per IP). Counts the 429s and the api
  requests per model (whoami included) of the first run, the second run with the cache, and the
  metadata path.
- `repeat` (default 1,000 models, 50 ms per request): hubgate's first run and a repeat run with the metadata
  cache warm (library): the requests of each kind, resolver requests per model beside the gated share,
  and the wall time against the floor. `--before REF` runs the same with git revision REF's hubgate
  beside it (also for `free-tier`).
- `static-header` (default 3,000 models, 50 ms per request): the Hub's `RateLimit` header does not count
  down (every api answer says `"api";r=400;t=200`, as proxies, caches and some limiters make it) and
  the Hub never refuses anything. Wall time of hubgate's first run and of its metadata path (library)
  against the floor (requests x latency / jobs) and the 429s, beside the same runs on a Hub whose
  header counts and, with `--before REF`, beside the pacer of git revision REF on the static header.

`--gated` is the share of gated models in the zoo (default 0.5); `--sorted` gives the ids sorted, as
most lists are (each author's ids side by side), instead of the zoo's order (authors interleaved). The test Hub runs in a process of its
own, as a real Hub is another machine; `--hub in-process` serves it from the benchmark's process (as the
figures before 2026-12-01 were taken), where its CPU and the GIL are charged to the client.

    .venv/bin/python benchmarks/bench_check.py [--scenario latency|free-tier|repeat|static-header|both]
        [--models N] [--gated 0.5] [--latency 0.05] [--jobs 8] [--before REF] [--hub in-process]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from multiprocessing.managers import BaseManager
from pathlib import Path
from typing import Any

from _revisions import export_src

ROOT = Path(__file__).resolve().parents[1]
# `--src DIR` (set by `--before REF`): run another revision's hubgate, test Hub included.
SRC = Path(sys.argv[sys.argv.index("--src") + 1]) if "--src" in sys.argv[:-1] else ROOT / "src"
# `--hub in-process`: the test Hub in the benchmark's own process, as before the figures of 2026-12-01.
HUB_IN_PROCESS = "in-process" in sys.argv
SORTED_IDS = "--sorted" in sys.argv
sys.path.insert(0, str(SRC))

from hubgate.testhub import HubSim, Repo, Token  # noqa: E402

TOKEN = "hf_" + "Bench" * 7
GATED_ORGS = ("meta-llama", "google", "mistralai", "bigcode", "tiiuae", "stabilityai")
STATES = ("accepted", "pending", "rejected", None, "accepted")  # None: never asked


def build_zoo(hub: HubSim, count: int, gated_share: float = 0.5) -> list[str]:
    """`count` model ids: `gated_share` of them gated (spread over the gating organizations, in every
    state), the rest open, from 12 big authors, 40 medium ones and a tail of one-model authors (a fifth
    of the open models)."""
    hub.add_token(Token(TOKEN, "bench", role="read"))
    ids: list[str] = []
    gated = round(count * gated_share)
    for index in range(gated):
        org = GATED_ORGS[index % len(GATED_ORGS)]
        repo = hub.add_repo(
            Repo(
                f"{org}/gated-{index:04d}",
                gated="manual" if index % 3 else "auto",
                card_data={"license": "other"},
                config={"model_type": "llama"},
            )
        )
        state = STATES[index % len(STATES)]
        if state is not None:
            hub.set_access("bench", repo.id, state)
        ids.append(repo.id)
    tail = (count - gated) // 5
    for index in range(count - gated):
        if index < tail:
            author = f"solo-{index:04d}"
        elif index % 2:
            author = f"big-{index % 12:02d}"
        else:
            author = f"lab-{index % 40:02d}"
        repo = hub.add_repo(Repo(f"{author}/open-{index:04d}", card_data={"license": "apache-2.0"}))
        ids.append(repo.id)
    # Each author also has repos nobody asked for: a listing page carries them too.
    for author in ("meta-llama", "google", "big-00", "lab-00"):
        for extra in range(30):
            hub.add_repo(Repo(f"{author}/unasked-{extra:03d}"))
    return ids


class _HubServer:
    """The test Hub and what the benchmark asks of it, in whichever process serves it."""

    def __init__(self, latency: float) -> None:
        self.hub = HubSim(latency=latency, page_size=1000)
        self.hub.__enter__()

    def url(self) -> str:
        return self.hub.url

    def build_zoo(self, count: int, gated_share: float) -> list[str]:
        return build_zoo(self.hub, count, gated_share)

    def set_quota(self, bucket: str, quota: int, window: float, anonymous: int | None = None) -> None:
        self.hub.set_quota(bucket, quota, window, anonymous=anonymous)

    def fresh_window(self) -> None:
        """Every run starts in a fresh rate-limit window, with an empty request log."""
        for bucket in list(self.hub.quotas):
            quota, window = self.hub.quotas[bucket]
            self.hub.set_quota(bucket, quota, window)
        self.hub.reset_log()

    def counts(self) -> tuple[int, int, int, int, int]:
        """(api with the token, api without, resolvers with the token, resolvers without, 429s) since the
        last fresh window."""
        log = list(self.hub.log)

        def sent(bucket: str, authorized: bool) -> int:
            return sum(1 for e in log if e.bucket == bucket and e.authorized == authorized)

        return (
            sent("api", True),
            sent("api", False),
            sent("resolvers", True),
            sent("resolvers", False),
            self.hub.count(status=429),
        )

    def static_header(self, on: bool) -> None:
        self.hub.static_ratelimits.clear()
        if on:
            self.hub.set_static_ratelimit("api", STATIC_REMAINING, STATIC_RESET)

    def close(self) -> None:
        self.hub.__exit__(None, None, None)


class _HubManager(BaseManager):
    pass


_HubManager.register("HubServer", _HubServer)


@contextmanager
def test_hub(latency: float) -> Iterator[Any]:
    """The test Hub, served by a process of its own unless --hub in-process: a real Hub is another
    machine, and a Hub in the client's process would charge the client for the server's CPU and GIL
    (on two cores, several milliseconds a request)."""
    if HUB_IN_PROCESS:
        server = _HubServer(latency)
        try:
            yield server
        finally:
            server.close()
        return
    with _HubManager() as manager:
        server = manager.HubServer(latency)  # type: ignore[attr-defined]
        try:
            yield server
        finally:
            server.close()


def in_list_order(ids: list[str]) -> list[str]:
    """The zoo's ids as the list gives them: interleaved by author (the zoo's own order), or with
    `--sorted` sorted by id, as most lists are, which puts each author's ids side by side."""
    return sorted(ids) if SORTED_IDS else ids


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


def pacer_class_at(ref: str) -> Any:
    """The `RatePacer` of git revision `ref` (its pacing module, loaded on its own), to run the same
    benchmark with an earlier pacer: the rest of the code is today's."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{ref}:src/hubgate/hub/pacing.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType(f"pacing_at_{ref}")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{ref}:src/hubgate/hub/pacing.py", "exec"), module.__dict__)
    return module.RatePacer


def library(
    endpoint: str,
    ids: list[str],
    jobs: int,
    *,
    cache_dir: Path | None,
    batch: bool,
    max_wait: float = 330.0,
    pacer_class: Any = None,
) -> int:
    """Returns the number of `error` verdicts. `pacer_class`: another pacer than today's."""
    from hubgate.check.run import run_check
    from hubgate.check.session import open_session
    from hubgate.hub.cache import MetadataCache
    from hubgate.hub.settings import RetryPolicy
    from hubgate.hub.token import ResolvedToken
    from hubgate.inputs.refs import RepoRef

    refs = [RepoRef(i, "model", i) for i in ids]
    policy = RetryPolicy(max_server_wait=max_wait)
    pacer = pacer_class(max_wait=max_wait) if pacer_class is not None else None
    session = open_session(ResolvedToken(TOKEN, "bench"), endpoint=endpoint, policy=policy, pacer=pacer)
    cache = MetadataCache(cache_dir) if cache_dir is not None else None
    report = run_check(session, refs, jobs=jobs, cache=cache, batch=batch)
    if cache is not None:
        cache.close()
    return sum(1 for v in report.verdicts if v.status.value == "error")


def cli(endpoint: str, ids: list[str], jobs: int, cache_dir: Path, *extra: str) -> int:
    """Returns the number of `error` verdicts. HF_HOME is kept beside the cache, as a user's is: the
    registry huggingface_hub fetches for its user agent once a day is there after the first run."""
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "models.txt"
        listing.write_text("\n".join(ids) + "\n")
        env = {
            **os.environ,
            "HF_ENDPOINT": endpoint,
            "HF_TOKEN": TOKEN,
            "HF_HOME": str(cache_dir.parent / "hf-home"),
            "HUBGATE_CACHE_DIR": str(cache_dir),
            "PYTHONPATH": str(SRC),
        }
        # An installed hubgate has its bytecode compiled; without this, a shell that sets the variable
        # would have every run compile every module again (about 0.15 s a run).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "hubgate",
                "check",
                "-f",
                str(listing),
                "--jobs",
                str(jobs),
                "--json",
                *extra,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    return json.loads(done.stdout)["summary"].get("error", 0)


class Row:
    def __init__(self, name: str, jobs: int, elapsed: float, hub: Any, errors: int) -> None:
        self.name, self.jobs, self.elapsed, self.errors = name, jobs, elapsed, errors
        self.api, self.api_anonymous, self.resolvers, self.anonymous, self.too_many = hub.counts()
        self.cpu = 0.0

    @property
    def requests(self) -> int:
        return self.api + self.api_anonymous + self.resolvers + self.anonymous

    def floor(self, latency: float) -> float:
        """requests x latency / jobs: the wall time if every worker always had a request in flight."""
        return self.requests * latency / self.jobs

    def vs_floor(self, latency: float) -> str:
        floor = self.floor(latency)
        return f"{self.elapsed / floor:7.2f}x" if floor else f"{'-':>8}"


def print_table(header: str, lines: list[str]) -> None:
    print(header)
    print("-" * len(header))
    for line in lines:
        print(line)


def measure(hub: Any, name: str, jobs: int, run: Callable[[], int | None]) -> Row:
    hub.fresh_window()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    errors = run() or 0
    row = Row(name, jobs, time.perf_counter() - start, hub, errors)
    after = resource.getrusage(resource.RUSAGE_SELF)
    # The client's own CPU (the library runs here; the Hub in its own process): steadier than wall time.
    row.cpu = after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime
    return row


def warm_up(endpoint: str, cache_dir: Path) -> None:
    """One CLI run on an id no measured run asks for, so HF_HOME is as a user's (see `cli`)."""
    cli(endpoint, ["warm-up/none"], 1, cache_dir.parent / "warm-up-cache")


def latency_scenario(models: int, latency: float, jobs: int, gated: float) -> None:
    with test_hub(latency) as hub, tempfile.TemporaryDirectory() as tmp:
        ids, url = in_list_order(hub.build_zoo(models, gated)), hub.url()
        lib_cache, cli_cache = Path(tmp) / "lib", Path(tmp) / "cli"
        warm_up(url, cli_cache)
        rows = [
            measure(hub, "naive loop (model_info + auth_check)", 1, lambda: naive_loop(url, ids)),
            measure(
                hub,
                "hubgate library, metadata path (before)",
                jobs,
                lambda: library(url, ids, jobs, cache_dir=None, batch=False),
            ),
            measure(
                hub,
                "hubgate library, first run",
                jobs,
                lambda: library(url, ids, jobs, cache_dir=lib_cache, batch=True),
            ),
            measure(
                hub,
                "hubgate library, second run (cache)",
                jobs,
                lambda: library(url, ids, jobs, cache_dir=lib_cache, batch=True),
            ),
            measure(hub, "hubgate CLI, first run", jobs, lambda: cli(url, ids, jobs, cli_cache)),
            measure(hub, "hubgate CLI, second run (cache)", jobs, lambda: cli(url, ids, jobs, cli_cache)),
        ]
    print(
        f"\n{models} models ({round(models * gated)} gated), {latency * 1000:.0f} ms latency per request, "
        f"--jobs {jobs}\n"
    )
    header = (
        f"{'run':40} {'wall s':>7} {'api/model':>9} {'resolvers/model':>15} {'anon/model':>10} "
        f"{'ideal s':>7} {'vs ideal':>8} {'vs naive':>8}"
    )
    naive = rows[0].elapsed
    print_table(
        header,
        [
            f"{row.name:40} {row.elapsed:7.2f} {row.api / models:9.3f} {row.resolvers / models:15.3f} "
            f"{row.anonymous / models:10.3f} {row.floor(latency):7.2f} {row.vs_floor(latency)} "
            f"{naive / row.elapsed:7.1f}x"
            for row in rows
        ],
    )


def free_tier_scenario(
    models: int, jobs: int, gated: float, label: str = "", metadata_path: bool = True
) -> None:
    with test_hub(0.002) as hub, tempfile.TemporaryDirectory() as tmp:
        ids, url = in_list_order(hub.build_zoo(models, gated)), hub.url()
        hub.set_quota("api", 1000, 300, anonymous=500)
        hub.set_quota("resolvers", 5000, 300, anonymous=3000)
        cache_dir = Path(tmp) / "cache"
        warm_up(url, cache_dir)
        rows = []
        if metadata_path:
            rows.append(
                measure(
                    hub,
                    f"{label}metadata path (before), max wait 5 s",
                    jobs,
                    lambda: library(url, ids, jobs, cache_dir=None, batch=False, max_wait=5),
                )
            )
        rows += [
            measure(hub, f"{label}first run", jobs, lambda: cli(url, ids, jobs, cache_dir, "--no-registry")),
            measure(
                hub,
                f"{label}second run (cache)",
                jobs,
                lambda: cli(url, ids, jobs, cache_dir, "--no-registry"),
            ),
        ]
    print(
        f"\n{models} models ({round(models * gated)} gated) as a free user: api 1,000 and resolvers 5,000 "
        "per window\n"
    )
    header = (
        f"{'run':40} {'wall s':>7} {'429s':>5} {'errors':>6} {'api':>5} {'api/model':>9} {'api anon':>8} "
        f"{'resolvers':>9} {'anonymous':>9}"
    )
    print_table(
        header,
        [
            f"{row.name:40} {row.elapsed:7.2f} {row.too_many:5d} {row.errors:6d} {row.api:5d} "
            f"{row.api / models:9.3f} {row.api_anonymous:8d} {row.resolvers:9d} {row.anonymous:9d}"
            for row in rows
        ],
    )


def repeat_scenario(models: int, latency: float, jobs: int, gated: float, label: str) -> None:
    """hubgate's first run (empty metadata cache) and a repeat run (the cache warm), as a library: the
    requests of each kind, the resolver requests per model beside the gated share, and the wall time
    against the floor (requests x latency / jobs)."""
    with test_hub(latency) as hub, tempfile.TemporaryDirectory() as tmp:
        ids, url = in_list_order(hub.build_zoo(models, gated)), hub.url()
        library(url, ["warm-up/none"], 1, cache_dir=None, batch=True)  # imports, outside the timings
        cache_dir = Path(tmp) / "cache"
        run = partial(library, url, ids, jobs, cache_dir=cache_dir, batch=True)
        rows = [measure(hub, f"{label}first run", jobs, run), measure(hub, f"{label}repeat run", jobs, run)]
    print(
        f"\n{models} models ({round(models * gated)} gated, share {gated:.2f}), {latency * 1000:.0f} ms per "
        f"request, --jobs {jobs}, hubgate library; floor = requests x latency / jobs\n"
    )
    header = (
        f"{'run':32} {'wall s':>7} {'api':>5} {'resolvers':>9} {'anonymous':>9} {'requests':>8} "
        f"{'resolvers/model':>15} {'floor s':>7} {'vs floor':>8} {'429s':>5} {'errors':>6} {'client CPU s':>12}"
    )
    print_table(
        header,
        [
            f"{row.name:32} {row.elapsed:7.2f} {row.api:5d} {row.resolvers:9d} {row.anonymous:9d} "
            f"{row.requests:8d} {row.resolvers / models:15.3f} {row.floor(latency):7.2f} {row.vs_floor(latency)} "
            f"{row.too_many:5d} {row.errors:6d} {row.cpu:12.2f}"
            for row in rows
        ],
    )


def run_before(ref: str) -> None:
    """This benchmark again, with git revision `ref`'s hubgate (its whole `src/`, exported to a temporary
    directory): the baseline beside today's figures."""
    with tempfile.TemporaryDirectory() as tmp:
        src = export_src(ref, Path(tmp))
        argv = [a for a in sys.argv[1:]]
        at = argv.index("--before")
        del argv[at : at + 2]
        subprocess.run(
            [sys.executable, __file__, *argv, "--src", str(src), "--label", f"before {ref}: "], check=True
        )


STATIC_REMAINING, STATIC_RESET = 400, 200


def static_header_scenario(models: int, latency: float, jobs: int, gated: float, before: str | None) -> None:
    """Each path twice or three times: on a counting Hub (the baseline), on the static header, and on the
    static header with the pacer of `before`. The metadata path spends an api request per model, so its
    api bucket goes past the header's 400 whatever the zoo; the first run's listings may not."""
    paths = [("first run", True), ("metadata path", False)]
    headers: list[tuple[str, bool, Any]] = [("counting header", False, None), ("static header", True, None)]
    if before is not None:
        headers.append((f"static header, pacer of {before}", True, pacer_class_at(before)))
    rows = []
    with test_hub(latency) as hub:
        ids, url = in_list_order(hub.build_zoo(models, gated)), hub.url()
        library(url, ["warm-up/none"], 1, cache_dir=None, batch=True)  # imports, outside the timings
        for path, batch in paths:
            for header, static, pacer_class in headers:
                hub.static_header(static)
                rows.append(
                    measure(
                        hub,
                        f"{path}, {header}",
                        jobs,
                        partial(
                            library, url, ids, jobs, cache_dir=None, batch=batch, pacer_class=pacer_class
                        ),
                    )
                )
    print(
        f"\n{models} models ({round(models * gated)} gated), {latency * 1000:.0f} ms latency per request, "
        f"--jobs {jobs}, hubgate library; static header: every api answer says "
        f'"api";r={STATIC_REMAINING};t={STATIC_RESET}; floor = requests x latency / jobs\n'
    )
    header = (
        f"{'run':48} {'wall s':>7} {'api':>5} {'requests':>8} {'floor s':>7} {'vs floor':>8} {'429s':>5} "
        f"{'errors':>6}"
    )
    print_table(
        header,
        [
            f"{row.name:48} {row.elapsed:7.2f} {row.api:5d} {row.requests:8d} {row.floor(latency):7.2f} "
            f"{row.vs_floor(latency)} {row.too_many:5d} {row.errors:6d}"
            for row in rows
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenario", choices=("latency", "free-tier", "static-header", "repeat", "both"), default="both"
    )
    parser.add_argument(
        "--models",
        type=int,
        default=None,
        help="default: 200 (latency), 1000 (free tier), 3000 (static header)",
    )
    parser.add_argument("--gated", type=float, default=0.5, help="share of gated models (default 0.5)")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument(
        "--before",
        metavar="REF",
        help="static-header: also run the pacer of git revision REF; free-tier and repeat: also run the "
        "whole of REF's hubgate",
    )
    parser.add_argument(
        "--no-metadata-path", action="store_true", help="free-tier: skip the metadata path's run"
    )
    parser.add_argument(
        "--hub",
        choices=("process", "in-process"),
        default="process",
        help="where the test Hub runs: a process of its own (default), or the benchmark's",
    )
    parser.add_argument(
        "--sorted", action="store_true", help="check the ids sorted, each author's side by side"
    )
    parser.add_argument("--src", help=argparse.SUPPRESS)
    parser.add_argument("--label", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.before is not None and args.scenario in ("free-tier", "repeat"):
        run_before(args.before)
    if args.scenario in ("latency", "both"):
        latency_scenario(args.models or 200, args.latency, args.jobs, args.gated)
    if args.scenario in ("free-tier", "both"):
        free_tier_scenario(
            args.models or 1000, args.jobs, args.gated, args.label, metadata_path=not args.no_metadata_path
        )
    if args.scenario == "repeat":
        repeat_scenario(args.models or 1000, args.latency, args.jobs, args.gated, args.label)
    if args.scenario == "static-header":
        static_header_scenario(args.models or 3000, args.latency, args.jobs, args.gated, args.before)


if __name__ == "__main__":
    main()
