"""Pre-flight through the real CLI and the loopback Hub: findings in every format, exit codes, the policy
file, revisions (existing and missing) and what they cost in requests."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema

from hubgate.testhub import HubSim
from tests.conftest import (
    ALICE,
    GPT2,
    LLAMA2,
    MIXED,
    NO_LICENCE,
    OTHER_LICENCE,
    PICKLE_ONLY,
    PINNED,
    PINNED_V1,
    PREFLIGHT_REPOS,
    REMOTE_CODE,
    assert_no_token,
)

PREFLIGHT = (*PREFLIGHT_REPOS, GPT2)


def by_id(result) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {m["id"]: m for m in result.json()["models"]}


def test_findings_in_json_from_the_metadata_request_alone(run_cli, hub: HubSim) -> None:
    result = run_cli("check", *PREFLIGHT, "--json", "--no-registry", HF_TOKEN=ALICE)
    assert result.code == 0, result.stderr  # findings alone do not fail the default --fail-on action
    models = by_id(result)
    kinds = {repo: [f["kind"] for f in models[repo]["findings"]] for repo in PREFLIGHT}
    assert kinds == {
        REMOTE_CODE: ["remote-code"],
        PICKLE_ONLY: ["pickle"],
        MIXED: [],
        NO_LICENCE: ["license"],
        OTHER_LICENCE: ["license"],
        GPT2: [],
    }
    assert models[REMOTE_CODE]["findings"][0]["files"] == ["configuration_coder.py", "modeling_coder.py"]
    assert models[PICKLE_ONLY]["findings"][0]["files"] == ["pytorch_model.bin"]
    assert "acme-research-licence" in models[OTHER_LICENCE]["findings"][0]["message"]
    schema = json.loads(resources.files("hubgate").joinpath("schemas/check-v2.json").read_text())
    jsonschema.validate(result.json(), schema)
    # Only the metadata the access verdicts need (the lab's five repos partly from its listing), asking for
    # the tags too; nothing else was spent on findings. gpt2 answers 307 first (a legacy id).
    metadata = [e for e in hub.log if e.path.startswith("/api/models") and e.status == 200]
    assert any(e.path == "/api/models" for e in metadata)
    # A listing asks the expanded fields (tags among them) and the scan status; a repo's own request asks
    # the scan status, whose answer is the unexpanded one with every field.
    assert len(metadata) <= len(PREFLIGHT)
    assert all(
        ("expand%5B%5D=tags" in e.query and "securityRepoStatus" in e.query)
        if e.path == "/api/models"
        else "securityStatus=true" in e.query
        for e in metadata
    )
    # Repos read from a listing are confirmed by one HEAD each (a listing cannot show a token policy).
    assert hub.count("resolvers") <= len(PREFLIGHT_REPOS)
    assert all(e.method == "HEAD" for e in hub.log if e.bucket == "resolvers")


def test_fail_on_findings_and_allow_options(run_cli) -> None:
    assert run_cli("check", REMOTE_CODE, "--fail-on", "action,remote-code", "--no-registry").code == 1
    allowed = run_cli(
        "check", REMOTE_CODE, "--fail-on", "action,remote-code", "--allow-remote-code", "lab", "--no-registry"
    )
    assert allowed.code == 0 and "! remote-code" not in allowed.stdout
    assert run_cli("check", MIXED, "--fail-on", "findings", "--no-registry").code == 0
    bad = run_cli("check", MIXED, "--fail-on", "action,trust")
    assert (
        bad.code == 2 and bad.stderr.startswith("hubgate: error: --fail-on") and "Traceback" not in bad.stderr
    )


def test_max_size_and_disk(run_cli, hub: HubSim, tmp_path: Path) -> None:
    # lab/remote-coder: a 2 GB model.safetensors and four small files; a size limit asks for file sizes
    # (blobs=true) in the one metadata request instead of the expanded fields.
    over = run_cli("check", REMOTE_CODE, "--max-size", "1GB", "--fail-on", "size", "--json", "--no-registry")
    assert over.code == 1
    size = [f for f in over.json()["models"][0]["findings"] if f["kind"] == "size"]
    expected = sum(hub.repos[("model", REMOTE_CODE)].files.values())
    assert size[0]["bytes"] == expected and "2 GB, over max-size 1 GB" in size[0]["message"]
    (metadata,) = [e for e in hub.log if e.path.startswith("/api/models/")]
    assert metadata.query == "securityStatus=true&blobs=true"
    # lab/mixed-formats: safetensors, pickle and h5 copies of 3 GB each; only the safetensors count.
    mixed = run_cli("check", MIXED, "--max-size", "1GB", "--json", "--no-registry").json()["models"][0]
    assert mixed["findings"][0]["bytes"] == 3_000_000_600
    under = run_cli("check", REMOTE_CODE, "--max-size", "3GB", "--fail-on", "size", "--no-registry")
    assert under.code == 0
    disk = run_cli(
        "check", REMOTE_CODE, "--disk", str(tmp_path / "not-yet" / "models"), "--json", "--no-registry"
    )
    # The free space of the nearest existing folder decides; either way the check runs.
    assert disk.code == 0, disk.stderr
    bad = run_cli("check", REMOTE_CODE, "--max-size", "huge")
    assert bad.code == 2 and "--max-size" in bad.stderr


def test_policy_file_drives_the_run_and_options_override_it(run_cli, tmp_path: Path) -> None:
    project = tmp_path / "thesis"
    (project / "experiments").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[tool.hubgate]\nallowed-licenses = ["apache-2.0", "mit"]\nfail-on = ["action", "license", "pickle"]\n'
    )
    cwd = project / "experiments"
    result = run_cli("check", GPT2, PICKLE_ONLY, OTHER_LICENCE, "--json", "--no-registry", cwd=cwd)
    assert result.code == 1
    models = by_id(result)
    assert [f["kind"] for f in models[OTHER_LICENCE]["findings"]] == ["license"]
    assert "not in the policy's allowed-licenses" in models[OTHER_LICENCE]["findings"][0]["message"]
    assert run_cli("check", GPT2, PICKLE_ONLY, "--fail-on", "action", "--no-registry", cwd=cwd).code == 0
    shown = run_cli("policy", "show", cwd=cwd)
    assert shown.code == 0
    assert f"Policy file: {project / 'pyproject.toml'}" in shown.stdout
    line = next(x for x in shown.stdout.splitlines() if x.strip().startswith("fail-on"))
    assert "action, license, pickle" in line and "[tool.hubgate] fail-on" in line
    over = run_cli("policy", "show", "--fail-on", "error", cwd=cwd)
    assert next(x for x in over.stdout.splitlines() if "fail-on" in x).rstrip().endswith("from --fail-on")
    (project / "hubgate.toml").write_text('max-size = "lots"\n')
    broken = run_cli("check", GPT2, cwd=cwd)
    assert broken.code == 2 and "hubgate.toml: key 'max-size'" in broken.stderr and "hint:" in broken.stderr


def test_an_unknown_fail_on_word_in_the_policy_file_is_refused_as_it_is_read(run_cli, tmp_path: Path) -> None:
    """The words are the verdicts' and the file is read a floor below them: the check is handed in, so a
    typo in the file is still one line naming the file and key, even when --fail-on overrides the key."""
    (tmp_path / "hubgate.toml").write_text('fail-on = ["action", "trust"]\n')
    runs = [("check", GPT2, "--no-registry"), ("check", GPT2, "--fail-on", "error"), ("policy", "show")]
    for args in runs:
        refused = run_cli(*args, cwd=tmp_path)
        assert refused.code == 2, args
        assert "hubgate.toml: key 'fail-on': 'action,trust': unknown status trust" in refused.stderr
        assert "hint:" in refused.stderr and "Traceback" not in refused.stderr


def test_findings_in_table_markdown_github_and_junit(run_cli, tmp_path: Path) -> None:
    ids = (REMOTE_CODE, PICKLE_ONLY, GPT2, "--no-registry")
    table = run_cli("check", *ids)
    assert "! remote-code: loading runs code from the repo" in table.stdout
    assert "! pickle: weights only in pickle formats" in table.stdout
    assert "2 with pre-flight findings" in table.stdout
    markdown = run_cli("check", *ids, "--format", "markdown").stdout
    assert "Pre-flight" in markdown.splitlines()[4] and "⚠ **pickle**" in markdown
    github = run_cli("check", *ids, "--format", "github", "--fail-on", "action,pickle").stdout.splitlines()
    assert any(x.startswith("::error ") and "pickle" in x for x in github)
    assert any(x.startswith("::warning ") and "remote-code" in x for x in github)
    junit = ET.fromstring(run_cli("check", *ids, "--format", "junit", "--fail-on", "action,pickle").stdout)
    cases = {c.get("name"): c for c in junit.iter("testcase")}
    assert cases[PICKLE_ONLY].find("failure") is not None
    assert cases[REMOTE_CODE].find("failure") is None
    assert "remote-code" in (cases[REMOTE_CODE].findtext("system-out") or "")
    assert junit.get("failures") == "1"


def test_pinned_revisions_existing_and_missing(run_cli, hub: HubSim) -> None:
    result = run_cli(
        "check",
        f"{PINNED}@v1.0",
        f"{PINNED}@nope",
        f"{LLAMA2}@main",
        "--json",
        "--no-registry",
        HF_TOKEN=ALICE,
    )
    assert result.code == 1
    models = result.json()["models"]
    assert [(m["input"], m["status"], m["revision"]) for m in models] == [
        (f"{PINNED}@v1.0", "open", "v1.0"),
        (f"{PINNED}@nope", "revision-not-found", "nope"),
        (f"{LLAMA2}@main", "granted", "main"),
    ]
    assert models[0]["sha"] == PINNED_V1 and models[1]["sha"] is None
    assert models[2]["sha"] == hub.repos[("model", LLAMA2)].sha
    assert hub.count(path=r"/revision/v1\.0$") == 1 and hub.count(path=r"/revision/nope$", status=404) == 1
    # The access probe reads the file at the commit the revision named.
    assert hub.count("resolvers", path=f"/{LLAMA2}/resolve/{models[2]['sha']}/") == 1
    assert "nope" in models[1]["message"]
    assert_no_token(result.stdout, result.stderr)


def test_revision_option_pins_every_input(run_cli, hub: HubSim) -> None:
    result = run_cli("check", PINNED, f"{PINNED}@v1.0", "--revision", "dev", "--json", "--no-registry")
    models = result.json()["models"]
    assert [(m["revision"], m["sha"]) for m in models] == [("dev", "2" * 40), ("v1.0", PINNED_V1)]
    table = run_cli("check", f"{PINNED}@missing", "--no-registry")
    assert table.code == 1 and "revision-not-found" in table.stdout and f"{PINNED}@missing" in table.stdout
    bad = run_cli("check", PINNED, "--revision", "two words")
    assert bad.code == 2 and "--revision" in bad.stderr


def test_findings_in_sarif_validate_against_the_schema(run_cli, tmp_path: Path) -> None:
    schema = json.loads((Path(__file__).parents[1] / "schemas" / "sarif-schema-2.1.0.json").read_text())
    listing = tmp_path / "models.txt"
    listing.write_text(f"{REMOTE_CODE}\n{PICKLE_ONLY}\n{PINNED}@gone\n")
    result = run_cli(
        "check", "-f", str(listing), "--format", "sarif", "--fail-on", "action,pickle", "--no-registry"
    )
    assert result.code == 1
    log = result.json()
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rules == ["hubgate/revision-not-found", "hubgate/finding/remote-code", "hubgate/finding/pickle"]
    found = {
        (r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
        for r in run["results"]
    }
    assert found == {
        ("hubgate/revision-not-found", "error", 3),
        ("hubgate/finding/remote-code", "warning", 1),
        ("hubgate/finding/pickle", "error", 2),
    }
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in run["results"])
