"""`hubgate registry` commands through the real Typer app (CliRunner), and once as `python -m hubgate`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hubgate.cli.app import app
from hubgate.registry import set_default_registry
from tests.registry.test_registry_schema import write_entry

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUBGATE_REGISTRY", raising=False)
    monkeypatch.setenv("HUBGATE_REGISTRY_CACHE", "off")
    set_default_registry(None)


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["registry", *args])


def listed(*args: str) -> list[str]:
    result = run("list", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return [entry["model_id"] for entry in json.loads(result.stdout)]


def test_list_filters() -> None:
    everything = listed()
    assert len(everything) >= 70
    openai = listed("--provider", "openai")
    assert openai and all("/" not in mid for mid in openai) and set(openai) < set(everything)
    assert all(mid.startswith("meta-llama/") for mid in listed("--gated", "manual", "--family", "llama-2"))
    assert "google/gemma-2b" in listed("--gated", "auto") and "google/gemma-2b" not in listed("--gated", "no")
    assert set(listed("--gated", "yes")) == set(listed("--gated", "auto")) | set(listed("--gated", "manual"))
    assert "gpt-4o" in listed("--gated", "unknown")
    assert set(listed("--type", "vision-encoder")) >= {
        "google/siglip-base-patch16-224",
        "openai/clip-vit-large-patch14-336",
    }
    assert "microsoft/phi-2" in listed("--license", "MIT")


def test_list_by_size_accepts_suffixes_and_skips_unknown_sizes() -> None:
    small = run("list", "--format", "json", "--max-params", "500M")
    entries = json.loads(small.stdout)
    assert entries and all(0 < e["specs"]["parameters"] <= 500_000_000 for e in entries)
    assert "distilbert/distilgpt2" in [e["model_id"] for e in entries]
    assert set(listed("--max-params", "1.5e9")) > set(listed("--max-params", "500M"))
    big = listed("--min-params", "100B")
    assert big == ["Qwen/Qwen3-235B-A22B"]
    assert "gpt-4o" not in listed("--max-params", "1T")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["list", "--max-params", "huge"], "--max-params"),
        (["list", "--provider", "anthropic"], "--provider"),
        (["list", "--type", "robot"], "--type"),
        (["list", "--gated", "sometimes"], "--gated"),
        (["list", "--format", "xml"], "--format"),
        (["export", "--format", "table"], "--format"),
        (["list", "--registry", "/no/such/folder"], "no such folder"),
        (["validate", "/no/such/folder"], "no such folder"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], fragment: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert fragment in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_list_table_is_plain_text_when_not_a_tty() -> None:
    result = run("list", "--provider", "openai")
    assert result.exit_code == 0
    assert "gpt-4o-mini" in result.stdout and "128,000" in result.stdout
    assert "\x1b[" not in result.stdout


def test_show_resolves_aliases_and_prints_sources() -> None:
    result = run("show", "mistral_7b", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["model_id"] == "mistralai/Mistral-7B-Instruct-v0.1" and data["specs"]["num_kv_heads"] == 8
    table = run("show", "GPT2")
    assert table.exit_code == 0
    assert "openai-community/gpt2" in table.stdout and "124,439,808" in table.stdout
    assert "source of specs.parameters" in table.stdout and "gpt2.yaml" in table.stdout


def test_show_unknown_suggests_and_exits_1() -> None:
    result = run("show", "meta-llama/Llama-2-7b-chat")
    assert result.exit_code == 1
    assert "did you mean" in result.stderr and "meta-llama/Llama-2-7b-chat-hf" in result.stderr
    assert result.stdout == ""
    misspelt = run("show", "Qwen/Qwen3-8B-Instruct")
    assert misspelt.exit_code == 1 and "Qwen/Qwen3-8B" in misspelt.stderr and "misspelling" in misspelt.stderr


def test_search() -> None:
    result = run("search", "qwen3 moe", "--format", "json")
    assert result.exit_code == 0
    found = [e["model_id"] for e in json.loads(result.stdout)]
    assert set(found) >= {"Qwen/Qwen3-30B-A3B", "Qwen/Qwen3-235B-A22B"} and "Qwen/Qwen3-8B" not in found
    nothing = run("search", "no-model-has-this-word")
    assert nothing.exit_code == 1 and "no model matches" in nothing.stderr


def test_export_json_and_yaml_round_trip() -> None:
    as_json = json.loads(run("export").stdout)
    as_yaml = yaml.safe_load(run("export", "--format", "yaml").stdout)
    assert as_json == json.loads(json.dumps(as_yaml, default=str))
    assert as_json["gpt-4o"]["cost"]["input_per_1m"] > 0
    assert "gated" not in as_json["gpt-4o"]
    assert "gated" in json.loads(run("export", "--include-empty").stdout)["gpt-4o"]


def test_validate_ok_and_problems(tmp_path: Path) -> None:
    ok = run("validate")
    assert ok.exit_code == 0 and ok.stdout == "" and ok.stderr.startswith("ok:")
    write_entry(tmp_path, "acme/good")
    bad = write_entry(tmp_path, "acme/bad", type="chat")
    bad.write_text(bad.read_text().replace("type: chat", "type: chatty"))
    write_entry(tmp_path, "acme/alias", aliases=["gpt2"])  # the bundled gpt2's legacy id
    result = run("validate", str(tmp_path))
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert any(line.endswith("bad.yaml:4: type: " + line.split(": type: ", 1)[-1]) for line in lines)
    assert any(
        "alias.yaml:" in line and ": aliases.0: " in line and "openai-community/gpt2" in line
        for line in lines
    )
    as_json = json.loads(run("validate", str(tmp_path), "--format", "json").stdout)
    assert as_json["ok"] is False and {p["field"] for p in as_json["problems"]} == {"type", "aliases.0"}
    # The summary counts what the user's folder holds, not the bundled models it is merged over.
    assert (
        result.stderr.strip().splitlines()[-1] == f"2 problem(s): 2 model(s) and 0 GPU(s) valid in {tmp_path}"
    )


def test_validate_the_bundled_folder_by_name_reports_no_self_overrides() -> None:
    """`registry validate registry` in a checkout printed 73 "gpt2.yaml overrides gpt2.yaml" notes."""
    from hubgate.paths import bundled_dir

    bundled = bundled_dir()
    assert bundled is not None
    result = run("validate", str(bundled))
    assert result.exit_code == 0 and "overrides" not in result.stderr
    gpus = len(list((bundled / "gpus").glob("*.yaml")))
    assert result.stderr.strip().splitlines() == [
        f"ok: {len(bundled_models())} model(s) and {gpus} GPU(s) valid in {bundled}"
    ]


def test_a_broken_user_folder_stops_other_commands_with_exit_2(tmp_path: Path) -> None:
    write_entry(tmp_path, "acme/bad", type="chatty")
    result = run("list", "--registry", str(tmp_path))
    assert result.exit_code == 2
    assert "bad.yaml:4: type:" in result.stderr and "registry validate" in result.stderr


def test_overrides_are_announced(tmp_path: Path) -> None:
    write_entry(tmp_path, "openai-community/gpt2", name="My GPT-2", legacy_ids=["gpt2"])
    result = run("show", "gpt2", "--registry", str(tmp_path), "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["name"] == "My GPT-2"
    assert "note: openai-community/gpt2:" in result.stderr and "overrides" in result.stderr


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUBGATE_")}
    env["HUBGATE_REGISTRY_CACHE"] = str(tmp_path / "cache")
    env["NO_COLOR"] = "1"
    shown = subprocess.run(
        [sys.executable, "-m", "hubgate", "registry", "show", "phi3_mini", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["specs"]["context_window"] == 131072
    assert list((tmp_path / "cache").glob("layer-*.json"))  # the compiled cache was written
    unknown = subprocess.run(
        [sys.executable, "-m", "hubgate", "registry", "show", "no/such-model"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert unknown.returncode == 1 and "Traceback" not in unknown.stderr


def bundled_models() -> list[Path]:
    from hubgate.paths import bundled_dir

    bundled = bundled_dir()
    assert bundled is not None
    return sorted((bundled / "models").rglob("*.yaml"))
