"""Issue 23: a fresh author listing decides its public, ungated repos without a probe each, on first and
repeat runs alike; only gated and private repos (and one repo per author, for the token's sake) are
probed. Request counts per kind, from the test Hub's log, and the verdicts of the metadata path."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hubgate.check.batch import check_batch
from hubgate.check.extras import Extras
from hubgate.check.run import run_check
from hubgate.check.session import open_session
from hubgate.hub.cache import MetadataCache
from hubgate.hub.pacing import RatePacer
from hubgate.hub.settings import RetryPolicy
from hubgate.hub.token import ResolvedToken
from hubgate.inputs.refs import RepoRef
from hubgate.testhub import HubSim, Repo, Token
from hubgate.testhub.server import OrgPolicy
from hubgate.verdicts.verdict import Verdict

FAST = RetryPolicy(retries=1, base_wait=0.01, timeout=5.0)
TESS = "hf_" + "Tess" * 8  # read token
FINN = "hf_" + "Finn" * 8  # fine-grained token, may read gated repos
OPEN = [f"big/open-{n}" for n in range(6)]
GATED = [f"gate/model-{n}" for n in range(4)]
SOLO = [f"solo-{n}/model" for n in range(3)]


def zoo(hub: HubSim) -> list[RepoRef]:
    """Six open repos of one author, four gated ones of another (granted, granted, pending, never asked)
    and three one-model authors; each listed author also has repos nobody asks for."""
    hub.add_token(Token(TESS, "tess", role="read"))
    hub.add_token(Token(FINN, "finn", role="fineGrained", can_read_gated=True))
    for repo_id in OPEN + SOLO + ["big/unasked", "gate/unasked"]:
        hub.add_repo(Repo(repo_id, card_data={"license": "mit"}))
    for index, repo_id in enumerate(GATED):
        hub.add_repo(Repo(repo_id, gated="manual", card_data={"license": "other"}))
        state = ("accepted", "accepted", "pending", None)[index]
        if state is not None:
            hub.set_access("tess", repo_id, state)
    return [RepoRef(i, "model", i) for i in GATED + OPEN + SOLO]


def run(
    hub: HubSim, token: str | None, refs: list[RepoRef], *, cache: MetadataCache | None, batch: bool = True
) -> dict[str, Verdict]:
    resolved = ResolvedToken(token, "HF_TOKEN") if token else ResolvedToken(None, None)
    session = open_session(resolved, endpoint=hub.url, policy=FAST, pacer=RatePacer(max_wait=5))
    report = run_check(
        session, refs, jobs=4, extras=Extras(alternatives=False, suggest=False), cache=cache, batch=batch
    )
    return {v.input: v for v in report.verdicts}


def counts(hub: HubSim) -> dict[str, int]:
    """Requests per kind since the log was last reset."""
    heads = [e for e in hub.log if e.bucket == "resolvers"]
    return {
        "whoami": hub.count(path=r"^/api/whoami-v2$"),
        "listings": hub.count(path=r"^/api/models$"),
        "metadata": hub.count(path=r"^/api/models/."),
        "heads": sum(1 for e in heads if e.authorized),
        "anonymous_heads": sum(1 for e in heads if not e.authorized),
    }


def heads_on(hub: HubSim, prefix: str) -> int:
    return sum(1 for e in hub.log if e.bucket == "resolvers" and e.path.startswith(prefix))


def plain(verdicts: dict[str, Verdict]) -> dict[str, Verdict]:
    return {key: replace(v, cost=None) for key, v in verdicts.items()}


def test_first_and_repeat_runs_probe_only_gated_repos_and_one_per_author(tmp_path: Path) -> None:
    with HubSim(page_size=1000) as hub:
        refs = zoo(hub)
        baseline = run(hub, TESS, refs, cache=None, batch=False)
        cache = MetadataCache(tmp_path / "cache")
        hub.reset_log()
        first = run(hub, TESS, refs, cache=cache)
        assert counts(hub) == {
            "whoami": 1,
            "listings": 2,  # big, gate
            "metadata": 3,  # the one-model authors
            "heads": 4 + 1,  # each gated repo, and one of big's to prove no token policy refuses it
            "anonymous_heads": 0,
        }
        assert heads_on(hub, "/big/") == 1
        hub.reset_log()
        second = run(hub, TESS, refs, cache=cache)
        assert counts(hub) == {
            "whoami": 1,
            "listings": 2,
            "metadata": 0,
            "heads": 4 + 1 + 3,  # the one-model authors by file probes and the cache
            "anonymous_heads": 3,  # ... which tell open from granted
        }
        assert plain(first) == plain(baseline) and plain(second) == plain(baseline)
        assert [first[i].status.value for i in GATED] == ["granted", "granted", "pending", "not-requested"]
        assert {first[i].status.value for i in OPEN + SOLO} == {"open"}
        assert {second[i].cost.via for i in GATED + OPEN} == {"listing"}
        assert {second[i].cost.via for i in SOLO} == {"cache"}


def test_without_a_token_a_listing_decides_alone(tmp_path: Path) -> None:
    with HubSim(page_size=1000) as hub:
        refs = zoo(hub)
        baseline = run(hub, None, refs, cache=None, batch=False)
        cache = MetadataCache(tmp_path / "cache")
        hub.reset_log()
        first = run(hub, None, refs, cache=cache)
        assert counts(hub) == {"whoami": 0, "listings": 2, "metadata": 3, "heads": 0, "anonymous_heads": 0}
        hub.reset_log()
        second = run(hub, None, refs, cache=cache)
        assert counts(hub) == {"whoami": 0, "listings": 2, "metadata": 0, "heads": 0, "anonymous_heads": 3}
        assert plain(first) == plain(baseline) and plain(second) == plain(baseline)
        assert {first[i].status.value for i in GATED} == {"needs-login"}


def test_a_granted_gated_repo_proves_its_author_lets_the_token_read() -> None:
    with HubSim(page_size=1000) as hub:
        hub.add_token(Token(TESS, "tess", role="read"))
        ids = ["mixed/gated", "mixed/open-1", "mixed/open-2", "mixed/open-3"]
        hub.add_repo(Repo(ids[0], gated="auto"))
        hub.set_access("tess", ids[0], "accepted")
        for repo_id in ids[1:]:
            hub.add_repo(Repo(repo_id))
        resolved = ResolvedToken(TESS, "HF_TOKEN")
        session = open_session(resolved, endpoint=hub.url, policy=FAST, pacer=RatePacer(max_wait=5))
        hub.reset_log()
        refs = [RepoRef(i, "model", i) for i in ids]
        report = run_check(session, refs, jobs=1, extras=Extras(alternatives=False, suggest=False))
        assert [v.status.value for v in report.verdicts] == ["granted", "open", "open", "open"]
        assert counts(hub)["heads"] == 1  # the gated repo's, in input order with --jobs 1


@pytest.mark.parametrize(
    ("policy", "token"),
    [
        (
            OrgPolicy(
                "strict", fine_grained_only=True, message="Access denied by the organization's token policy."
            ),
            TESS,
        ),
        (
            OrgPolicy("strict", require_approval=True, message="Your token is pending approval by an admin."),
            FINN,
        ),
    ],
    ids=["fine-grained-only", "approval-pending"],
)
def test_an_organization_refusing_the_token_still_reads_blocked(
    tmp_path: Path, policy: OrgPolicy, token: str
) -> None:
    with HubSim(page_size=1000) as hub:
        zoo(hub)
        hub.add_org(policy)
        ids = [f"strict/open-{n}" for n in range(4)]
        for repo_id in ids:
            hub.add_repo(Repo(repo_id))
        refs = [RepoRef(i, "model", i) for i in ids]
        cache = MetadataCache(tmp_path / "cache")
        for attempt in ("first", "repeat"):
            verdicts = run(hub, token, refs, cache=cache)
            assert {v.status.value for v in verdicts.values()} == {"token-scope"}, attempt
        # `check --author` brings the listing in hand: its open repos are not taken at its word either.
        resolved = ResolvedToken(token, "HF_TOKEN")
        session = open_session(resolved, endpoint=hub.url, policy=FAST, pacer=RatePacer(max_wait=5))
        report = check_batch(
            session, [], authors=["strict"], extras=Extras(alternatives=False, suggest=False)
        )
        assert {v.input: v.status.value for v in report.verdicts} == dict.fromkeys(ids, "token-scope")
        # Approved, the same token reads them, with one probe for the organization.
        if policy.require_approval:
            policy.approvals[token] = "approved"
            hub.reset_log()
            report = check_batch(
                session, [], authors=["strict"], extras=Extras(alternatives=False, suggest=False)
            )
            assert {v.input: v.status.value for v in report.verdicts} == dict.fromkeys(ids, "open")
            assert counts(hub)["heads"] == 1
