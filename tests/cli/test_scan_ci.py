"""The GitHub Action (action.yml) and the pre-commit hooks: their shell steps run for real against the
loopback Hub, as GitHub would run them (inputs arrive as environment variables)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from hubgate.testhub import HubSim
from tests.conftest import ALICE, BERT, GPT2, LLAMA32, MISTRAL, REPO_ROOT, assert_no_token, clean_env


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


def _step_env(step: dict, runner_temp: Path, **inputs: str) -> dict[str, str]:
    """The step's `env:` as GitHub would evaluate it: `${{ inputs.X }}` (the given value, else the
    input's default) and `${{ runner.temp }}`; any other expression would fail the test."""
    defaults = {name: str(spec.get("default", "")) for name, spec in _action()["inputs"].items()}
    values = {f"inputs.{name}": inputs.get(name.replace("-", "_"), value) for name, value in defaults.items()}
    values["runner.temp"] = str(runner_temp)

    def evaluate(text: str) -> str:
        return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", lambda m: values[m.group(1)], text)

    return {name: evaluate(str(value)) for name, value in step.get("env", {}).items()}


def _run_check_step(hub: HubSim, tmp_path: Path, project: Path, **inputs: str) -> tuple[dict, Path, str]:
    """The Action's check step's script in bash, as the runner runs it: (its outputs, the step summary,
    its log)."""
    check = next(s for s in _action()["runs"]["steps"] if s.get("id") == "check")
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    summary.write_text("")
    outputs.write_text("")
    env = clean_env(
        hub.url,
        tmp_path,
        **_step_env(check, runner_temp, **inputs),
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_OUTPUT=str(outputs),
        RUNNER_TEMP=str(runner_temp),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )
    proc = subprocess.run(
        ["bash", "-e", "-c", check["run"]], cwd=project, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    return values, summary, proc.stdout + proc.stderr


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "train.py").write_text(
        f'from transformers import AutoModel\nAutoModel.from_pretrained("{LLAMA32}")\n'
        f'AutoModel.from_pretrained("{MISTRAL}")\n'
    )
    return project


def test_action_check_step_runs(hub: HubSim, tmp_path: Path) -> None:
    project = _project(tmp_path)
    values, summary, log = _run_check_step(hub, tmp_path, project, token=ALICE, fail_on="rejected")
    assert values["exit-code"] == "1"  # the rejected Mistral fails per fail-on
    sarif = json.loads(Path(values["sarif"]).read_text())
    results = sarif["runs"][0]["results"]
    levels = {r["properties"]["repo_id"]: r["level"] for r in results if "status" in r["properties"]}
    assert levels == {LLAMA32: "warning", MISTRAL: "error"}
    assert "## hubgate: model access" in summary.read_text() and "`train.py:3:27`" in summary.read_text()
    assert_no_token(log, summary.read_text(), Path(values["sarif"]).read_text())


def test_action_checks_once_for_both_reports_and_its_cache_spares_the_next_run(
    hub: HubSim, tmp_path: Path
) -> None:
    project = _project(tmp_path)
    one = subprocess.run(
        [sys.executable, "-m", "hubgate", "check", "--scan", ".", "--no-cache", "--format", "quiet"],
        cwd=project,
        env=clean_env(hub.url, tmp_path, HF_TOKEN=ALICE),
        capture_output=True,
        text=True,
    )
    assert one.returncode == 1, one.stderr
    one_run = len(hub.log)
    hub.reset_log()
    values, summary, _ = _run_check_step(hub, tmp_path, project, token=ALICE)
    assert len(hub.log) == one_run  # the SARIF and the step summary come from one check
    assert json.loads(Path(values["sarif"]).read_text())["runs"][0]["results"]
    assert summary.read_text().startswith("## hubgate: model access")
    # the next workflow run restores the cache directory the step filled (actions/cache): the repos
    # this token can use cost it no api request (blocked gated ones are asked again, by design)
    (project / "train.py").write_text(
        f'AutoModel.from_pretrained("{GPT2}")\nAutoModel.from_pretrained("{BERT}")\n'
    )
    hub.reset_log()
    _run_check_step(hub, tmp_path, project, token=ALICE)
    assert hub.count("api", path=r"^/api/models/") > 0
    hub.reset_log()
    _run_check_step(hub, tmp_path, project, token=ALICE)
    # only the token's whoami is asked again
    assert [e.path for e in hub.log if e.bucket == "api"] == ["/api/whoami-v2"]


def test_action_caches_the_directory_the_check_step_uses() -> None:
    steps = _action()["runs"]["steps"]
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    check = next(s for s in steps if s.get("id") == "check")
    assert cache["with"]["path"] == check["env"]["HUBGATE_CACHE_DIR"]
    assert steps.index(cache) < steps.index(check)
    # a cache entry is immutable: a key of its own per run, restored by prefix in the next run
    assert "github.run_id" in cache["with"]["key"]
    assert cache["with"]["key"].startswith(cache["with"]["restore-keys"])


def test_pre_commit_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["hubgate-check"]["entry"].startswith("hubgate check --scan")
    assert hooks["hubgate-scan"]["entry"] == "hubgate scan"
    for hook in hooks.values():
        assert hook["language"] == "python" and "python" in hook["types_or"] and "jupyter" in hook["types_or"]


def _pre_commit_snippet() -> str:
    text = (REPO_ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    section = text.split("## pre-commit", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_the_pre_commit_snippet_names_a_rev_the_repository_has() -> None:
    repo = yaml.safe_load(_pre_commit_snippet())["repos"][0]
    tags = subprocess.run(
        ["git", "tag", "--list", str(repo["rev"])], cwd=REPO_ROOT, capture_output=True, text=True
    ).stdout.split()
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    # the default branch the README's Action snippet uses too, or a tag this repository holds
    assert f"hubgate@{repo['rev']}" in readme or tags == [repo["rev"]], repo["rev"]
    hooks = {h["id"] for h in yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert {hook["id"] for hook in repo["hooks"]} <= hooks


def _published_copy(where: Path) -> Path:
    """This working tree as its GitHub repository would hold it: one commit on `main` (what the snippet's
    `repo:` URL serves)."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, files):
        source = REPO_ROOT / name
        if source.is_file():
            (where / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, where / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=where, check=True)
    subprocess.run(["git", "add", "-A"], cwd=where, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "hubgate"], cwd=where, check=True)
    return where


def test_the_pre_commit_snippet_runs_as_written(hub: HubSim, tmp_path: Path) -> None:
    """docs/ci.md's set-up, with its placeholder URL pointed at a copy of this repository: pre-commit
    installs the hook (pip, from the package index) and runs it against the loopback Hub."""
    published = _published_copy(tmp_path / "hubgate")
    snippet = _pre_commit_snippet()
    assert "https://github.com/your-org/hubgate" in snippet
    project = tmp_path / "project"
    project.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    config = snippet.replace("https://github.com/your-org/hubgate", str(published))
    (project / ".pre-commit-config.yaml").write_text(config)
    (project / "train.py").write_text(
        f'from transformers import AutoModel\nAutoModel.from_pretrained("{LLAMA32}")\n'
    )
    env = clean_env(
        hub.url,
        tmp_path,
        HF_TOKEN=ALICE,
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )
    run = [sys.executable, "-m", "pre_commit", "run", "--hook-stage", "pre-push", "--files", "train.py"]
    blocked = subprocess.run(run, cwd=project, env=env, capture_output=True, text=True, timeout=900)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert f"pending\t{LLAMA32}" in blocked.stdout  # Alice's request awaits the authors
    (project / "train.py").write_text(
        'from transformers import AutoModel\nAutoModel.from_pretrained("gpt2")\n'
    )
    usable = subprocess.run(run, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert usable.returncode == 0, usable.stdout + usable.stderr
    assert "Passed" in usable.stdout
    assert_no_token(blocked.stdout, blocked.stderr, usable.stdout, usable.stderr)
