"""The real CLI as a subprocess against the loopback Hub: formats, JSON contract, exit codes, inputs, leaks."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hubgate.testhub import HubSim
from tests.conftest import (
    ALICE,
    BERT,
    BOB,
    CAROL,
    GEMMA,
    GPT2,
    LLAMA2,
    LLAMA32,
    MISTRAL,
    assert_no_token,
    clean_env,
)

JSON_KEYS = {
    "schema_version",
    "endpoint",
    "checked_at",
    "token",
    "summary",
    "models",
    "headlines",
    "requests",
    "collections",
}
MODEL_KEYS = {
    "findings",
    "cost",
    "revision",
    "sha",
    "input",
    "id",
    "repo_type",
    "status",
    "gated",
    "private",
    "url",
    "message",
    "next_step",
    "requires",
    "suggestions",
    "alternatives",
    "registry",
    "fit",
    "places",  # schema version 2: where the code uses the repo (check --scan), [] otherwise
    "collection",  # the collection input that brought the repo, else null
}


def test_json_contract(run_cli, hub: HubSim) -> None:
    result = run_cli("check", "gpt2", LLAMA2, LLAMA32, GEMMA, "not an id", "--format", "json", HF_TOKEN=ALICE)
    assert result.code == 1, result.stderr
    data = result.json()
    assert set(data) == JSON_KEYS
    assert data["schema_version"] == 2
    assert data["endpoint"] == hub.url
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", data["checked_at"])
    assert data["token"] == {
        "source": "HF_TOKEN",
        "user": "alice",
        "name": "laptop",
        "role": "read",
        "can_read_gated": True,
        "valid": True,
    }
    assert data["summary"] == {"open": 1, "granted": 1, "not-requested": 1, "pending": 1, "invalid": 1}
    models = data["models"]
    assert [m["input"] for m in models] == ["gpt2", LLAMA2, LLAMA32, GEMMA, "not an id"]
    assert all(set(m) == MODEL_KEYS for m in models)
    gpt2, llama2, llama32, gemma, bad = models
    assert (gpt2["id"], gpt2["status"], gpt2["gated"], gpt2["private"]) == (GPT2, "open", False, False)
    assert (llama2["status"], llama2["gated"]) == ("granted", "manual")
    assert (gemma["status"], gemma["gated"], gemma["url"]) == ("not-requested", "auto", f"{hub.url}/{GEMMA}")
    assert llama32["next_step"].startswith("Wait for the authors' review")
    assert bad["status"] == "invalid" and bad["id"] is None and "not a repo id" in bad["message"]
    assert data["requests"]["by_bucket"]["api"] >= 5
    assert_no_token(result.stdout, result.stderr)


def test_exit_codes_and_fail_on(run_cli) -> None:
    assert run_cli("check", BERT, LLAMA2, HF_TOKEN=ALICE).code == 0
    assert run_cli("check", BERT, LLAMA32, HF_TOKEN=ALICE).code == 1
    assert run_cli("check", BERT, LLAMA32, "--fail-on", "never", HF_TOKEN=ALICE).code == 0
    assert run_cli("check", BERT, LLAMA32, "--fail-on", "error", HF_TOKEN=ALICE).code == 0
    assert run_cli("check", LLAMA32, "--fail-on", "rejected,error", HF_TOKEN=ALICE).code == 0
    assert run_cli("check", MISTRAL, "--fail-on", "rejected,error", HF_TOKEN=ALICE).code == 1
    bad = run_cli("check", BERT, "--fail-on", "sometimes")
    assert bad.code == 2
    assert bad.stderr.strip().count("\n") == 0 and "--fail-on" in bad.stderr and "Traceback" not in bad.stderr


def test_exit_3_when_the_hub_leaves_repos_without_verdict(run_cli, hub: HubSim) -> None:
    hub.inject(f"/api/models/{LLAMA2}$", "status", status=503, times=50)
    result = run_cli("check", BERT, LLAMA2, LLAMA32, "--retries", "1", "--format", "json", HF_TOKEN=ALICE)
    assert result.code == 3
    statuses = {m["input"]: m["status"] for m in result.json()["models"]}
    assert statuses == {BERT: "open", LLAMA2: "error", LLAMA32: "pending"}  # one failure stops nothing
    error = next(m for m in result.json()["models"] if m["status"] == "error")
    assert "503" in error["message"]


def test_grouped_report(run_cli, hub: HubSim) -> None:
    result = run_cli("check", "gpt2", LLAMA2, GEMMA, LLAMA32, "nobody/missing", HF_TOKEN=ALICE)
    out = result.stdout
    assert result.code == 1
    assert "\x1b[" not in out  # no colour: NO_COLOR set and stdout is not a terminal
    assert 'Token: alice · read token "laptop" · from HF_TOKEN · reads gated repos: yes' in out
    sections = ["Usable now (2)", "Action needed (2)", "Problems (1)"]
    positions = [out.index(section) for section in sections]
    assert positions == sorted(positions)
    assert f"{GPT2} (asked as gpt2)" in out
    assert f"→ Accept the terms at {hub.url}/{GEMMA}; access is immediate." in out
    assert "nobody/missing  not-found" in out
    assert f"• {LLAMA2}  granted · gated, manual" in out
    assert "Summary: 5 checked · 2 usable · 2 need action · 1 problem " in out


def test_group_headings_are_true_of_every_member(run_cli, hub: HubSim) -> None:
    from tests.conftest import CAROL, PRIVATE

    # An open repo under a rejected token is not "gated"; a private, non-gated repo is not "gated" either.
    rejected = run_cli("check", BERT, HF_TOKEN=CAROL).stdout
    assert "Action needed (1)" in rejected and "Gated" not in rejected
    line = next(line for line in rejected.splitlines() if BERT in line and "✗" in line)
    assert line.startswith(f"   ✗ {BERT}  token-invalid") and "gated" not in line
    owned = run_cli("check", PRIVATE, "-v", HF_TOKEN=ALICE).stdout
    assert "Usable now (1)" in owned and "Gated" not in owned
    assert f"• {PRIVATE}  granted · private" in owned
    assert "1 checked · 1 usable" in owned and "(1 granted; 3 requests" in owned


def test_quiet_format_lists_only_unusable(run_cli) -> None:
    result = run_cli("check", BERT, LLAMA32, "-q", HF_TOKEN=ALICE)
    assert result.code == 1
    assert result.stdout == f"pending\t{LLAMA32}\n"
    ok = run_cli("check", BERT, "--quiet", HF_TOKEN=ALICE)
    assert (ok.code, ok.stdout) == (0, "")


def test_reads_models_to_check_txt_by_default(run_cli, tmp_path: Path) -> None:
    (tmp_path / "models_to_check.txt").write_bytes(
        b"\xef\xbb\xbf# models for the thesis\r\n\r\n  gpt2   # baseline\r\nhttps://huggingface.co/"
        + LLAMA2.encode()
        + b"/tree/main\r\nhf://"
        + GEMMA.encode()
        + b"\r\ngpt2\r\nbad id here\r\n"
    )
    result = run_cli("check", "--json", HF_TOKEN=ALICE)
    models = result.json()["models"]
    assert [m["input"] for m in models] == [
        "gpt2",
        f"https://huggingface.co/{LLAMA2}/tree/main",
        f"hf://{GEMMA}",
        "bad id here",
    ]
    assert [m["status"] for m in models] == ["open", "granted", "not-requested", "invalid"]
    assert "models_to_check.txt:7" in models[3]["message"]  # line 7: BOM, comments and blanks counted


def test_stdin_and_repeated_files(run_cli, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(f"{BERT}\n")
    result = run_cli(
        "check",
        "-f",
        "a.txt",
        "-f",
        "-",
        "--json",
        stdin=f"{LLAMA2}\ndatasets/acme-research/open-data\n",
        HF_TOKEN=ALICE,
    )
    models = result.json()["models"]
    assert [(m["id"], m["repo_type"], m["status"]) for m in models] == [
        (BERT, "model", "open"),
        (LLAMA2, "model", "granted"),
        ("acme-research/open-data", "dataset", "open"),
    ]


def test_models_config_yaml_input(run_cli, tmp_path: Path) -> None:
    (tmp_path / "models_config.yaml").write_text(
        f'stock_models:\n  llama2_7b:\n    name: "{LLAMA2}"\n    parameters: "7B"\n'
        f"finance_models:\n  bert:\n    name: {BERT}\n"
    )
    result = run_cli("check", "-f", "models_config.yaml", "--json", HF_TOKEN=ALICE)
    assert [(m["id"], m["status"]) for m in result.json()["models"]] == [(LLAMA2, "granted"), (BERT, "open")]


def test_missing_file_is_one_line_exit_2(run_cli) -> None:
    result = run_cli("check", "-f", "nope.txt")
    assert result.code == 2
    assert (
        result.stderr == "hubgate: error: nope.txt: no such file\n  hint: pass ids as arguments, or -f FILE\n"
    )
    nothing = run_cli("check")
    assert nothing.code == 2 and "models_to_check.txt" in nothing.stderr and "Traceback" not in nothing.stderr


def test_token_sources_in_order_and_never_printed(run_cli, hub: HubSim) -> None:
    env = {"HUGGINGFACE_API_KEY": BOB, "HUGGINGFACE_API_TOKEN": CAROL}
    # HUGGINGFACE_API_TOKEN comes before HUGGINGFACE_API_KEY
    first = run_cli("check", LLAMA2, "--json", **env)
    assert first.json()["token"]["source"] == "HUGGINGFACE_API_TOKEN"
    assert first.json()["models"][0]["status"] == "token-invalid"
    explicit = run_cli("check", LLAMA2, "--json", "--token", ALICE, **env)
    assert (explicit.json()["token"]["source"], explicit.json()["models"][0]["status"]) == (
        "--token",
        "granted",
    )
    anonymous = run_cli("check", LLAMA2, "--json", "--anonymous", HF_TOKEN=ALICE)
    assert anonymous.json()["token"]["source"] == "--anonymous"
    assert anonymous.json()["models"][0]["status"] == "needs-login"
    assert all(entry.authorized is False for entry in hub.log[-1:])
    for result in (first, explicit, anonymous):
        assert_no_token(result.stdout, result.stderr)


def test_stored_login_is_used_last(run_cli, tmp_path: Path) -> None:
    home = tmp_path / "hf-home"
    home.mkdir()
    (home / "token").write_text(ALICE)
    result = run_cli("check", LLAMA2, "--json")
    assert result.json()["token"]["source"] == "stored login"
    assert result.json()["models"][0]["status"] == "granted"
    assert_no_token(result.stdout, result.stderr)


def test_no_token_in_any_output_even_when_the_hub_echoes_it(run_cli, hub: HubSim) -> None:
    # A hostile or buggy answer that repeats the Authorization header must not carry the token out.
    hub.inject(f"/api/models/{LLAMA2}$", "status", status=418, times=5)
    hub.rejected_message = f"rejected for Bearer {ALICE}"
    for fmt in ("table", "json", "quiet"):
        result = run_cli("check", LLAMA2, MISTRAL, "--format", fmt, "--token", ALICE)
        assert_no_token(result.stdout, result.stderr)
        assert result.code in (1, 3)


def test_version_and_help_are_fast_paths(run_cli) -> None:
    version = run_cli("--version")
    assert version.code == 0 and re.fullmatch(r"hubgate \d+\.\d+\.\d+\n", version.stdout)
    help_text = run_cli("check", "--help")
    assert help_text.code == 0 and "--fail-on" in help_text.stdout


def test_request_budget_per_model(run_cli, hub: HubSim) -> None:
    """Open: 1 api request. Gated with a token: 1 api + 1 resolvers. Gated without a token: 1 api."""
    run_cli("check", BERT, "--anonymous", "--no-cache")
    assert (hub.count("api"), hub.count("resolvers")) == (1, 0)
    hub.reset_log()
    run_cli("check", LLAMA2, GEMMA, "--no-alternatives", "--no-cache", HF_TOKEN=ALICE)
    assert hub.count("api", path="whoami") == 1
    assert (hub.count("api") - 1, hub.count("resolvers")) == (2, 2)
    assert hub.count(path="auth-check") == 0
    hub.reset_log()
    run_cli("check", LLAMA2, GEMMA, "--anonymous", "--no-alternatives", "--no-cache")
    assert (hub.count("api"), hub.count("resolvers")) == (2, 0)


def test_reported_request_counts_match_what_the_hub_saw(run_cli, hub: HubSim) -> None:
    hub.inject(f"^/api/models/{GEMMA}$", "status", status=502, times=1)
    result = run_cli("check", "gpt2", LLAMA2, GEMMA, "--json", HF_TOKEN=ALICE)
    requests = result.json()["requests"]
    assert requests["by_bucket"] == {"api": hub.count("api"), "resolvers": hub.count("resolvers")}
    assert requests["retries"] == 1


def test_asked_as_only_for_real_redirects(run_cli, hub: HubSim) -> None:
    out = run_cli(
        "check", "gpt2", f"https://huggingface.co/{BERT}/tree/main", "datasets/acme-research/open-data"
    ).stdout
    assert f"{GPT2} (asked as gpt2)" in out
    assert out.count("asked as") == 1


@pytest.mark.slow  # a fresh interpreter: what a check imports
def test_a_check_run_again_imports_no_pydantic(hub: HubSim, tmp_path: Path) -> None:
    """pydantic is for validating the registry and the policy file; a check reads the registry's summary
    and the policy values kept by the run before. The registry's facts and the policy still apply."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.hubgate]\nmax-size = "1MB"\n')
    env = clean_env(hub.url, tmp_path)
    command = [sys.executable, "-X", "importtime", "-m", "hubgate", "check", "gpt2", "--format", "json"]
    runs = [
        subprocess.run(command, capture_output=True, text=True, env=env, cwd=project, timeout=120)
        for _ in "12"
    ]
    imported = [{line.rpartition("|")[2].strip() for line in run.stderr.splitlines()} for run in runs]
    assert "pydantic" in imported[0] and "pydantic" not in imported[1]
    reports = [json.loads(run.stdout)["models"][0] for run in runs]
    assert reports[0]["registry"] == reports[1]["registry"]
    assert reports[1]["registry"]["model_id"] == "openai-community/gpt2"
    assert [f["kind"] for f in reports[1]["findings"]] == ["size"]  # gpt2 is past the policy's 1 MB
