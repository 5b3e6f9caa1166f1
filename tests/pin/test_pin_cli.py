"""`hubgate pin` through the real CLI against the loopback Hub, on tests/fixtures/pin_project: a diff by
default (nothing written), `--write` in place, code that still parses with every pinnable load at the
commit the Hub serves, and everything else in the files byte for byte as it was."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import stat
from pathlib import Path

import pytest

from hubgate.testhub import HubSim
from tests.conftest import ALICE, GPT2, LLAMA32, MIXED, OPEN_DATA, PHI3, assert_no_token

FIXTURE = Path(__file__).parents[1] / "fixtures" / "pin_project"
FILES = ("train.py", "explore.ipynb", "scripts/fetch.sh", "configs/sft.yaml", "configs/eval.json")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(FIXTURE, root)
    return root


def _shas(run_cli, *ids: str) -> dict[str, str]:
    """The commit the Hub serves now for each repo, as `check` reports it (datasets as `datasets/id`)."""
    result = run_cli("check", "--json", *ids, HF_TOKEN=ALICE)
    return {model["input"].removeprefix("datasets/"): model["sha"] for model in result.json()["models"]}


def _unpinned(run_cli, root: Path) -> set[tuple[str, str, int]]:
    data = run_cli("scan", "--format", "json", cwd=root).json()
    return {(r["id"], p["file"], p["line"]) for r in data["repos"] for p in r["places"] if p["unpinned"]}


def test_diff_by_default_writes_nothing(run_cli, hub: HubSim, project: Path) -> None:
    before = {name: (project / name).read_bytes() for name in FILES}
    shas = _shas(run_cli, GPT2, MIXED)
    result = run_cli("pin", cwd=project, HF_TOKEN=ALICE)
    assert result.code == 1, result.stderr  # changes to make, not made
    assert {name: (project / name).read_bytes() for name in FILES} == before
    diff = result.stdout
    assert "--- a/train.py\n+++ b/train.py\n" in diff
    assert f'+tok = AutoTokenizer.from_pretrained(BASE, revision="{shas[GPT2]}")\n' in diff
    # a call over several lines gets the keyword on a line of its own, the comment kept on its line
    assert (
        f'     torch_dtype="auto",  # keep the checkpoint\'s dtype\n+    revision="{shas[GPT2]}",\n )' in diff
    )
    assert f"+model_revision: {shas[MIXED]}\n" in diff
    assert f'+  "model_name_or_path": "{GPT2}", "model_revision": "{shas[GPT2]}",\n' in diff
    assert f"+hf download {GPT2} --revision {shas[GPT2]} config.json --local-dir out/gpt2\n" in diff
    assert f'+    "!hf download {MIXED} --revision {shas[MIXED]}\\n",\n' in diff
    # what cannot be pinned says why, one line each: a gated repo this token may not read, a loop
    assert f"hubgate: train.py:18:46 {LLAMA32}: not pinned: pending: " in result.stderr
    assert "train.py:21:42 lab/no-licence: not pinned: this place loads several repos" in result.stderr
    assert "to pin (run with --write to change the files); 3 left unpinned" in result.stderr
    assert_no_token(result.stdout, result.stderr)


def test_write_pins_every_call_and_keeps_the_rest(run_cli, hub: HubSim, project: Path) -> None:
    before = {name: (project / name).read_text() for name in FILES}
    mode = stat.S_IMODE((project / "scripts/fetch.sh").stat().st_mode)
    shas = _shas(run_cli, GPT2, MIXED, PHI3, f"datasets/{OPEN_DATA}")
    result = run_cli("pin", "--write", cwd=project, HF_TOKEN=ALICE)
    assert result.code == 1, result.stderr  # written; the gated repo and the loop are left, each said
    assert "12 places in 5 files pinned; 3 left unpinned" in result.stderr
    train = (project / "train.py").read_text()
    ast.parse(train)
    # every pinnable load now carries its repo's commit; only the two refused places stay unpinned
    assert _unpinned(run_cli, project) == {  # a line lower: the multi-line call gained one
        (LLAMA32, "train.py", 19),
        ("lab/no-licence", "train.py", 22),
        ("lab/other-licence", "train.py", 22),
    }
    data = run_cli("scan", "--format", "json", cwd=project).json()
    for repo in data["repos"]:
        for place in repo["places"]:
            if repo["id"] in shas and place["via"] != "dataset_name":
                assert place["revision"] == shas[repo["id"]], (repo["id"], place)
    # the rest is byte for byte as written: take the pins out again and the files are what they were
    for name in FILES:
        after = (project / name).read_text()
        assert after != before[name]
        undone = after.replace(f'revision="{shas[PHI3]}"', "revision=None")
        for sha in shas.values():
            undone = re.sub(rf'\n *revision="{sha}",(?=\n)', "", undone)
            undone = re.sub(rf"\n *model_revision: {sha}(?=\n)", "", undone)
            undone = undone.replace(f', revision="{sha}"', "").replace(f', revision=\\"{sha}\\"', "")
            undone = undone.replace(f', "model_revision": "{sha}"', "").replace(f" --revision {sha}", "")
        assert undone == before[name], name
    json.loads((project / "configs/eval.json").read_text())
    assert stat.S_IMODE((project / "scripts/fetch.sh").stat().st_mode) == mode
    assert not [p for p in project.rglob("*.hubgate-pin")]  # no temporary file left
    again = run_cli("pin", "--write", cwd=project, HF_TOKEN=ALICE)
    assert again.stdout == ""  # idempotent: nothing left that can be pinned
    assert "nothing to pin; 3 left unpinned" in again.stderr


def test_links_are_never_written_through(run_cli, hub: HubSim, tmp_path: Path) -> None:
    """A file named on the command line is scanned wherever its link goes, but never written through."""
    root, outside = tmp_path / "proj", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    code = f'AutoModel.from_pretrained("{GPT2}")\n'
    (outside / "real.py").write_text(code)
    os.symlink(outside / "real.py", root / "alias.py")
    (root / "own.py").write_text(code)
    result = run_cli("pin", "--write", "alias.py", "own.py", cwd=root, HF_TOKEN=ALICE)
    assert f"alias.py:1:27 {GPT2}: not pinned: reached through a link" in result.stderr
    assert result.code == 1
    assert (root / "alias.py").is_symlink() and (outside / "real.py").read_text() == code
    assert "revision=" in (root / "own.py").read_text()


def test_nothing_to_pin_sends_no_request(run_cli, hub: HubSim, tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text(f'AutoModel.from_pretrained("{GPT2}", revision="main")\n')
    before = len(hub.log)
    result = run_cli("pin", cwd=tmp_path)
    assert result.code == 0
    assert result.stdout == ""
    assert "nothing to pin" in result.stderr
    assert len(hub.log) == before


def test_without_libcst_one_line_and_the_extra(run_cli, hub: HubSim, tmp_path: Path, monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "libcst", None)  # as if the `pin` extra were not installed
    (tmp_path / "app.py").write_text(f'AutoModel.from_pretrained("{GPT2}")\n')
    result = run_cli("pin", cwd=tmp_path, HF_TOKEN=ALICE)
    assert result.code == 2
    assert result.stderr.splitlines()[-2:] == [
        "hubgate: error: hubgate pin needs libcst to rewrite Python",
        "  hint: install the pin extra: pip install 'hubgate[pin]'",
    ]
    assert "revision=" not in (tmp_path / "app.py").read_text()
