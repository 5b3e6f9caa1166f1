"""The registry schema, and the loader's problems: each names the file, the line and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from hubgate.registry.kinds import ModelType, Provider
from hubgate.registry.loader import Problem, RegistryError, load_registry
from hubgate.registry.schema import ModelEntry


def minimal(model_id: str = "acme/tiny-model", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "model_id": model_id,
        "name": model_id.rsplit("/", 1)[-1],
        "provider": "huggingface" if "/" in model_id else "openai",
        "type": "completion",
        "access_method": "local" if "/" in model_id else "api",
    }
    data.update(fields)
    return data


def write_entry(
    root: Path, model_id: str = "acme/tiny-model", *, text: str | None = None, **fields: Any
) -> Path:
    """Write one registry file where its id says it belongs (models/<org>/<name>.yaml)."""
    data = minimal(model_id, **fields)
    rel = (
        f"{model_id}.yaml" if data["provider"] == "huggingface" else f"{data['provider']}-api/{model_id}.yaml"
    )
    path = root / "models" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text is not None else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def problems_of(folder: Path) -> list[Problem]:
    return load_registry([folder], bundled=False, env=False, strict=False, cache_dir=False).problems


# Schema -----------------------------------------------------------------------------------------


def test_minimal_entry_validates_and_unknown_facts_stay_empty() -> None:
    entry = ModelEntry.model_validate(minimal())
    assert entry.provider is Provider.huggingface and entry.type is ModelType.completion
    assert entry.specs.parameters is None and entry.gated is None and entry.license is None
    assert entry.names() == ["acme/tiny-model"]


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"type": "chatbot"}, "type"),
        ({"provider": "anthropic"}, "provider"),
        ({"access_method": "cloud"}, "access_method"),
        ({"gated": "yes"}, "gated"),
        ({"specs": {"parameters": -5}}, "parameters"),
        ({"specs": {"parameters": 1000, "active_parameters": 2000}}, "active_parameters"),
        ({"specs": {"num_experts": 2, "experts_per_token": 4}}, "experts_per_token"),
        ({"specs": {"experts_per_token": 2}}, "experts_per_token"),
        ({"specs": {"num_attention_heads": 32, "num_kv_heads": 5}}, "num_kv_heads"),
        ({"specs": {"torch_dtype": "int3"}}, "torch_dtype"),
        ({"base_model": {"id": "not an id", "relation": "adapter"}}, "base_model"),
        ({"base_model": {"id": "acme/base", "relation": "cousin"}}, "relation"),
        ({"gated_seen": "2026-01-01"}, "gated_seen"),
        ({"aliases": ["twice", "TWICE"]}, "aliases"),
        ({"aliases": ["acme/tiny-model"]}, "aliases"),
        ({"sources": {"specs.nonsense": "x"}}, "sources"),
        ({"cost": {"input_per_1m": -1}}, "input_per_1m"),
        ({"licence": {"id": "mit"}}, "licence"),
    ],
)
def test_schema_rejects(fields: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        ModelEntry.model_validate(minimal(**fields))
    assert fragment in str(info.value)


def test_numbers_need_a_source() -> None:
    with pytest.raises(ValidationError, match=r"specs\.parameters: set, but `sources`"):
        ModelEntry.model_validate(minimal(specs={"parameters": 7}))
    # A parent key covers its fields; an exact key covers one.
    assert ModelEntry.model_validate(minimal(specs={"parameters": 7}, sources={"specs": "config.json"}))
    with pytest.raises(ValidationError, match=r"specs\.context_window"):
        ModelEntry.model_validate(
            minimal(specs={"parameters": 7, "context_window": 9}, sources={"specs.parameters": "card"})
        )
    with pytest.raises(ValidationError, match=r"cost\.output_per_1m"):
        ModelEntry.model_validate(minimal("gpt-x", cost={"output_per_1m": 2.0}))
    with pytest.raises(ValidationError, match="gated: set, but"):
        ModelEntry.model_validate(minimal(gated="auto"))


def test_yaml_yes_no_become_commercial_use_words() -> None:
    entry = ModelEntry.model_validate(minimal(license={"commercial_use": True}))
    assert entry.license is not None and entry.license.commercial_use == "yes"
    entry = ModelEntry.model_validate(minimal(license={"commercial_use": False}))
    assert entry.license is not None and entry.license.commercial_use == "no"


def test_ids_must_fit_the_provider() -> None:
    with pytest.raises(ValidationError, match="org/name"):
        ModelEntry.model_validate(minimal("gpt-4o", provider="huggingface"))
    with pytest.raises(ValidationError, match="bare API model name"):
        ModelEntry.model_validate(minimal("openai/gpt-4o", provider="openai"))
    assert ModelEntry.model_validate(minimal("gpt-4o")).provider is Provider.openai


def test_gated_false_is_kept_apart_from_unknown() -> None:
    known = ModelEntry.model_validate(
        minimal(gated=False, gated_seen="2026-11-23", sources={"gated": "seed"})
    )
    assert known.gated is False and str(known.gated_seen) == "2026-11-23"
    assert ModelEntry.model_validate(minimal()).gated is None


# Loader problems: file, line, field -------------------------------------------------------------

BAD_NESTED = """\
model_id: acme/tiny-model
name: tiny
provider: huggingface
type: completion
access_method: local
specs:
  modalities: [text]
  parameters: lots
"""


def test_a_bad_nested_value_is_located(tmp_path: Path) -> None:
    path = write_entry(tmp_path, text=BAD_NESTED)
    (problem,) = problems_of(tmp_path)
    assert Path(problem.file).resolve() == path.resolve()
    assert (problem.line, problem.field) == (8, "specs.parameters")
    assert str(problem).endswith(f":8: specs.parameters: {problem.message}")


def test_an_unknown_field_is_located_at_its_key(tmp_path: Path) -> None:
    write_entry(tmp_path, text=BAD_NESTED.replace("parameters: lots", "paramters: 7"))
    (problem,) = problems_of(tmp_path)
    assert (problem.line, problem.field) == (8, "specs.paramters")
    assert "not a field" in problem.message


def test_a_missing_field_points_at_the_mapping(tmp_path: Path) -> None:
    write_entry(
        tmp_path,
        text="# a comment\nmodel_id: acme/tiny-model\nname: tiny\nprovider: huggingface\ntype: chat\n",
    )
    (problem,) = problems_of(tmp_path)
    assert problem.field == "access_method" and problem.line == 2 and "required" in problem.message.lower()


def test_a_model_level_check_names_its_field_and_line(tmp_path: Path) -> None:
    text = BAD_NESTED.replace("parameters: lots", "parameters: 12") + "sources:\n  specs.typo: x\n"
    write_entry(tmp_path, text=text)
    (problem,) = problems_of(tmp_path)
    assert problem.field == "sources.specs.typo" and problem.line == 10


def test_a_list_item_is_located(tmp_path: Path) -> None:
    text = BAD_NESTED.replace("  parameters: lots\n", "") + "aliases:\n  - ok\n  - bad name\n"
    write_entry(tmp_path, text=text)
    (problem,) = problems_of(tmp_path)
    assert (problem.field, problem.line) == ("aliases.1", 10)


def test_yaml_syntax_and_duplicate_keys_are_located(tmp_path: Path) -> None:
    write_entry(tmp_path, "acme/broken", text="model_id: acme/broken\nname: [unclosed\n")
    write_entry(tmp_path, "acme/dupkey", text=BAD_NESTED.replace("tiny-model", "dupkey") + "name: again\n")
    problems = {Path(p.file).stem: p for p in problems_of(tmp_path)}
    assert problems["broken"].field == "(yaml)" and problems["broken"].line >= 2
    assert problems["dupkey"].field == "(yaml)" and problems["dupkey"].line == 9
    assert "duplicate key 'name'" in problems["dupkey"].message and "line 2" in problems["dupkey"].message


def test_a_file_must_hold_a_mapping(tmp_path: Path) -> None:
    write_entry(tmp_path, text="- just\n- a list\n")
    (problem,) = problems_of(tmp_path)
    assert problem.field == "(file)" and "mapping" in problem.message


def test_a_file_must_sit_where_its_id_says(tmp_path: Path) -> None:
    path = tmp_path / "models" / "acme" / "other-name.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(minimal("acme/tiny-model")), encoding="utf-8")
    api = tmp_path / "models" / "gpt-x.yaml"
    api.write_text(yaml.safe_dump(minimal("gpt-x")), encoding="utf-8")
    problems = sorted(problems_of(tmp_path), key=lambda p: p.file)
    assert [p.field for p in problems] == ["model_id", "model_id"]
    assert "acme/tiny-model.yaml" in problems[0].message and "openai-api/gpt-x.yaml" in problems[1].message


def test_strict_loading_raises_with_every_problem(tmp_path: Path) -> None:
    write_entry(tmp_path, "acme/one", type="bogus")
    write_entry(tmp_path, "acme/two", access_method="bogus")
    write_entry(tmp_path, "acme/fine")
    with pytest.raises(RegistryError) as info:
        load_registry([tmp_path], bundled=False, env=False, cache_dir=False)
    assert len(info.value.problems) == 2
    assert "one.yaml" in str(info.value) and "two.yaml" in str(info.value)
    lenient = load_registry([tmp_path], bundled=False, env=False, strict=False, cache_dir=False)
    assert list(lenient.models) == ["acme/fine"]
