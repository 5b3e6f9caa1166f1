"""Gating groups (issue 24): where the Hub shows that a collection's repos share one gate, `hubgate request`
sends one request for the group and says so; where it does not, one request per repo and no word of a
group. Every way the Hub might show it (docs/hub.md, "Collections and gating groups", uncertain) is served
by the loopback Hub in turn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hubgate.access.request_outcome import Outcome
from hubgate.access.run import request_all
from hubgate.check.session import open_session
from hubgate.hub.token import ResolvedToken
from hubgate.inputs.sources import Entry, parse_entries
from hubgate.testhub import HubSim, Token
from hubgate.testhub.worlds import (
    ALICE,
    GROUP,
    GROUP_DATA,
    GROUP_REPOS,
    OTHER_AURORA,
    populate,
    populate_collections,
)

SHOWN = ("collection-gating", "collection-gatingGroup", "repo-gatingGroup")
NOT_SHOWN = ("hidden", "odd")
OWNER = "hf_" + "AuroraOwner" * 3  # write token of an aurora-labs member: answers the requests
MEMBERS = [*GROUP_REPOS, GROUP_DATA]


@pytest.fixture
def hub() -> Iterator[HubSim]:
    with HubSim() as sim:
        populate_collections(populate(sim))
        sim.add_token(Token(OWNER, "olga", role="write", orgs=("aurora-labs",)))
        yield sim


def asked(hub: HubSim) -> list[str]:
    return [entry.path for entry in hub.log if entry.method == "POST" and entry.path.endswith("/ask-access")]


@pytest.mark.parametrize("shape", SHOWN)
def test_one_request_covers_the_group(hub: HubSim, run_cli: Any, tmp_path: Path, shape: str) -> None:
    hub.gating_shape = shape
    args = (
        f"collections/{GROUP}",
        OTHER_AURORA,
        "--yes",
        "--accept-terms",
        "--state",
        str(tmp_path / "s.db"),
    )
    result = run_cli("request", *args, "--format", "json", stdin="", HF_TOKEN=ALICE)
    doc = result.json()
    by_id = {r["id"]: r for r in doc["results"]}
    lead, *others = MEMBERS
    assert by_id[lead]["outcome"] == "sent-pending" and by_id[lead]["gating_group"] == GROUP
    assert sorted(by_id[lead]["covers"]) == sorted(others)
    assert f"one request for gating group {GROUP}: it covers 3 repos" in by_id[lead]["message"]
    for other in others:
        assert by_id[other]["outcome"] == "covered" and by_id[other]["covered_by"] == lead
    # The repo of the same organisation outside the group is asked for on its own.
    assert by_id[OTHER_AURORA]["outcome"] == "sent-pending" and by_id[OTHER_AURORA]["gating_group"] is None
    assert asked(hub) == [f"/api/models/{lead}/ask-access", f"/api/models/{OTHER_AURORA}/ask-access"]
    assert doc["recorded_pending"] == 4  # the covered repos wait with their lead, for `hubgate watch`

    # The Hub's group: the one request stands for every member.
    after = run_cli(
        "check", f"collections/{GROUP}", "--no-registry", "--format", "json", HF_TOKEN=ALICE
    ).json()
    assert {m["id"]: m["status"] for m in after["models"]} == dict.fromkeys(MEMBERS, "pending")


@pytest.mark.parametrize("shape", SHOWN)
def test_dry_run_says_one_request_for_the_group(hub: HubSim, run_cli: Any, shape: str) -> None:
    hub.gating_shape = shape
    table = run_cli(
        "request", f"collections/{GROUP}", "--dry-run", "--accept-terms", stdin="", HF_TOKEN=ALICE
    )
    assert "dry run" in table.stdout
    assert "would send one request for gating group" in table.stdout
    assert table.stdout.count("would be covered by the gating group's one request") == 2
    assert asked(hub) == []


def test_repo_metadata_alone_is_evidence(hub: HubSim, run_cli: Any) -> None:
    """Repos given one by one (no collection input): their metadata naming the group is enough."""
    hub.gating_shape = "repo-gatingGroup"
    ids = (*GROUP_REPOS, f"datasets/{GROUP_DATA}")
    doc = run_cli(
        "request", *ids, "--yes", "--accept-terms", "--format", "json", stdin="", HF_TOKEN=ALICE
    ).json()
    assert [r["outcome"] for r in doc["results"]] == ["sent-pending", "covered", "covered"]
    assert len(asked(hub)) == 1


@pytest.mark.parametrize("shape", NOT_SHOWN)
def test_without_the_hubs_word_every_repo_is_asked_for(hub: HubSim, run_cli: Any, shape: str) -> None:
    """Several gated repos of one organisation prove nothing: one request each, and no word of a group."""
    hub.gating_shape = shape
    dry = run_cli("request", f"collections/{GROUP}", "--dry-run", "--accept-terms", stdin="", HF_TOKEN=ALICE)
    assert dry.stdout.count("would-send") == 3
    check = run_cli("check", f"collections/{GROUP}", "--no-registry", HF_TOKEN=ALICE)
    for text in (dry.stdout, dry.stderr, check.stdout, check.stderr):
        assert "gating group" not in text and "share one gate" not in text
    doc = run_cli(
        "request",
        f"collections/{GROUP}",
        "--yes",
        "--accept-terms",
        "--format",
        "json",
        stdin="",
        HF_TOKEN=ALICE,
    ).json()
    assert len(asked(hub)) == 3
    assert all(r["gating_group"] is None and r["outcome"] != "covered" for r in doc["results"])


def test_approving_one_approves_all(hub: HubSim, run_cli: Any) -> None:
    from huggingface_hub import HfApi

    run_cli("request", f"collections/{GROUP}", "--yes", "--accept-terms", stdin="", HF_TOKEN=ALICE)
    HfApi(endpoint=hub.url).accept_access_request(GROUP_REPOS[1], "alice", token=OWNER)
    after = run_cli(
        "check", f"collections/{GROUP}", "--no-registry", "--format", "json", HF_TOKEN=ALICE
    ).json()
    assert {m["id"]: m["status"] for m in after["models"]} == dict.fromkeys(MEMBERS, "granted")
    table = run_cli("check", f"collections/{GROUP}", "--no-registry", HF_TOKEN=ALICE)
    assert "a gating group: one access request covers all its repos" in table.stdout


def test_the_consent_question_counts_one_request_per_group(hub: HubSim) -> None:
    session = open_session(ResolvedToken(ALICE, "HF_TOKEN"), endpoint=hub.url)
    refs = parse_entries([Entry(f"collections/{GROUP}", None), Entry(OTHER_AURORA, None)])
    shown: list[int] = []

    def confirm(ready: list[Any]) -> bool:
        shown.append(len(ready))
        return False

    results, _ = request_all(session, refs, field_values={}, accept_terms=True, confirm=confirm)
    assert shown == [2]
    assert {r.outcome for r in results} == {Outcome.NOT_SENT}  # the covered ones share their lead's no
    assert asked(hub) == []


def test_the_batch_shown_before_the_question_names_the_group(hub: HubSim) -> None:
    from hubgate.render.access import batch_text

    session = open_session(ResolvedToken(ALICE, "HF_TOKEN"), endpoint=hub.url)
    refs = parse_entries([Entry(f"collections/{GROUP}", None)])
    texts: list[str] = []

    def confirm(ready: list[Any]) -> bool:
        texts.append(batch_text(ready, "alice"))
        return False

    request_all(session, refs, field_values={}, accept_terms=True, confirm=confirm)
    assert "Ready to send 1 access request as alice" in texts[0]
    assert f"one request for gating group {GROUP} (on {GROUP_REPOS[0]}) covers 3 repos" in texts[0]


def test_check_says_one_request_covers_the_group(hub: HubSim, run_cli: Any) -> None:
    doc = run_cli("check", f"collections/{GROUP}", "--no-registry", "--format", "json", HF_TOKEN=ALICE).json()
    steps = [m["next_step"] for m in doc["models"]]
    assert len(steps) == 3 and all(f"gating group {GROUP}" in step for step in steps)
    assert doc["collections"][0]["gating_group"] is True
    hub.gating_shape = "hidden"
    doc = run_cli("check", f"collections/{GROUP}", "--no-registry", "--format", "json", HF_TOKEN=ALICE).json()
    assert not any("gating group" in m["next_step"] for m in doc["models"])
