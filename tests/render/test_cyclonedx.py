"""The ML-BOM through the real CLI and the loopback Hub: `check --format cyclonedx` (package URL at the
commit, licences as SPDX ids or named, the model card, bases as pedigree and dependencies, weight hashes,
verdict and gate, the Hub's flagged files as vulnerabilities, places as evidence) and `scan` offline; both
pass cyclonedx-python-lib's strict 1.6 validator. No weight file is ever downloaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hubgate.testhub import HubSim
from hubgate.testhub.worlds import GEMMA, GPT2, LLAMA2, SCAN_CLEAN, SCAN_PENDING, SCAN_UNSAFE, add_scans
from tests.conftest import ALICE, assert_no_token

pytest.importorskip("cyclonedx")

WEIGHTS = (".safetensors", ".bin", ".pkl", ".pt", ".gguf", ".h5")


def strict_errors(text: str) -> object:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    return JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)


def props(component: dict) -> dict[str, list[str]]:  # type: ignore[type-arg]
    found: dict[str, list[str]] = {}
    for prop in component.get("properties", []):
        found.setdefault(prop["name"], []).append(prop["value"])
    return found


@pytest.fixture
def bom(run_cli, hub: HubSim, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    add_scans(hub)
    code = tmp_path / "train.py"
    code.write_text(
        "from transformers import AutoModel\n"
        f'm = AutoModel.from_pretrained("{SCAN_CLEAN}")\n'
        f'u = AutoModel.from_pretrained("{SCAN_UNSAFE}")\n'
        f'p = AutoModel.from_pretrained("{SCAN_PENDING}")\n'
        f'g = AutoModel.from_pretrained("{GEMMA}")\n'
        f'l = AutoModel.from_pretrained("{LLAMA2}")\n'
    )
    hub.reset_log()
    result = run_cli(
        "check", "--scan", str(tmp_path), "--format", "cyclonedx", "--no-registry", HF_TOKEN=ALICE
    )
    assert result.code == 1, result.stderr  # alice has not asked for gemma: the default fail-on
    assert strict_errors(result.stdout) is None
    assert_no_token(result.stdout, result.stderr)
    fetched = [e.path for e in hub.log if e.method == "GET" and e.path.endswith(WEIGHTS)]
    assert fetched == []
    # every model asked once, with its blobs (the hashes) and scan status in the same request
    own = [e for e in hub.log if e.path.startswith("/api/models/scans/") and e.method == "GET"]
    assert all("securityStatus=true" in e.query and "blobs=true" in e.query for e in own)
    assert len(own) == 3
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_components_at_the_commit_with_licence_card_and_hashes(bom: dict, hub: HubSim) -> None:  # type: ignore[type-arg]
    by_ref = {c["bom-ref"]: c for c in bom["components"]}
    clean = by_ref[f"model:{SCAN_CLEAN}"]
    sha = hub.repos[("model", SCAN_CLEAN)].sha
    assert clean["type"] == "machine-learning-model"
    assert clean["version"] == sha
    assert clean["purl"].startswith(f"pkg:huggingface/scans/clean-card@{sha}?repository_url=")
    assert clean["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert clean["modelCard"]["modelParameters"] == {
        "task": "text-classification",
        "datasets": [{"ref": "dataset:stanfordnlp/imdb"}],
    }
    assert by_ref["dataset:stanfordnlp/imdb"]["type"] == "data"
    # the base model: a pedigree ancestor and a dependency on its own component
    ancestors = clean["pedigree"]["ancestors"]
    assert [(a["group"], a["name"]) for a in ancestors] == [("openai-community", "gpt2")]
    assert f"model:{GPT2}" in by_ref
    deps = {d["ref"]: set(d.get("dependsOn", [])) for d in bom["dependencies"]}
    assert deps[f"model:{SCAN_CLEAN}"] == {f"model:{GPT2}", "dataset:stanfordnlp/imdb"}
    # the weights' sha256, from the Hub's listing (LFS files only)
    files = {f["name"]: f for f in clean["components"]}
    assert list(files) == ["model.safetensors"]
    assert files["model.safetensors"]["hashes"][0]["alg"] == "SHA-256"
    assert len(files["model.safetensors"]["hashes"][0]["content"]) == 64
    # verdict and gate as properties; every place in the code as evidence
    p = props(clean)
    assert p["hubgate:verdict"] == ["open"] and p["hubgate:gate"] == ["open"]
    assert p["hubgate:hub-scan"] == ["clean"] and p["hubgate:library"] == ["transformers"]
    (occurrence,) = clean["evidence"]["occurrences"]
    assert occurrence["location"] == "train.py" and occurrence["line"] == 2
    assert occurrence["symbol"] == "AutoModel.from_pretrained"


def test_licences_named_where_no_spdx_id_and_gates(bom: dict) -> None:  # type: ignore[type-arg]
    by_ref = {c["bom-ref"]: c for c in bom["components"]}
    gemma, llama = by_ref[f"model:{GEMMA}"], by_ref[f"model:{LLAMA2}"]
    assert gemma["licenses"] == [{"license": {"name": "Gemma Terms of Use"}}]
    assert llama["licenses"] == [{"license": {"name": "Llama 2 Community License Agreement"}}]
    assert props(gemma)["hubgate:gate"] == ["auto"] and props(llama)["hubgate:gate"] == ["manual"]
    assert props(llama)["hubgate:verdict"] == ["granted"]
    assert props(gemma)["hubgate:verdict"] == ["not-requested"]


def test_flagged_files_are_vulnerabilities_and_not_scanned_is_said(bom: dict) -> None:  # type: ignore[type-arg]
    by_ref = {c["bom-ref"]: c for c in bom["components"]}
    vulns = {v["properties"][0]["value"]: v for v in bom["vulnerabilities"]}
    assert set(vulns) == {"pytorch_model.bin", "extra.pkl"}
    pickle = vulns["pytorch_model.bin"]
    assert pickle["ratings"][0]["severity"] == "high"
    assert pickle["affects"] == [{"ref": f"model:{SCAN_UNSAFE}"}]
    assert "pickleImportScan" in pickle["detail"] and "protectAiScan" in pickle["detail"]
    assert vulns["extra.pkl"]["ratings"][0]["severity"] == "unknown"  # a level not documented
    assert props(by_ref[f"model:{SCAN_UNSAFE}"])["hubgate:hub-scan"] == ["flagged"]
    assert props(by_ref[f"model:{SCAN_PENDING}"])["hubgate:hub-scan"] == ["not scanned yet"]


def test_the_validator_catches_a_broken_bom(bom: dict) -> None:  # type: ignore[type-arg]
    """The strict validator is not a no-op: a model card with an unknown key fails it."""
    bom["components"][0]["modelCard"] = {"notAField": 1}
    assert strict_errors(json.dumps(bom)) is not None


def test_scan_offline_names_places_as_evidence(run_cli, hub: HubSim, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        f'from transformers import AutoModel\nAutoModel.from_pretrained("{GPT2}")\n'
        'from datasets import load_dataset\nload_dataset("stanfordnlp/imdb")\n'
    )
    hub.reset_log()
    result = run_cli("scan", "--format", "cyclonedx", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert strict_errors(result.stdout) is None
    assert hub.log == []  # offline
    by_ref = {c["bom-ref"]: c for c in json.loads(result.stdout)["components"]}
    gpt2 = by_ref[f"model:{GPT2}"]
    assert gpt2["purl"] == f"pkg:huggingface/{GPT2}"  # no commit known offline: no version
    # the place: file, line, column (the string's, 1-based) and the call that names it
    assert gpt2["evidence"]["occurrences"] == [
        {"location": "app.py", "line": 2, "offset": 27, "symbol": "AutoModel.from_pretrained"}
    ]
    assert by_ref["dataset:stanfordnlp/imdb"]["type"] == "data"


def test_scan_offline_versions_a_repo_the_code_pins(run_cli, tmp_path: Path) -> None:
    """A repo pinned to one commit everywhere gets it as its version; one pinned in one place and loose in
    another gets none (the BOM would claim a version the code does not always load)."""
    sha = "0123456789abcdef0123456789abcdef01234567"
    (tmp_path / "app.py").write_text(
        "from transformers import AutoModel\n"
        f'AutoModel.from_pretrained("{GPT2}", revision="{sha}")\n'
        f'AutoModel.from_pretrained("{GEMMA}", revision="{sha}")\n'
        f'AutoModel.from_pretrained("{GEMMA}")\n'
    )
    result = run_cli("scan", "--format", "cyclonedx", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert strict_errors(result.stdout) is None
    by_ref = {c["bom-ref"]: c for c in json.loads(result.stdout)["components"]}
    pinned = next(c for ref, c in by_ref.items() if ref.startswith(f"model:{GPT2}"))
    assert pinned["version"] == sha and pinned["purl"] == f"pkg:huggingface/{GPT2}@{sha}"
    loose = [c for ref, c in by_ref.items() if ref.startswith(f"model:{GEMMA}")]
    assert loose and all("version" not in c for c in loose)


def test_a_bom_written_with_o_has_the_weight_hashes(run_cli, hub: HubSim, tmp_path: Path) -> None:
    """`-o bom.cdx.json` beside the table asks the same blobs the `--format cyclonedx` run does: a BOM
    file from a run printing a table must not lose its hashes."""
    add_scans(hub)
    out = tmp_path / "bom.cdx.json"
    result = run_cli("check", SCAN_CLEAN, "--no-registry", "-o", str(out), HF_TOKEN=ALICE)
    assert result.code == 0, result.stderr
    assert strict_errors(out.read_text()) is None
    by_ref = {c["bom-ref"]: c for c in json.loads(out.read_text())["components"]}
    files = {f["name"]: f for f in by_ref[f"model:{SCAN_CLEAN}"]["components"]}
    assert files["model.safetensors"]["hashes"][0]["alg"] == "SHA-256"
