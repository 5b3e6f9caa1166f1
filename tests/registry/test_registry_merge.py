"""Layers: duplicates inside a folder, name conflicts, overrides of the bundled registry, HUBGATE_REGISTRY,
where the bundled registry is found, and the compiled cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hubgate import paths
from hubgate.paths import bundled_dir
from hubgate.registry import disk_cache, yaml_reader
from hubgate.registry.loader import load_registry
from tests.registry.test_registry_schema import write_entry


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUBGATE_REGISTRY", raising=False)
    monkeypatch.setenv("HUBGATE_REGISTRY_CACHE", "off")


def load(*folders: Path, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("bundled", False)
    kwargs.setdefault("cache_dir", False)
    kwargs.setdefault("strict", False)
    return load_registry(list(folders), **kwargs)


def test_the_same_id_twice_in_one_folder_names_both_files(tmp_path: Path) -> None:
    first = write_entry(tmp_path, "acme/model")
    second = tmp_path / "models" / "ACME" / "model.yaml"  # ids are case-insensitive on the Hub
    second.parent.mkdir(parents=True)
    second.write_text(first.read_text().replace("acme/model", "ACME/model"), encoding="utf-8")
    reg = load(tmp_path)
    (problem,) = reg.problems
    assert problem.field == "model_id" and problem.line == 1
    files = {Path(problem.file).resolve(), *(Path(p).resolve() for p in [problem.message.split(" in ")[-1]])}
    assert files == {first.resolve(), second.resolve()}
    assert len(reg.models) == 1


def test_an_alias_naming_two_models_is_an_error_naming_both_files(tmp_path: Path) -> None:
    write_entry(tmp_path, "acme/a", aliases=["shorty"])
    b = write_entry(tmp_path, "acme/b", aliases=["ok", "SHORTY"])
    (problem,) = load(tmp_path).problems
    assert Path(problem.file).resolve() == b.resolve()
    assert problem.field == "aliases.1" and problem.line > 1
    assert "acme/a" in problem.message and "a.yaml" in problem.message


def test_an_alias_may_not_be_another_models_id(tmp_path: Path) -> None:
    write_entry(tmp_path, "acme/a")
    write_entry(tmp_path, "acme/b", legacy_ids=["acme/a"])
    (problem,) = load(tmp_path).problems
    assert problem.field == "legacy_ids.0" and "acme/a" in problem.message


def test_misspellings_must_not_be_real_names_nor_claimed_twice(tmp_path: Path) -> None:
    write_entry(tmp_path, "acme/a", aliases=["a-short"])
    write_entry(tmp_path, "acme/b", misspellings=["acme/a"])
    write_entry(tmp_path, "acme/c", misspellings=["acme/typo", "a-short"])
    write_entry(tmp_path, "acme/d", misspellings=["acme/typo"])
    messages = sorted((p.field, p.message) for p in load(tmp_path).problems)
    assert len(messages) == 3
    assert sum("is a real name" in m for _, m in messages) == 2
    assert sum("also recorded as a misspelling" in m for _, m in messages) == 1


def test_a_user_folder_overrides_and_adds(tmp_path: Path) -> None:
    base, mine = tmp_path / "base", tmp_path / "mine"
    write_entry(base, "acme/a", name="from base", aliases=["a1"])
    write_entry(base, "acme/b", name="b")
    replacement = write_entry(mine, "acme/a", name="from mine")
    write_entry(mine, "acme/new", name="new")
    reg = load(base, mine, strict=True)
    assert reg.models["acme/a"].name == "from mine"
    assert reg.files["acme/a"] == replacement
    assert sorted(reg.models) == ["acme/a", "acme/b", "acme/new"]
    (override,) = reg.overrides
    assert override.model_id == "acme/a" and override.by == replacement
    assert "overrides" in str(override) and "base" in str(override.replaced)
    # The replaced entry's names are gone with it.
    assert reg.resolve("a1") is None and reg.resolve("ACME/A") == "acme/a"


def test_a_user_alias_clashing_with_a_bundled_name_is_an_error(tmp_path: Path) -> None:
    base, mine = tmp_path / "base", tmp_path / "mine"
    write_entry(base, "acme/a", aliases=["shared"])
    write_entry(mine, "other/x", aliases=["shared"])
    (problem,) = load(base, mine).problems
    assert "mine" in problem.file and "acme/a" in problem.message and "base" in problem.message


def test_environment_folders_come_after_the_bundled_one_and_before_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_a, env_b, option = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_entry(env_a, "acme/m", name="env a")
    write_entry(env_b, "acme/m", name="env b")
    write_entry(option, "acme/m", name="option")
    monkeypatch.setenv("HUBGATE_REGISTRY", os.pathsep.join([str(env_a), "", str(env_b)]))
    assert load(env=True).models["acme/m"].name == "env b"
    assert load(option, env=True).models["acme/m"].name == "option"
    assert load(option, env=True).layers == [env_a, env_b, option]
    assert load(env=False).models == {}


def test_a_missing_folder_is_a_problem(tmp_path: Path) -> None:
    (problem,) = load(tmp_path / "nope").problems
    assert problem.field == "(registry)" and "no such folder" in problem.message


def test_overriding_the_bundled_registry(tmp_path: Path) -> None:
    write_entry(tmp_path, "openai-community/gpt2", name="my gpt2", legacy_ids=["gpt2"])
    reg = load(tmp_path, bundled=True, strict=True)
    assert reg.get("gpt2") is not None and reg.get("gpt2").name == "my gpt2"  # type: ignore[union-attr]
    (override,) = reg.overrides
    assert override.model_id == "openai-community/gpt2" and "registry" in str(override.replaced)


def test_bundled_dir_prefers_the_installed_package_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = bundled_dir()
    assert source is not None and (source / "models").is_dir()
    package = tmp_path / "site-packages" / "hubgate"
    (package / "_registry" / "models").mkdir(parents=True)
    (package / "paths.py").write_text("")
    monkeypatch.setattr(paths, "__file__", str(package / "paths.py"))
    assert bundled_dir() == (package / "_registry").resolve()


def test_the_cache_is_used_when_nothing_changed_and_refreshed_when_a_file_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, cache = tmp_path / "reg", tmp_path / "cache"
    path = write_entry(folder, "acme/m", name="first")
    assert load(folder, cache_dir=cache).models["acme/m"].name == "first"
    (cache_file,) = cache.glob("layer-*.json")
    assert json.loads(cache_file.read_text().partition("\n")[2])["data"][0][1]["name"] == "first"

    parsed: list[Path] = []
    real_parse = yaml_reader.parse_file
    monkeypatch.setattr(yaml_reader, "parse_file", lambda p: (parsed.append(p), real_parse(p))[1])
    assert load(folder, cache_dir=cache).models["acme/m"].name == "first"
    assert parsed == []  # served from the cache

    path.write_text(path.read_text().replace("name: first", "name: second-and-longer"), encoding="utf-8")
    assert load(folder, cache_dir=cache).models["acme/m"].name == "second-and-longer"
    assert parsed == [path]


def test_a_registry_served_from_the_cache_does_not_import_pyyaml(tmp_path: Path) -> None:
    """The compiled cache is there so that a run (a one-model check) skips the YAML parser altogether."""
    import subprocess
    import sys

    folder, cache = tmp_path / "reg", tmp_path / "cache"
    write_entry(folder, "acme/m", name="first")
    code = (
        "import sys; from pathlib import Path; from hubgate.registry.loader import load_registry; "
        f"r = load_registry([Path({str(folder)!r})], bundled=False, env=False, cache_dir=Path({str(cache)!r})); "
        "print(len(r), 'yaml' in sys.modules)"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True) for _ in "12"
    ]
    assert [run.stdout.split() for run in runs] == [["1", "True"], ["1", "False"]]


def test_cached_entries_are_still_validated(tmp_path: Path) -> None:
    folder, cache = tmp_path / "reg", tmp_path / "cache"
    write_entry(folder, "acme/m", type="bogus")
    for _ in range(2):  # the second load reads the cache
        (problem,) = load(folder, cache_dir=cache).problems
        assert problem.field == "type" and problem.line == 4


def test_an_unwritable_or_corrupt_cache_is_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "reg"
    write_entry(folder, "acme/m")
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder should be")
    assert list(load(folder, cache_dir=blocker / "cache", strict=True).models) == ["acme/m"]
    cache = tmp_path / "cache"
    load(folder, cache_dir=cache)
    for cache_file in cache.glob("layer-*.json"):
        cache_file.write_text("{not json")
    assert list(load(folder, cache_dir=cache, strict=True).models) == ["acme/m"]
    assert not list(cache.glob(".tmp-*"))


def test_the_default_cache_location_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUBGATE_REGISTRY_CACHE", str(tmp_path / "c"))
    assert disk_cache.registry_cache_dir() == tmp_path / "c"
    monkeypatch.setenv("HUBGATE_REGISTRY_CACHE", "off")
    assert disk_cache.registry_cache_dir() is None
    monkeypatch.delenv("HUBGATE_REGISTRY_CACHE")
    assert "hubgate" in str(disk_cache.registry_cache_dir())


def test_a_flat_folder_with_gpus_reads_models_but_never_the_gpu_files(tmp_path: Path) -> None:
    """A user folder without models/ holds model files at its root; its gpus/ is the GPU catalogue's."""
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "flat.yaml").write_text(
        "model_id: acme/flat\nname: flat\nprovider: huggingface\ntype: completion\naccess_method: local\n",
        encoding="utf-8",
    )
    (tmp_path / "gpus").mkdir()
    (tmp_path / "gpus" / "acme-x1.yaml").write_text("id: acme-x1\nname: X1\nmemory: 16\n", encoding="utf-8")
    reg = load(tmp_path)
    assert reg.problems == [] and list(reg.models) == ["acme/flat"]
