"""Issue 23: once the Hub says the account's api quota is spent for the window, a repo whose metadata is
public is decided from that metadata asked without the token (the anonymous quota, per IP) and probed
with the token, instead of waiting for the window to reset; the verdicts stay the metadata path's, field
by field, and nothing earns a 429 the Hub's headers announced."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from hubgate.check.extras import Extras
from hubgate.check.run import run_check
from hubgate.check.session import open_session
from hubgate.hub.pacing import RatePacer
from hubgate.hub.settings import RetryPolicy
from hubgate.hub.token import ResolvedToken
from hubgate.inputs.refs import RepoRef
from hubgate.testhub import HubSim, Repo
from hubgate.verdicts.verdict import Verdict
from tests.check.test_request_economy import add_policy_orgs, world_refs
from tests.conftest import ALICE, ALL_TOKENS, populate

FAST = RetryPolicy(retries=1, base_wait=0.01, timeout=5.0)


def run(hub: HubSim, token: str | None, refs: list[RepoRef], *, max_wait: float = 5.0) -> list[Verdict]:
    resolved = ResolvedToken(token, "HF_TOKEN") if token else ResolvedToken(None, None)
    # Windows of a second here: give way even before so close a reset (by default, ten seconds or more).
    pacer = RatePacer(max_wait=max_wait, give_way_after=0.0)
    session = open_session(resolved, endpoint=hub.url, policy=FAST, pacer=pacer)
    extras = Extras(alternatives=False, suggest=False)
    return run_check(session, refs, jobs=4, extras=extras, cache=None, batch=False).verdicts


def uncosted(verdicts: list[Verdict]) -> dict[str, Verdict]:
    return {v.input: replace(v, cost=None) for v in verdicts}


def one_model_authors(hub: HubSim, count: int) -> list[RepoRef]:
    """The standard world's tokens, and `count` authors of one model each (no listing pays for them):
    every third gated, one (`solo-1`) private to its author."""
    populate(hub)
    refs = []
    for index in range(count):
        repo_id = f"solo-{index}/model"
        hub.add_repo(Repo(repo_id, gated="auto" if index % 3 == 0 else False, private=index == 1))
        refs.append(RepoRef(repo_id, "model", repo_id))
    return refs


@pytest.mark.slow
@pytest.mark.parametrize(
    "variant",
    [{}, {"invalid_token_mode": "anonymous", "disabled_status": 451}],
    ids=["default", "anonymous-invalid-451"],
)
def test_every_token_gets_the_metadata_paths_verdicts_past_a_spent_window(variant: dict) -> None:  # type: ignore[type-arg]
    """The whole world (every gate state, legacy ids, pinned revisions, missing and private repos, token
    policies that refuse a token on public repos) with every token, the account's api quota spent after
    eight requests: what the public metadata cannot decide (a private or missing repo) waits for the next
    window (a second here), the rest does not, and every verdict is the one an unlimited run gives. In
    both answers the Hub may give a revoked token (a 401, or public answers as to nobody)."""
    with HubSim(**variant) as hub:
        populate(hub)
        add_policy_orgs(hub)
        refs = world_refs(hub)
        for token in (*ALL_TOKENS, None):
            who = token[:6] if token else "anonymous"
            hub.set_quota("api", 1_000_000)
            baseline = run(hub, token, refs)
            hub.set_quota("api", 8, window=1.0, anonymous=1_000)
            hub.reset_log()
            limited = run(hub, token, refs)
            assert uncosted(limited) == uncosted(baseline), who
            # No count of 429s here: a one-second window is below what a `t` in whole seconds can describe
            # (the test of a 300 s window below holds the run to none).
            overflowed = [v for v in limited if v.cost is not None and v.cost.api_anonymous]
            if token is not None and hub.tokens[token].valid:
                assert overflowed, who  # the public metadata did decide some
                assert all(v.cost is not None and v.cost.via == "metadata" for v in overflowed)
            else:
                assert not overflowed, who  # without a token there is no other quota to turn to


def test_a_spent_window_is_not_waited_out_where_the_public_metadata_decides() -> None:
    """30 one-model authors, the account's api quota spent after 10 requests of a 300 s window: the run
    ends in seconds with no error, not after the window, and the account's bucket gets no 429."""
    with HubSim() as hub:
        refs = one_model_authors(hub, 30)
        refs = [ref for ref in refs if ref.repo_id != "solo-1/model"]  # a private repo would wait (below)
        baseline = run(hub, ALICE, refs)
        hub.set_quota("api", 10, window=300.0, anonymous=500)
        hub.reset_log()
        started = time.monotonic()
        verdicts = run(hub, ALICE, refs, max_wait=400.0)
        assert time.monotonic() - started < 60  # far less than the window: nobody waited it out
        assert uncosted(verdicts) == uncosted(baseline)
        assert {v.status.value for v in verdicts} == {"open", "not-requested"}
        assert hub.count(status=429) == 0
        anonymous = sum(v.cost.api_anonymous for v in verdicts if v.cost is not None)
        assert anonymous >= 29 - 10  # whoami and nine repos on the account's quota, the rest without


def test_a_private_repo_waits_for_the_accounts_window() -> None:
    """Its metadata is hidden without the token, so only the account's next window can answer it; under a
    --max-wait shorter than that wait, it is an `error` that says so, never a guess."""
    with HubSim() as hub:
        refs = one_model_authors(hub, 4)
        hub.set_quota("api", 2, window=300.0, anonymous=500)
        verdicts = {v.input: v for v in run(hub, ALICE, refs, max_wait=5.0)}
        private = verdicts["solo-1/model"]
        assert private.status.value == "error" and "max-wait" in (private.message or ""), private
        assert verdicts["solo-2/model"].status.value == "open"
        assert hub.count(status=429) == 0


def test_a_spent_anonymous_quota_sends_the_repo_back_to_the_accounts_window() -> None:
    """Behind an address whose anonymous quota others have spent, the public metadata answers 429 (the
    pacer cannot know before the first answer): the repo waits for the account's window (a second here) and is decided from the token's own metadata."""
    with HubSim() as hub:
        refs = one_model_authors(hub, 4)
        baseline = run(hub, ALICE, refs)
        hub.set_quota("api", 3, window=1.0, anonymous=0)
        hub.reset_log()
        limited = run(hub, ALICE, refs)
        assert uncosted(limited) == uncosted(baseline)
        # Only calls without the token are refused (the first of each window: nothing announces it before),
        # each repo's at most once, and each sent the repo back to the account's quota.
        refused = [entry for entry in hub.log if entry.status == 429]
        assert refused and not any(entry.authorized for entry in refused)
        assert all(v.cost is not None and v.cost.api_anonymous <= 1 and v.cost.api == 1 for v in limited)
        assert sum(v.cost.api_anonymous for v in limited if v.cost is not None) == len(refused)


def test_the_cli_says_once_why_requests_go_without_the_token(hub: HubSim, run_cli) -> None:  # type: ignore[no-untyped-def]
    """One stderr line, whatever the format, when the first repo turns to the anonymous quota."""
    ids = [repo_id for (kind, repo_id) in sorted(hub.repos) if kind == "model"][:8]
    hub.set_quota("api", 3, window=300.0, anonymous=500)
    # --max-wait: what only the account's next window can answer (a private repo) does not hold the test.
    result = run_cli(
        "check", *ids, "--json", "--no-cache", "--no-registry", "--max-wait", "5", HF_TOKEN=ALICE
    )
    told = [line for line in result.stderr.splitlines() if "without the token" in line]
    assert len(told) == 1, result.stderr
    assert told[0].startswith("hubgate: the api bucket is held for ") and "private repos wait" in told[0]
    costs = [model["cost"] for model in result.json()["models"]]
    assert any(cost["api_anonymous"] for cost in costs)
