"""`hubgate registry verify`: the pure comparison, then the real CLI against the loopback Hub."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hubgate.hub.answers import HubAnswer
from hubgate.registry.schema import ModelEntry
from hubgate.registry.verify import DriftKind, compare, hub_license
from hubgate.testhub import HubSim, Repo
from tests.conftest import ALICE, GPT2, LLAMA2, LLAMA32, assert_no_token
from tests.registry.test_registry_schema import minimal, write_entry

SOURCES = {"specs": "test", "gated": "test"}


def entry(**fields: object) -> ModelEntry:
    return ModelEntry.model_validate(minimal("acme/m", sources=SOURCES, **fields))


def body(**fields: object) -> dict:
    return {"id": "acme/m", "gated": False, "cardData": {}, **fields}


def kinds(findings: list) -> dict[str, DriftKind]:  # type: ignore[type-arg]
    return {f.field: f.kind for f in findings}


def test_agreement_is_silent() -> None:
    e = entry(gated=False, gated_seen=dt.date(2026, 1, 1), license={"id": "mit"}, specs={"parameters": 10})
    answer = HubAnswer(200, body=body(cardData={"license": "MIT"}, safetensors={"total": 10}))
    assert compare(e, answer) == []


def test_drifts_name_both_sides() -> None:
    e = entry(gated=False, gated_seen=dt.date(2026, 1, 1), license={"id": "mit"}, specs={"parameters": 100})
    answer = HubAnswer(
        200, body=body(gated="manual", cardData={"license": "llama2"}, safetensors={"total": 110})
    )
    found = {f.field: f for f in compare(e, answer)}
    assert {field: f.kind for field, f in found.items()} == {
        "gated": DriftKind.DRIFT,
        "license": DriftKind.DRIFT,
        "parameters": DriftKind.DRIFT,
    }
    assert (found["gated"].registry, found["gated"].hub) == (False, "manual")
    assert (found["license"].registry, found["license"].hub) == ("mit", "llama2")
    assert "+10.00%" in found["parameters"].message


def test_empty_registry_facts_are_gaps_and_hub_silence_is_no_claim() -> None:
    e = entry()  # nothing recorded
    found = compare(e, HubAnswer(200, body=body(gated="auto", safetensors={"total": 5})))
    assert kinds(found) == {"gated": DriftKind.GAP, "parameters": DriftKind.GAP}
    # The Hub publishing no safetensors and no licence says nothing against the registry.
    recorded = entry(license={"id": "mit"}, specs={"parameters": 7})
    assert kinds(compare(recorded, HubAnswer(200, body=body()))) == {"gated": DriftKind.GAP}


def test_missing_renamed_and_errors() -> None:
    e = entry()
    (missing,) = compare(e, HubAnswer(404, error_code="RepoNotFound", message="Repository not found"))
    assert missing.kind is DriftKind.MISSING and "RepoNotFound" in missing.message
    renamed = compare(e, HubAnswer(200, body=body(id="acme/m-v2")))
    assert kinds(renamed)["model_id"] is DriftKind.RENAMED
    (error,) = compare(e, HubAnswer(None, failure="timed out after 4 retries"))
    assert error.kind is DriftKind.ERROR and "timed out" in error.message
    (error,) = compare(e, HubAnswer(500, message="boom"))
    assert error.kind is DriftKind.ERROR and "HTTP 500" in error.message


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        ({"license": "Apache-2.0"}, "apache-2.0"),
        ({"license": ["mit"]}, "mit"),
        ({"license": ["a", "b"]}, None),
        ({}, None),
    ],
)
def test_hub_license_tag(card: dict, expected: str | None) -> None:
    assert hub_license(card) == expected


# The CLI against the loopback Hub ------------------------------------------------------------------


def test_verify_bundled_entries_against_the_hub(run_cli, hub: HubSim) -> None:
    # The loopback Hub agrees with the registry on Llama-2 (manual, llama2, 6,738,415,616 parameters)
    # but says GPT-2 is now gated and Llama-3.2 has another licence.
    hub.add_repo(Repo(GPT2, legacy_ids=("gpt2",), gated="auto", card_data={"license": "mit"}))
    hub.add_repo(Repo(LLAMA32, gated="manual", card_data={"license": "other"}))
    result = run_cli(
        "registry", "verify", LLAMA2, "gpt2", LLAMA32, "gpt-4", "--format", "json", HF_TOKEN=ALICE
    )
    assert result.code == 1, result.stderr
    data = result.json()
    assert data["verified"] == 3
    assert data["skipped"] == [{"model_id": "gpt-4", "reason": "API model: not a Hub repo"}]
    drifts = {(f["model_id"], f["field"]): f for f in data["findings"] if f["kind"] == "drift"}
    assert set(drifts) == {(GPT2, "gated"), (LLAMA32, "license")}
    assert (drifts[(GPT2, "gated")]["registry"], drifts[(GPT2, "gated")]["hub"]) == (False, "auto")
    assert not [f for f in data["findings"] if f["model_id"] == LLAMA2]
    assert data["requests"] == {"api": 3}  # one metadata request per Hub model, no probes
    assert_no_token(result.stdout, result.stderr)


def test_verify_missing_and_renamed_user_entries(run_cli, hub: HubSim, tmp_path: Path) -> None:
    user = tmp_path / "mine"
    write_entry(user, "acme/gone")
    write_entry(user, "acme/old-name")
    hub.add_repo(Repo("acme/new-name", legacy_ids=("acme/old-name",)))
    result = run_cli("registry", "verify", "acme/gone", "acme/old-name", "--registry", str(user))
    assert result.code == 1
    assert "acme/gone" in result.stdout and "missing" in result.stdout
    assert "renamed" in result.stdout and "acme/new-name" in result.stdout
    assert "2 model(s) verified" in result.stderr


def test_verify_all_agree_exits_zero_and_hub_errors_exit_three(run_cli, hub: HubSim) -> None:
    ok = run_cli("registry", "verify", LLAMA2)
    assert ok.code == 0 and "no drift" in ok.stderr
    hub.inject(f"^/api/models/{LLAMA2}$", "status", status=503)
    failed = run_cli("registry", "verify", LLAMA2, "--retries", "0", "--format", "json")
    assert failed.code == 3
    (finding,) = failed.json()["findings"]
    assert finding["kind"] == "error" and "503" in finding["message"]


def test_verify_unknown_id_is_one_line(run_cli, hub: HubSim) -> None:
    result = run_cli("registry", "verify", "acme/not-registered")
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and "not in the registry" in result.stderr
    assert hub.count() == 0
