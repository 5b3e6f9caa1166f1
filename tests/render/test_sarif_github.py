"""SARIF that GitHub code scanning accepts: valid against the OASIS 2.1.0 schema (tests/schemas) and
against the rules GitHub enforces, encoded here: every result has a location; every rule has `help`
and a `helpUri` with a page in docs/rules; a relative URI carries `uriBaseId: %SRCROOT%` and an
absolute one is a `file://` URI without it; URIs are percent-encoded ASCII (a file name that is not
UTF-8 included). When Microsoft's SARIF Multitool is installed (`npm install
@microsoft/sarif-multitool`, a self-contained binary: no .NET needed), its GitHub rules run too."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

import jsonschema
import pytest

from hubgate.check.report import Report
from hubgate.hub.token import TokenInfo
from hubgate.inputs.scan.model import Place
from hubgate.render import sarif
from hubgate.testhub import HubSim
from hubgate.verdicts.findings import FINDING_KINDS, Finding
from hubgate.verdicts.verdict import USABLE, Status, Verdict
from tests.conftest import ALICE, GEMMA, LLAMA32, MISTRAL, REPO_ROOT

SCHEMA = json.loads((Path(__file__).parents[1] / "schemas" / "sarif-schema-2.1.0.json").read_text())
DOCS = REPO_ROOT / "docs" / "rules"
# RFC 3986: unreserved and reserved characters, and %XX escapes; nothing else (no space, no non-ASCII)
_URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")


def github_sarif_problems(log: dict[str, Any]) -> list[str]:
    """Why GitHub code scanning (or the SARIF Multitool's GitHub rules) would reject `log`; [] if it
    would not. From GitHub's "SARIF support for code scanning" and the Multitool's GH/SARIF1004 rules."""
    problems = [f"schema: {error.message}" for error in jsonschema.Draft4Validator(SCHEMA).iter_errors(log)]
    if log.get("version") != "2.1.0":
        problems.append("version must be 2.1.0")
    for run_index, run in enumerate(log.get("runs", [])):
        rules = run["tool"]["driver"].get("rules", [])
        for number, rule in enumerate(rules):
            where = f"runs[{run_index}].rules[{number}] {rule.get('id')}"
            if not rule.get("help", {}).get("text"):
                problems.append(f"{where}: no help.text (GH2012)")
            if not re.match(r"^https://", rule.get("helpUri", "")):
                problems.append(f"{where}: no https helpUri")
            for key in ("shortDescription", "fullDescription"):
                if not rule.get(key, {}).get("text"):
                    problems.append(f"{where}: no {key}.text")
        ids = [rule["id"] for rule in rules]
        for number, result in enumerate(run.get("results", [])):
            where = f"runs[{run_index}].results[{number}]"
            if "ruleIndex" in result and ids[result["ruleIndex"]] != result.get("ruleId"):
                problems.append(f"{where}: ruleIndex does not point at ruleId")
            if not result.get("message", {}).get("text"):
                problems.append(f"{where}: no message.text")
            locations = result.get("locations") or []
            if not 1 <= len(locations) <= 10:
                problems.append(f"{where}: {len(locations)} locations (GitHub needs 1 to 10)")
            for location in locations:
                physical = location.get("physicalLocation", {})
                artifact = physical.get("artifactLocation", {})
                problems += _uri_problems(where, artifact)
                region = physical.get("region")
                if region is None and not artifact.get("uri", "").endswith(".ipynb"):
                    problems.append(
                        f"{where}: no region (only a notebook cell, not a line of the file, has none)"
                    )
                if region is not None and region.get("startLine", 0) < 1:
                    problems.append(f"{where}: region without a startLine >= 1")
        for invocation in run.get("invocations", []):
            for number, note in enumerate(invocation.get("toolExecutionNotifications", [])):
                for location in note.get("locations", []):
                    artifact = location["physicalLocation"]["artifactLocation"]
                    problems += _uri_problems(f"notification {number}", artifact)
    return problems


def _uri_problems(where: str, artifact: dict[str, Any]) -> list[str]:
    uri = artifact.get("uri")
    if not uri:
        return [f"{where}: a location without artifactLocation.uri"]
    problems = []
    if not _URI_CHARS.match(uri):
        problems.append(f"{where}: {uri!r} is not a percent-encoded ASCII URI")
    scheme = urlsplit(uri).scheme
    base = artifact.get("uriBaseId")
    if scheme:
        if scheme != "file" or not uri.startswith("file:///"):
            problems.append(f"{where}: absolute URI {uri!r} is not file:///")
        if base is not None:
            problems.append(f"{where}: absolute URI {uri!r} with uriBaseId {base} (SARIF1004)")
    else:
        if uri.startswith("/"):
            problems.append(f"{where}: relative URI {uri!r} begins with a slash (SARIF1004)")
        if base != "%SRCROOT%":
            problems.append(f"{where}: relative URI {uri!r} without uriBaseId %SRCROOT%")
        if uri.split("/", 1)[0] == "..":
            problems.append(f"{where}: relative URI {uri!r} leaves the source root")
    return problems


def _report(verdicts: list[Verdict], skipped: list[tuple[str, str]] | None = None) -> Report:
    report = Report("https://huggingface.co", datetime.now(UTC), TokenInfo("env", True), verdicts)
    report.scan_skipped = skipped or []
    return report


SKIPPED = [
    ("zero.py", "a link to /dev/zero, outside the scanned folder, not read"),
    ("/elsewhere/x.py", "a FIFO"),
]


def _verdict(repo: str, status: Status, **fields: Any) -> Verdict:
    return Verdict(input=repo, model_id=repo, status=status, message="gated", **fields)


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder (`work/`) and files outside it (`other/`); no CI variables."""
    (tmp_path / "work").mkdir()
    (tmp_path / "other").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.delenv("GITHUB_WORKFLOW_REF", raising=False)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    return tmp_path


def _locations(log: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["locations"][0]["physicalLocation"] for r in log["runs"][0]["results"]]


def test_every_kind_of_place_gives_a_location_github_accepts(elsewhere: Path) -> None:
    other = elsewhere / "other"
    byte_name = os.fsdecode(b"bad\xffname.py")
    verdicts = [
        _verdict(
            "a/inside",
            Status.PENDING,
            places=(
                Place("src/train.py", 3, 4, "AutoModel.from_pretrained"),
                Place("nb.ipynb", 2, 1, "AutoModel.from_pretrained", cell=3),
                Place("bad\\xffname.py", 1, 27, "x", path=str(elsewhere / "work" / byte_name)),
                Place("my file.py", 1, 1),
            ),
        ),
        _verdict("a/outside", Status.REJECTED, places=(Place(str(other / "far.py"), 5, 1, "x"),)),
        _verdict("a/listed", Status.REJECTED, origin=f"{other / 'models.txt'}:2"),
        _verdict("a/listed-here", Status.REJECTED, origin="models.txt:7"),
        _verdict("a/stdin", Status.NOT_FOUND, origin="<stdin>:1"),
        _verdict("a/typed", Status.NOT_FOUND),
        _verdict(
            "a/open-pickle",
            Status.OPEN,
            findings=(Finding(kind="pickle", message="pickle only"),),
        ),
    ]
    log = sarif.sarif_log(_report(verdicts, SKIPPED), frozenset({"rejected"}))
    assert github_sarif_problems(log) == []
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"] for n in notes] == [
        {"uri": "zero.py", "uriBaseId": "%SRCROOT%"},
        {"uri": "file:///elsewhere/x.py"},
    ]
    assert notes[0]["message"]["text"] == "hubgate scan skipped zero.py: " + SKIPPED[0][1]
    uris = [(p["artifactLocation"].get("uriBaseId"), p["artifactLocation"]["uri"]) for p in _locations(log)]
    assert uris == [
        ("%SRCROOT%", "src/train.py"),
        ("%SRCROOT%", "nb.ipynb"),
        ("%SRCROOT%", "bad%FFname.py"),  # the file's real bytes, not its escaped display name
        ("%SRCROOT%", "my%20file.py"),
        (None, (other / "far.py").as_uri()),
        (None, (other / "models.txt").as_uri()),
        ("%SRCROOT%", "models.txt"),
        ("%SRCROOT%", "hubgate.toml"),  # no file names these: the documented fallback
        ("%SRCROOT%", "hubgate.toml"),
        ("%SRCROOT%", "hubgate.toml"),
    ]
    assert unquote_to_bytes(uris[2][1]) == b"bad\xffname.py"
    assert "region" not in _locations(log)[1]  # a notebook cell has no line of the file
    results = log["runs"][0]["results"]
    assert [r["properties"].get("location") for r in results][-3:] == ["fallback"] * 3
    assert "no file names this repo; shown at hubgate.toml" in results[-2]["message"]["text"]


def test_the_checker_rejects_what_github_rejects(elsewhere: Path) -> None:
    """The old SARIF's faults, one by one: the checker above is not vacuous."""
    verdicts = [_verdict("a/b", Status.PENDING, places=(Place("src/t.py", 1, 1),))]
    good = sarif.sarif_log(_report(verdicts), frozenset())
    assert github_sarif_problems(good) == []

    def broken(change) -> list[str]:  # type: ignore[no-untyped-def]
        log = json.loads(json.dumps(good))
        change(log["runs"][0])
        return github_sarif_problems(log)

    artifact = ("results", 0, "locations", 0, "physicalLocation", "artifactLocation")

    def at(run: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
        for key in path:
            run = run[key]
        return run

    assert broken(lambda run: at(run, artifact).update(uri="/abs/t.py"))  # SARIF1004
    assert broken(lambda run: at(run, artifact).update(uri="file:///abs/t.py"))  # base id on file://
    assert broken(lambda run: at(run, artifact).update(uri="bad\xffname.py"))  # not percent-encoded
    assert broken(lambda run: at(run, artifact).update(uri="../up.py"))
    assert broken(lambda run: run["results"][0].pop("locations"))  # "expected at least one location"
    assert broken(lambda run: run["tool"]["driver"]["rules"][0].pop("help"))  # GH2012


def test_every_rule_has_help_and_a_docs_page() -> None:
    verdicts = [_verdict(f"a/{s.value}", s) for s in Status if s not in USABLE]
    verdicts.append(
        _verdict("a/f", Status.OPEN, findings=tuple(Finding(kind=k, message=k) for k in FINDING_KINDS))
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("GITHUB_WORKFLOW_REF", raising=False)
        log = sarif.sarif_log(_report(verdicts), frozenset())
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert len(rules) == len(Status) - len(USABLE) + len(FINDING_KINDS)
    for rule in rules:
        page = DOCS / f"{sarif.rule_slug(rule['id'])}.md"
        assert page.is_file(), f"no docs page for {rule['id']}"
        assert f"`{rule['id']}`" in page.read_text()
        assert rule["helpUri"] == sarif.RULES_DOCS + page.name
        assert rule["help"]["text"] and rule["helpUri"] in rule["help"]["markdown"]
    assert github_sarif_problems(log) == []


def test_fallback_is_the_workflow_line_then_the_policy_file(elsewhere: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    work = elsewhere / "work"
    (work / "pyproject.toml").write_text('[tool.hubgate]\nfail-on = "action"\n')
    report = _report([_verdict(GEMMA, Status.NOT_REQUESTED)])
    policy = _locations(sarif.sarif_log(report, frozenset()))[0]
    assert policy["artifactLocation"] == {"uri": "pyproject.toml", "uriBaseId": "%SRCROOT%"}
    workflow = work / ".github" / "workflows" / "ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(f"jobs:\n  check:\n    steps:\n      - run: hubgate check {GEMMA} --format sarif\n")
    monkeypatch.setenv("GITHUB_WORKFLOW_REF", "acme/app/.github/workflows/ci.yml@refs/heads/main")
    log = sarif.sarif_log(report, frozenset())
    assert _locations(log)[0] == {
        "artifactLocation": {"uri": ".github/workflows/ci.yml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 4, "startColumn": 1},
    }
    assert github_sarif_problems(log) == []


def test_check_scan_sarif_outside_the_working_folder(run_cli, hub: HubSim, tmp_path: Path) -> None:
    """The issue's case: a project scanned by absolute path from elsewhere, a -f list outside the working
    folder, an id typed on the command line, a file name that is not UTF-8. No UnicodeEncodeError,
    no %SRCROOT% on absolute paths, a location on every result."""
    project = tmp_path / "project"
    project.mkdir()
    (project / os.fsdecode(b"caf\xe9.py")).write_text(f'AutoModel.from_pretrained("{LLAMA32}")\n')
    (project / "zero.py").symlink_to("/dev/zero")
    listing = tmp_path / "lists" / "models.txt"
    listing.parent.mkdir()
    listing.write_text(f"# models\n{MISTRAL}\n")
    work = tmp_path / "work"
    work.mkdir()
    scanned = run_cli(
        "check", "--scan", str(project), "-f", str(listing), "--format", "sarif",
        cwd=work, HF_TOKEN=ALICE, GITHUB_WORKFLOW_REF="",
    )  # fmt: skip
    typed = run_cli("check", GEMMA, "--format", "sarif", cwd=work, HF_TOKEN=ALICE, GITHUB_WORKFLOW_REF="")
    located = {}
    for result in (scanned, typed):
        assert result.stdout and "Traceback" not in result.stderr, result.stderr
        log = json.loads(result.stdout)
        assert github_sarif_problems(log) == []
        _multitool_errors(log, tmp_path)
        for item in log["runs"][0]["results"]:
            located[item["properties"]["repo_id"]] = item["locations"][0]["physicalLocation"][
                "artifactLocation"
            ]
    notes = json.loads(scanned.stdout)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"] for n in notes] == [
        {"uri": (project / "zero.py").as_uri()}
    ]
    assert "a link to /dev/zero, outside the scanned folder" in notes[0]["message"]["text"]
    assert located == {
        LLAMA32: {"uri": (project / "caf").as_uri() + "%E9.py"},
        MISTRAL: {"uri": listing.as_uri()},
        GEMMA: {"uri": "hubgate.toml", "uriBaseId": "%SRCROOT%"},
    }


def _multitool() -> str | None:
    """The Multitool's native binary: $SARIF_MULTITOOL, or found from the npm package's
    `sarif-multitool` on PATH (its bin.js runs the binary through a shell, which would split the `;`
    lists below, so the binary is run directly)."""
    given = os.environ.get("SARIF_MULTITOOL")
    if given:
        return given
    wrapper = shutil.which("sarif-multitool")
    if wrapper is None:
        return None
    package = Path(os.path.realpath(wrapper)).parent  # node_modules/@microsoft/sarif-multitool
    native = package.parent / f"sarif-multitool-{sys.platform}" / "Sarif.Multitool"
    return str(native) if os.access(native, os.X_OK) else None


def _multitool_errors(log: dict[str, Any], folder: Path) -> None:
    """Run Microsoft's validator with its GitHub rules when it is installed: no error, and no warning but
    SARIF2017 (a region on every location) for a notebook cell's place, which has no line in the .ipynb
    file's JSON to point at (GitHub shows such a result on the file, the cell named in its message)."""
    tool = _multitool()
    if tool is None:
        return
    source = folder / "hubgate.sarif"
    source.write_text(json.dumps(log))
    out = folder / "validation.sarif"
    command = [tool, "validate", "--rule-kind", "Gh;Sarif", "--level", "Error;Warning"]
    command += ["--log", "ForceOverwrite", "-o", str(out), str(source)]
    subprocess.run(command, capture_output=True, timeout=120, check=False)
    reported = json.loads(out.read_text())["runs"][0].get("results", [])
    notebook_places = {
        f"runs[0].results[{n}].locations[0].physicalLocation"
        for n, result in enumerate(log["runs"][0]["results"])
        if result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(".ipynb")
    }
    unexpected = [
        (r["ruleId"], r.get("level"), r.get("message", {}).get("arguments"))
        for r in reported
        if not (r["ruleId"] == "SARIF2017" and r["message"]["arguments"][0] in notebook_places)
    ]
    assert unexpected == []


@pytest.mark.skipif(
    _multitool() is None,
    reason="SARIF Multitool not installed (npm install @microsoft/sarif-multitool; "
    "set SARIF_MULTITOOL to its Sarif.Multitool binary or put sarif-multitool on PATH)",
)
def test_sarif_multitool_github_rules_pass(elsewhere: Path) -> None:
    byte_name = os.fsdecode(b"bad\xffname.py")
    verdicts = [
        _verdict(
            "a/inside",
            Status.PENDING,
            places=(Place("src/train.py", 3, 4, "x"), Place("nb.ipynb", 1, 1, cell=2)),
        ),
        _verdict("a/bytes", Status.PENDING, places=(Place("x", 1, 1, path=str(Path.cwd() / byte_name)),)),
        _verdict("a/outside", Status.REJECTED, places=(Place(str(elsewhere / "other" / "far.py"), 5, 1),)),
        _verdict("a/listed", Status.REJECTED, origin=f"{elsewhere / 'other' / 'models.txt'}:2"),
        _verdict("a/typed", Status.NOT_FOUND),
        _verdict("a/f", Status.OPEN, findings=tuple(Finding(kind=k, message=k) for k in FINDING_KINDS)),
    ]
    log = sarif.sarif_log(_report(verdicts, SKIPPED), frozenset({"rejected"}))
    _multitool_errors(log, elsewhere)
