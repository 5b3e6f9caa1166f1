"""check_models.sh: works from any directory, uses the list beside it, passes arguments through."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from hubgate.testhub import HubSim, Repo
from tests.conftest import ALICE, BERT, LLAMA2, REPO_ROOT, clean_env

SCRIPT = REPO_ROOT / "check_models.sh"


def run_script(hub: HubSim, tmp_path: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = clean_env(hub.url, tmp_path, HF_TOKEN=ALICE)
    venv_bin = REPO_ROOT / ".venv" / "bin"
    env["PATH"] = f"{venv_bin}:{env['PATH']}"
    return subprocess.run(
        ["bash", str(SCRIPT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_ids_from_arguments_from_another_directory(hub: HubSim, tmp_path: Path) -> None:
    result = run_script(hub, tmp_path, BERT, LLAMA2, "--format", "quiet", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


def test_shipped_list_is_used_when_the_directory_has_none(hub: HubSim, tmp_path: Path) -> None:
    shipped = [
        line.split("#")[0].strip() for line in (REPO_ROOT / "models_to_check.txt").read_text().splitlines()
    ]
    shipped = [line for line in shipped if line]
    for repo_id in shipped:
        hub.add_repo(
            Repo(
                repo_id if "/" in repo_id else f"legacy/{repo_id}",
                legacy_ids=() if "/" in repo_id else (repo_id,),
            )
        )
    result = run_script(hub, tmp_path, cwd=tmp_path)
    assert "Summary:" in result.stdout, result.stderr
    assert f"{len(shipped)} checked" in result.stdout
    # Options alone (the CI snippet's `--format github`) still mean "the shipped list", not "nothing".
    github = run_script(hub, tmp_path, "--format", "github", cwd=tmp_path)
    assert github.returncode != 2 and "nothing to check" not in github.stderr, github.stderr
    assert github.stdout.strip(), "the github format reports the shipped list's repos"


def test_local_list_wins(hub: HubSim, tmp_path: Path) -> None:
    (tmp_path / "models_to_check.txt").write_text(f"{BERT}\n")
    result = run_script(hub, tmp_path, cwd=tmp_path)
    assert "1 checked" in result.stdout and result.returncode == 0


def test_script_is_executable_and_has_no_absolute_paths() -> None:
    assert shutil.which("bash")
    assert SCRIPT.stat().st_mode & 0o111
    assert "/work/" not in SCRIPT.read_text()
