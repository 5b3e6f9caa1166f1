"""Base models: adapters need their base, merges and fine-tunes do not; chains and cycles are bounded."""

from __future__ import annotations

from hubgate.check.run import run_check
from hubgate.check.session import open_session
from hubgate.hub.answers import facts_from_metadata
from hubgate.hub.settings import RetryPolicy
from hubgate.hub.token import ResolvedToken
from hubgate.inputs.refs import RepoRef
from hubgate.testhub import HubSim, Repo
from hubgate.verdicts.lineage import base_links
from tests.conftest import ALICE, ERIN, LLAMA2, LLAMA32, MISTRAL

FAST = RetryPolicy(retries=1, base_wait=0.01)
ADAPTER = "FinGPT/fingpt-mt_llama2-7b_lora"
ADAPTER_FILES = {"README.md": 10, "adapter_config.json": 100, "adapter_model.safetensors": 10**6}


def check(hub: HubSim, token: str | None, *ids: str):  # type: ignore[no-untyped-def]
    refs = [RepoRef(i, "model", i) for i in ids]
    return {
        v.input: v
        for v in run_check(
            open_session(ResolvedToken(token, "t"), endpoint=hub.url, policy=FAST), refs
        ).verdicts
    }


def test_adapter_on_a_gated_base_is_blocked_by_the_base(hub: HubSim) -> None:
    hub.add_repo(Repo(ADAPTER, card_data={"base_model": LLAMA2}, files=ADAPTER_FILES))
    hub.add_repo(
        Repo("someone/llama32-lora", card_data={"base_model": LLAMA32, "base_model_relation": "adapter"})
    )
    verdicts = check(hub, ERIN, ADAPTER, "someone/llama32-lora")
    granted = verdicts[ADAPTER]  # erin was granted Llama-2: the adapter is usable
    assert granted.status.value == "open"
    assert [(r.id, r.relation, r.status.value, r.needed) for r in granted.requires] == [
        (LLAMA2, "adapter", "granted", True)
    ]
    blocked = verdicts["someone/llama32-lora"]  # erin never requested Llama-3.2
    assert blocked.status.value == "not-requested"
    assert f"adapter on {LLAMA32}, which is not-requested" in blocked.message
    assert blocked.next_step and blocked.next_step.startswith(
        f"For the base model {LLAMA32}: Request access at"
    )


def test_merge_and_finetune_show_the_relation_without_blocking(hub: HubSim) -> None:
    hub.add_repo(Repo("merger/frankenmerge", card_data={"base_model": [LLAMA32, MISTRAL]}))
    hub.add_repo(Repo("tuner/llama32-ft", card_data={"base_model": LLAMA32}))
    verdicts = check(hub, ALICE, "merger/frankenmerge", "tuner/llama32-ft")
    merge = verdicts["merger/frankenmerge"]
    assert merge.status.value == "open"
    assert [(r.id, r.relation, r.status.value, r.needed) for r in merge.requires] == [
        (LLAMA32, "merge", "pending", False),
        (MISTRAL, "merge", "rejected", False),
    ]
    assert verdicts["tuner/llama32-ft"].status.value == "open"
    assert verdicts["tuner/llama32-ft"].requires[0].relation == "finetune"


def test_chain_adapter_on_adapter_needs_the_root_but_not_past_a_finetune(hub: HubSim) -> None:
    hub.add_repo(Repo("a/top-lora", card_data={"base_model": "b/mid-lora"}, files=ADAPTER_FILES))
    hub.add_repo(Repo("b/mid-lora", card_data={"base_model": "c/full-ft"}, files=ADAPTER_FILES))
    hub.add_repo(Repo("c/full-ft", card_data={"base_model": LLAMA32}))  # full weights: Llama-3.2 not needed
    verdict = check(hub, ALICE, "a/top-lora")["a/top-lora"]
    assert [(r.id, r.needed, r.depth) for r in verdict.requires] == [
        ("b/mid-lora", True, 1),
        ("c/full-ft", True, 2),
        (LLAMA32, False, 3),
    ]
    assert verdict.status.value == "open"
    hub.add_repo(Repo("c/full-ft", card_data={"base_model": LLAMA32, "base_model_relation": "adapter"}))
    hub.add_repo(Repo("c/full-ft", card_data={"base_model": LLAMA32}, files=ADAPTER_FILES))
    assert check(hub, ALICE, "a/top-lora")["a/top-lora"].status.value == "pending"  # now adapters all the way


def test_cycles_and_long_chains_are_bounded(hub: HubSim) -> None:
    hub.add_repo(Repo("x/one", card_data={"base_model": "x/two"}, files=ADAPTER_FILES))
    hub.add_repo(Repo("x/two", card_data={"base_model": "x/one"}, files=ADAPTER_FILES))
    for index in range(10):
        hub.add_repo(Repo(f"chain/m{index}", card_data={"base_model": f"chain/m{index + 1}"}))
    verdicts = check(hub, ALICE, "x/one", "x/two", "chain/m0")
    assert [r.id for r in verdicts["x/one"].requires] == ["x/two"]
    assert [r.id for r in verdicts["x/two"].requires] == ["x/one"]
    assert len(verdicts["chain/m0"].requires) == 5  # depth bound
    assert verdicts["chain/m0"].requires[-1].status.value == "open"


def test_each_base_is_checked_once_per_run(hub: HubSim) -> None:
    for index in range(4):
        hub.add_repo(Repo(f"lora/a{index}", card_data={"base_model": LLAMA2}, files=ADAPTER_FILES))
    check(hub, ALICE, *(f"lora/a{i}" for i in range(4)), LLAMA2)
    assert hub.count(path=f"^/api/models/{LLAMA2}$") == 1
    assert hub.count(path=f"^/{LLAMA2}/resolve/") == 1


def test_base_links_from_card_data() -> None:
    facts = facts_from_metadata("a/b", {"id": "a/b", "cardData": {"base_model": ["a/b", " c/d ", "c/d"]}})
    assert [(link.base_id, link.relation) for link in base_links(facts)] == [("c/d", "finetune")]
    merged = facts_from_metadata("a/b", {"id": "a/b", "cardData": {"base_model": ["c/d", "e/f"]}})
    assert {link.relation for link in base_links(merged)} == {"merge"}
    declared = facts_from_metadata(
        "a/b", {"cardData": {"base_model": "c/d", "base_model_relation": "quantized"}}
    )
    assert base_links(declared)[0].relation == "quantized"


def test_adapter_whose_base_vanished(hub: HubSim) -> None:
    hub.add_repo(Repo("lora/orphan", card_data={"base_model": "gone/base"}, files=ADAPTER_FILES))
    verdict = check(hub, ALICE, "lora/orphan")["lora/orphan"]
    assert verdict.status.value == "not-found" and "gone/base" in verdict.message


def test_report_shows_the_base_chain(run_cli, hub: HubSim) -> None:
    hub.add_repo(Repo(ADAPTER, card_data={"base_model": LLAMA2}, files=ADAPTER_FILES))
    result = run_cli("check", ADAPTER, HF_TOKEN=ALICE)
    assert f"↳ adapter of {LLAMA2}: granted (needed to load it)" in result.stdout
    data = run_cli("check", ADAPTER, "--json", HF_TOKEN=ALICE).json()
    assert data["models"][0]["requires"] == [
        {"id": LLAMA2, "relation": "adapter", "status": "granted", "needed": True, "depth": 1}
    ]
