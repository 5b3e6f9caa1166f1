"""Several tokens: a models-by-tokens matrix, tokens named by account and token name, never by value."""

from __future__ import annotations

import configparser
from pathlib import Path

from hubgate.testhub import HubSim
from tests.conftest import ALICE, BERT, BOB, CAROL, ERIN, GEMMA, LLAMA2, LLAMA32, assert_no_token


def test_token_file_matrix(run_cli, hub: HubSim, tmp_path: Path) -> None:
    hub.set_access("erin", LLAMA32, "accepted")
    (tmp_path / "tokens.txt").write_text(f"# team tokens\npersonal={ALICE}\n{ERIN}\nold={CAROL}\n")
    result = run_cli("check", BERT, LLAMA2, LLAMA32, GEMMA, "--token-file", "tokens.txt", "--json")
    data = result.json()
    assert [t["label"] for t in data["tokens"]] == ["personal", "erin/fine-ok", "old (rejected)"]
    rows = {m["id"]: m for m in data["models"]}
    assert rows[LLAMA32]["statuses"] == {
        "personal": "pending",
        "erin/fine-ok": "granted",
        "old (rejected)": "token-invalid",
    }
    assert rows[LLAMA32]["usable_with"] == ["erin/fine-ok"]
    assert rows[GEMMA]["usable_with"] == []
    assert len(data["runs"]) == 3
    assert result.code == 1  # gemma is usable with no token
    assert_no_token(result.stdout, result.stderr)

    table = run_cli("check", BERT, LLAMA32, "--token-file", "tokens.txt")
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["repo", "personal", "erin/fine-ok", "old", "(rejected)"]  # the file's names
    assert lines[2].split() == [LLAMA32, "pending", "granted", "token-invalid"]
    assert "2 of 2 repos usable with at least one of 3 tokens." in table.stdout
    assert table.code == 0
    assert_no_token(table.stdout, table.stderr)


def test_all_stored_tokens(run_cli, hub: HubSim, tmp_path: Path) -> None:
    home = tmp_path / "hf-home"
    home.mkdir()
    stored = configparser.ConfigParser()
    stored["work"] = {"hf_token": BOB}
    stored["personal"] = {"hf_token": ALICE}
    with (home / "stored_tokens").open("w") as handle:
        stored.write(handle)
    result = run_cli("check", LLAMA2, "--all-stored-tokens", "--json")
    data = result.json()
    assert [t["source"] for t in data["tokens"]] == ["stored:personal", "stored:work"]
    assert data["models"][0]["statuses"] == {"personal": "granted", "work": "token-scope"}
    assert_no_token(result.stdout, result.stderr)


def test_matrix_usage_errors(run_cli, tmp_path: Path) -> None:
    assert "no tokens" in run_cli("check", BERT, "--token-file", "/dev/null").stderr
    missing = run_cli("check", BERT, "--all-stored-tokens")
    assert missing.code == 2 and "stored no tokens" in missing.stderr
    both = run_cli("check", BERT, "--token-file", "x", "--anonymous")
    assert both.code == 2 and both.stderr.count("\n") == 1
