"""The Hub's own file scans as `hub-scan` findings, through the real CLI and the loopback Hub: every flagged
file at any level, with the scanners that flagged it; "not scanned yet" said, never clean; every format;
`--fail-on` and the policy; the requests it costs (none extra for a clean repo, one per flagged repo), the
listing variants (honoured, ignored, rejected), the cache (a done status kept, a pending one asked again),
and never a weight file downloaded."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hubgate.testhub import HubSim
from hubgate.testhub.worlds import SCAN_CAUTION, SCAN_CLEAN, SCAN_PENDING, SCAN_REPOS, SCAN_UNSAFE, add_scans
from tests.conftest import ALICE, assert_no_token

WEIGHTS = (".safetensors", ".bin", ".pkl", ".pt", ".gguf", ".h5")


def by_id(result) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {m["id"]: m for m in result.json()["models"]}


def hub_scans(model: dict) -> list[dict]:  # type: ignore[type-arg]
    return [f for f in model["findings"] if f["kind"] == "hub-scan"]


def no_weight_fetched(hub: HubSim) -> None:
    fetched = [e.path for e in hub.log if e.method == "GET" and e.path.endswith(WEIGHTS)]
    assert fetched == [], fetched


def test_every_flagged_file_with_its_level_and_scanners(run_cli, hub: HubSim) -> None:
    add_scans(hub)
    hub.reset_log()
    result = run_cli("check", *SCAN_REPOS, "--json", "--no-registry", "--no-cache", HF_TOKEN=ALICE)
    assert result.code == 0, result.stderr  # findings alone do not fail the default --fail-on action
    models = by_id(result)
    unsafe = hub_scans(models[SCAN_UNSAFE])[0]
    assert unsafe["files"] == ["pytorch_model.bin", "extra.pkl"]
    flagged = {f["path"]: f for f in unsafe["flagged"]}
    assert flagged["pytorch_model.bin"]["level"] == "unsafe"
    # the scanners that flagged it, from the paths-info detail; the clean antivirus is not named
    assert flagged["pytorch_model.bin"]["scanners"] == ["pickleImportScan", "protectAiScan"]
    # a level the contract does not list is an issue too
    assert flagged["extra.pkl"]["level"] == "suspicious"
    assert "pickleImportScan" in unsafe["message"] and "suspicious" in unsafe["message"]
    caution = hub_scans(models[SCAN_CAUTION])[0]
    assert [(f["path"], f["level"]) for f in caution["flagged"]] == [("model.safetensors", "caution")]
    pending = hub_scans(models[SCAN_PENDING])[0]
    assert pending["scanned"] is False and pending["files"] == []
    assert "not scanned yet is not clean" in pending["message"]
    assert hub_scans(models[SCAN_CLEAN]) == []
    # one paths-info request per flagged repo with files, naming only the flagged files; none for the others
    paths_info = [e for e in hub.log if "/paths-info/" in e.path]
    assert sorted(e.path.split("/")[4] for e in paths_info) == ["caution-model", "unsafe-pickle"]
    assert all(e.method == "POST" for e in paths_info)
    no_weight_fetched(hub)


def test_requests_one_metadata_request_per_repo(run_cli, hub: HubSim) -> None:
    """A clean repo's scan status rides on its metadata request: nothing extra."""
    add_scans(hub)
    hub.reset_log()
    result = run_cli(
        "check", SCAN_CLEAN, SCAN_PENDING, "--json", "--no-registry", "--no-cache", HF_TOKEN=ALICE
    )
    assert result.code == 0, result.stderr
    api = [e for e in hub.log if e.bucket == "api" and e.path != "/api/whoami-v2"]
    metadata = [e for e in api if e.path.startswith("/api/models/scans/")]
    assert sorted(e.path for e in metadata) == sorted(f"/api/models/{r}" for r in (SCAN_CLEAN, SCAN_PENDING))
    assert all("securityStatus=true" in e.query for e in metadata)
    # the clean card's base model (gpt2) is followed: that is the only other api request
    assert {e.path for e in api} - {e.path for e in metadata} <= {
        "/api/models/openai-community/gpt2",
        "/api/models/gpt2",
    }
    no_weight_fetched(hub)


@pytest.mark.parametrize("fmt", ["table", "markdown", "github", "sarif", "junit"])
def test_shown_in_every_format_and_fails_when_asked(run_cli, hub: HubSim, tmp_path: Path, fmt: str) -> None:
    add_scans(hub)
    args = ("check", SCAN_UNSAFE, SCAN_PENDING, "--no-registry", "--format", fmt)
    plain = run_cli(*args, HF_TOKEN=ALICE)
    failing = run_cli(*args, "--fail-on", "hub-scan", HF_TOKEN=ALICE)
    assert plain.code == 0, plain.stderr
    assert failing.code == 1, failing.stderr
    out = failing.stdout
    assert_no_token(out, failing.stderr)
    if fmt == "sarif":
        log = json.loads(out)
        rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
        rule = rules["hubgate/finding/hub-scan"]
        assert rule["helpUri"].endswith("finding-hub-scan.md") and "not scanned yet" in rule["help"]["text"]
        results = [r for r in log["runs"][0]["results"] if r["ruleId"] == "hubgate/finding/hub-scan"]
        assert {r["level"] for r in results} == {"error"} and len(results) == 2
        assert any("pytorch_model.bin" in r["message"]["text"] for r in results)
    elif fmt == "junit":
        failures = [f.get("message", "") + (f.text or "") for f in ET.fromstring(out).iter("failure")]
        assert len(failures) == 2 and any("hub-scan" in f for f in failures)
    else:
        assert "hub-scan" in out and "pytorch_model.bin" in out and "not scanned yet" in out
        if fmt == "github":
            assert out.count("::error") >= 2


def test_the_policy_selects_it(run_cli, hub: HubSim, tmp_path: Path) -> None:
    add_scans(hub)
    (tmp_path / "hubgate.toml").write_text('fail-on = ["action", "hub-scan"]\n')
    flagged = run_cli("check", SCAN_CAUTION, "--no-registry", HF_TOKEN=ALICE)
    clean = run_cli("check", SCAN_CLEAN, "--no-registry", HF_TOKEN=ALICE)
    assert flagged.code == 1 and "hub-scan" in flagged.stdout
    assert clean.code == 0, clean.stdout + clean.stderr


@pytest.mark.parametrize("variant", ["honour", "ignore", "reject"])
def test_a_listing_with_or_without_the_scan_status(run_cli, hub: HubSim, variant: str) -> None:
    """Three repos of one author are read from its listing, which is asked for the scan status too; a
    listing that ignores or refuses it sends each repo to its own request, and the findings are the same."""
    add_scans(hub)
    hub.listing_scan_status = variant
    hub.reset_log()
    repos = (SCAN_UNSAFE, SCAN_CAUTION, SCAN_PENDING)
    result = run_cli("check", *repos, "--json", "--no-registry", "--no-cache", HF_TOKEN=ALICE)
    assert result.code == 0, result.stderr
    models = by_id(result)
    assert [len(hub_scans(models[r])) for r in repos] == [1, 1, 1]
    assert hub_scans(models[SCAN_PENDING])[0]["scanned"] is False
    own = [e for e in hub.log if e.path in {f"/api/models/{r}" for r in repos}]
    listings = [e for e in hub.log if e.path == "/api/models"]
    assert listings and all("securityRepoStatus" in e.query for e in listings)
    assert len(own) == (0 if variant == "honour" else 3)
    assert {models[r]["cost"]["via"] for r in repos} == {"listing" if variant == "honour" else "metadata"}
    no_weight_fetched(hub)


def test_the_cache_keeps_a_done_status_and_asks_a_pending_one_again(
    run_cli, hub: HubSim, tmp_path: Path
) -> None:
    add_scans(hub)
    cache = str(tmp_path / "cache")
    first = run_cli(
        "check",
        SCAN_CAUTION,
        SCAN_PENDING,
        "--json",
        "--no-registry",
        HF_TOKEN=ALICE,
        HUBGATE_CACHE_DIR=cache,
    )
    assert first.code == 0, first.stderr
    hub.repos[("model", SCAN_PENDING)].scans_done = True  # the Hub finished its scans meanwhile
    hub.reset_log()
    second = run_cli(
        "check",
        SCAN_CAUTION,
        SCAN_PENDING,
        "--json",
        "--no-registry",
        HF_TOKEN=ALICE,
        HUBGATE_CACHE_DIR=cache,
    )
    models = by_id(second)
    assert models[SCAN_CAUTION]["cost"]["via"] == "cache"  # scans done: its status is the commit's
    assert hub_scans(models[SCAN_CAUTION])[0]["flagged"][0]["level"] == "caution"
    assert models[SCAN_PENDING]["cost"]["via"] == "metadata"  # not done last time: asked again
    assert hub_scans(models[SCAN_PENDING]) == []  # now scanned clean


def test_a_failed_paths_info_leaves_the_finding_without_scanners(run_cli, hub: HubSim) -> None:
    add_scans(hub)
    hub.inject("/paths-info/", status=503, times=20)  # every retry fails too
    result = run_cli(
        "check", SCAN_UNSAFE, SCAN_CLEAN, "--json", "--no-registry", "--no-cache", HF_TOKEN=ALICE
    )
    assert result.code == 0, result.stderr
    models = by_id(result)
    (finding,) = hub_scans(models[SCAN_UNSAFE])
    assert [(f["path"], f["level"], f["scanners"]) for f in finding["flagged"]] == [
        ("pytorch_model.bin", "unsafe", []),
        ("extra.pkl", "suspicious", []),
    ]
    assert models[SCAN_UNSAFE]["status"] == "open" and models[SCAN_CLEAN]["status"] == "open"


@pytest.mark.parametrize(
    ("raw", "done", "flagged"),
    [
        ({"scansDone": True, "filesWithIssues": []}, True, ()),
        ({"filesWithIssues": []}, False, ()),  # no scansDone: not said done, so not done
        ({"scansDone": "yes"}, False, ()),  # not a boolean true
        (
            {
                "scansDone": True,
                "filesWithIssues": [{"path": "a.bin"}, {"level": "unsafe"}, "x", {"path": 3}],
            },
            True,
            (("a.bin", "flagged"),),  # a file without a level is still flagged; junk entries are skipped
        ),
    ],
)
def test_scan_status_shapes(raw: dict, done: bool, flagged: tuple) -> None:  # type: ignore[type-arg]
    from hubgate.hub.answers import scan_status

    status = scan_status(raw)
    assert status is not None and status.done is done and status.flagged == flagged
    assert scan_status(None) is None and scan_status([]) is None


def test_flagging_scanners_names_only_those_that_flag() -> None:
    from hubgate.hub.answers import flagging_scanners

    body = [
        {
            "path": "m.bin",
            "securityFileStatus": {
                "status": "unsafe",
                "avScan": {"status": "safe"},
                "pickleImportScan": {"status": "unsafe"},
                "jFrogScan": "caution",
                "protectAiScan": {"status": "unscanned"},
            },
        },
        {"path": "x.bin"},
        "junk",
    ]
    assert flagging_scanners(body) == {"m.bin": ("pickleImportScan", "jFrogScan")}
    assert flagging_scanners({"not": "a list"}) == {}


def test_a_hub_without_scan_status_keeps_the_cache_useful(run_cli, hub: HubSim, tmp_path: Path) -> None:
    """A Hub that never gives a scan status (a mirror): no finding, nothing claimed clean in the BOM's
    sense ("unknown"), and the next run still decides from the cache instead of asking again."""
    add_scans(hub)
    hub.scan_status_supported = False
    cache = str(tmp_path / "cache")
    args = ("check", SCAN_UNSAFE, "--json", "--no-registry")
    first = run_cli(*args, HF_TOKEN=ALICE, HUBGATE_CACHE_DIR=cache)
    assert hub_scans(by_id(first)[SCAN_UNSAFE]) == []
    second = run_cli(*args, HF_TOKEN=ALICE, HUBGATE_CACHE_DIR=cache)
    assert by_id(second)[SCAN_UNSAFE]["cost"]["via"] == "cache"
