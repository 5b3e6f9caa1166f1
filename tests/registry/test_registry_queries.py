"""Queries over a registry, the default registry's lazy loading, and the bundled data itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import hubgate.registry as registry_api
from hubgate.registry import (
    ALL_MODELS,
    export_to_dict,
    get_free_models,
    get_local_models,
    get_model_info,
    list_models_by_provider,
    list_models_by_type,
    load_registry,
    misspellings_map,
    parse_size,
    resolve_alias_map,
    search_models,
    set_default_registry,
    suggest,
)
from hubgate.registry.folders import registry_files
from hubgate.registry.kinds import ModelType
from tests.registry.test_registry_schema import write_entry


@pytest.fixture(autouse=True)
def _fresh_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUBGATE_REGISTRY", raising=False)
    monkeypatch.setenv("HUBGATE_REGISTRY_CACHE", "off")
    set_default_registry(None)
    yield
    set_default_registry(None)


@pytest.fixture
def small(tmp_path: Path):  # type: ignore[no-untyped-def]
    write_entry(
        tmp_path,
        "acme/Big-Chat-7B",
        type="chat",
        family="big",
        description="A friendly conversational model",
        aliases=["big_7b"],
        legacy_ids=["bigchat"],
        misspellings=["acme/Big-Chat-7B-Instruct"],
        specs={"parameters": 7_000_000_000},
        sources={"specs": "test"},
        use_cases=["customer support"],
    )
    write_entry(
        tmp_path,
        "acme/tiny-base",
        family="tiny",
        access_method="both",
        description="chat-free base model, unlike gpt-x",
    )
    write_entry(
        tmp_path,
        "gpt-x",
        type="chat",
        cost={"free_tier": True, "input_per_1m": 1.0},
        sources={"cost": "test"},
    )
    return load_registry([tmp_path], bundled=False, env=False, cache_dir=False)


def test_get_model_info_resolves_ids_aliases_and_legacy_ids(small) -> None:  # type: ignore[no-untyped-def]
    for name in ("acme/Big-Chat-7B", "ACME/big-chat-7b", "big_7b", "BIG_7B", "bigchat", " acme/Big-Chat-7B "):
        entry = get_model_info(name, small)
        assert entry is not None and entry.model_id == "acme/Big-Chat-7B", name
    assert get_model_info("https://huggingface.co/acme/tiny-base", small).model_id == "acme/tiny-base"  # type: ignore[union-attr]
    assert get_model_info("acme/nothing", small) is None
    # A misspelling is not silently resolved: it is told apart.
    assert get_model_info("acme/Big-Chat-7B-Instruct", small) is None
    assert small.misspelling_of("ACME/big-chat-7b-instruct") == "acme/Big-Chat-7B"


def test_alias_and_misspelling_maps(small) -> None:  # type: ignore[no-untyped-def]
    assert resolve_alias_map(small) == {"bigchat": "acme/Big-Chat-7B", "big_7b": "acme/Big-Chat-7B"}
    assert misspellings_map(small) == {"acme/Big-Chat-7B-Instruct": "acme/Big-Chat-7B"}


def test_lists_by_provider_type_free_local(small) -> None:  # type: ignore[no-untyped-def]
    ids = lambda entries: [e.model_id for e in entries]  # noqa: E731
    assert ids(list_models_by_provider("openai", small)) == ["gpt-x"]
    assert ids(list_models_by_provider("HuggingFace", small)) == ["acme/Big-Chat-7B", "acme/tiny-base"]
    assert ids(list_models_by_type(ModelType.chat, small)) == ["acme/Big-Chat-7B", "gpt-x"]
    assert ids(list_models_by_type("completion", small)) == ["acme/tiny-base"]
    assert ids(get_free_models(small)) == ["gpt-x"]
    assert ids(get_local_models(small)) == ["acme/Big-Chat-7B", "acme/tiny-base"]
    with pytest.raises(ValueError):
        list_models_by_type("sculpture", small)


def test_search_ranks_name_matches_first(small) -> None:  # type: ignore[no-untyped-def]
    assert [e.model_id for e in search_models("chat", small)] == [
        "acme/Big-Chat-7B",
        "acme/tiny-base",
        "gpt-x",
    ]
    assert [e.model_id for e in search_models("GPT-X", small)] == ["gpt-x", "acme/tiny-base"]
    assert [e.model_id for e in search_models("customer SUPPORT", small)] == ["acme/Big-Chat-7B"]
    assert search_models("big nothing-like-this", small) == []
    assert search_models("   ", small) == []


def test_suggest_offers_misspellings_then_close_names(small) -> None:  # type: ignore[no-untyped-def]
    assert suggest("acme/Big-Chat-7B-Instruct", small)[0] == "acme/Big-Chat-7B"
    assert any("acme/tiny-base" in s for s in suggest("acme/tiny-bse", small))
    assert suggest("big_7", small)[0] == "big_7b (acme/Big-Chat-7B)"
    assert suggest("zzzzzzzzzz", small) == []


def test_export_to_dict_leaves_unknowns_out_unless_asked(small) -> None:  # type: ignore[no-untyped-def]
    data = export_to_dict(small)
    assert list(data) == ["acme/Big-Chat-7B", "acme/tiny-base", "gpt-x"]
    assert data["acme/Big-Chat-7B"]["specs"]["parameters"] == 7_000_000_000
    assert "gated" not in data["acme/tiny-base"]
    assert export_to_dict(small, include_empty=True)["acme/tiny-base"]["gated"] is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7B", 7_000_000_000),
        ("500M", 500_000_000),
        ("1.5e9", 1_500_000_000),
        ("1.5b", 1_500_000_000),
        ("12k", 12_000),
        ("3_000", 3000),
    ],
)
def test_parse_size(text: str, value: int) -> None:
    assert parse_size(text) == value


@pytest.mark.parametrize("text", ["", "7X", "lots", "-5B", "0"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_size(text)


def test_the_default_registry_is_lazy_and_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_entry(tmp_path, "acme/from-env", aliases=["envy"])
    monkeypatch.setenv("HUBGATE_REGISTRY", str(tmp_path))
    assert "acme/from-env" in ALL_MODELS and "openai-community/gpt2" in ALL_MODELS
    assert get_model_info("envy").model_id == "acme/from-env"  # type: ignore[union-attr]
    assert len(ALL_MODELS) == len(list(ALL_MODELS))
    assert ALL_MODELS["acme/from-env"].name == "from-env"


@pytest.mark.slow  # a fresh interpreter
@pytest.mark.slow  # a fresh interpreter: what a start-up imports
def test_importing_the_package_is_light() -> None:
    code = (
        "import sys, hubgate.registry as r; "
        "heavy = [m for m in ('pydantic', 'yaml', 'hubgate.registry.loader', 'hubgate.registry.index') if m in sys.modules]; "
        "print(heavy); r.get_model_info; print('pydantic' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["[]", "True"]
    with pytest.raises(AttributeError):
        registry_api.no_such_thing  # noqa: B018


# The bundled data --------------------------------------------------------------------------------

SEED_IDS = [
    "meta-llama/Llama-3.2-1B-Instruct",
    "meta-llama/Llama-2-7b-hf",
    "mistralai/Mistral-7B-v0.1",
    "google/gemma-2b",
    "microsoft/Phi-3-mini-4k-instruct",
    "gpt2",
    "gpt2-medium",
    "gpt2-large",
    "distilgpt2",
    "microsoft/phi-1",
    "microsoft/phi-1_5",
    "microsoft/phi-2",
    "EleutherAI/pythia-410m",
    "EleutherAI/pythia-1.4b",
    "EleutherAI/pythia-2.8b",
    "google/flan-t5-base",
    "google/flan-t5-large",
    "google/flan-t5-xxl",
    "t5-small",
    "facebook/opt-350m",
    "facebook/opt-1.3b",
    "bigscience/bloomz-560m",
    "bigscience/bloom-1b7",
    "stabilityai/stablelm-2-1_6b",
    "google-bert/bert-base-uncased",
    "bert-base-uncased",
    "meta-llama/Llama-2-7b-chat-hf",
    "meta-llama/Llama-2-13b-chat-hf",
    "meta-llama/Meta-Llama-3-8B-Instruct",
    "mistralai/Mistral-7B-Instruct-v0.1",
    "mistralai/Mistral-7B-Instruct-v0.2",
    "mistralai/Mixtral-8x7B-Instruct-v0.1",
    "google/gemma-7b-it",
    "microsoft/DialoGPT-large",
    "HuggingFaceH4/zephyr-7b-beta",
    "Qwen/Qwen2.5-7B-Instruct",
    "Qwen/Qwen1.5-7B-Chat",
    "microsoft/Phi-3-mini-128k-instruct",
    "lmsys/vicuna-13b-v1.5",
    "tiiuae/falcon-40b-instruct",
    "ChanceFocus/finma-7b-nlp",
    "FinGPT/fingpt-mt_llama2-7b_lora",
    "facebook/dinov3-vits16-pretrain-lvd1689m",
    "facebook/dinov3-vitb16-pretrain-lvd1689m",
    "facebook/dinov3-vitl16-pretrain-lvd1689m",
    "facebook/dinov3-vit7b16-pretrain-lvd1689m",
    "facebook/dinov3-convnext-tiny-pretrain-lvd1689m",
    "facebook/dinov3-convnext-small-pretrain-lvd1689m",
    "facebook/dinov3-convnext-base-pretrain-lvd1689m",
    "facebook/dinov3-convnext-large-pretrain-lvd1689m",
    "Qwen/Qwen3-0.6B",
    "Qwen/Qwen3-1.7B",
    "Qwen/Qwen3-4B",
    "Qwen/Qwen3-8B",
    "Qwen/Qwen3-14B",
    "Qwen/Qwen3-32B",
    "Qwen/Qwen3-30B-A3B",
    "Qwen/Qwen3-235B-A22B",
    "llava-hf/LLaVA-NeXT-Video-7B-hf",
    "llava-hf/LLaVA-NeXT-Video-34B-hf",
    "llava-hf/llava-v1.6-mistral-7b-hf",
    "google/siglip-so400m-patch14-384",
    "google/siglip-base-patch16-224",
    "openai/clip-vit-large-patch14-336",
    "gpt-4",
    "gpt-4-turbo",
    "gpt-4-turbo-preview",
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-3.5-turbo",
    "gpt-3.5-turbo-16k",
    "mistral_7b",
    "llama2_7b",
    "qwen_7b",
    "phi3_mini",
    "llama2_13b",
    "vicuna_13b",
    "falcon_40b",
    "finma_7b",
    "fingpt_llama2",
]

SEED_MISSPELLINGS = [
    *(f"Qwen/Qwen3-{size}-Instruct" for size in ("0.6B", "1.7B", "4B", "8B", "14B", "32B")),
    "Qwen/Qwen3-Omni",
    "facebook/dinov3-vith16-pretrain-lvd1689m",
]


@pytest.fixture(scope="module")
def bundled():  # type: ignore[no-untyped-def]
    return load_registry(env=False, cache_dir=False)


def test_every_bundled_file_validates(bundled) -> None:  # type: ignore[no-untyped-def]
    lenient = load_registry(env=False, cache_dir=False, strict=False)
    assert lenient.problems == []
    (folder,) = bundled.layers
    assert len(bundled.models) == len(registry_files(folder)) >= 70


def test_every_model_the_seed_documents_name_resolves(bundled) -> None:  # type: ignore[no-untyped-def]
    missing = [name for name in SEED_IDS if bundled.get(name) is None]
    assert missing == []
    meant = misspellings_map(bundled)
    assert all(name in meant and bundled.get(name) is None for name in SEED_MISSPELLINGS)
    assert all(bundled.get(target) is not None for target in meant.values())


def test_the_seed_aliases_point_where_models_config_says(bundled) -> None:  # type: ignore[no-untyped-def]
    aliases = resolve_alias_map(bundled)
    assert aliases["gpt2"] == "openai-community/gpt2"
    assert aliases["mistral_7b"] == "mistralai/Mistral-7B-Instruct-v0.1"
    assert aliases["fingpt_llama2"] == "FinGPT/fingpt-mt_llama2-7b_lora"
    adapter = bundled.get("fingpt_llama2").base_model
    assert (adapter.id, adapter.relation.value) == ("meta-llama/Llama-2-7b-hf", "adapter")


def test_bundled_architecture_numbers_hang_together(bundled) -> None:  # type: ignore[no-untyped-def]
    for entry in bundled.models.values():
        s = entry.specs
        if entry.provider.value == "openai":
            assert entry.api_endpoint is not None and entry.api_endpoint.url.startswith(
                "https://api.openai.com/"
            )
            assert s.parameters is None  # not disclosed: never guessed
            continue
        if s.num_experts:
            assert s.active_parameters and s.experts_per_token, entry.model_id
        if s.hidden_size and s.num_attention_heads and s.head_dim and entry.family not in ("qwen3", "gemma"):
            assert s.head_dim * s.num_attention_heads == s.hidden_size, entry.model_id
        if entry.gated is not None:
            assert entry.gated_seen is not None, entry.model_id


def test_documented_gate_modes(bundled) -> None:  # type: ignore[no-untyped-def]
    gates = {
        name: bundled.get(name).gated
        for name in (
            "meta-llama/Llama-2-7b-hf",
            "google/gemma-2b",
            "mistralai/Mistral-7B-v0.1",
            "facebook/dinov3-vitl16-pretrain-lvd1689m",
            "gpt2",
        )
    }
    assert gates == {
        "meta-llama/Llama-2-7b-hf": "manual",
        "google/gemma-2b": "auto",
        "mistralai/Mistral-7B-v0.1": "auto",
        "facebook/dinov3-vitl16-pretrain-lvd1689m": "manual",
        "gpt2": False,
    }
