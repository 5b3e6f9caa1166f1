"""Owner-side requests and `registry verify` go through the one Hub client, as `check`'s do: paced on the
Hub's RateLimit headers (waits announced), counted, and bounded by --budget and --deadline."""

from __future__ import annotations

import time
from typing import Any

import pytest

from hubgate.hub.service import HubService
from hubgate.hub.settings import RetryPolicy
from hubgate.owner.client import OwnerClient, Target
from hubgate.testhub import HubSim, Repo
from tests.conftest import ALICE, DAVE, GPT2, LLAMA2, LLAMA32, CliResult, assert_no_token
from tests.owner.test_owner_service import owner_world, state


@pytest.fixture
def world(hub: HubSim) -> HubSim:
    return owner_world(hub)


@pytest.fixture
def cli(world: HubSim, run_cli):  # type: ignore[no-untyped-def]
    """The real CLI in this process (conftest's runner), on the owner world, with no token leaked."""

    def run(*args: str) -> CliResult:
        result: CliResult = run_cli(*args)
        assert_no_token(result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        return result

    return run


def grants(hub: HubSim) -> int:
    return sum(1 for entry in hub.log if entry.method == "POST" and entry.path.endswith("/grant"))


# -- owner side ----------------------------------------------------------------------------------------


def test_owner_answers_wait_for_the_window_instead_of_hitting_429(cli: Any, world: HubSim) -> None:
    world.batch_supported = False  # one request per answer: 1 batch call + 5 handles, 3 per window
    world.set_quota("api", 3, window=3)
    result = cli("requests", "accept", LLAMA2, "p1", "p2", "p3", "p4", "p5", "--token", DAVE)
    assert result.code == 0, result.stdout + result.stderr
    assert all(state(world, user) == "accepted" for user in ("p1", "p2", "p3", "p4", "p5"))
    assert world.count(status=429) == 0  # the pacer held the fourth request for the next window
    assert "hubgate: waiting" in result.stderr and "api rate limit" in result.stderr


def test_owner_requests_are_counted_in_the_runs_tally(world: HubSim) -> None:
    owner = OwnerClient(HubService(world.url, DAVE, policy=RetryPolicy(base_wait=0.01)), LLAMA2)
    owner.list_requests("pending")  # 6 requests, 2 per page: 3 pages
    with owner.hub.stats.tally() as mine:
        owner.act("grant", Target("nobody-asked"))
    assert owner.hub.stats.sent == {"api": 4} and mine == {"api": 1}


def test_budget_caps_owner_answers_and_the_rest_is_not_sent(cli: Any, world: HubSim) -> None:
    # grant has no batch call: one request per user, so the third is past api=2.
    data = cli(
        "requests", "grant", LLAMA2, "nobody-asked", "p1", "p2", "--budget", "api=2", "--format", "json",
        "--token", DAVE,
    )  # fmt: skip
    assert data.code == 3
    results = data.json()["results"]
    assert [r["outcome"] for r in results] == ["done", "done", "error"]
    assert results[2]["error"]["kind"] == "budget" and "--budget" in results[2]["error"]["message"]
    assert grants(world) == 2 and state(world, "p2") == "pending"


def test_budget_caps_a_listing(cli: Any, world: HubSim) -> None:
    result = cli("requests", "list", LLAMA2, "--budget", "api=2", "--token", DAVE)
    assert result.code == 3 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "--budget" in result.stderr
    assert world.count(path="user-access-request/pending") == 2  # the third page was never asked for


def test_deadline_bounds_a_slow_owner_run(cli: Any, world: HubSim) -> None:
    world.inject(r"/user-access-request/grant$", "slow", delay=4, times=1)
    start = time.monotonic()
    result = cli("requests", "grant", LLAMA2, "nobody-asked", "p1", "--deadline", "1", "--token", DAVE)
    assert time.monotonic() - start < 3  # not the 4 s the Hub takes, nor --timeout's 15 s
    assert result.code == 3
    assert "ERROR      nobody-asked  the run's --deadline (1 s) passed" in result.stdout
    assert "SKIPPED    p1  not sent" in result.stdout
    assert grants(world) == 1


# -- registry verify -----------------------------------------------------------------------------------


def test_verify_is_paced_announced_and_counted(cli: Any, hub: HubSim) -> None:
    hub.add_repo(Repo(GPT2, legacy_ids=("gpt2",), card_data={"license": "mit"}))
    hub.add_repo(Repo(LLAMA32, gated="manual", card_data={"license": "llama3.2"}))
    hub.set_quota("api", 2, window=3)
    # One at a time: the first answer tells the pacer the quota (concurrent first requests cannot know it).
    args = ("--format", "json", "--jobs", "1", "--token", ALICE)
    result = cli("registry", "verify", LLAMA2, "gpt2", LLAMA32, *args)
    assert result.code in (0, 1), result.stderr
    assert result.json()["requests"] == {"api": 3}
    assert hub.count(status=429) == 0
    assert "hubgate: waiting" in result.stderr and "api rate limit" in result.stderr


def test_verify_budget_leaves_the_rest_unverified(cli: Any, hub: HubSim) -> None:
    result = cli("registry", "verify", LLAMA2, "gpt2", "--budget", "api=1", "--format", "json", "--jobs", "1")
    assert result.code == 3
    data = result.json()
    assert data["requests"] == {"api": 1}
    (refused,) = [f for f in data["findings"] if f["kind"] == "error"]
    assert "--budget" in refused["message"]
