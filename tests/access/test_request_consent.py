"""Issue 21: `hubgate request` speaks for the user only with their say, and calls a request sent only
when the Hub's answer says so (access/request_outcome.py), through the real CLI against the loopback Hub."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hubgate.testhub import HubSim, Repo
from tests.conftest import ALICE, CliResult, assert_no_token, clean_env

MANUAL = "lab/manual-gate"
AUTO = "lab/auto-gate"
PROMPTED = "lab/prompt-gate"
TEXT_FORM = "lab/text-form"
LICENCE_PROMPT = "By requesting access you agree to the licence."


@pytest.fixture
def gates(hub: HubSim) -> HubSim:
    hub.add_repo(Repo(MANUAL, gated="manual"))
    hub.add_repo(Repo(AUTO, gated="auto"))
    hub.add_repo(Repo(PROMPTED, gated="auto", card_data={"extra_gated_prompt": LICENCE_PROMPT}))
    hub.add_repo(Repo(TEXT_FORM, gated="manual", card_data={"extra_gated_fields": {"Affiliation": "text"}}))
    return hub


def posts(hub: HubSim) -> list[str]:
    return [e.path for e in hub.log if e.method == "POST"]


def rows(result: CliResult) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in result.json()["results"]}


def one_line_error(result: CliResult, *words: str) -> None:
    assert result.code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[0].startswith("hubgate: error: "), result.stderr
    assert [line for line in lines[1:] if not line.startswith("  hint:")] == [], result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.mark.parametrize(
    "args",
    [
        (MANUAL,),
        (AUTO,),
        (PROMPTED, "--accept-terms"),  # accepting terms is not saying to send
        (TEXT_FORM, "--field", "Affiliation=Wonderland"),
        ("--scan", "proj"),
    ],
    ids=["manual", "auto", "prompt", "text-form", "scan"],
)
def test_without_a_terminal_nothing_is_sent_unless_yes(
    gates: HubSim, run_cli: Any, tmp_path: Path, args: tuple[str, ...]
) -> None:
    """Issue 21: each of these sent requests (name and email, terms agreed) with stdin not a terminal."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / "train.py").write_text(f"from_pretrained('{AUTO}')\nfrom_pretrained('{MANUAL}')\n")
    result = run_cli("request", *args, stdin="", HF_TOKEN=ALICE)
    one_line_error(result, "not a terminal", "--yes", "--dry-run")
    assert posts(gates) == [] and gates.log == []  # refused before a single request
    sent = run_cli("request", *args, "--yes", "--accept-terms", "--format", "json", stdin="", HF_TOKEN=ALICE)
    assert sent.code == 0, sent.stderr
    assert {r["outcome"] for r in sent.json()["results"]} <= {"sent-granted", "sent-pending"}
    assert len(posts(gates)) == len(sent.json()["results"])


def test_a_closed_stdin_is_one_line(gates: HubSim, tmp_path: Path) -> None:
    """Issue 21: `request` with stdin closed was a traceback."""

    def closed(*args: str) -> CliResult:
        proc = subprocess.run(
            ["bash", "-c", f'"{sys.executable}" -m hubgate request {" ".join(args)} <&-'],
            capture_output=True,
            text=True,
            env=clean_env(gates.url, tmp_path, HF_TOKEN=ALICE),
            timeout=60,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    one_line_error(closed(AUTO), "standard input is closed", "--yes")
    assert posts(gates) == []
    sent = closed(AUTO, "--yes", "--format", "json")
    assert sent.code == 0 and rows(sent)[AUTO]["outcome"] == "sent-granted", sent.stderr


def test_a_prompt_is_terms_even_without_checkboxes(gates: HubSim, run_cli: Any) -> None:
    """Issue 21: a gate whose prompt says "By requesting access you agree to the licence" was sent with
    no --accept-terms."""
    result = run_cli("request", PROMPTED, "--yes", "--format", "json", stdin="", HF_TOKEN=ALICE)
    row = rows(result)[PROMPTED]
    assert row["outcome"] == "form-incomplete" and "the gate's prompt" in row["message"]
    assert row["missing"] == ["extra_gated_prompt"] and result.code == 1
    table = run_cli("request", PROMPTED, "--yes", stdin="", HF_TOKEN=ALICE)
    assert LICENCE_PROMPT in table.stdout and "terms not accepted" in table.stdout
    assert "Terms not accepted: read them, then pass --accept-terms" in table.stdout
    assert posts(gates) == []
    # A text-only form has no terms: --yes is the whole say.
    text = run_cli(
        "request", TEXT_FORM, "--field", "Affiliation=Wonderland", "--yes", "--format", "json", stdin="",
        HF_TOKEN=ALICE,
    )  # fmt: skip
    assert rows(text)[TEXT_FORM]["outcome"] == "sent-pending", text.stderr
    assert gates.requests[("model", TEXT_FORM)]["alice"].fields == {"Affiliation": "Wonderland"}


HTML_PAGE = (
    "<!doctype html><html><head><title>Sign in &middot; Hugging Face</title></head>"
    "<body><form action='/login'>...</form></body></html>"
)


@pytest.mark.parametrize(
    ("body", "headers", "words"),
    [
        (HTML_PAGE, {"Content-Type": "text/html; charset=utf-8"}, ["HTML page", "Sign in · Hugging Face"]),
        ({}, {}, ["empty JSON object ({})"]),
        ({"ok": True}, {}, ["JSON object without a status"]),
        ("Thanks!", {}, ['"Thanks!"']),
    ],
    ids=["html", "empty-object", "other-json", "other-text"],
)
def test_a_200_the_contract_does_not_recognise_is_an_error(
    gates: HubSim, run_cli: Any, tmp_path: Path, body: Any, headers: dict[str, str], words: list[str]
) -> None:
    """Issue 21: a 200 HTML page or `200 {}` answering the POST was reported as "request sent"."""
    gates.inject(r"/ask-access$", "body", method="POST", body=body, headers=headers)
    state = tmp_path / "watch.sqlite3"
    result = run_cli(
        "request", MANUAL, "--yes", "--state", str(state), "--format", "json", stdin="", HF_TOKEN=ALICE
    )
    row = rows(result)[MANUAL]
    assert row["outcome"] == "error", row
    assert "HTTP 200" in row["message"] and "may not have been recorded" in row["message"]
    for word in words:
        assert word in row["message"]
    assert result.code == 3 and result.json()["recorded_pending"] == 0
    assert len(posts(gates)) == 1
    assert_no_token(result.stdout, result.stderr)


@pytest.mark.parametrize("status", [302, 307, 308])
def test_a_redirect_on_the_post_is_never_followed(gates: HubSim, run_cli: Any, status: int) -> None:
    """Issue 21: a redirect loop on the POST sent 21 POSTs."""
    gates.inject(r"/ask-access$", "redirect", method="POST", status=status, times=100)
    result = run_cli("request", AUTO, "--yes", "--format", "json", stdin="", HF_TOKEN=ALICE)
    row = rows(result)[AUTO]
    assert (
        row["outcome"] == "error" and f"HTTP {status}" in row["message"] and "not followed" in row["message"]
    )
    assert posts(gates) == [f"/api/models/{AUTO}/ask-access"]
    assert result.code == 3


@pytest.mark.parametrize("answer", ["empty", "ok"])
def test_a_bare_acknowledgement_is_confirmed_by_the_gate(gates: HubSim, run_cli: Any, answer: str) -> None:
    gates.ask_access_answer = answer
    result = run_cli("request", AUTO, MANUAL, "--yes", "--format", "json", stdin="", HF_TOKEN=ALICE)
    assert result.code == 0, result.stderr
    got = rows(result)
    assert got[AUTO]["outcome"] == "sent-granted" and got[MANUAL]["outcome"] == "sent-pending"
    for repo_id in (AUTO, MANUAL):  # one file probe each, after its POST
        (sent,) = [e for e in gates.log if e.method == "POST" and repo_id in e.path]
        assert [e for e in gates.log if e.method == "HEAD" and repo_id in e.path and e.at > sent.at]


def test_an_acknowledgement_the_gate_does_not_bear_out_is_an_error(gates: HubSim, run_cli: Any) -> None:
    """A 200 the Hub sends without recording anything: the confirming probe still says not-requested."""
    gates.inject(r"/ask-access$", "body", method="POST", body="")
    result = run_cli("request", MANUAL, "--yes", "--format", "json", stdin="", HF_TOKEN=ALICE)
    row = rows(result)[MANUAL]
    assert row["outcome"] == "error" and "still says no request was made" in row["message"]
    assert result.json()["recorded_pending"] == 0
