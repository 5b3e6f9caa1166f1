"""`hubgate fit` through the real Typer app, and once end to end against the loopback Hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hubgate.cli.app import app
from hubgate.testhub import HubSim, Repo

runner = CliRunner()
MIB = 2**20


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUBGATE_REGISTRY", raising=False)
    monkeypatch.setenv("HUBGATE_REGISTRY_CACHE", "off")


def fit(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["fit", *args])


def models(result) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.stderr
    return {m["id"]: m for m in json.loads(result.stdout)["models"]}


def test_registry_models_json_contract() -> None:
    data = models(fit("meta-llama/Llama-2-7b-hf", "--gpu", "l4", "--gpu", "t4", "--format", "json"))
    llama = data["meta-llama/Llama-2-7b-hf"]
    assert llama["params"] == 6_738_415_616 and llama["params_source"] == "registry"
    assert (llama["dtype"], llama["context"]) == ("float16", 4096)
    assert llama["weights_bytes"] == 13_476_831_232 and llama["kv_cache_bytes"] == 2**31
    assert llama["total_bytes"] == llama["weights_bytes"] + llama["kv_cache_bytes"] + llama["overhead_bytes"]
    l4, t4 = llama["gpus"]
    assert (l4["name"], l4["memory_bytes"], l4["verdict"]) == ("nvidia-l4", 23034 * MIB, "fits")
    assert l4["headroom_bytes"] == l4["memory_bytes"] - llama["total_bytes"]
    assert t4["verdict"] == "does-not-fit" and t4["min_count"] == 2 and t4["lowest_fitting_dtype"] == "int8"


def test_dtype_context_and_batch_change_the_figures() -> None:
    base = models(fit("Qwen/Qwen3-8B", "--gpu", "l4", "--format", "json"))["Qwen/Qwen3-8B"]
    int4 = models(fit("Qwen/Qwen3-8B", "-g", "l4", "--dtype", "int4", "--format", "json"))["Qwen/Qwen3-8B"]
    long = models(fit("Qwen/Qwen3-8B", "-g", "l4", "--context", "32768", "--batch", "2", "--format", "json"))
    long = long["Qwen/Qwen3-8B"]
    assert base["dtype"] == "bfloat16" and int4["dtype"] == "int4"
    assert int4["weights_bytes"] < base["weights_bytes"] / 3.5
    assert long["kv_cache_bytes"] == base["kv_cache_bytes"] * 8 * 2  # 8x the context, 2 sequences


def test_what_fits_my_t4() -> None:
    result = fit("--gpu", "T4", "--format", "json")
    data = models(result)
    assert data["Qwen/Qwen3-4B"]["gpus"][0]["verdict"] in ("fits", "tight")
    assert data["Qwen/Qwen3-32B"]["gpus"][0]["verdict"] == "does-not-fit"
    assert all("/" in model_id for model_id in data)  # API models have no weights to fit
    table = fit("--gpu", "T4")
    assert table.exit_code == 0
    assert "Qwen/Qwen3-4B" in table.stdout and "Qwen/Qwen3-32B" not in table.stdout
    assert "--all lists them" in table.stdout
    assert "Qwen/Qwen3-32B" in fit("--gpu", "T4", "--all").stdout


def test_table_shows_verdicts_counts_and_quantization() -> None:
    result = fit("mistralai/Mixtral-8x7B-Instruct-v0.1", "Qwen/Qwen3-4B", "-g", "h100", "-g", "t4")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "NVIDIA H100 80GB (79.6 GiB)" in out and "no (2 GPUs or int8 on 1)" in out
    assert "all 8 experts counted" in out
    assert "NVIDIA T4: no bfloat16 support" in out


def test_unknown_gpu_is_one_line_with_did_you_mean() -> None:
    result = fit("Qwen/Qwen3-4B", "--gpu", "H1000")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "did you mean nvidia-h100-80gb" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_usage_errors() -> None:
    assert fit("Qwen/Qwen3-4B", "--dtype", "fp7").exit_code == 2
    assert fit("Qwen/Qwen3-4B", "--format", "xml").exit_code == 2
    nothing = fit()
    assert nothing.exit_code == 2 and "--gpu" in nothing.stderr


def test_user_gpus_and_a_gpu_only_folder(tmp_path: Path) -> None:
    gpus = tmp_path / "gpus"
    gpus.mkdir()
    (gpus / "lab-card.yaml").write_text(
        yaml.safe_dump(
            {
                "id": "lab-card",
                "name": "Lab card",
                "vendor": "lab",
                "memory": 10,
                "memory_unit": "GB",
                "sources": {"memory": "our inventory"},
            }
        )
    )
    # A folder with only gpus/ must not be read as model entries by the model registry.
    data = models(fit("Qwen/Qwen3-4B", "--gpu", "lab-card", "--registry", str(tmp_path), "--format", "json"))
    assert data["Qwen/Qwen3-4B"]["gpus"][0]["memory_bytes"] == 10 * 10**9
    listed = fit("--list-gpus", "--registry", str(tmp_path), "--format", "json")
    assert "lab-card" in [g["id"] for g in json.loads(listed.stdout)]


def test_broken_user_gpu_file_is_reported_with_its_field(tmp_path: Path) -> None:
    (tmp_path / "gpus").mkdir()
    (tmp_path / "gpus" / "bad.yaml").write_text("id: bad\nname: Bad\nvendor: x\nmemory: 8\nmemory_unit: MB\n")
    result = fit("Qwen/Qwen3-4B", "--gpu", "t4", "--registry", str(tmp_path))
    assert result.exit_code == 2
    assert "bad.yaml:5: memory_unit:" in result.stderr


# End to end against the loopback Hub ----------------------------------------------------------------------

MOE_CONFIG = {
    "model_type": "mixtral",
    "num_hidden_layers": 32,
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "intermediate_size": 14336,
    "num_local_experts": 8,
    "vocab_size": 32000,
    "tie_word_embeddings": False,
    "max_position_embeddings": 32768,
}


def test_ids_outside_the_registry_come_from_the_hub(run_cli, hub: HubSim) -> None:  # type: ignore[no-untyped-def]
    hub.add_repo(
        Repo(
            "acme/moe-47b",
            gated="manual",  # metadata of gated repos is public
            safetensors={"total": 46_702_792_704, "parameters": {"BF16": 46_702_792_704}},
            config=MOE_CONFIG,
        )
    )
    hub.add_repo(
        Repo("acme/config-only", config={**MOE_CONFIG, "model_type": "mistral", "num_local_experts": 1})
    )
    hub.reset_log()
    result = run_cli(
        "fit", "acme/moe-47b", "acme/config-only", "-g", "h100", "--format", "json", "--anonymous"
    )
    assert result.code == 0, result.stderr
    data = {m["id"]: m for m in result.json()["models"]}
    moe = data["acme/moe-47b"]
    assert (moe["params_source"], moe["dtype"], moe["weights_bytes"]) == (
        "safetensors",
        "bfloat16",
        2 * 46_702_792_704,
    )
    assert moe["gpus"][0]["verdict"] == "does-not-fit" and moe["gpus"][0]["min_count"] == 2
    dense = data["acme/config-only"]
    assert dense["params_source"] == "config" and dense["params"] == 7_241_732_096
    assert hub.count("api") == 2  # one metadata call per model, no whoami


def test_missing_repo_is_unknown_and_hub_errors_exit_3(run_cli, hub: HubSim) -> None:  # type: ignore[no-untyped-def]
    missing = run_cli("fit", "acme/not-there", "-g", "l4", "--format", "json", "--anonymous")
    assert missing.code == 1
    model = missing.json()["models"][0]
    assert model["gpus"][0]["verdict"] == "unknown" and "Hub does not show" in model["reason"]
    hub.add_repo(Repo("acme/flaky", config=MOE_CONFIG))
    hub.inject("/api/models/acme/flaky$", "status", status=503, times=50)
    flaky = run_cli("fit", "acme/flaky", "-g", "l4", "--anonymous", "--format", "json")
    assert flaky.code == 3 and "Traceback" not in flaky.stderr


# Issue 16 options, issue 12 precision and naming -----------------------------------------------------------


def test_kv_dtype_tp_and_engine_change_the_json() -> None:
    base = models(fit("mistralai/Mixtral-8x7B-Instruct-v0.1", "-g", "h100", "--format", "json"))
    split = models(
        fit(
            "mistralai/Mixtral-8x7B-Instruct-v0.1",
            "-g",
            "h100",
            "--tp",
            "2",
            "--kv-dtype",
            "fp8",
            "--engine",
            "vllm",
            "--format",
            "json",
        )
    )
    one, two = base["mistralai/Mixtral-8x7B-Instruct-v0.1"], split["mistralai/Mixtral-8x7B-Instruct-v0.1"]
    assert two["kv_cache_bytes"] * 2 == one["kv_cache_bytes"] and two["kv_dtype"] == "fp8"
    assert (two["tp"], two["engine"]) == (2, "vllm")
    terms = two["terms"]
    assert (
        two["per_gpu_bytes"]
        == -(-(terms["weights_bytes"] + terms["kv_cache_bytes"] + terms["activations_bytes"]) // 2)
        + terms["cuda_context_bytes"]
    )
    h100 = two["gpus"][0]
    assert h100["budget_bytes"] == int(h100["memory_bytes"] * 0.9)
    assert h100["headroom_bytes"] == h100["budget_bytes"] - two["per_gpu_bytes"]
    assert one["gpus"][0]["verdict"] == "does-not-fit" and h100["verdict"] in ("fits", "tight")


def test_bad_kv_dtype_and_engine_are_one_line() -> None:
    for args, what in ((("--kv-dtype", "int3"), "--kv-dtype"), (("--engine", "tgi"), "--engine")):
        result = fit("Qwen/Qwen3-4B", "-g", "t4", *args)
        assert result.exit_code == 2
        assert result.stderr.startswith(f"hubgate: error: {what}") and "Traceback" not in result.stderr


def test_api_model_is_said_not_a_hub_404() -> None:
    result = fit("gpt-4", "-g", "l4", "--format", "json")
    assert result.exit_code == 1
    reason = json.loads(result.stdout)["models"][0]["reason"]
    assert "API model" in reason and "not a Hugging Face repo" in reason


def test_short_gpu_name_says_which_it_picked() -> None:
    result = fit("Qwen/Qwen3-4B", "-g", "a100")
    assert result.exit_code == 0
    assert (
        "--gpu a100: picked NVIDIA A100 40GB (nvidia-a100-40gb); also in the catalogue: nvidia-a100-80gb"
        in (result.stdout)
    )
    assert "picked" not in fit("Qwen/Qwen3-4B", "-g", "l4").stdout  # l4 is not l40s
    assert "picked" not in fit("Qwen/Qwen3-4B", "-g", "a100-80gb").stdout


def test_max_context_column() -> None:
    args = ("Qwen/Qwen3-8B", "-g", "l4", "-g", "h100", "-g", "t4", "--batch", "2", "--max-context")
    result = fit(*args, "--format", "json")
    model = models(result)["Qwen/Qwen3-8B"]
    l4, h100, t4 = model["gpus"]
    per_token = model["kv_bytes_per_token"]
    weights = model["weights_bytes"]
    by_hand = ((l4["memory_bytes"] - 512 * MIB) / 1.1 - weights) / (per_token * 2)
    assert abs(l4["max_context"] - by_hand) <= 1
    assert h100["max_context"] == model["context_window"]  # the whole window
    assert t4["max_context"] is None  # the weights alone do not fit
    table = fit(*args).stdout
    assert (
        f"{l4['max_context']:,} tokens" in table and "(its window)" in table and "weights do not fit" in table
    )


UNKNOWN_DTYPE_CONFIG = {k: v for k, v in MOE_CONFIG.items() if k != "num_local_experts"} | {
    "model_type": "mistral"
}


def test_unknown_precision_shows_both_in_fit_and_check(run_cli, hub: HubSim) -> None:  # type: ignore[no-untyped-def]
    hub.add_repo(Repo("acme/no-dtype", config=UNKNOWN_DTYPE_CONFIG))
    result = run_cli("fit", "acme/no-dtype", "-g", "l4", "--anonymous")
    assert result.code == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("│ acme/no-dtype"))
    assert "unknown" in row and "bf16 /" in row and "fp32" in row
    assert "published precision unknown" in result.stdout
    data = run_cli("fit", "acme/no-dtype", "-g", "l4", "--anonymous", "--format", "json").json()["models"][0]
    [alt] = data["alternatives"]
    assert alt["weights_bytes"] == 2 * data["weights_bytes"] and data["dtype_source"] is None
    check = run_cli("check", "acme/no-dtype", "--gpu", "l4", "--anonymous")
    assert "published precision unknown" in check.stdout and "at float32 it needs" in check.stdout
