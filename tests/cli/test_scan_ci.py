"""The GitHub Action (action.yml) and the pre-commit hooks: their shell steps run for real against the
loopback Hub, as GitHub would run them (inputs arrive as environment variables)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from hubgate.testhub import HubSim
from tests.conftest import ALICE, LLAMA32, MISTRAL, REPO_ROOT, assert_no_token, clean_env


def _action() -> dict:
    return yaml.safe_load((REPO_ROOT / "action.yml").read_text())


def test_action_shape() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert {"paths", "token", "fail-on"} <= set(action["inputs"])
    steps = action["runs"]["steps"]
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in steps)
    check = next(s for s in steps if s.get("id") == "check")
    assert "hubgate check --scan" in check["run"] and "GITHUB_STEP_SUMMARY" in check["run"]
    # inputs reach the script only through env: a token never lands in the script text or the log
    assert "${{" not in check["run"]


def test_action_check_step_runs(hub: HubSim, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "train.py").write_text(
        f'from transformers import AutoModel\nAutoModel.from_pretrained("{LLAMA32}")\n'
        f'AutoModel.from_pretrained("{MISTRAL}")\n'
    )
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    check = next(s for s in _action()["runs"]["steps"] if s.get("id") == "check")
    env = clean_env(
        hub.url,
        tmp_path,
        HUBGATE_PATHS=".",
        HUBGATE_TOKEN=ALICE,
        HUBGATE_FAIL_ON="rejected",
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_OUTPUT=str(outputs),
        RUNNER_TEMP=str(tmp_path),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )
    proc = subprocess.run(
        ["bash", "-e", "-c", check["run"]], cwd=project, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert values["exit-code"] == "1"  # the rejected Mistral fails per fail-on
    sarif = json.loads(Path(values["sarif"]).read_text())
    results = sarif["runs"][0]["results"]
    levels = {r["properties"]["repo_id"]: r["level"] for r in results if "status" in r["properties"]}
    assert levels == {LLAMA32: "warning", MISTRAL: "error"}
    assert "## hubgate: model access" in summary.read_text() and "`train.py:3:27`" in summary.read_text()
    assert_no_token(proc.stdout, proc.stderr, summary.read_text(), Path(values["sarif"]).read_text())


def test_pre_commit_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["hubgate-check"]["entry"].startswith("hubgate check --scan")
    assert hooks["hubgate-scan"]["entry"] == "hubgate scan"
    for hook in hooks.values():
        assert hook["language"] == "python" and "python" in hook["types_or"] and "jupyter" in hook["types_or"]
