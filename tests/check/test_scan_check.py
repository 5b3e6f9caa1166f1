"""`hubgate check --scan`: the repos a codebase uses are checked against the loopback Hub and every
verdict carries its places into each format (JSON contract v2, GitHub annotations, SARIF 2.1.0 validated
against the OASIS schema, JUnit, Markdown, CycloneDX validated with the library's validator)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from hubgate.testhub import HubSim
from tests.conftest import ALICE, GPT2, LLAMA2, LLAMA32, MISTRAL, OPEN_DATA, assert_no_token

SARIF_SCHEMA = Path(__file__).parents[1] / "schemas" / "sarif-schema-2.1.0.json"

TRAIN = f"""from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer

BASE = "{LLAMA32}"
tok = AutoTokenizer.from_pretrained(BASE)
model = AutoModelForCausalLM.from_pretrained(BASE)
ref = AutoModelForCausalLM.from_pretrained("{GPT2}")
data = load_dataset("{OPEN_DATA}")
other = AutoModelForCausalLM.from_pretrained(args.model)
"""
CONFIG = f"model_name_or_path: {MISTRAL}\noutput_dir: ./out\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "configs").mkdir(parents=True)
    (root / "train.py").write_text(TRAIN)
    (root / "configs" / "sft.yaml").write_text(CONFIG)
    (root / ".venv").mkdir()
    (root / ".venv" / "junk.py").write_text(f'AutoModel.from_pretrained("{LLAMA2}")\n')
    return root


def _by_id(data: dict) -> dict[str, dict]:
    return {m["id"]: m for m in data["models"]}


def test_json_carries_places_and_validates(run_cli, hub: HubSim, project: Path) -> None:
    result = run_cli("check", "--scan", "--json", cwd=project, HF_TOKEN=ALICE)
    data = result.json()
    schema = json.loads(resources.files("hubgate").joinpath("schemas/check-v2.json").read_text())
    jsonschema.validate(data, schema)
    assert data["schema_version"] == 2
    models = _by_id(data)
    assert set(models) == {LLAMA32, GPT2, OPEN_DATA, MISTRAL}  # not the .venv one
    assert models[LLAMA32]["status"] == "pending"
    assert [(p["file"], p["line"], p["column"], p["via"]) for p in models[LLAMA32]["places"]] == [
        ("train.py", 5, 37, "AutoTokenizer.from_pretrained"),
        ("train.py", 6, 46, "AutoModelForCausalLM.from_pretrained"),
    ]
    assert models[OPEN_DATA]["repo_type"] == "dataset" and models[OPEN_DATA]["status"] == "open"
    assert models[MISTRAL]["places"][0]["file"] == "configs/sft.yaml"
    assert (
        "hubgate: dynamic: not checked: train.py:9:46 AutoModelForCausalLM.from_pretrained: args.model"
        in (result.stderr)
    )
    assert result.code == 1  # pending and rejected need action (--fail-on action)
    broken = json.loads(json.dumps(data))
    broken["models"][0]["places"][0]["line"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_github_annotations_at_each_place(run_cli, hub: HubSim, project: Path) -> None:
    result = run_cli(
        "check", "--scan", ".", "--format", "github", "--fail-on", "rejected", cwd=project, HF_TOKEN=ALICE
    )
    lines = result.stdout.splitlines()
    pending = [line for line in lines if f"{LLAMA32} is pending" in line]
    assert [re.match(r"::(\w+) (file=[^,]*,line=\d+,col=\d+)", line).groups() for line in pending] == [  # type: ignore[union-attr]
        ("warning", "file=train.py,line=5,col=37"),
        ("warning", "file=train.py,line=6,col=46"),
    ]
    rejected = [line for line in lines if f"{MISTRAL} is rejected" in line]
    assert len(rejected) == 1 and rejected[0].startswith("::error file=configs/sft.yaml,line=1,col=21,")
    assert not any(f"{GPT2} is" in line for line in lines[:-1])  # usable repos get no access annotation
    # ... but each line that loads a repo without a revision is a warning of its own, with the sha
    loose = [line for line in lines if "unpinned" in line and GPT2 in line]
    assert len(loose) == 1 and loose[0].startswith("::warning file=train.py,line=7,col=44,")
    assert "pin to " in loose[0]
    assert_no_token(result.stdout, result.stderr)


def test_sarif_validates_against_the_2_1_0_schema(run_cli, hub: HubSim, project: Path) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    result = run_cli(
        "check", "--scan", "--format", "sarif", "--fail-on", "rejected", cwd=project, HF_TOKEN=ALICE
    )
    log = json.loads(result.stdout)
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    located = {
        (
            r["properties"]["repo_id"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["startColumn"],
        )
        for r in run["results"]
        if not r["ruleId"].startswith("hubgate/finding/")
    }
    assert located == {
        (LLAMA32, "warning", "train.py", 5, 37),
        (LLAMA32, "warning", "train.py", 6, 46),
        (MISTRAL, "error", "configs/sft.yaml", 1, 21),
    }
    loose = {
        (r["properties"]["repo_id"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
        for r in run["results"]
        if r["ruleId"] == "hubgate/finding/unpinned"
    }
    # every scanned use is unpinned here: a warning on each line (not selected by --fail-on)
    assert loose == {(LLAMA32, 5), (LLAMA32, 6), (GPT2, 7), (OPEN_DATA, 8), (MISTRAL, 1)}
    assert {r["level"] for r in run["results"] if r["ruleId"] == "hubgate/finding/unpinned"} == {"warning"}
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert sorted(rules) == ["hubgate/finding/unpinned", "hubgate/pending", "hubgate/rejected"]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in run["results"])
    broken = json.loads(result.stdout)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_junit_and_markdown_name_the_places(run_cli, hub: HubSim, project: Path) -> None:
    junit = run_cli("check", "--scan", "--format", "junit", cwd=project, HF_TOKEN=ALICE)
    cases = {case.get("name"): case for case in ET.fromstring(junit.stdout).iter("testcase")}
    failure = cases[LLAMA32].find("failure")
    assert failure is not None
    assert "(used at train.py:5:37, train.py:6:46)" in failure.get("message", "")
    assert "used at train.py:5:37 (AutoTokenizer.from_pretrained)" in (failure.text or "")
    assert "used at train.py:7:44" in (cases[GPT2].findtext("system-out") or "")
    markdown = run_cli("check", "--scan", "--format", "markdown", cwd=project, HF_TOKEN=ALICE)
    row = next(line for line in markdown.stdout.splitlines() if LLAMA32 in line)
    assert "<br>`train.py:5:37`, `train.py:6:46`" in row


def test_table_lists_places_of_blocked_repos(run_cli, hub: HubSim, project: Path) -> None:
    result = run_cli("check", "--scan", cwd=project, HF_TOKEN=ALICE)
    assert "used at train.py:5:37, train.py:6:46" in result.stdout
    assert "used at configs/sft.yaml:1:21" in result.stdout


def test_cyclonedx_after_a_check_has_gate_and_licence(run_cli, hub: HubSim, project: Path) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    result = run_cli(
        "check", "--scan", "--format", "cyclonedx", "--fail-on", "never", cwd=project, HF_TOKEN=ALICE
    )
    assert result.code == 0, result.stderr
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(result.stdout) is None
    components = {c["bom-ref"]: c for c in json.loads(result.stdout)["components"]}
    mistral = {p["name"]: p["value"] for p in components[f"model:{MISTRAL}"]["properties"]}
    assert mistral["hubgate:gate"] == "auto" and mistral["hubgate:status"] == "rejected"
    gpt2 = components[f"model:{GPT2}"]
    assert {p["name"]: p["value"] for p in gpt2["properties"]}["hubgate:gate"] == "open"
    assert gpt2["licenses"] == [{"license": {"id": "MIT"}}]  # from the registry's facts


def test_scan_with_a_list_file_and_usage_errors(run_cli, hub: HubSim, project: Path) -> None:
    (project / "extra.txt").write_text(f"{LLAMA2}\n{GPT2}\n")
    result = run_cli("check", "--scan", "train.py", "-f", "extra.txt", "--json", cwd=project, HF_TOKEN=ALICE)
    models = _by_id(result.json())
    assert set(models) == {LLAMA32, GPT2, OPEN_DATA, LLAMA2}
    assert models[LLAMA2]["places"] == [] and models[GPT2]["places"][0]["line"] == 7
    wrong = run_cli("check", GPT2, "--include", "*.py", cwd=project)
    assert wrong.code == 2 and wrong.stderr == "hubgate: error: --include and --exclude go with --scan\n"
    empty = project / "empty"
    empty.mkdir()
    (empty / "a.py").write_text("print('hello')\n")
    nothing = run_cli("check", "--scan", "empty", "--json", cwd=project, HF_TOKEN=ALICE)
    assert nothing.code == 0, nothing.stderr
    assert nothing.json()["models"] == []
    assert "the scan found no Hub repo ids in 1 file under empty" in nothing.stderr


def test_places_follow_a_legacy_id_through_the_redirect(run_cli, hub: HubSim, tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "run.py").write_text(
        'from transformers import AutoModel\nAutoModel.from_pretrained("gpt2")\n'
    )
    result = run_cli("check", "--scan", "p", "--json", cwd=tmp_path, HF_TOKEN=ALICE)
    [model] = result.json()["models"]
    assert (model["input"], model["id"], model["status"]) == ("gpt2", GPT2, "open")
    assert [(p["file"], p["line"], p["column"]) for p in model["places"]] == [("p/run.py", 2, 27)]
