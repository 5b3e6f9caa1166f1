"""The words a user types, through the real CLI: `license` as the ecosystem spells it in every key,
--fail-on word, finding kind, JSON field and SARIF rule, `licence` read as the same word; and a "did you
mean" hint for every word hubgate does not know (policy keys, --fail-on words, commands, options, choices)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hubgate.testhub import HubSim
from tests.conftest import GPT2, OTHER_LICENCE


def _project(tmp_path: Path, policy: str) -> Path:
    project = tmp_path / "app"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.hubgate]\n" + policy)
    return project


def _one_error(result) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The error line and the hint line of a usage error (exit 2, nothing else on stderr)."""
    assert result.code == 2, (result.stdout, result.stderr)
    error, hint = result.stderr.splitlines()
    assert error.startswith("hubgate: error: ") and hint.startswith("  hint: ")
    assert "Traceback" not in result.stderr
    return error, hint


@pytest.mark.parametrize("word", ["license", "licence", "LICENSE"])
def test_fail_on_license_fails_the_run_on_a_license_finding(run_cli, hub: HubSim, word: str) -> None:
    result = run_cli("check", OTHER_LICENCE, GPT2, "--json", "--no-registry", "--fail-on", word)
    assert result.code == 1, result.stderr
    (model,) = [m for m in result.json()["models"] if m["id"] == OTHER_LICENCE]
    (finding,) = model["findings"]
    assert finding["kind"] == "license" and finding["license"] == "other" and "licence" not in finding
    assert run_cli("check", GPT2, "--no-registry", "--fail-on", word).code == 0


@pytest.mark.parametrize("key", ["allowed-licenses", "allowed-licences"])
def test_both_spellings_of_the_license_keys_are_read(run_cli, hub: HubSim, tmp_path: Path, key: str) -> None:
    project = _project(tmp_path, f'{key} = ["mit"]\nfail-on = ["action", "license"]\n')
    result = run_cli("check", OTHER_LICENCE, "--json", "--no-registry", cwd=project)
    assert result.code == 1, result.stderr
    (finding,) = result.json()["models"][0]["findings"]
    assert "not in the policy's allowed-licenses" in finding["message"]
    shown = run_cli("policy", "show", cwd=project)
    line = next(x for x in shown.stdout.splitlines() if x.strip().startswith("allowed-licenses"))
    assert "mit" in line and line.endswith(f"[tool.hubgate] {key}")  # where: the key as written


def test_a_key_in_both_spellings_is_refused(run_cli, hub: HubSim, tmp_path: Path) -> None:
    project = _project(tmp_path, 'denied-licences = ["mit"]\ndenied-licenses = ["gpl-3.0"]\n')
    error, hint = _one_error(run_cli("policy", "show", cwd=project))
    assert "'denied-licences' and 'denied-licenses' are the same key" in error
    assert "denied-licenses" in hint


@pytest.mark.parametrize(
    ("policy", "in_error", "in_hint"),
    [
        (
            'alowed-licenses = ["mit"]\n',
            "key 'alowed-licenses': unknown key",
            "did you mean 'allowed-licenses'?",
        ),
        ("max-sise = '2GB'\n", "key 'max-sise': unknown key", "did you mean 'max-size'?"),
        ('fail-on = "licnse"\n', "key 'fail-on'", "did you mean 'license'?"),
        ("colour = 1\n", "key 'colour': unknown key", "the keys are allowed-licenses, denied-licenses,"),
    ],
)
def test_an_unknown_policy_word_gets_the_closest_one(  # type: ignore[no-untyped-def]
    run_cli, hub: HubSim, tmp_path: Path, policy: str, in_error: str, in_hint: str
) -> None:
    error, hint = _one_error(run_cli("check", GPT2, cwd=_project(tmp_path, policy)))
    assert in_error in error and in_hint in hint


def test_an_unknown_fail_on_word_gets_the_whole_value_corrected(run_cli, hub: HubSim) -> None:
    error, hint = _one_error(run_cli("check", GPT2, "--fail-on", "action,remote-cod,pendng"))
    assert "unknown status remote-cod, pendng" in error
    assert hint == "  hint: did you mean 'action,remote-code,pending'?"


def test_sarif_names_the_license_rule_and_its_former_id(run_cli, hub: HubSim) -> None:
    result = run_cli("check", OTHER_LICENCE, "--format", "sarif", "--no-registry")
    run = json.loads(result.stdout)["runs"][0]
    (rule,) = [r for r in run["tool"]["driver"]["rules"] if r["id"].startswith("hubgate/finding/")]
    assert rule["id"] == "hubgate/finding/license"
    assert rule["deprecatedIds"] == ["hubgate/finding/licence"]
    assert rule["helpUri"].endswith("/docs/rules/finding-license.md")
    assert [r["ruleId"] for r in run["results"]] == ["hubgate/finding/license"]


@pytest.mark.parametrize(
    ("args", "in_error", "hint"),
    [
        (["chek", GPT2], "No such command 'chek'.", "did you mean 'check'?"),
        (["registry", "lst"], "No such command 'lst'.", "did you mean 'list'?"),
        (["check", "--formt", "json", GPT2], "No such option: --formt", "did you mean '--format'?"),
        (
            ["check", "--format", "jsn", GPT2],
            "--format 'jsn': use one of table, json,",
            "did you mean 'json'?",
        ),
        (["check", "--format=sarf", GPT2], "--format 'sarf': use one of", "did you mean 'sarif'?"),
        (["scan", "--format", "cyclonedxx"], "--format 'cyclonedxx'", "did you mean 'cyclonedx'?"),
        (["check", "--repo-type", "datset", GPT2], "--repo-type 'datset'", "did you mean 'dataset'?"),
        (["requests", "list", "a/b", "--status", "pendng"], "--status 'pendng'", "did you mean 'pending'?"),
        (
            ["registry", "show", GPT2, "--format", "jsn"],
            "--format 'jsn': use table or json",
            "did you mean 'json'?",
        ),
        (["registry", "list", "--type", "chatt"], "--type 'chatt': use one of chat,", "did you mean 'chat'?"),
        (["registry", "list", "--provider", "hugingface"], "--provider", "did you mean 'huggingface'?"),
        (
            ["fit", GPT2, "--gpu", "t4", "--dtype", "flot16"],
            "unknown precision 'flot16'",
            "did you mean 'float16'?",
        ),
        (
            ["fit", GPT2, "--gpu", "t4", "--kv-dtype", "fp9"],
            "unknown KV-cache precision",
            "did you mean 'fp8'?",
        ),
        (["fit", GPT2, "--gpu", "t4", "--engine", "vlm"], "unknown engine 'vlm'", "did you mean 'vllm'?"),
        (["check", GPT2, "--budget", "resolver=3"], "--budget 'resolver=3'", "did you mean 'resolvers'?"),
    ],
)
def test_an_unknown_command_option_or_choice_gets_the_closest_one(  # type: ignore[no-untyped-def]
    run_cli, hub: HubSim, args: list[str], in_error: str, hint: str
) -> None:
    error, hint_line = _one_error(run_cli(*args))
    assert in_error in error and "Did you mean" not in error and "Value error" not in error
    assert hint_line == f"  hint: {hint}"


def test_a_word_nothing_is_close_to_keeps_the_help_hint(run_cli, hub: HubSim) -> None:
    # Options are compared without their dashes: `--bogus` is not close to `--gpu`.
    assert _one_error(run_cli("check", "--bogus", GPT2))[1].startswith("  hint: `hubgate check --help`")
    error, hint = _one_error(run_cli("check", "--format", "xyz", GPT2))
    assert (
        error
        == "hubgate: error: --format 'xyz': use one of table, json, quiet, github, junit, markdown, sarif, cyclonedx"
    )
    assert hint == "  hint: `hubgate check --help` lists the options, with examples"
