"""Every status of the contract, through the real huggingface_hub client, against the loopback Hub."""

from __future__ import annotations

import pytest

from hubgate.check.run import run_check
from hubgate.check.session import open_session
from hubgate.hub.settings import RetryPolicy
from hubgate.hub.token import ResolvedToken
from hubgate.inputs.refs import RepoRef
from hubgate.testhub import HubSim
from tests.conftest import (
    ALICE,
    BERT,
    BOB,
    CAROL,
    DINO,
    DISABLED,
    ERIN,
    GATED_DATA,
    GEMMA,
    GPT2,
    LLAMA2,
    LLAMA32,
    MISTRAL,
    OPEN_DATA,
    PHI3,
    PRIVATE,
    README_ONLY,
)

FAST = RetryPolicy(retries=1, base_wait=0.01, timeout=5)
MODELS = [BERT, PHI3, LLAMA2, LLAMA32, MISTRAL, GEMMA, DINO, PRIVATE, DISABLED, README_ONLY, "nobody/missing"]


def check(hub: HubSim, token: str | None, ids: list[str], repo_type: str = "model") -> dict[str, str]:
    refs = [RepoRef(i, repo_type, i) for i in ids]  # type: ignore[arg-type]
    report = run_check(open_session(ResolvedToken(token, "test"), endpoint=hub.url, policy=FAST), refs)
    return {v.input: v.status.value for v in report.verdicts}


def test_classic_read_token_with_mixed_request_states(hub: HubSim) -> None:
    assert check(hub, ALICE, MODELS) == {
        BERT: "open",
        PHI3: "open",
        LLAMA2: "granted",
        LLAMA32: "pending",
        MISTRAL: "rejected",
        GEMMA: "not-requested",
        DINO: "not-requested",  # the authors reset the request: a new one is needed
        PRIVATE: "granted",  # alice belongs to acme
        DISABLED: "disabled",
        README_ONLY: "granted",  # no gated file listed: probed on a path it lacks (EntryNotFound)
        "nobody/missing": "not-found",
    }


def test_no_token(hub: HubSim) -> None:
    assert check(hub, None, MODELS) == {
        BERT: "open",
        PHI3: "open",
        LLAMA2: "needs-login",
        LLAMA32: "needs-login",
        MISTRAL: "needs-login",
        GEMMA: "needs-login",
        DINO: "needs-login",
        PRIVATE: "not-found",  # 401 without a token: missing or private, the Hub never says which
        DISABLED: "disabled",
        README_ONLY: "needs-login",
        "nobody/missing": "not-found",
    }


def test_fine_grained_token_without_gated_permission(hub: HubSim) -> None:
    # bob was granted Llama-2, yet his token may not read gated repos: two independent gates.
    result = check(hub, BOB, [BERT, LLAMA2, GEMMA, PRIVATE])
    assert result == {BERT: "open", LLAMA2: "token-scope", GEMMA: "token-scope", PRIVATE: "not-found"}


def test_fine_grained_token_with_gated_permission(hub: HubSim) -> None:
    assert check(hub, ERIN, [LLAMA2, GEMMA]) == {LLAMA2: "granted", GEMMA: "not-requested"}


@pytest.mark.parametrize("mode", ["reject", "anonymous"])
def test_revoked_token_either_way_the_hub_answers(mode: str) -> None:
    # docs/hub.md "Missing, private, disabled, redirected": uncertain whether other routes answer 401 or serve as to an anonymous caller.
    from tests.conftest import populate

    with HubSim(invalid_token_mode=mode) as sim:
        populate(sim)
        result = check(sim, CAROL, [BERT, LLAMA2, "nobody/missing"])
    assert result == {BERT: "token-invalid", LLAMA2: "token-invalid", "nobody/missing": "token-invalid"}


def test_legacy_id_redirect_reports_both_ids(hub: HubSim) -> None:
    refs = [RepoRef("gpt2", "model", "gpt2")]
    report = run_check(open_session(ResolvedToken(None, "none"), endpoint=hub.url, policy=FAST), refs)
    (verdict,) = report.verdicts
    assert (verdict.input, verdict.model_id, verdict.status.value) == ("gpt2", GPT2, "open")
    assert verdict.url == f"{hub.url}/{GPT2}"


def test_datasets(hub: HubSim) -> None:
    ids = [GATED_DATA, OPEN_DATA, "acme-research/nothing"]
    assert check(hub, ALICE, ids, "dataset") == {
        GATED_DATA: "granted",
        OPEN_DATA: "open",
        "acme-research/nothing": "not-found",
    }
    assert check(hub, ERIN, [GATED_DATA], "dataset") == {GATED_DATA: "not-requested"}
    assert check(hub, None, [GATED_DATA], "dataset") == {GATED_DATA: "needs-login"}
    # a dataset id checked as a model is not found, and the next step says so
    refs = [RepoRef(GATED_DATA, "model", GATED_DATA)]
    report = run_check(open_session(ResolvedToken(ALICE, "test"), endpoint=hub.url, policy=FAST), refs)
    assert report.verdicts[0].status.value == "not-found"
    assert "--repo-type dataset" in (report.verdicts[0].next_step or "")


def test_disabled_repo_answering_451() -> None:
    from tests.conftest import populate

    with HubSim(disabled_status=451) as sim:
        populate(sim)
        assert check(sim, ALICE, [DISABLED]) == {DISABLED: "disabled"}


@pytest.mark.parametrize(
    ("rejected", "reset"),
    [
        ("Your request to access this repo has been rejected by the repo's authors.", None),
        (
            "Access to model {id} was rejected by its authors.",
            "Your access request was reset; submit a new one.",
        ),
    ],
)
def test_uncertain_rejected_and_reset_messages(rejected: str, reset: str | None) -> None:
    from tests.conftest import populate

    kwargs = {"rejected_message": rejected} | ({"reset_message": reset} if reset else {})
    with HubSim(**kwargs) as sim:
        populate(sim)
        assert check(sim, ALICE, [MISTRAL, DINO]) == {MISTRAL: "rejected", DINO: "not-requested"}


def test_gate_modes_and_next_steps(hub: HubSim) -> None:
    refs = [RepoRef(i, "model", i) for i in (GEMMA, LLAMA32, DINO, LLAMA2)]
    report = run_check(open_session(ResolvedToken(ALICE, "HF_TOKEN"), endpoint=hub.url, policy=FAST), refs)
    by_id = {v.input: v for v in report.verdicts}
    assert by_id[GEMMA].gated_mode == "auto"
    assert by_id[GEMMA].next_step == f"Accept the terms at {hub.url}/{GEMMA}; access is immediate."
    assert by_id[LLAMA32].gated_mode == "manual"
    assert "awaiting" in by_id[LLAMA32].message
    assert "reset" in by_id[DINO].message and "new access request" in (by_id[DINO].next_step or "")
    assert by_id[LLAMA2].has_access and by_id[LLAMA2].is_gated
    assert not by_id[GEMMA].has_access and by_id[GEMMA].is_gated
