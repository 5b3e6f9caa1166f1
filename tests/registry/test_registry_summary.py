"""The registry's summary (what a check and a fit read): the same facts as the validated entries, kept on
disk while no registry file changes, read back without the schema, and never kept for a registry with
problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hubgate.registry import loader
from hubgate.registry.check_extras import registry_json
from hubgate.registry.kinds import ModelType, Provider, Relation
from hubgate.registry.loader import load_registry
from hubgate.registry.summary import RegistrySummary, load_summary, summarize
from tests.registry.test_registry_schema import write_entry


def summary(folder: Path, cache: Path | None, *more: Path) -> RegistrySummary:
    return load_summary([folder, *more], bundled=False, env=False, cache_dir=cache or False)


def forbid_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("validated again: the summary was not read from the cache")

    monkeypatch.setattr(loader, "load_registry", fail)


def test_the_summary_carries_what_the_entries_say() -> None:
    full = load_registry(env=False, cache_dir=None)
    short = summarize(full)
    assert list(short.models) == list(full.models)
    for model_id, entry in full.models.items():
        got = short.models[model_id]
        assert got.names() == entry.names() and got.misspellings == tuple(entry.misspellings)
        assert (got.provider, got.type, got.gated) == (entry.provider, entry.type, entry.gated)
        assert got.specs.parameters == entry.specs.parameters
        assert got.specs.architecture == entry.specs.architecture
        assert got.license_id == (entry.license.id if entry.license else None)
        assert (got.base_id, got.base_relation) == (
            (entry.base_model.id, entry.base_model.relation) if entry.base_model else (None, None)
        )
    assert short.resolve("GPT2") == full.resolve("gpt2") == "openai-community/gpt2"
    assert short.misspelling_of("qwen/qwen3-4b-instruct") == full.misspelling_of("Qwen/Qwen3-4B-Instruct")
    assert short.misspelling_of("Qwen/Qwen3-4B-Instruct") == "Qwen/Qwen3-4B"


def test_a_cached_summary_is_read_back_whole_without_validating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, cache = tmp_path / "reg", tmp_path / "cache"
    write_entry(
        folder,
        "acme/chat-7b",
        type="chat",
        gated="manual",
        gated_seen="2026-01-02",
        aliases=["chat7"],
        misspellings=["acme/chat-7B-v9"],
        base_model={"id": "acme/base-7b", "relation": "finetune"},
        specs={"parameters": 7_000_000_000, "torch_dtype": "bfloat16", "num_layers": 32},
        license={"id": "apache-2.0", "commercial_use": True},
        sources={"specs": "card", "gated": "hub"},
    )
    write_entry(folder, "gpt-x", provider="openai", api_endpoint={"url": "https://api.example.invalid/v1"})
    first = summary(folder, cache)
    (kept,) = cache.glob("summary-*.json")
    forbid_validation(monkeypatch)
    again = summary(folder, cache)
    assert again.models == first.models and not again.problems
    chat = again.models["acme/chat-7b"]
    assert (chat.type, chat.base_relation, chat.gated_seen) == (
        ModelType.chat,
        Relation.finetune,
        "2026-01-02",
    )
    assert chat.specs.torch_dtype == "bfloat16" and chat.commercial_use == "yes"
    assert again.get("CHAT7") is chat and again.misspelling_of("acme/chat-7B-v9") == "acme/chat-7b"
    assert again.models["gpt-x"].provider is Provider.openai
    assert registry_json(chat) == registry_json(first.models["acme/chat-7b"])
    assert kept.read_bytes().count(b"\n") == 1  # one digest line, then the JSON


def test_a_changed_added_or_removed_file_is_validated_again(tmp_path: Path) -> None:
    folder, cache = tmp_path / "reg", tmp_path / "cache"
    path = write_entry(folder, "acme/m", name="first")
    assert summary(folder, cache).models["acme/m"].name == "first"
    path.write_text(path.read_text().replace("name: first", "name: second-and-longer"), encoding="utf-8")
    assert summary(folder, cache).models["acme/m"].name == "second-and-longer"
    write_entry(folder, "acme/n")
    assert list(summary(folder, cache).models) == ["acme/m", "acme/n"]
    path.unlink()
    assert list(summary(folder, cache).models) == ["acme/n"]


def test_each_set_of_folders_has_its_own_summary(tmp_path: Path) -> None:
    one, two, cache = tmp_path / "one", tmp_path / "two", tmp_path / "cache"
    write_entry(one, "acme/m", name="from one")
    write_entry(two, "acme/m", name="from two")
    assert summary(one, cache).models["acme/m"].name == "from one"
    assert summary(one, cache, two).models["acme/m"].name == "from two"  # merged over
    assert summary(two, cache).models["acme/m"].name == "from two"
    assert summary(one, cache).models["acme/m"].name == "from one"
    assert len(list(cache.glob("summary-*.json"))) == 3


def test_a_registry_with_problems_is_never_kept(tmp_path: Path) -> None:
    folder, cache = tmp_path / "reg", tmp_path / "cache"
    write_entry(folder, "acme/good")
    write_entry(folder, "acme/bad", type="bogus")
    for _ in range(2):  # the warning must show on every run
        found = summary(folder, cache)
        assert list(found.models) == ["acme/good"]
        (problem,) = found.problems
        assert problem.field == "type"
    assert not list(cache.glob("summary-*.json"))


def test_a_folder_removed_since_is_reported_not_read_from_the_cache(tmp_path: Path) -> None:
    folder, extra, cache = tmp_path / "reg", tmp_path / "extra", tmp_path / "cache"
    write_entry(folder, "acme/m")
    extra.mkdir()
    assert not summary(folder, cache, extra).problems
    extra.rmdir()
    (problem,) = summary(folder, cache, extra).problems
    assert problem.message == "no such folder"


@pytest.mark.parametrize(
    "damage",
    [
        lambda body: body.replace(b'"acme/m"', b'"acme/x"'),  # flipped bytes that still parse
        lambda body: b"0" * 64 + b"\n" + body.partition(b"\n")[2],  # a digest that does not match
        lambda body: b"",
    ],
    ids=["bytes", "digest", "empty"],
)
def test_a_damaged_summary_is_a_miss(tmp_path: Path, damage: object) -> None:
    folder, cache = tmp_path / "reg", tmp_path / "cache"
    write_entry(folder, "acme/m")
    summary(folder, cache)
    (kept,) = cache.glob("summary-*.json")
    kept.write_bytes(damage(kept.read_bytes()))  # type: ignore[operator]
    assert list(summary(folder, cache).models) == ["acme/m"]


def test_a_cache_that_cannot_be_written_is_only_a_miss(tmp_path: Path) -> None:
    folder, blocker = tmp_path / "reg", tmp_path / "not-a-folder"
    write_entry(folder, "acme/m")
    blocker.write_text("a file where the cache folder should be")
    for _ in range(2):
        found = summary(folder, blocker / "cache")
        assert list(found.models) == ["acme/m"] and not found.problems
    assert blocker.read_text() == "a file where the cache folder should be"


def test_a_summary_of_another_shape_is_a_miss(tmp_path: Path) -> None:
    """A well-formed cache whose entries this build cannot read (a field renamed) is validated again."""
    import hashlib

    folder, cache = tmp_path / "reg", tmp_path / "cache"
    write_entry(folder, "acme/m")
    summary(folder, cache)
    (kept,) = cache.glob("summary-*.json")
    data = json.loads(kept.read_bytes().partition(b"\n")[2])
    data["data"][0]["renamed"] = data["data"][0].pop("family")
    body = json.dumps(data).encode()
    kept.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    assert list(summary(folder, cache).models) == ["acme/m"]
