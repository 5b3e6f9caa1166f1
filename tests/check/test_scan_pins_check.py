"""`check --scan` on revisions: a use pinned to a revision the repo lacks is `revision-not-found` on its
line, one pinned to an existing one is checked at it, and the lines that load without a revision carry
an `unpinned` finding in every format, failing the run only when `--fail-on unpinned` selects it."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from hubgate.testhub import HubSim
from tests.conftest import ALICE, GPT2, PINNED, PINNED_V1, assert_no_token

FIXTURE = Path(__file__).parents[1] / "fixtures" / "pin_project"
SARIF_SCHEMA = Path(__file__).parents[1] / "schemas" / "sarif-schema-2.1.0.json"
STALE = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(FIXTURE, root)
    return root


def test_json_checks_each_pinned_revision(run_cli, hub: HubSim, project: Path) -> None:
    result = run_cli("check", "--scan", "--json", cwd=project, HF_TOKEN=ALICE)
    data = result.json()
    jsonschema.validate(
        data, json.loads(resources.files("hubgate").joinpath("schemas/check-v2.json").read_text())
    )
    pinned = {m["revision"]: m for m in data["models"] if m["id"] == PINNED}
    assert set(pinned) == {"v1.0", STALE}
    assert pinned["v1.0"]["status"] == "open" and pinned["v1.0"]["sha"] == PINNED_V1
    assert [(p["file"], p["line"]) for p in pinned["v1.0"]["places"]] == [
        ("scripts/fetch.sh", 6),
        ("train.py", 14),
    ]
    assert pinned[STALE]["status"] == "revision-not-found"
    assert [(p["file"], p["line"], p["revision"]) for p in pinned[STALE]["places"]] == [
        ("train.py", 15, STALE)
    ]
    gpt2 = next(m for m in data["models"] if m["id"] == GPT2)
    loose = [f for f in gpt2["findings"] if f["kind"] == "unpinned"]
    assert loose == [
        {
            "kind": "unpinned",
            "message": "loaded without a revision at configs/eval.json:2:25, explore.ipynb:cell 2:4:31, "
            f"scripts/fetch.sh:4:13, train.py:8:37, train.py:10:5; pin to {gpt2['sha']} (`hubgate pin`)",
            "files": [],
            "places": [
                "configs/eval.json:2:25",
                "explore.ipynb:cell 2:4:31",
                "scripts/fetch.sh:4:13",
                "train.py:8:37",
                "train.py:10:5",
            ],
            "sha": gpt2["sha"],
        }
    ]
    assert not any(f["kind"] == "unpinned" for m in pinned.values() for f in m["findings"])
    assert result.code == 1  # the stale pin (and the pending repo) need action; unpinned is advice


def test_sarif_regions_for_stale_pins_and_unpinned_lines(run_cli, hub: HubSim, project: Path) -> None:
    result = run_cli("check", "--scan", "--format", "sarif", cwd=project, HF_TOKEN=ALICE)
    log = json.loads(result.stdout)
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))
    run = log["runs"][0]

    def at(rule: str) -> set[tuple[str, str, int, int]]:
        return {
            (
                r["properties"]["repo_id"],
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"].get("region", {}).get("startLine", 0),
                r["locations"][0]["physicalLocation"].get("region", {}).get("startColumn", 0),
            )
            for r in run["results"]
            if r["ruleId"] == rule
        }

    assert at("hubgate/revision-not-found") == {(PINNED, "train.py", 15, 46)}
    assert {(uri, line) for repo, uri, line, _ in at("hubgate/finding/unpinned") if repo == GPT2} == {
        ("configs/eval.json", 2),
        ("explore.ipynb", 0),  # a notebook place names the file; its cell is in the message
        ("scripts/fetch.sh", 4),
        ("train.py", 8),
        ("train.py", 10),
    }
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    for rule_id in ("hubgate/finding/unpinned", "hubgate/revision-not-found"):
        slug = rule_id.removeprefix("hubgate/").replace("/", "-")
        assert rules[rule_id]["helpUri"].endswith(f"/docs/rules/{slug}.md")
        assert (Path(__file__).parents[2] / "docs" / "rules" / f"{slug}.md").is_file()
        assert rules[rule_id]["help"]["text"]
    assert rules["hubgate/finding/unpinned"]["defaultConfiguration"]["level"] == "warning"
    levels = {r["level"] for r in run["results"] if r["ruleId"] == "hubgate/finding/unpinned"}
    assert levels == {"warning"}


def test_fail_on_unpinned_only_when_selected(run_cli, hub: HubSim, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(f'm = AutoModel.from_pretrained("{GPT2}")  # latest\n')
    plain = run_cli("check", "--scan", "--format", "github", cwd=tmp_path, HF_TOKEN=ALICE)
    assert plain.code == 0
    assert plain.stdout.startswith(
        f"::warning file=app.py,line=1,col=31,title=hubgate%3A {GPT2}%3A unpinned::"
    )
    assert run_cli("check", "--scan", "--fail-on", "findings", cwd=tmp_path, HF_TOKEN=ALICE).code == 0
    selected = run_cli(
        "check", "--scan", "--format", "github", "--fail-on", "action,unpinned", cwd=tmp_path, HF_TOKEN=ALICE
    )
    assert selected.code == 1
    assert selected.stdout.startswith("::error file=app.py,line=1,col=31,")
    (tmp_path / "hubgate.toml").write_text('fail-on = "unpinned"\n')
    assert run_cli("check", "--scan", cwd=tmp_path, HF_TOKEN=ALICE).code == 1
    (tmp_path / "hubgate.toml").unlink()
    table = run_cli("check", "--scan", cwd=tmp_path, HF_TOKEN=ALICE)
    assert "unpinned" in table.stdout and "app.py:1:31" in table.stdout
    markdown = run_cli("check", "--scan", "--format", "markdown", cwd=tmp_path, HF_TOKEN=ALICE)
    assert "**unpinned**: loaded without a revision at app.py:1:31" in markdown.stdout
    junit = run_cli(
        "check", "--scan", "--format", "junit", "--fail-on", "unpinned", cwd=tmp_path, HF_TOKEN=ALICE
    )
    case = next(ET.fromstring(junit.stdout).iter("testcase"))
    failure = case.find("failure")
    assert failure is not None and "unpinned: loaded without a revision at app.py:1:31" in (
        failure.get("message") or failure.text or ""
    )
    offline = run_cli("scan", cwd=tmp_path)
    assert "app.py:1:31  AutoModel.from_pretrained  unpinned (no revision)" in offline.stdout
    assert_no_token(plain.stdout, selected.stdout, table.stdout, markdown.stdout, junit.stdout)
