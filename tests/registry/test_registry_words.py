"""What the registry shows a user names nothing they cannot follow (no internal documents, no tracker
numbers), and every alias says which model it resolves to: `llama2_7b` is the chat Llama 2, not the base."""

from __future__ import annotations

import json
import re

import pytest

from hubgate.testhub import HubSim

INTERNAL = re.compile(r"seed document|\bdocument \d{3}\b|\bissue \d+", re.IGNORECASE)


@pytest.mark.parametrize(
    ("alias", "resolved"),
    [
        ("mistral_7b", "mistralai/Mistral-7B-Instruct-v0.1 (instruct)"),
        ("llama2_7b", "meta-llama/Llama-2-7b-chat-hf (chat)"),
        ("phi3_mini", "microsoft/Phi-3-mini-128k-instruct (instruct)"),
    ],
)
def test_show_says_what_an_alias_resolves_to(run_cli, hub: HubSim, alias: str, resolved: str) -> None:
    result = run_cli("registry", "show", alias)
    assert result.code == 0, result.stderr
    rows = {line.split("  ", 1)[0]: line.split("  ", 1)[1].strip() for line in result.stdout.splitlines()}
    assert rows["aliases"] == f"{alias} → {resolved}"
    assert rows["source of aliases"].startswith(f"{alias}: ") and not INTERNAL.search(result.stdout)


def test_list_and_search_end_with_each_alias_and_its_model(run_cli, hub: HubSim) -> None:
    listed = run_cli("registry", "list", "--family", "llama-2")
    assert listed.code == 0, listed.stderr
    aliases = [line for line in listed.stdout.splitlines() if line.startswith("alias ")]
    assert "alias llama2_7b → meta-llama/Llama-2-7b-chat-hf (chat)" in aliases
    assert "alias llama2_13b → meta-llama/Llama-2-13b-chat-hf (chat)" in aliases
    # The base model is listed too, and no alias points at it.
    assert "meta-llama/Llama-2-7b-hf" in listed.stdout and not any("Llama-2-7b-hf (" in a for a in aliases)
    found = run_cli("registry", "search", "mistral")
    assert "alias mistral_7b → mistralai/Mistral-7B-Instruct-v0.1 (instruct)" in found.stdout.splitlines()


def test_no_registry_fact_cites_a_source_a_user_cannot_follow(run_cli, hub: HubSim) -> None:
    exported = run_cli("registry", "export", "--format", "json")
    assert exported.code == 0, exported.stderr
    models = json.loads(exported.stdout)
    assert len(models) > 50
    cited = [
        f"{model_id}: {key}: {text}"
        for model_id, entry in models.items()
        for key, text in (entry.get("sources") or {}).items()
        if INTERNAL.search(str(text))
    ]
    assert cited == []
    gpus = run_cli("fit", "--list-gpus", "--format", "json")
    assert gpus.code == 0 and not INTERNAL.search(gpus.stdout)
