"""Shared fixtures: a loopback Hub populated with the contract's cases, and a way to run the real CLI."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hubgate.testhub import HubSim

# The worlds live beside the test Hub (benchmarks and the demo use them too); tests import them from here.
from hubgate.testhub.worlds import (  # noqa: F401
    ALICE,
    ALL_TOKENS,
    BERT,
    BOB,
    CAROL,
    DAVE,
    DINO,
    DISABLED,
    ERIN,
    GATED_DATA,
    GEMMA,
    GPT2,
    LLAMA2,
    LLAMA2_CONFIG,
    LLAMA32,
    MISTRAL,
    MIXED,
    NO_LICENCE,
    OPEN_DATA,
    OTHER_LICENCE,
    PHI3,
    PICKLE_ONLY,
    PINNED,
    PINNED_V1,
    PREFLIGHT_REPOS,
    PRIVATE,
    README_ONLY,
    REMOTE_CODE,
    populate,
    populate_preflight,
)

REPO_ROOT = Path(__file__).resolve().parents[1]


# Files marked `slow` as a whole (the fast lane is `./test.sh -m "not slow"`, CI runs everything): the fault
# soak, the files whose tests are about the process (signals, closed descriptors, a pty, interpreter start-up,
# the shell entry, the demo), the ones that wait out real Hub silences and retry delays, and every file whose
# tests took over 7 s in all on one `./test.sh -m "not slow" --durations=0` run (-n 2, machine idle), so that
# the fast lane stays under a minute. The CLI runs in process (`run_cli`), so a file leaves this set when its waits do.
SLOW_FILES = frozenset(
    {
        "test_check_cli.py",
        "test_check_extras.py",
        "test_collections.py",
        "test_cyclonedx.py",
        "test_docs_examples.py",
        "test_fault_soak.py",
        "test_fit_cli.py",
        "test_gating_groups.py",
        "test_hostile_files.py",
        "test_hub_scan.py",
        "test_hub_silence.py",
        "test_json_everywhere.py",
        "test_narrow_terminals.py",
        "test_one_hub_client.py",
        "test_owner_cli.py",
        "test_owner_service.py",
        "test_pin_cli.py",
        "test_preflight_cli.py",
        "test_registry_cli.py",
        "test_reliability.py",
        "test_report_reasons.py",
        "test_request.py",
        "test_request_consent.py",
        "test_request_economy.py",
        "test_scan_check.py",
        "test_scan_ci.py",
        "test_scan_hostile.py",
        "test_scan_pins_check.py",
        "test_shell_entry.py",
        "test_terminal_status.py",
        "test_testhub.py",
        "test_token_never_leaks.py",
        "test_watch.py",
        "test_webhook_delivery.py",
        "test_words.py",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _own_metadata_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process checks keep their metadata cache in the test's own directory, never the user's."""
    monkeypatch.setenv("HUBGATE_CACHE_DIR", str(tmp_path / "metadata-cache"))


@pytest.fixture(autouse=True)
def _no_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output goes to a pipe of no set width, as in a script, unless a test sets COLUMNS itself (the
    xdist workers inherit COLUMNS=80, and hubgate wraps its tables at COLUMNS when it is set)."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture(autouse=True)
def _no_held_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no token held by the scrubber: a CLI run holds its tokens for the life of
    its process, and a value one in-process test held must not change what the next one scrubs."""
    from hubgate.inputs import secrets

    monkeypatch.setattr(secrets, "_held", set())
    monkeypatch.setattr(secrets, "_held_pattern", None)


@pytest.fixture
def hub() -> Iterator[HubSim]:
    with HubSim() as sim:
        yield populate(sim)


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def clean_env(hub_url: str, home: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh user: no token variables, no stored login, the loopback Hub."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_API_TOKEN", "HUGGINGFACE_API_KEY")
        and not key.startswith(("HF_", "HUBGATE_"))
    }
    env.update(
        {
            "HF_ENDPOINT": hub_url,
            "HF_HOME": str(home / "hf-home"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "NO_COLOR": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
        }
    )
    env.update(extra)
    return env


def _env_changes(env: dict[str, str]) -> dict[str, str | None]:
    """`env` as changes to this process's environment: what it drops becomes None (unset for the run)."""
    changes: dict[str, str | None] = {key: None for key in os.environ if key not in env}
    changes.update(env)
    return changes


def run_in_process(args: list[str], *, env: dict[str, str], cwd: Path, stdin: str | None = None) -> CliResult:
    """The installed entry point (`hubgate.cli:main`) in this process, as `hubgate ARGS` would run it in a
    shell: its own argv, environment, working folder and standard streams, without an interpreter start-up."""
    from click.testing import CliRunner
    from huggingface_hub import constants, get_session

    from hubgate import cli

    # huggingface_hub reads HF_HOME once, at import: point its login files at this run's home.
    hf_home = env.get("HF_HOME", constants.HF_HOME)
    saved_paths = {
        name: getattr(constants, name) for name in ("HF_HOME", "HF_TOKEN_PATH", "HF_STORED_TOKENS_PATH")
    }
    constants.HF_HOME = hf_home
    constants.HF_TOKEN_PATH = os.path.join(hf_home, "token")
    constants.HF_STORED_TOKENS_PATH = os.path.join(hf_home, "stored_tokens")
    argv, here = sys.argv, Path.cwd()
    sys.argv = ["hubgate", *args]
    os.chdir(cwd)
    code = 0
    try:
        with CliRunner().isolation(input=stdin or "", env=_env_changes(env)) as (stdout, stderr, _):
            try:
                cli.main()
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
            sys.stdout.flush()
            sys.stderr.flush()
            return CliResult(code, stdout.getvalue().decode(), stderr.getvalue().decode())
    finally:
        # main() freezes what start-up made, as a process that ends with the run may; here the next
        # test goes on in this process, and its garbage must stay collectable.
        gc.unfreeze()
        gc.enable()
        for name, value in saved_paths.items():
            setattr(constants, name, value)
        sys.argv = argv
        os.chdir(here)
        get_session().timeout = None  # type: ignore[assignment]  (commands give the shared client one)


@pytest.fixture
def run_cli(hub: HubSim, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run the real CLI in this process (its entry point, as `hubgate ARGS`) against the loopback Hub.
    Tests about the process itself (signals, closed descriptors, interpreter exit) use `run_process`."""

    def run(*args: str, stdin: str | None = None, cwd: Path | None = None, **env: str) -> CliResult:
        return run_in_process(
            list(args), env=clean_env(hub.url, tmp_path, **env), cwd=cwd or tmp_path, stdin=stdin
        )

    return run


@pytest.fixture
def run_process(hub: HubSim, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run the real CLI (`python -m hubgate`) as a subprocess against the loopback Hub."""

    def run(*args: str, stdin: str | None = None, cwd: Path | None = None, **env: str) -> CliResult:
        proc = subprocess.run(
            [sys.executable, "-m", "hubgate", *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=cwd or tmp_path,
            env=clean_env(hub.url, tmp_path, **env),
            timeout=120,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run


def assert_no_token(*texts: str) -> None:
    for text in texts:
        for token in ALL_TOKENS:
            assert token not in text, "a token value leaked into output"


def run_on_a_terminal(args: list[str], typed: str, *, cwd: Path, env: dict[str, str]) -> CliResult:
    """Run the real CLI with stdin on a pseudo-terminal (prompts are shown), typing `typed` into it."""
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hubgate", *args],
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            text=True,
        )
        os.close(slave)
        os.write(master, typed.encode())
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        os.close(master)
    return CliResult(proc.returncode, stdout, stderr)
