"""Issue 21: a Hub that goes quiet, and waits the Hub announces, through the real CLI.

A Hub that answers whoami and never answers a repo route is told about within seconds and settled after
two silent timeouts; a `Retry-After` given as an HTTP date is honoured; a `RateLimit` reset of an hour
is reported (and refused past --max-wait) as the hour it is.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from hubgate.testhub import HubSim
from hubgate.testhub.server import http_date
from tests.conftest import ALICE, BERT, PHI3, CliResult, clean_env


def spawn(hub: HubSim, tmp_path: Path, *args: str) -> tuple[CliResult, list[tuple[float, str]], float]:
    """The real CLI as a subprocess, with each stderr line stamped with the seconds it took to arrive."""
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hubgate", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=clean_env(hub.url, tmp_path, HF_TOKEN=ALICE),
    )
    assert proc.stderr is not None and proc.stdout is not None
    lines = [(time.monotonic() - start, line.rstrip("\n")) for line in proc.stderr]
    stdout = proc.stdout.read()
    code = proc.wait(timeout=120)
    return CliResult(code, stdout, "\n".join(text for _, text in lines)), lines, time.monotonic() - start


def test_a_hub_that_answers_whoami_only_is_told_within_seconds_and_settled(
    hub: HubSim, tmp_path: Path
) -> None:
    """Issue 21: 4 ids at default settings took 81 s with nothing on stderr."""
    hub.silent_repo_routes = True
    ids = [f"org{n}/model" for n in range(4)]
    result, lines, elapsed = spawn(hub, tmp_path, "check", *ids, "--format", "json")
    assert result.code == 3, result.stderr
    assert lines, "nothing on stderr"
    first_at, first = lines[0]
    assert first.startswith("hubgate: no answer from") and first_at < 10, lines
    assert any("is not answering" in text for _, text in lines), lines
    models = result.json()["models"]
    assert [m["status"] for m in models] == ["error"] * 4
    assert all("stopped answering" in m["message"] for m in models)
    # Two silent timeouts of 15 s each at most (in parallel here), never five attempts per repo.
    assert elapsed < 40
    assert hub.count(path=r"^/api/models/") <= 4


def test_many_ids_in_parallel_stop_asking_once_the_silence_is_settled(hub: HubSim, tmp_path: Path) -> None:
    """Issue 21: 24 ids at --timeout 3 took 64 s and 121 requests."""
    hub.silent_repo_routes = True
    ids = [f"org{n}/model" for n in range(24)]
    result, lines, elapsed = spawn(hub, tmp_path, "check", *ids, "--timeout", "3", "--format", "json")
    assert result.code == 3, result.stderr
    models = result.json()["models"]
    assert len(models) == 24 and {m["status"] for m in models} == {"error"}
    assert all("stopped answering" in m["message"] for m in models)
    assert any("is not answering" in text for _, text in lines), lines
    assert elapsed < 15
    repo_requests = len([e for e in hub.log if e.path not in ("/api/whoami-v2", "/api/agent-harnesses")])
    assert repo_requests <= 8 + 2  # the first wave of workers, not 5 attempts for every id


def test_a_slow_request_among_answers_is_no_silence(hub: HubSim, tmp_path: Path) -> None:
    """Only silence settles it: a request timing out while others answer is retried as before."""
    hub.inject(f"^/api/models/{BERT}$", "slow", delay=2.5, times=1)
    result, lines, _ = spawn(hub, tmp_path, "check", BERT, PHI3, "--timeout", "2", "--format", "json")
    assert result.code == 0, result.stderr
    assert {m["status"] for m in result.json()["models"]} == {"open"}
    assert not any("is not answering" in text for _, text in lines)


def test_a_retry_after_http_date_is_waited_for(hub: HubSim, tmp_path: Path) -> None:
    """Issue 21: a Retry-After given as an HTTP date was ignored (retried after 0.4 s)."""
    hub.inject(
        f"^/api/models/{BERT}$", "status", status=429, retry_after=lambda: http_date(5), no_ratelimit=True
    )
    result, lines, _ = spawn(hub, tmp_path, "check", BERT, "--format", "json")
    assert result.code == 0, result.stderr
    assert result.json()["models"][0]["status"] == "open"
    waits = [text for _, text in lines if text.startswith("hubgate: waiting")]
    assert len(waits) == 1 and "Retry-After" in waits[0], lines
    answered_429, retried = [e for e in hub.log if e.path == f"/api/models/{BERT}"]
    assert answered_429.status == 429 and retried.status == 200
    assert retried.at - answered_429.at >= 4  # the date is whole seconds: at least four of the five


def test_a_ratelimit_reset_of_an_hour_is_reported_as_an_hour(hub: HubSim, tmp_path: Path) -> None:
    """Issue 21: a RateLimit reset of 3,600 s was reported as a 300 s hold."""
    hub.inject(
        f"^/api/models/{BERT}$",
        "status",
        status=429,
        headers={"RateLimit": '"api";r=0;t=3600'},
        no_ratelimit=True,
        times=10,
    )
    result, _, elapsed = spawn(hub, tmp_path, "check", BERT, "--max-wait", "300", "--format", "json")
    (model,) = result.json()["models"]
    assert model["status"] == "error"
    assert "3600 s" in model["message"] and "longer than --max-wait 300 s" in model["message"]
    assert "300 s (" not in model["message"]  # never the window's 300 s as the hold
    assert elapsed < 20
    assert json.loads(result.stdout)["models"][0]["id"] == BERT
