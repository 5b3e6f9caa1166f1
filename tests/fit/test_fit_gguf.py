"""GGUF repos: quant files sized as stored, shapes from the header (written here with the `gguf` package and
served by the loopback Hub with ranged reads), `--quant`, and the CLI end to end.

The header written below carries the published shapes of Llama-3.1-8B (32 blocks, 32 heads, 8 KV heads,
embedding 4096, context 131072: https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/config.json), as
llama.cpp's converter writes them (`llama.block_count`, `llama.attention.head_count_kv`, ...).
File sizes are the loopback Hub's; the expected figures below are computed from them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hubgate.fit.estimate import GIB, OVERHEAD_FIXED
from hubgate.fit.gguf_files import (
    facts_for_files,
    facts_from_header,
    gguf_files,
    header_fields,
    pick,
    quant_label,
)
from hubgate.fit.judge import GpuSpec
from hubgate.fit.result import fit_facts
from hubgate.testhub import HubSim, Repo

gguf = pytest.importorskip("gguf")
np = pytest.importorskip("numpy")
MIB = 2**20
PARAMS = 8_030_261_248
SIZES = {
    "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf": 4_920_734_016,
    "Meta-Llama-3.1-8B-Instruct-Q8_0.gguf": 8_540_770_560,
    "Meta-Llama-3.1-8B-Instruct-f16/Meta-Llama-3.1-8B-Instruct-f16-00001-of-00002.gguf": 9_000_000_000,
    "Meta-Llama-3.1-8B-Instruct-f16/Meta-Llama-3.1-8B-Instruct-f16-00002-of-00002.gguf": 7_068_000_000,
    "mmproj-model-f16.gguf": 600_000_000,
    "README.md": 100,
}


def llama_header(tmp_path: Path, *, sliding_window: int | None = None, arch: str = "llama") -> bytes:
    path = tmp_path / "header.gguf"
    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_block_count(32)
    writer.add_context_length(131072)
    writer.add_embedding_length(4096)
    writer.add_head_count(32)
    writer.add_head_count_kv(8)
    if sliding_window:
        writer.add_sliding_window(sliding_window)
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list([f"t{i}" for i in range(2000)])
    writer.add_tensor("token_embd.weight", np.zeros((8, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path.read_bytes()


def test_quant_labels_and_shards() -> None:
    assert quant_label("Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf") == "Q4_K_M"
    assert quant_label("model-IQ3_XXS.gguf") == "IQ3_XXS"
    assert quant_label("x/Meta-Llama-3.1-8B-Instruct-f16-00001-of-00002.gguf") == "F16"
    files = gguf_files(SIZES)
    assert len(files) == 3  # the projector is left out, the two f16 shards are one file
    first = "Meta-Llama-3.1-8B-Instruct-f16/Meta-Llama-3.1-8B-Instruct-f16-00001-of-00002.gguf"
    assert files[first] == 9_000_000_000 + 7_068_000_000
    assert pick(files, "q4_k_m") == ["Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf"]
    assert pick(files, "Q2_K") == []
    assert len(pick(files, None)) == 3


def test_header_is_parsed_up_to_the_tokenizer_even_when_cut(tmp_path: Path) -> None:
    data = llama_header(tmp_path)
    fields = header_fields(data)
    assert fields["llama.block_count"] == 32 and fields["llama.attention.head_count_kv"] == 8
    assert not any(key.startswith("tokenizer.") for key in fields)
    cut = header_fields(data[:100])  # a ranged read that ends inside the header
    assert cut.get("general.architecture") == "llama"
    with pytest.raises(ValueError, match="magic"):
        header_fields(b"PK\x03\x04" + bytes(40))


def test_gguf_facts_size_each_file_as_stored(tmp_path: Path) -> None:
    shapes = facts_from_header("org/gguf", header_fields(llama_header(tmp_path)))
    files = {f: s for f, s in gguf_files(SIZES).items() if "mmproj" not in f}
    by_file = {f.quant_file: f for f in facts_for_files("org/gguf", files, PARAMS, shapes)}
    q4 = by_file["Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf"]
    result = fit_facts(q4, [GpuSpec("nvidia-l4", "NVIDIA L4", 23034 * MIB)], context=8192)
    kv = 2 * 32 * 8 * 128 * 2 * 8192  # f16 cache, llama.cpp's default
    assert (result.estimate.weights_bytes, result.estimate.kv_cache_bytes) == (4_920_734_016, kv)
    assert result.estimate.total_bytes == 4_920_734_016 + kv + OVERHEAD_FIXED + -(-(4_920_734_016 + kv) // 10)
    assert result.estimate.dtype == "int4" and result.quantization == "gguf"
    assert q4.quant_bits == pytest.approx(4_920_734_016 * 8 / PARAMS)
    f16 = next(f for name, f in by_file.items() if "f16" in name)
    assert f16.stored_dtype == "float16" and fit_facts(f16, []).estimate.dtype == "float16"


def test_sliding_window_from_a_gguf_header(tmp_path: Path) -> None:
    shapes = facts_from_header("org/g", header_fields(llama_header(tmp_path, sliding_window=4096)))
    assert (shapes.sliding_window, shapes.sliding_layers) == (4096, 32)


# End to end: the CLI, the loopback Hub's tree, gguf expand and ranged reads ---------------------------------


def add_gguf_repo(hub: HubSim, tmp_path: Path) -> None:
    header = llama_header(tmp_path)
    hub.add_repo(
        Repo(
            "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF",
            files=dict(SIZES),
            gguf={"total": PARAMS, "architecture": "llama", "context_length": 131072},
            contents={name: header for name in SIZES if name.endswith(".gguf")},
        )
    )


def test_fit_sizes_every_quant_file(run_cli, hub: HubSim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_gguf_repo(hub, tmp_path)
    result = run_cli(
        "fit",
        "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF",
        "-g",
        "t4",
        "--context",
        "8192",
        "--format",
        "json",
    )
    assert result.code == 0, result.stderr
    models = result.json()["models"]
    assert [m["quant_file"].rsplit("/", 1)[-1] for m in models] == [
        "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
        "Meta-Llama-3.1-8B-Instruct-Q8_0.gguf",
        "Meta-Llama-3.1-8B-Instruct-f16-00001-of-00002.gguf",
    ]
    assert [m["weights_bytes"] for m in models] == [4_920_734_016, 8_540_770_560, 16_068_000_000]
    assert all(m["kv_cache_bytes"] == 2 * 32 * 8 * 128 * 2 * 8192 for m in models)
    assert all(m["params"] == PARAMS and m["params_source"] == "gguf" for m in models)
    assert [m["gpus"][0]["verdict"] for m in models] == ["fits", "fits", "does-not-fit"]


def test_quant_picks_one_file_and_a_wrong_one_lists_them(run_cli, hub: HubSim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_gguf_repo(hub, tmp_path)
    repo = "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"
    table = run_cli("fit", repo, "--quant", "Q4_K_M", "-g", "t4", "--max-context")
    assert table.code == 0, table.stderr
    assert "Q4_K_M" in table.stdout and "Q8_0" not in table.stdout
    t4 = 15360 * MIB  # nvidia-t4's driver total in the catalogue
    weights, per_token = 4_920_734_016, 2 * 32 * 8 * 128 * 2
    longest = int(((t4 - OVERHEAD_FIXED) / 1.1 - weights) / per_token)
    cell = next(line for line in table.stdout.splitlines() if "Q4_K_M" in line)
    shown = int(cell.split("│")[-2].split("tokens")[0].replace(",", ""))
    assert abs(shown - longest) <= 1
    assert shown * per_token / GIB > 5  # several GiB of cache fit beside the 4.6 GiB of weights
    wrong = run_cli("fit", repo, "--quant", "Q2_K", "-g", "t4", "--format", "json")
    assert wrong.code == 1
    assert "no GGUF file matches --quant Q2_K" in wrong.json()["models"][0]["reason"]
    assert "Q4_K_M" in wrong.json()["models"][0]["reason"]


def test_gemma_headers_slide_on_their_own_layers(tmp_path: Path) -> None:
    gemma2 = facts_from_header(
        "g",
        {"general.architecture": "gemma2", "gemma2.block_count": 42, "gemma2.attention.sliding_window": 4096},
    )
    gemma3 = facts_from_header(
        "g",
        {"general.architecture": "gemma3", "gemma3.block_count": 48, "gemma3.attention.sliding_window": 1024},
    )
    assert (gemma2.sliding_layers, gemma3.sliding_layers) == (21, 40)


def test_gguf_repo_with_a_config_is_still_sized_per_file(run_cli, hub: HubSim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    header = llama_header(tmp_path)
    hub.add_repo(
        Repo(
            "acme/with-config-GGUF",
            files={"config.json": 600, "model-Q4_K_M.gguf": 4_920_734_016},
            config={
                "model_type": "llama",
                "num_hidden_layers": 32,
                "hidden_size": 4096,
                "num_attention_heads": 32,
                "num_key_value_heads": 8,
                "intermediate_size": 14336,
                "vocab_size": 128256,
                "torch_dtype": "bfloat16",
            },
            gguf={"total": PARAMS, "architecture": "llama", "context_length": 131072},
            contents={"model-Q4_K_M.gguf": header},
        )
    )
    hub.add_repo(Repo("acme/plain", safetensors={"total": 10**9, "parameters": {"BF16": 10**9}}))
    result = run_cli(
        "fit", "acme/with-config-GGUF", "acme/plain", "--quant", "Q4_K_M", "-g", "l4", "--format", "json"
    )
    assert result.code == 0, result.stderr
    gguf_model, plain = result.json()["models"]
    assert (gguf_model["weights_bytes"], gguf_model["dtype"]) == (4_920_734_016, "int4")
    assert "--quant applies to GGUF repos; this one has none" in plain["notes"]
    assert plain["weights_bytes"] == 2 * 10**9


def test_check_gpu_points_gguf_repos_to_fit(run_cli, hub: HubSim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_gguf_repo(hub, tmp_path)
    result = run_cli("check", "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", "--gpu", "l4", "--format", "json")
    (model,) = result.json()["models"]
    assert model["fit"]["total_bytes"] is None and model["fit"]["gpus"][0]["verdict"] == "unknown"
    assert "a GGUF repo: `hubgate fit` sizes each quant file" in model["fit"]["reason"]
    table = run_cli("check", "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", "--gpu", "l4")
    assert "fit unknown: a GGUF repo" in table.stdout
