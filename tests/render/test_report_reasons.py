"""Reports that agree with the exit code and name the cause (issue 26), through the real CLI and the
loopback Hub: a finding the policy selects puts a repo under "Action needed" with its rule and where the
rule came from; the summary says why the exit code is not 0; errors with one cause (the Hub down) are one
headline with the ids; request counts and quota wait for -v; a scan that finds nothing asks nothing."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from hubgate.testhub import HubSim
from tests.conftest import ALICE, GPT2, REMOTE_CODE

IDS = [GPT2, "meta-llama/Llama-2-7b-hf", "google/gemma-2b", "nobody/a", "nobody/b"]


def _closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_a_finding_the_flag_selects_is_action_needed_naming_the_rule(run_cli, hub: HubSim) -> None:
    result = run_cli("check", REMOTE_CODE, "--fail-on", "action,remote-code", "--no-registry", HF_TOKEN=ALICE)
    out = result.stdout
    assert result.code == 1
    assert "Usable now" not in out and "Action needed (1)" in out
    assert f"✗ {REMOTE_CODE}  open" in out
    assert "fails the run: remote-code (selected by --fail-on action,remote-code)" in out
    summary = out[out.index("Summary:") :]
    assert "0 usable · 1 needs action" in summary
    assert "exit 1: 1 repo with a remote-code finding, failed by --fail-on action,remote-code" in summary
    quiet = run_cli("check", REMOTE_CODE, GPT2, "--fail-on", "action,remote-code", "-q", HF_TOKEN=ALICE)
    assert (quiet.code, quiet.stdout) == (1, f"remote-code\t{REMOTE_CODE}\n")  # never silent on exit 1


def test_a_finding_the_policy_file_selects_names_the_file(run_cli, hub: HubSim, tmp_path: Path) -> None:
    (tmp_path / "hubgate.toml").write_text('fail-on = ["action", "remote-code"]\n')
    result = run_cli("check", REMOTE_CODE, GPT2, "--no-registry", HF_TOKEN=ALICE)
    assert result.code == 1
    origin = "hubgate.toml fail-on = action,remote-code"
    assert f"(selected by {origin})" in result.stdout
    assert f"failed by {origin}" in result.stdout
    markdown = run_cli("check", REMOTE_CODE, GPT2, "--format", "markdown", "--no-registry", HF_TOKEN=ALICE)
    assert (
        "**1 of 2 usable**" in markdown.stdout
        and "**Exit 1: 1 repo with a remote-code finding" in markdown.stdout
    )
    [row] = [line for line in markdown.stdout.splitlines() if REMOTE_CODE in line]
    assert row.startswith("| ❌ |") and "fails the run: remote-code" in row
    github = run_cli("check", REMOTE_CODE, GPT2, "--format", "github", "--no-registry", HF_TOKEN=ALICE)
    notice = github.stdout.splitlines()[-1]
    assert notice.startswith("::notice title=hubgate::2 checked, 1 usable; exit 1: 1 repo with a remote-code")


def test_the_summary_says_why_the_exit_code_is_not_0(run_cli, hub: HubSim) -> None:
    result = run_cli("check", GPT2, "nobody/missing", HF_TOKEN=ALICE)
    assert result.code == 1
    assert "exit 1: 1 repo not usable (1 not-found), failed by the default fail-on (action)" in result.stdout
    fine = run_cli("check", GPT2, HF_TOKEN=ALICE)
    assert fine.code == 0 and "exit" not in fine.stdout.lower()


def test_an_unreachable_hub_is_one_headline_with_the_ids(run_cli, hub: HubSim) -> None:
    down = _closed_port_url()
    result = run_cli("check", *IDS, HF_TOKEN=ALICE, HF_ENDPOINT=down)
    out = result.stdout
    assert result.code == 3
    assert out.count("Connection refused") == 1  # one headline, not one block per repo (nor the token's)
    assert "Token: from HF_TOKEN: could not be identified (no answer from the Hub: see below)" in out
    headline = (
        f"the Hub at {down} is unreachable: ConnectError: [Errno 111] Connection refused; 5 repos not checked"
    )
    assert headline in out
    assert ", ".join(IDS) in out
    assert out.count("Re-run later") == 1
    assert "exit 3: 5 repos got no verdict (Hub or network errors)" in out

    markdown = run_cli("check", *IDS, "--format", "markdown", HF_TOKEN=ALICE, HF_ENDPOINT=down).stdout
    assert markdown.count("Connection refused") == 1 and f"- ⚠ **{headline}**: `{GPT2}`" in markdown
    assert "| ❌ |" not in markdown  # no identical row per repo
    github = run_cli("check", *IDS, "--format", "github", HF_TOKEN=ALICE, HF_ENDPOINT=down).stdout
    errors = [line for line in github.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and headline in errors[0] and "nobody/b" in errors[0]

    data = run_cli("check", *IDS, "--json", HF_TOKEN=ALICE, HF_ENDPOINT=down).json()
    assert [m["status"] for m in data["models"]] == ["error"] * 5  # each repo keeps its own error
    [grouped] = data["headlines"]
    assert grouped["headline"] == headline and grouped["ids"] == IDS


def test_a_hub_that_accepts_and_never_answers_is_one_headline(run_cli, hub: HubSim) -> None:
    hub.inject(".", "hang", times=1000)  # every request: accepted, never answered
    result = run_cli("check", *IDS, "--timeout", "1", "--no-registry", HF_TOKEN=ALICE)
    assert result.code == 3
    assert f"the Hub at {hub.url} accepted connections but never answered" in result.stdout
    assert "5 repos not checked" in result.stdout and result.stdout.count("Re-run later") == 1
    assert f"no answer from {hub.url}" in result.stderr  # said while it happened, not only at the end


def test_errors_with_causes_of_their_own_stay_one_block_each(run_cli, hub: HubSim) -> None:
    hub.inject(r"/api/models/nobody/a", "status", status=500, times=50)
    result = run_cli("check", GPT2, "nobody/a", "--retries", "0", "--json", HF_TOKEN=ALICE)
    assert result.json()["headlines"] == []  # one error: nothing to group


def test_request_counts_and_quota_only_with_verbose(run_cli, hub: HubSim) -> None:
    plain = run_cli("check", GPT2, HF_TOKEN=ALICE).stdout
    summary = plain[plain.index("Summary:") :]
    assert "request" not in summary and "quota" not in summary
    verbose = run_cli("check", GPT2, "-v", HF_TOKEN=ALICE).stdout
    assert "api quota left" in verbose[verbose.index("Summary:") :]
    data = run_cli("check", GPT2, "--json", HF_TOKEN=ALICE).json()
    assert data["requests"]["by_bucket"]["api"] >= 1  # JSON keeps the bookkeeping


def test_a_scan_that_finds_nothing_asks_the_hub_nothing(run_cli, hub: HubSim, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    hub.reset_log()
    result = run_cli("check", "--scan", "empty", HF_TOKEN=ALICE)
    assert result.code == 0
    assert hub.count() == 0  # no whoami either
    assert result.stdout == "Nothing checked: the scan found no Hub repo ids in 0 files under empty.\n"
    as_json = run_cli("check", "--scan", "empty", "--json", HF_TOKEN=ALICE)
    assert as_json.json()["models"] == [] and hub.count() == 0
    assert "the scan found no Hub repo ids in 0 files under empty" in as_json.stderr


def test_watch_shares_the_headline_and_the_reason(run_cli, hub: HubSim) -> None:
    state = "--state=watch.db"
    result = run_cli("watch", GPT2, "nobody/missing", state, HF_TOKEN=ALICE)
    assert result.code == 1
    summary = result.stdout[result.stdout.index("Summary:") :]
    assert "exit 1: 1 repo not usable (1 not-found)" in summary and "quota" not in summary
    assert "quota left" in run_cli("watch", GPT2, state, "--all", "-v", HF_TOKEN=ALICE).stdout
    down = run_cli("watch", GPT2, "nobody/missing", state, HF_TOKEN=ALICE, HF_ENDPOINT=_closed_port_url())
    assert down.code == 3 and "is unreachable" in down.stdout and down.stdout.count("Re-run later") == 1
    json.loads(run_cli("watch", GPT2, state, "--json", HF_TOKEN=ALICE).stdout)
