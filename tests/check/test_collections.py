"""Collections as input (issue 24): `hubgate check` (and watch) expand a collection, once, to its models and
datasets, through the real CLI against the loopback Hub's collections route."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hubgate.testhub import HubSim
from hubgate.testhub.worlds import (
    ALICE,
    DINO,
    DINOV3,
    DINOV3_DATA,
    DINOV3_LARGE,
    DINOV3_PAPER,
    DINOV3_SMALL,
    DINOV3_SPACE,
    GPT2,
    MISSING_COLLECTION,
    PRIVATE_COLLECTION,
    populate,
    populate_collections,
)


@pytest.fixture
def hub() -> Iterator[HubSim]:
    with HubSim() as sim:
        yield populate_collections(populate(sim))


def collection_gets(hub: HubSim) -> list[str]:
    return [entry.path for entry in hub.log if entry.path.startswith("/api/collections/")]


def test_check_expands_a_collection_to_its_models_and_datasets(hub: HubSim, run_cli: Any) -> None:
    result = run_cli("check", f"collections/{DINOV3}", "--no-registry", "--format", "json", HF_TOKEN=ALICE)
    doc = result.json()
    jsonschema.validate(
        doc, json.loads(resources.files("hubgate").joinpath("schemas/check-v2.json").read_text())
    )
    by_id = {m["id"]: m for m in doc["models"]}
    assert set(by_id) == {DINO, DINOV3_LARGE, DINOV3_SMALL, DINOV3_DATA}
    assert {m["collection"] for m in doc["models"]} == {DINOV3}
    assert by_id[DINOV3_DATA]["repo_type"] == "dataset"
    assert by_id[DINOV3_SMALL]["status"] == "open" and by_id[DINOV3_LARGE]["status"] == "not-requested"
    [outcome] = doc["collections"]
    assert outcome["collection"] == DINOV3 and outcome["title"] == "DINOv3" and outcome["error"] is None
    assert outcome["skipped"] == [
        {"type": "space", "id": DINOV3_SPACE},
        {"type": "paper", "id": DINOV3_PAPER},
    ]
    assert outcome["gating_group"] is False
    assert collection_gets(hub) == [f"/api/collections/{DINOV3}"]

    table = run_cli("check", f"https://huggingface.co/collections/{DINOV3}", "--no-registry", HF_TOKEN=ALICE)
    assert f"from collection {DINOV3}" in table.stdout
    assert f"not checked: space {DINOV3_SPACE}, paper {DINOV3_PAPER}" in table.stdout
    assert "skipped 1 space, 1 paper" in table.stdout
    assert "gating group" not in table.stdout  # the Hub did not say so: never guessed
    assert "4 checked" in table.stdout


def test_a_collection_is_read_once_and_its_repos_checked_once(
    hub: HubSim, run_cli: Any, tmp_path: Path
) -> None:
    """The same collection twice (URL and short form, argument and list) is one request; a repo given
    directly and listed by the collection is checked once, as given."""
    (tmp_path / "list.txt").write_text(f"{DINO}\nhttps://hf.co/collections/{DINOV3}\n")
    result = run_cli(
        "check",
        f"collections/{DINOV3}",
        "-f",
        "list.txt",
        "--no-registry",
        "--format",
        "json",
        HF_TOKEN=ALICE,
    )
    doc = result.json()
    ids = [m["id"] for m in doc["models"]]
    assert sorted(ids) == sorted({DINO, DINOV3_LARGE, DINOV3_SMALL, DINOV3_DATA})
    assert collection_gets(hub) == [f"/api/collections/{DINOV3}"]
    assert doc["requests"]["by_bucket"]["api"] >= 1


def test_unreadable_collections_are_one_line_each_and_the_others_go_on(hub: HubSim, run_cli: Any) -> None:
    broken = "acme/flaky-0123456789abcdef01234567"
    hub.inject(f"/api/collections/{broken}$", status=500, times=20)
    args = (
        f"collections/{MISSING_COLLECTION}",
        f"collections/{PRIVATE_COLLECTION}",
        f"collections/{broken}",
        "gpt2",
        "--no-registry",
        "--retries",
        "1",
        "--format",
        "json",
    )
    doc = run_cli("check", *args, "--anonymous").json()
    statuses = {m["input"]: m["status"] for m in doc["models"]}
    assert statuses == {
        f"collections/{MISSING_COLLECTION}": "not-found",
        f"collections/{PRIVATE_COLLECTION}": "not-found",
        f"collections/{broken}": "error",
        "gpt2": "open",
    }
    assert [c["error"] is not None for c in doc["collections"]] == [True, True, True]
    private = next(m for m in doc["models"] if m["input"].endswith(PRIVATE_COLLECTION))
    assert "without a token" in private["message"] and private["collection"] == PRIVATE_COLLECTION

    table = run_cli("check", *args[:-2], "--anonymous")
    assert table.code != 0 and "Traceback" not in table.stderr
    assert f"collection {MISSING_COLLECTION} not found" in table.stdout
    assert f"collection {broken} could not be read: HTTP 500" in table.stdout


def test_a_private_collection_is_read_with_a_members_token(hub: HubSim, run_cli: Any) -> None:
    doc = run_cli(
        "check", f"collections/{PRIVATE_COLLECTION}", "--no-registry", "--format", "json", HF_TOKEN=ALICE
    ).json()
    assert [(m["id"], m["status"], m["collection"]) for m in doc["models"]] == [
        (GPT2, "open", PRIVATE_COLLECTION)
    ]


def test_a_config_file_names_a_collection(hub: HubSim, run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "models_config.yaml").write_text(
        f"models:\n  - name: collections/{DINOV3}\n    gpu: a100\n  - name: gpt2\n"
    )
    doc = run_cli(
        "check", "-f", "models_config.yaml", "--no-registry", "--format", "json", HF_TOKEN=ALICE
    ).json()
    from_collection = [m for m in doc["models"] if m["collection"] == DINOV3]
    assert len(from_collection) == 4 and len(doc["models"]) == 5


def test_watch_takes_a_collection(hub: HubSim, run_cli: Any, tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    first = run_cli("watch", f"collections/{DINOV3}", "--state", state, "--json", HF_TOKEN=ALICE)
    assert "Traceback" not in first.stderr
    assert DINOV3_LARGE in first.stdout and DINOV3_DATA in first.stdout
    assert collection_gets(hub) == [f"/api/collections/{DINOV3}"]


def test_markdown_and_a_hostile_title(hub: HubSim, run_cli: Any) -> None:
    """The title is the Hub's text: control characters are written as escapes, never sent to a terminal."""
    hub.collections[DINOV3].title = "DINOv3\x1b[2J\u202e"
    for fmt in ("table", "markdown"):
        out = run_cli(
            "check", f"collections/{DINOV3}", "--no-registry", "--format", fmt, HF_TOKEN=ALICE
        ).stdout
        assert "\x1b" not in out and "\u202e" not in out and "\\x1b[2J" in out
        assert "from collection" in out and "skipped 1 space, 1 paper" in out


def test_the_python_api_takes_a_collection(hub: HubSim) -> None:
    from hubgate.check.api import check_models

    verdicts = check_models(
        [f"https://huggingface.co/collections/{DINOV3}"], token=ALICE, endpoint=hub.url, registry=False
    )
    assert {(v.model_id, v.collection) for v in verdicts} == {
        (repo_id, DINOV3) for repo_id in (DINO, DINOV3_LARGE, DINOV3_SMALL, DINOV3_DATA)
    }


def test_revision_pins_the_repos_a_collection_brings(hub: HubSim, run_cli: Any) -> None:
    doc = run_cli(
        "check",
        f"collections/{DINOV3}",
        "--revision",
        "main",
        "--no-registry",
        "--format",
        "json",
        HF_TOKEN=ALICE,
    ).json()
    assert {m["revision"] for m in doc["models"]} == {"main"}


def test_scan_and_check_scan_take_a_config_naming_a_collection(
    hub: HubSim, run_cli: Any, tmp_path: Path
) -> None:
    (tmp_path / "models_config.yaml").write_text(f"models:\n  - name: https://hf.co/collections/{DINOV3}\n")
    listed = run_cli("scan", ".")
    assert f"collections/{DINOV3}" in listed.stdout and "collections/facebook\n" not in listed.stdout
    scanned = run_cli("scan", ".", "--format", "json").json()
    jsonschema.validate(
        scanned, json.loads(resources.files("hubgate").joinpath("schemas/scan-v1.json").read_text())
    )
    assert scanned["repos"] == [] and scanned["collections"][0]["collection"] == DINOV3
    doc = run_cli("check", "--scan", ".", "--no-registry", "--format", "json", HF_TOKEN=ALICE).json()
    assert {m["id"] for m in doc["models"]} == {DINO, DINOV3_LARGE, DINOV3_SMALL, DINOV3_DATA}
    assert {m["collection"] for m in doc["models"]} == {DINOV3}


def test_a_collection_costs_one_request_more_than_its_repos(hub: HubSim, run_cli: Any) -> None:
    common = ("--no-registry", "--no-cache", "--format", "json")
    listed = run_cli(
        "check", DINO, DINOV3_LARGE, DINOV3_SMALL, f"datasets/{DINOV3_DATA}", *common, HF_TOKEN=ALICE
    )
    expanded = run_cli("check", f"collections/{DINOV3}", *common, HF_TOKEN=ALICE)
    one, other = listed.json()["requests"]["by_bucket"], expanded.json()["requests"]["by_bucket"]
    assert other["api"] == one["api"] + 1 and other["resolvers"] == one["resolvers"]


def test_items_that_are_not_repo_ids_are_never_asked_for(hub: HubSim, run_cli: Any) -> None:
    """The collection's answer is the Hub's text: a token-shaped id, a path or a URL is noted, never sent."""
    token_like = "hf_" + "Z" * 34
    hub.collections[DINOV3].items = [
        ("model", GPT2),
        ("model", token_like),
        ("model", "../../api/whoami-v2"),
        ("dataset", "https://evil.example/x/y"),
    ]
    result = run_cli("check", f"collections/{DINOV3}", "--no-registry", "--format", "json", HF_TOKEN=ALICE)
    doc = result.json()
    assert [m["id"] for m in doc["models"]] == [GPT2]
    assert len(doc["collections"][0]["skipped"]) == 3
    assert token_like not in result.stdout and token_like not in result.stderr
    assert not any("whoami" in e.path and e.path != "/api/whoami-v2" for e in hub.log)
    assert not any("evil" in e.path or "Z" * 34 in e.path for e in hub.log)
