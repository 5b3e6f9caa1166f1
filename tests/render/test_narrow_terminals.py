"""Every table hubgate prints, at 60, 80 and 120 columns, through the real CLI: each repo (or GPU) id whole on
one line, never cut, folded or ellipsised, and no line wider than the terminal."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from hubgate.testhub import HubSim, Repo
from hubgate.testhub.worlds import ALICE, BOB, DAVE, DINO, LLAMA2, populate

REGISTRY = Path(__file__).resolve().parents[2] / "registry" / "models" / "facebook"
# The nine DINOv3 checkpoints: long ids that differ only past the 22nd character.
DINOS = sorted(f"facebook/{path.stem}" for path in REGISTRY.glob("dinov3-*.yaml"))
WIDTHS = (60, 80, 120)
# Requesters with long names and long form answers (`requests list`, as the repo's owner).
REQUESTERS = ("computer-vision-research-lab-member", "another-quite-long-hf-username")


def whole(repo_id: str) -> re.Pattern[str]:
    """`repo_id` with nothing of an id glued to either end (a cut id would leave `…` or a fold)."""
    return re.compile(rf"(?<![\w./-]){re.escape(repo_id)}(?![\w./…-])")


def assert_fits(text: str, ids: list[str], width: int) -> None:
    lines = text.splitlines()
    too_wide = [line for line in lines if cell_len(line) > width]
    assert not too_wide, f"{len(too_wide)} line(s) wider than {width}: {too_wide[:3]}"
    for repo_id in ids:
        assert any(whole(repo_id).search(line) for line in lines), (
            f"{repo_id} is not whole at {width}:\n{text}"
        )


@pytest.fixture
def world(hub: HubSim) -> HubSim:
    populate(hub)
    for repo_id in DINOS:
        if repo_id != DINO:
            # A licence the registry does not record: `registry verify` has a finding for each.
            hub.add_repo(Repo(repo_id, gated="manual", card_data={"license": "apache-2.0"}))
    for user in REQUESTERS:
        answers = {"Affiliation": "Institute for Very Long Names in Vision", "Intended use": "benchmarking"}
        hub.set_access(user, LLAMA2, "pending", fields=answers)
    return hub


def tokens_file(tmp_path: Path) -> str:
    path = tmp_path / "tokens.txt"
    path.write_text(f"alice-laptop={ALICE}\nbob-ci-fine-grained={BOB}\n")
    return str(path)


def gpu_ids(run: Callable[..., Any]) -> list[str]:
    return [gpu["id"] for gpu in json.loads(run("fit", "--list-gpus", "--format", "json").stdout)]


def registry_ids(run: Callable[..., Any]) -> list[str]:
    return [entry["model_id"] for entry in json.loads(run("registry", "list", "--format", "json").stdout)]


# (name, arguments, the ids that must be whole; a callable gets them from the command's own JSON)
COMMANDS: list[
    tuple[str, Callable[[Path], list[str]], Callable[[Callable[..., Any]], list[str]] | list[str]]
] = [
    ("check", lambda tmp: ["check", *DINOS, LLAMA2], [*DINOS, LLAMA2]),
    ("check-matrix", lambda tmp: ["check", *DINOS, "--token-file", tokens_file(tmp)], DINOS),
    ("watch", lambda tmp: ["watch", *DINOS], DINOS),
    (
        "fit-4-gpus",
        lambda tmp: ["fit", *DINOS, LLAMA2, "-g", "l4", "-g", "a100", "-g", "h100", "-g", "t4"],
        [*DINOS, LLAMA2],
    ),
    ("fit-1-gpu", lambda tmp: ["fit", *DINOS, LLAMA2, "-g", "l4"], [*DINOS, LLAMA2]),
    ("fit-max-context", lambda tmp: ["fit", LLAMA2, "-g", "l4", "-g", "a100", "--max-context"], [LLAMA2]),
    ("fit-list-gpus", lambda tmp: ["fit", "--list-gpus"], gpu_ids),
    ("request-dry-run", lambda tmp: ["request", "--dry-run", *DINOS], DINOS),
    ("registry-list", lambda tmp: ["registry", "list"], registry_ids),
    ("registry-search", lambda tmp: ["registry", "search", "dinov3"], DINOS),
    ("registry-show", lambda tmp: ["registry", "show", DINOS[0]], [DINOS[0]]),
    ("requests-list", lambda tmp: ["requests", "list", LLAMA2, "--token", DAVE], list(REQUESTERS)),
    ("registry-verify", lambda tmp: ["registry", "verify", *DINOS], [d for d in DINOS if d != DINO]),
]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("name", "args", "ids"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_every_table_keeps_ids_whole(  # type: ignore[no-untyped-def]
    run_cli, world: HubSim, tmp_path: Path, width: int, name: str, args: Any, ids: Any
) -> None:
    result = run_cli(*args(tmp_path), HF_TOKEN=ALICE, COLUMNS=str(width))
    assert result.code in (0, 1), result.stderr
    wanted = ids(lambda *a: run_cli(*a, HF_TOKEN=ALICE)) if callable(ids) else ids
    assert len(wanted) >= 1
    assert_fits(result.stdout, wanted, width)


def test_four_gpus_at_80_columns_stack_rather_than_cut(run_cli, world: HubSim) -> None:  # type: ignore[no-untyped-def]
    # The case: nine checkpoints and four GPUs do not fit 80 columns as a table; each model gets a
    # block of its own, its id on a line by itself.
    out = run_cli("fit", *DINOS, "-g", "l4", "-g", "a100", "-g", "h100", "-g", "t4", COLUMNS="80").stdout
    lines = out.splitlines()
    for repo_id in DINOS:
        assert repo_id in lines
    assert "…" not in out


def test_a_table_that_fits_stays_a_table(run_cli, world: HubSim) -> None:  # type: ignore[no-untyped-def]
    out = run_cli("fit", *DINOS, "-g", "l4", COLUMNS="120").stdout
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert len(rows) == len(DINOS)
    for repo_id, row in zip(DINOS, rows, strict=True):
        assert whole(repo_id).search(row)


def test_without_columns_a_pipe_gets_whole_lines(run_cli, world: HubSim) -> None:  # type: ignore[no-untyped-def]
    # A script or a log: no width to wrap at, so each row stays one line however long.
    out = run_cli("fit", *DINOS, "-g", "l4", "-g", "a100", "-g", "h100", "-g", "t4").stdout
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert len(rows) == len(DINOS)
    assert max(cell_len(row) for row in rows) > 120


def test_check_wraps_under_the_item_not_the_margin(run_cli, world: HubSim) -> None:  # type: ignore[no-untyped-def]
    out = run_cli("check", *DINOS, HF_TOKEN=ALICE, COLUMNS="60").stdout
    lines = out.splitlines()
    item = next(i for i, line in enumerate(lines) if whole(DINOS[0]).search(line))
    # The item's status did not fit beside the id: the wrapped part is indented under the id.
    assert lines[item + 1].startswith("     ") and lines[item + 1].strip()
