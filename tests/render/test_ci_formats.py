"""CI formats: JUnit parses as XML, GitHub workflow commands are well formed, Markdown is a table,
JSON validates against the published schema, --output writes a file while the terminal gets the report."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema

from hubgate.testhub import HubSim
from tests.conftest import ALICE, BERT, GEMMA, LLAMA2, LLAMA32, MISTRAL, assert_no_token

IDS = (BERT, LLAMA2, LLAMA32, GEMMA, MISTRAL, "nobody/missing", "bad id")
WORKFLOW_LINE = re.compile(r"^::(error|warning|notice)( [a-z]+=[^,:]*(,[a-z]+=[^,:]*)*)?::.*$")


def test_json_validates_against_the_schema(run_cli, hub: HubSim) -> None:
    schema = json.loads(resources.files("hubgate").joinpath("schemas/check-v2.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for env in ({"HF_TOKEN": ALICE}, {}):
        result = run_cli("check", *IDS, "gpt2", "--json", **env)
        jsonschema.validate(result.json(), schema)
    broken = result.json()
    broken["models"][0]["status"] = "maybe"
    try:
        jsonschema.validate(broken, schema)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("the schema accepted an unknown status")


def test_junit_is_valid_xml_with_one_case_per_repo(run_cli, hub: HubSim) -> None:
    hub.inject(f"^/api/models/{MISTRAL}$", "status", status=503, times=20)
    result = run_cli("check", *IDS, "--format", "junit", "--retries", "0", HF_TOKEN=ALICE)
    root = ET.fromstring(result.stdout)
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [
        BERT,
        LLAMA2,
        LLAMA32,
        GEMMA,
        MISTRAL,
        "nobody/missing",
        "bad id",
    ]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("7", "4", "1")
    assert cases[0].find("failure") is None and cases[1].find("failure") is None
    pending = cases[2].find("failure")
    assert (
        pending is not None and pending.get("type") == "pending" and "next step: Wait" in (pending.text or "")
    )
    assert cases[4].find("error") is not None
    assert result.code == 3


def test_github_workflow_commands(run_cli, tmp_path: Path) -> None:
    (tmp_path / "models.txt").write_text(f"{BERT}\n# gated\n{LLAMA32}\n{GEMMA}\n")
    result = run_cli(
        "check", "-f", "models.txt", "--format", "github", "--fail-on", "not-requested", HF_TOKEN=ALICE
    )
    lines = result.stdout.splitlines()
    assert all(WORKFLOW_LINE.match(line) for line in lines), lines
    assert lines[0].startswith(
        "::warning file=models.txt,line=3,title=hubgate%3A meta-llama/Llama-3.2-1B-Instruct is pending::"
    )
    assert lines[1].startswith("::error file=models.txt,line=4,")
    assert "Next: Accept the terms at" in lines[1]
    assert lines[-1] == (
        "::notice title=hubgate::3 checked, 1 usable; "
        "exit 1: 1 repo not usable (1 not-requested), failed by --fail-on not-requested"
    )
    assert len(lines) == 3 and result.code == 1


def test_github_escapes_newlines_and_percent() -> None:
    from datetime import UTC, datetime

    from hubgate.check.report import Report
    from hubgate.hub.token import TokenInfo
    from hubgate.render import github
    from hubgate.verdicts.verdict import Status, Verdict

    verdict = Verdict(input="a/b", model_id="a/b", status=Status.ERROR, message="50% done\nthen, fail")
    report = Report("https://hub", datetime.now(UTC), TokenInfo("none", False), [verdict])
    first = github.render(report, frozenset({Status.ERROR})).splitlines()[0]
    assert "50%25 done%0Athen, fail" in first and "\n" not in first


def test_markdown_table(run_cli, hub: HubSim) -> None:
    result = run_cli("check", "gpt2", LLAMA32, "--format", "markdown", HF_TOKEN=ALICE)
    lines = result.stdout.splitlines()
    assert lines[0] == "## hubgate: model access"
    header = lines.index("| | Repo | Status | Gate | Size · licence · context | Next step |")
    rows = lines[header + 2 :]
    assert len(rows) == 2 and all(
        row.startswith("| ") and row.endswith(" |") and row.count(" | ") == 5 for row in rows
    )
    assert "| 124.44M params · mit · 1k context |" in rows[0]  # the registry's facts
    assert f"[openai-community/gpt2]({hub.url}/openai-community/gpt2) (asked as `gpt2`)" in rows[0]
    assert "`pending`" in rows[1] and "manual" in rows[1]
    assert "**1 of 2 usable**" in result.stdout


def test_output_file_and_terminal_report(run_cli, tmp_path: Path) -> None:
    result = run_cli(
        "check", BERT, LLAMA32, "--format", "junit", "--output", "out/report.xml", HF_TOKEN=ALICE
    )
    assert result.code == 2 and "does not exist" in result.stderr  # checked before any request
    (tmp_path / "out").mkdir()
    result = run_cli("check", BERT, LLAMA32, "--format", "junit", "-o", "out/report.xml", HF_TOKEN=ALICE)
    assert result.code == 1
    ET.parse(tmp_path / "out" / "report.xml")
    assert "Action needed (1)" in result.stdout and "<testsuite" not in result.stdout
    assert_no_token(result.stdout, result.stderr, (tmp_path / "out" / "report.xml").read_text())
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["report.xml"]  # no temp file left behind
    # The user's umask decides the mode, as for any tool's output (the temp file's 0600 used to stay).
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "out" / "report.xml").stat().st_mode & 0o777 == 0o666 & ~umask


def test_every_renderer_escapes_control_and_bidi_characters_from_the_hub() -> None:
    from datetime import UTC, datetime

    from hubgate.check.report import Report
    from hubgate.hub.token import TokenInfo
    from hubgate.render import FORMATS, render_report
    from hubgate.verdicts.verdict import Status, Verdict

    hostile = "bad\x1b[2J\x00answer \u202eevil"
    verdicts = [
        Verdict(input="a/b", model_id="a/b", status=Status.ERROR, message=hostile, next_step=hostile),
        Verdict(input="org/na`me", model_id=None, status=Status.INVALID, message="not a repo id"),
    ]
    report = Report("https://hub", datetime.now(UTC), TokenInfo("none", False), verdicts)
    for fmt in (f for f in FORMATS if f != "cyclonedx"):
        text = render_report(report, fmt, failing=frozenset({Status.ERROR, Status.INVALID}))
        assert "\x1b" not in text and "\x00" not in text and "\u202e" not in text, fmt
        if fmt == "junit":
            ET.fromstring(text)
        if fmt == "markdown":
            assert "`` org/na`me ``" in text  # the backtick stays inside the code span
    assert "bad\\x1b[2J\\x00answer \\u202eevil" in render_report(report, "table", failing=frozenset())
