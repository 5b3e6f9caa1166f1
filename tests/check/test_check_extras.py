"""`hubgate check` with its extras from the registry and GPU fit, end to end against the loopback Hub: aliases as
inputs, registry facts, recorded misspellings, API model names, registry bases, alternatives, --gpu."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hubgate.check.api import check_models
from hubgate.registry.queries import set_default_registry
from hubgate.testhub import HubSim, Repo
from tests.conftest import ALICE, GPT2, LLAMA2, LLAMA32, CliResult, assert_no_token
from tests.registry.test_registry_extras import entry

MISTRAL_INSTRUCT = "mistralai/Mistral-7B-Instruct-v0.1"
QWEN_17 = "Qwen/Qwen3-1.7B"
QWEN_06 = "Qwen/Qwen3-0.6B"
QWEN_17_ALT = {"id": QWEN_17, "status": "open", "license": "apache-2.0", "parameters": 1_720_574_976}
GIB = 2**30
ADAPTER_FILES = {"README.md": 10, "adapter_config.json": 100, "adapter_model.safetensors": 10**6}


def by_input(result: CliResult) -> dict[str, dict[str, Any]]:
    assert result.stdout, result.stderr
    return {m["input"]: m for m in result.json()["models"]}


def requests_seen(hub: HubSim) -> list[tuple[str, str]]:
    return sorted((entry.method, entry.path) for entry in hub.log)


def one_error_line(result: CliResult, *fragments: str) -> None:
    assert result.code == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()  # one error line, and a hint line when there is one to give
    assert lines[0].startswith("hubgate: error: ") and len(lines) <= 2, result.stderr
    assert all(line.startswith("  hint: ") for line in lines[1:]), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def add_qwens(hub: HubSim) -> None:
    """Qwen3-1.7B open; Qwen3-0.6B gated auto on the Hub (the registry still says open): not usable by alice."""
    hub.add_repo(Repo(QWEN_17, card_data={"license": "apache-2.0"}))
    hub.add_repo(Repo(QWEN_06, gated="auto", card_data={"license": "apache-2.0"}))


# Aliases ----------------------------------------------------------------------------------------------


def test_registry_alias_is_checked_as_its_hub_id(run_cli, hub: HubSim) -> None:
    hub.add_repo(Repo(MISTRAL_INSTRUCT, card_data={"license": "apache-2.0"}))
    result = run_cli("check", "mistral_7b", "MISTRAL_7B", "--json", HF_TOKEN=ALICE)
    assert result.code == 0, result.stderr
    models = result.json()["models"]
    assert len(models) == 1  # both spellings of the alias name one repo, checked once
    (model,) = models
    assert (model["input"], model["id"], model["status"]) == ("mistral_7b", MISTRAL_INSTRUCT, "open")
    assert model["registry"]["model_id"] == MISTRAL_INSTRUCT
    assert hub.count(path=f"^/api/models/{MISTRAL_INSTRUCT}$") == 1
    assert hub.count(path="mistral_7b") == 0
    table = run_cli("check", "mistral_7b", HF_TOKEN=ALICE).stdout
    assert f"• {MISTRAL_INSTRUCT} (asked as mistral_7b)  open" in table  # reported like a legacy id
    markdown = run_cli("check", "mistral_7b", "--format", "markdown", HF_TOKEN=ALICE).stdout
    assert "(asked as `mistral_7b`)" in markdown


def test_no_registry_checks_an_alias_as_a_bare_id(run_cli, hub: HubSim) -> None:
    hub.add_repo(Repo(MISTRAL_INSTRUCT, card_data={"license": "apache-2.0"}))
    result = run_cli("check", "mistral_7b", "--no-registry", "--json", HF_TOKEN=ALICE)
    assert result.code == 1
    (model,) = result.json()["models"]
    assert (model["input"], model["id"], model["status"], model["registry"]) == (
        "mistral_7b",
        "mistral_7b",
        "not-found",
        None,
    )
    assert hub.count(path="^/api/models/mistral_7b$") == 1
    assert hub.count(path=f"^/api/models/{MISTRAL_INSTRUCT}$") == 0


# Facts ------------------------------------------------------------------------------------------------


def test_registry_facts_in_json_and_table(run_cli, hub: HubSim) -> None:
    hub.add_repo(Repo("acme/unlisted"))
    models = by_input(run_cli("check", "gpt2", "acme/unlisted", "nobody/missing", "--json", HF_TOKEN=ALICE))
    gpt2 = models["gpt2"]["registry"]
    assert gpt2["model_id"] == GPT2 and gpt2["parameters"] == 124_439_808 and gpt2["license"] == "mit"
    assert (gpt2["provider"], gpt2["type"], gpt2["context_window"]) == ("huggingface", "completion", 1024)
    assert models["acme/unlisted"]["status"] == "open" and models["acme/unlisted"]["registry"] is None
    assert models["nobody/missing"]["registry"] is None

    table = run_cli("check", "gpt2", "acme/unlisted", HF_TOKEN=ALICE).stdout
    assert f"• {GPT2} (asked as gpt2)  open  124.44M params · mit · 1k context" in table
    assert "   • acme/unlisted  open\n" in table
    bare = run_cli("check", "gpt2", "--no-registry", HF_TOKEN=ALICE).stdout
    assert f"• {GPT2} (asked as gpt2)  open\n" in bare and "params" not in bare


def test_json_with_every_join_validates_against_the_schema(run_cli, hub: HubSim) -> None:
    schema = json.loads(resources.files("hubgate").joinpath("schemas/check-v2.json").read_text())
    add_qwens(hub)
    result = run_cli(
        "check",
        "gpt2",
        LLAMA2,
        LLAMA32,
        "gpt-4",
        "Qwen/Qwen3-8B-Instruct",
        "nobody/missing",
        "--gpu",
        "l4",
        "--gpu",
        "t4",
        "--json",
        HF_TOKEN=ALICE,
    )
    data = result.json()
    jsonschema.validate(data, schema)
    models = by_input(result)
    # every join is present somewhere, so the schema has been exercised on each
    assert models[LLAMA2]["fit"] is not None and models["gpt2"]["registry"] is not None
    assert models[LLAMA32]["alternatives"] and models["Qwen/Qwen3-8B-Instruct"]["suggestions"]
    assert models["gpt-4"]["registry"]["parameters"] is None  # an API model: size not disclosed
    assert_no_token(result.stdout, result.stderr)
    for model_input, path, value in (
        (LLAMA2, ("fit", "gpus", 0, "verdict"), "maybe"),
        (LLAMA2, ("registry", "gated"), "sometimes"),
        (LLAMA32, ("alternatives", 0, "status"), "usable"),
    ):
        broken = json.loads(result.stdout)
        target = next(m for m in broken["models"] if m["input"] == model_input)
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)


# Did you mean, API names ------------------------------------------------------------------------------


def test_recorded_misspelling_suggests_without_searching_the_hub(run_cli, hub: HubSim) -> None:
    result = run_cli("check", "Qwen/Qwen3-8B-Instruct", "--json", HF_TOKEN=ALICE)
    assert result.code == 1
    (model,) = result.json()["models"]
    assert model["status"] == "not-found"
    assert model["suggestions"][0] == "Qwen/Qwen3-8B"
    assert model["next_step"].startswith("Did you mean Qwen/Qwen3-8B")
    assert hub.count(path="^/api/models$") == 0
    hub.reset_log()
    run_cli("check", "Qwen/Qwen3-8B-Instruct", "--no-registry", "--json", HF_TOKEN=ALICE)
    assert hub.count(path="^/api/models$") >= 1  # without the registry the Hub's search is asked


def test_user_registry_misspelling(run_cli, hub: HubSim, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    entry(folder, "acme/Real-Model", misspellings=["acme/Reel-Model"])
    hub.add_repo(Repo("acme/Real-Model"))
    result = run_cli("check", "acme/Reel-Model", "--registry", str(folder), "--json", HF_TOKEN=ALICE)
    (model,) = result.json()["models"]
    assert model["status"] == "not-found" and model["suggestions"][0] == "acme/Real-Model"
    assert hub.count(path="^/api/models$") == 0
    hub.reset_log()
    plain = run_cli("check", "acme/Reel-Model", "--json", HF_TOKEN=ALICE)
    assert "acme/Real-Model" not in plain.json()["models"][0]["suggestions"]
    assert hub.count(path="^/api/models$") >= 1


def test_api_model_name_is_not_found_and_points_at_the_api(run_cli, hub: HubSim) -> None:
    result = run_cli("check", "gpt-4", "--json", HF_TOKEN=ALICE)
    assert result.code == 1
    (model,) = result.json()["models"]
    assert model["status"] == "not-found"
    assert "gpt-4 is an openai API model" in model["message"]
    assert model["next_step"] == (
        "Call it through the openai API (https://api.openai.com/v1/chat/completions), "
        "or check a Hugging Face model instead."
    )
    assert model["registry"]["provider"] == "openai"
    assert model["suggestions"] == [] and model["alternatives"] == []
    assert hub.count(path="^/api/models$") == 0  # no search for a Hub repo it cannot be
    table = run_cli("check", "gpt-4", HF_TOKEN=ALICE).stdout
    assert "→ Call it through the openai API" in table


# Registry bases ---------------------------------------------------------------------------------------


def test_registry_base_model_joins_the_chain(run_cli, hub: HubSim, tmp_path: Path) -> None:
    adapter = "someone/l32-adapter"
    hub.add_repo(Repo(adapter, card_data={"license": "mit"}))  # the card names no base
    folder = tmp_path / "mine"
    entry(folder, adapter, type="instruct", base=(LLAMA32, "adapter"))

    result = run_cli("check", adapter, "--registry", str(folder), "--json", HF_TOKEN=ALICE)
    assert result.code == 1
    (model,) = result.json()["models"]
    assert model["status"] == "pending"
    assert model["requires"] == [
        {"id": LLAMA32, "relation": "adapter", "status": "pending", "needed": True, "depth": 1}
    ]
    assert model["next_step"].startswith(f"For the base model {LLAMA32}:")

    table = run_cli("check", adapter, "--registry", str(folder), HF_TOKEN=ALICE).stdout
    assert f"↳ adapter of {LLAMA32}: pending (needed to load it)" in table
    without = by_input(run_cli("check", adapter, "--json", HF_TOKEN=ALICE))[adapter]
    assert (without["status"], without["requires"]) == ("open", [])
    unfollowed = run_cli("check", adapter, "--registry", str(folder), "--no-bases", "--json", HF_TOKEN=ALICE)
    assert by_input(unfollowed)[adapter]["status"] == "open"


# Alternatives -----------------------------------------------------------------------------------------


def test_alternatives_for_a_pending_model(run_cli, hub: HubSim) -> None:
    add_qwens(hub)
    result = run_cli("check", LLAMA32, LLAMA2, "--json", HF_TOKEN=ALICE)
    models = by_input(result)
    assert models[LLAMA32]["status"] == "pending"
    assert models[LLAMA32]["alternatives"] == [QWEN_17_ALT]
    assert models[LLAMA2]["alternatives"] == []  # granted: nothing to replace
    assert hub.count(path=f"^/api/models/{QWEN_06}$") == 1  # confirmed on the Hub: gated there, so left out
    table = run_cli("check", LLAMA32, HF_TOKEN=ALICE).stdout
    assert f"⇢ meanwhile, open and usable now: {QWEN_17} (1.72B, apache-2.0)" in table
    markdown = run_cli("check", LLAMA32, "--format", "markdown", HF_TOKEN=ALICE).stdout
    assert f"Meanwhile: {QWEN_17}." in markdown


def test_an_alternative_missing_from_the_hub_never_appears(run_cli, hub: HubSim) -> None:
    result = run_cli("check", LLAMA32, "--json", HF_TOKEN=ALICE)
    assert by_input(result)[LLAMA32]["alternatives"] == []
    assert hub.count(path=f"^/api/models/{QWEN_17}$", status=404) == 1  # asked, and the Hub said no


def test_no_alternatives_sends_no_extra_requests(run_cli, hub: HubSim) -> None:
    add_qwens(hub)
    result = run_cli("check", LLAMA32, "--no-alternatives", "--json", HF_TOKEN=ALICE)
    assert by_input(result)[LLAMA32]["alternatives"] == []
    assert hub.count(path="Qwen") == 0
    # whoami, the model's metadata and its access probe: the budget of a check without joins
    assert (hub.count("api"), hub.count(path=f"^/api/models/{LLAMA32}$"), hub.count("resolvers")) == (2, 1, 1)
    hub.reset_log()
    run_cli("check", LLAMA32, "--json", HF_TOKEN=ALICE)
    assert hub.count(path="^/api/models/Qwen/") >= 2  # the same check with alternatives does ask


def test_alternatives_are_confirmed_once_per_run(run_cli, hub: HubSim, tmp_path: Path) -> None:
    add_qwens(hub)
    folder = tmp_path / "mine"
    entry(folder, "lab/gated-chat", params=1_400_000_000, gated="manual")
    hub.add_repo(Repo("lab/gated-chat", gated="manual"))
    result = run_cli(
        "check",
        LLAMA32,
        "lab/gated-chat",
        QWEN_17,
        "--registry",
        str(folder),
        "-j",
        "3",
        "--json",
        HF_TOKEN=ALICE,
    )
    models = by_input(result)
    assert models["lab/gated-chat"]["status"] == "not-requested"
    assert QWEN_17_ALT in models[LLAMA32]["alternatives"]
    assert QWEN_17_ALT in models["lab/gated-chat"]["alternatives"]
    assert (models[QWEN_17]["input"], models[QWEN_17]["status"]) == (QWEN_17, "open")
    assert hub.count(path=f"^/api/models/{QWEN_17}$") == 1
    assert hub.count(path=f"^/api/models/{QWEN_06}$") == 1
    assert hub.count(path=f"^/{QWEN_06}/resolve/") == 1


def test_an_adapter_on_the_blocked_model_is_no_alternative(run_cli, hub: HubSim, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    # The registry records no base for it; the Hub card says it is an adapter of Llama 3.2.
    entry(folder, "acme/open-lora", type="instruct", params=1_500_000_000, gated=False)
    hub.add_repo(Repo("acme/open-lora", card_data={"base_model": LLAMA32}, files=ADAPTER_FILES))
    result = run_cli("check", LLAMA32, "acme/open-lora", "--registry", str(folder), "--json", HF_TOKEN=ALICE)
    models = by_input(result)
    assert models["acme/open-lora"]["status"] == "pending"  # needs Llama 3.2, which alice waits for
    offered = [alt["id"] for alt in models[LLAMA32]["alternatives"]]
    assert "acme/open-lora" not in offered


# GPU fit ----------------------------------------------------------------------------------------------


def test_gpu_fit_from_the_registry_costs_no_request(run_cli, hub: HubSim) -> None:
    plain = by_input(run_cli("check", LLAMA2, "--json", "--no-cache", HF_TOKEN=ALICE))[LLAMA2]
    assert plain["fit"] is None
    without_gpu = requests_seen(hub)
    hub.reset_log()
    result = run_cli("check", LLAMA2, "--gpu", "l4", "--gpu", "t4", "--json", "--no-cache", HF_TOKEN=ALICE)
    assert result.code == 0, result.stderr
    assert requests_seen(hub) == without_gpu
    fit = by_input(result)[LLAMA2]["fit"]
    assert (fit["params"], fit["params_source"], fit["dtype"], fit["context"]) == (
        6_738_415_616,
        "registry",
        "float16",
        4096,
    )
    assert fit["total_bytes"] / GIB == pytest.approx(16.5, abs=0.1)
    l4, t4 = fit["gpus"]
    assert (l4["name"], l4["verdict"], l4["min_count"]) == ("nvidia-l4", "fits", 1)
    assert (t4["name"], t4["verdict"], t4["min_count"]) == ("nvidia-t4", "does-not-fit", 2)
    assert l4["headroom_bytes"] > 0 > t4["headroom_bytes"]
    table = run_cli("check", LLAMA2, "-g", "l4", "-g", "t4", HF_TOKEN=ALICE).stdout
    assert (
        "fit (float16, 4k context, needs 16.5 GiB): NVIDIA L4 fits, 6.0 GiB free · NVIDIA T4 no (2 GPUs or int8 on 1)"
        in table
    )


def test_dtype_and_context_shape_the_fit(run_cli) -> None:
    result = run_cli(
        "check", LLAMA2, "--gpu", "t4", "--dtype", "int4", "--context", "1024", "--json", HF_TOKEN=ALICE
    )
    fit = by_input(result)[LLAMA2]["fit"]
    assert (fit["dtype"], fit["context"]) == ("int4", 1024)
    assert fit["gpus"][0]["verdict"] == "fits"


def test_no_fit_for_models_not_found(run_cli) -> None:
    result = run_cli("check", LLAMA2, "nobody/missing", "gpt-4", "--gpu", "l4", "--json", HF_TOKEN=ALICE)
    models = by_input(result)
    assert models[LLAMA2]["fit"]["gpus"][0]["name"] == "nvidia-l4"
    assert models["nobody/missing"]["fit"] is None
    assert models["gpt-4"]["fit"] is None


def test_fit_from_safetensors_when_the_registry_does_not_know(run_cli, hub: HubSim) -> None:
    hub.add_repo(
        Repo("acme/open-7b", safetensors={"total": 7_000_000_000, "parameters": {"BF16": 7_000_000_000}})
    )
    fit = by_input(run_cli("check", "acme/open-7b", "--gpu", "l4", "--json", HF_TOKEN=ALICE))["acme/open-7b"][
        "fit"
    ]
    assert (fit["params"], fit["params_source"], fit["dtype"]) == (7_000_000_000, "safetensors", "bfloat16")
    unjoined = by_input(run_cli("check", LLAMA2, "--gpu", "l4", "--no-registry", "--json", HF_TOKEN=ALICE))
    assert unjoined[LLAMA2]["registry"] is None
    assert (unjoined[LLAMA2]["fit"]["params"], unjoined[LLAMA2]["fit"]["params_source"]) == (
        6_738_415_616,
        "safetensors",
    )


def test_markdown_has_a_fit_column_per_gpu(run_cli) -> None:
    text = run_cli(
        "check", "gpt2", LLAMA2, "--gpu", "l4", "-g", "t4", "--format", "markdown", HF_TOKEN=ALICE
    ).stdout
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("| | Repo"))
    assert header == (
        "| | Repo | Status | Gate | Size · licence · context | NVIDIA L4 fit | NVIDIA T4 fit | Next step |"
    )
    llama2 = next(line for line in lines if f"[{LLAMA2}]" in line)
    assert "| fits, 6.0 GiB free | no (2 GPUs or int8 on 1) |" in llama2
    assert "| 6.74B params · llama2 · 4k context |" in llama2
    plain = run_cli("check", "gpt2", LLAMA2, "--format", "markdown", HF_TOKEN=ALICE).stdout
    assert " fit |" not in plain and "Size · licence · context" in plain


# Usage errors -----------------------------------------------------------------------------------------


def test_unknown_gpu_ends_the_run_before_any_request(run_cli, hub: HubSim) -> None:
    result = run_cli("check", LLAMA2, "--gpu", "nosuchgpu", HF_TOKEN=ALICE)
    one_error_line(result, "--gpu", "nosuchgpu")
    assert result.stdout == ""
    assert hub.log == []


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--dtype", "int4"), ("--dtype", "--gpu")),
        (("--context", "2048"), ("--context",)),
        (("--gpu", "l4", "--dtype", "int3"), ("--dtype",)),
        (("--registry", "/missing"), ("--registry /missing", "no such folder")),
        (("--registry", ".", "--no-registry"), ("--no-registry",)),
    ],
)
def test_option_usage_errors(run_cli, hub: HubSim, args: tuple[str, ...], fragments: tuple[str, ...]) -> None:
    one_error_line(run_cli("check", LLAMA2, *args, HF_TOKEN=ALICE), *fragments)
    assert hub.log == []


def test_a_broken_registry_file_warns_once_and_the_check_runs(run_cli, hub: HubSim, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    entry(folder, "acme/good", aliases=["good_one"])
    broken = folder / "models" / "acme" / "broken.yaml"
    broken.write_text("model_id: [unclosed\nname: x\n", encoding="utf-8")
    hub.add_repo(Repo("acme/good"))
    result = run_cli("check", "good_one", LLAMA32, "--registry", str(folder), "--json", HF_TOKEN=ALICE)
    assert result.code == 1  # LLAMA32 is pending, as without the registry
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hubgate: warning: the registry has 1 problem(s), first: ")
    assert "broken.yaml" in lines[0] and "Traceback" not in result.stderr
    models = by_input(result)
    assert (models["good_one"]["id"], models["good_one"]["status"]) == ("acme/good", "open")
    assert models[LLAMA32]["status"] == "pending"


def test_registry_warnings_and_edits_show_on_the_next_run(run_cli, hub: HubSim, tmp_path: Path) -> None:
    """The summary a check reads is kept between runs: a registry with problems warns on every run, and a
    fixed or edited file is read on the next one (an alias renamed, a problem gone)."""
    folder = tmp_path / "mine"
    entry(folder, "acme/good", aliases=["good_one"])
    broken = folder / "models" / "acme" / "broken.yaml"
    broken.write_text("model_id: [unclosed\n", encoding="utf-8")
    hub.add_repo(Repo("acme/good"))

    def check(name: str) -> CliResult:
        return run_cli("check", name, "--registry", str(folder), "--json", HF_TOKEN=ALICE)

    for _ in range(2):
        warned = check("good_one")
        assert (
            "the registry has 1 problem(s)" in warned.stderr
            and warned.json()["models"][0]["id"] == "acme/good"
        )
    broken.unlink()
    quiet = check("good_one")
    assert quiet.stderr == "" and quiet.json()["models"][0]["registry"]["model_id"] == "acme/good"
    entry(folder, "acme/good", aliases=["better_name"])
    renamed = check("better_name")
    assert renamed.stderr == "" and renamed.json()["models"][0]["id"] == "acme/good"
    gone = check("good_one").json()["models"][0]
    assert (gone["status"], gone.get("registry")) == ("not-found", None)  # the old alias names nothing now


# Python API -------------------------------------------------------------------------------------------


@pytest.fixture
def api_env(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_API_TOKEN", "HUGGINGFACE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("HUBGATE_REGISTRY", raising=False)
    monkeypatch.setenv("HUBGATE_REGISTRY_CACHE", "off")
    set_default_registry(None)
    yield
    set_default_registry(None)


def test_python_api_returns_registry_facts_and_fit(hub: HubSim, api_env: Any) -> None:
    hub.add_repo(Repo(MISTRAL_INSTRUCT, card_data={"license": "apache-2.0"}))
    verdicts = check_models(
        [LLAMA2, "mistral_7b", "nobody/missing"], token=ALICE, endpoint=hub.url, gpus=["l4"], jobs=2
    )
    llama2, mistral, missing = verdicts
    assert llama2.status.value == "granted"
    assert llama2.registry is not None and llama2.registry["parameters"] == 6_738_415_616
    assert llama2.fit is not None and llama2.fit["params_source"] == "registry"
    assert [(g["name"], g["verdict"]) for g in llama2.fit["gpus"]] == [("nvidia-l4", "fits")]
    assert (mistral.input, mistral.model_id, mistral.status.value) == ("mistral_7b", MISTRAL_INSTRUCT, "open")
    assert mistral.fit is not None and mistral.fit["params"] == 7_241_732_096
    assert (missing.status.value, missing.registry, missing.fit) == ("not-found", None, None)

    bare = check_models([LLAMA2], token=ALICE, endpoint=hub.url, registry=False)[0]
    assert (bare.status.value, bare.registry, bare.fit) == ("granted", None, None)


def test_python_api_rejects_an_unknown_gpu_before_any_request(hub: HubSim, api_env: Any) -> None:
    with pytest.raises(ValueError, match="nosuchgpu"):
        check_models([LLAMA2], token=ALICE, endpoint=hub.url, gpus=["nosuchgpu"])
    assert hub.log == []


def test_gpu_fit_uses_the_gpus_of_a_registry_folder_as_fit_does(run_cli, hub: HubSim, tmp_path: Path) -> None:
    from tests.fit.test_fit_catalog import write_gpu

    folder = tmp_path / "mine"
    write_gpu(folder, "acme-x1", aliases=["x1"], memory=12, memory_unit="GB")
    result = run_cli("check", LLAMA2, "--gpu", "x1", "--registry", str(folder), "--json", HF_TOKEN=ALICE)
    assert result.code == 0, result.stderr
    (gpu,) = by_input(result)[LLAMA2]["fit"]["gpus"]
    assert (gpu["name"], gpu["memory_bytes"], gpu["verdict"]) == ("acme-x1", 12 * 10**9, "does-not-fit")
    fit = run_cli("fit", LLAMA2, "--gpu", "x1", "--registry", str(folder), "--format", "json", HF_TOKEN=ALICE)
    assert json.loads(fit.stdout)["models"][0]["gpus"][0]["memory_bytes"] == gpu["memory_bytes"]
    # Without the folder the name is unknown: one line, exit 2, no request.
    hub.reset_log()
    unknown = run_cli("check", LLAMA2, "--gpu", "x1", HF_TOKEN=ALICE)
    assert unknown.code == 2 and unknown.stderr.count("\n") == 1 and hub.count() == 0
