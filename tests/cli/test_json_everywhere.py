"""`--json` is `--format json` on every command that has a --format choice with json, and a typed
`--format OTHER --json` is refused everywhere, before any request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DAVE, GEMMA, GPT2, LLAMA2, CliResult

RULES = "email_domains: [example.org]\n"


def _commands(tmp_path: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    owner = {"HF_TOKEN": DAVE}
    return {
        "check": ([GPT2, "--no-cache"], {}),
        "watch": ([GPT2, "--no-cache"], {}),
        "fit": ([GPT2, "-g", "l4", "--anonymous"], {}),
        "fit --list-gpus": (["--list-gpus"], {}),
        "scan": ([str(tmp_path / "code.py")], {}),
        "registry list": (["--max-params", "1B"], {}),
        "registry show": (["mistral_7b"], {}),
        "registry search": (["llama"], {}),
        "registry validate": ([], {}),
        "registry verify": (["gpt2"], {}),
        "request": ([GEMMA, "--dry-run"], {}),
        "requests list": ([LLAMA2], owner),
        "requests accept": ([LLAMA2, "someone", "--dry-run"], owner),
        "requests auto": ([LLAMA2, "--rules", str(tmp_path / "rules.yaml")], owner),
    }


NAMES = list(_commands(Path("unused")))


def _argv(name: str) -> list[str]:
    return name.split(" ")[:2] if name.startswith(("registry", "requests")) else name.split(" ")[:1]


def _shape(data: Any) -> Any:
    """The top level of a JSON document: its keys, or the keys of a list's items (values change from run
    to run: times, what `watch` saw before)."""
    if isinstance(data, dict):
        return sorted(data)
    return [_shape(item) for item in data]


@pytest.mark.parametrize("name", NAMES)
def test_json_is_the_shorthand_of_format_json(name: str, run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "code.py").write_text(f'from_pretrained("{GPT2}")\n', encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    args, env = _commands(tmp_path)[name]
    long = run_cli(*_argv(name), *args, "--format", "json", **env)
    short = run_cli(*_argv(name), *args, "--json", **env)
    assert short.code == long.code, short.stderr
    assert "Traceback" not in short.stderr
    assert _shape(json.loads(short.stdout)) == _shape(json.loads(long.stdout))


@pytest.mark.parametrize("name", NAMES)
def test_another_typed_format_and_json_are_refused_before_any_request(
    name: str, run_cli: Any, hub: Any, tmp_path: Path
) -> None:
    (tmp_path / "code.py").write_text(f'from_pretrained("{GPT2}")\n', encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    args, env = _commands(tmp_path)[name]
    hub.reset_log()
    result: CliResult = run_cli(*_argv(name), *args, "--format", "table", "--json", **env)
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("hubgate: error: --json and --format table contradict each other")
    assert hub.log == []


def test_registry_export_takes_json_and_refuses_it_beside_yaml(run_cli: Any) -> None:
    assert json.loads(run_cli("registry", "export", "--json").stdout)
    refused = run_cli("registry", "export", "--format", "yaml", "--json")
    assert refused.code == 2
    assert "--json and --format yaml contradict each other" in refused.stderr
