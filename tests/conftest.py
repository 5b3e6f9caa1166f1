"""Shared fixtures: a loopback Hub populated with the contract's cases, and a way to run the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.hubsim import HubSim, Repo, Token

REPO_ROOT = Path(__file__).resolve().parents[1]

# Token values shaped like real ones, so that a leak would be caught by pattern as well as by value.
ALICE = "hf_" + "A1ice" * 6 + "read"  # classic read token, member of org acme
BOB = "hf_" + "B0bFine" * 5  # fine-grained, without "read access to public gated repos"
CAROL = "hf_" + "Car0lRevoked" * 3  # revoked
DAVE = "hf_" + "DaveWrite" * 4  # write token, member of meta-llama (a repo owner)
ERIN = "hf_" + "ErinFineOk" * 4  # fine-grained with the gated permission
ALL_TOKENS = (ALICE, BOB, CAROL, DAVE, ERIN)

LLAMA2 = "meta-llama/Llama-2-7b-hf"
LLAMA32 = "meta-llama/Llama-3.2-1B-Instruct"
MISTRAL = "mistralai/Mistral-7B-v0.1"
GEMMA = "google/gemma-2b"
DINO = "facebook/dinov3-vitb16-pretrain-lvd1689m"
BERT = "google-bert/bert-base-uncased"
GPT2 = "openai-community/gpt2"
PHI3 = "microsoft/Phi-3-mini-4k-instruct"
PRIVATE = "acme/private-model"
DISABLED = "shady/disabled-model"
README_ONLY = "meta-llama/readme-only-gated"
GATED_DATA = "acme-research/gated-data"
OPEN_DATA = "acme-research/open-data"
# Pre-flight cases (verdicts/findings.py): remote code, pickle-only, mixed formats, licences, revisions.
REMOTE_CODE = "lab/remote-coder"
PICKLE_ONLY = "lab/pickle-only"
MIXED = "lab/mixed-formats"
NO_LICENCE = "lab/no-licence"
OTHER_LICENCE = "lab/other-licence"
PINNED = "lab/pinned"
PINNED_V1 = "1" * 40
PREFLIGHT_REPOS = (REMOTE_CODE, PICKLE_ONLY, MIXED, NO_LICENCE, OTHER_LICENCE)

LLAMA2_CONFIG = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "num_hidden_layers": 32,
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "max_position_embeddings": 4096,
}


def populate(hub: HubSim) -> HubSim:
    """The contract's cases in one world."""
    hub.add_repo(Repo(GPT2, legacy_ids=("gpt2",), card_data={"license": "mit"}))
    hub.add_repo(Repo(BERT, legacy_ids=("bert-base-uncased",), card_data={"license": "apache-2.0"}))
    hub.add_repo(Repo(PHI3, card_data={"license": "mit"}))
    hub.add_repo(
        Repo(
            LLAMA2,
            gated="manual",
            card_data={"license": "llama2", "extra_gated_prompt": "Meta license"},
            safetensors={"total": 6_738_415_616, "parameters": {"F16": 6_738_415_616}},
            config=LLAMA2_CONFIG,
        )
    )
    hub.add_repo(Repo(LLAMA32, gated="manual", card_data={"license": "llama3.2"}))
    hub.add_repo(Repo(MISTRAL, gated="auto", card_data={"license": "apache-2.0"}))
    hub.add_repo(Repo(GEMMA, gated="auto", card_data={"license": "gemma"}))
    hub.add_repo(Repo(DINO, gated="manual"))
    hub.add_repo(Repo(PRIVATE, private=True))
    hub.add_repo(Repo(DISABLED, disabled=True))
    hub.add_repo(Repo(README_ONLY, gated="manual", files={"README.md": 100, ".gitattributes": 10}))
    hub.add_repo(
        Repo(GATED_DATA, repo_type="dataset", gated="auto", files={"README.md": 10, "data/train.csv": 99})
    )
    hub.add_repo(Repo(OPEN_DATA, repo_type="dataset", files={"README.md": 10, "data/train.csv": 99}))
    populate_preflight(hub)

    hub.add_token(Token(ALICE, "alice", role="read", name="laptop", orgs=("acme",)))
    hub.add_token(Token(BOB, "bob", role="fineGrained", can_read_gated=False, name="ci-fine"))
    hub.add_token(Token(CAROL, "carol", role="read", valid=False, name="old"))
    hub.add_token(Token(DAVE, "dave", role="write", name="owner", orgs=("meta-llama",)))
    hub.add_token(Token(ERIN, "erin", role="fineGrained", can_read_gated=True, name="fine-ok"))

    hub.set_access("alice", LLAMA2, "accepted")
    hub.set_access("alice", LLAMA32, "pending")
    hub.set_access("alice", MISTRAL, "rejected")
    hub.set_access("alice", DINO, "reset")
    hub.set_access("alice", README_ONLY, "accepted")
    hub.set_access("alice", GATED_DATA, "accepted", repo_type="dataset")
    hub.set_access("bob", LLAMA2, "accepted")
    hub.set_access("erin", LLAMA2, "accepted")
    return hub


def populate_preflight(hub: HubSim) -> None:
    hub.add_repo(
        Repo(
            REMOTE_CODE,
            card_data={"license": "apache-2.0"},
            config={
                "model_type": "coder",
                "auto_map": {
                    "AutoConfig": "configuration_coder.CoderConfig",
                    "AutoModelForCausalLM": "modeling_coder.CoderForCausalLM",
                },
            },
            tags=["custom_code"],
            files={
                "README.md": 100,
                "config.json": 700,
                "configuration_coder.py": 3_000,
                "modeling_coder.py": 40_000,
                "model.safetensors": 2_000_000_000,
            },
            safetensors={"total": 1_000_000_000, "parameters": {"BF16": 1_000_000_000}},
        )
    )
    hub.add_repo(
        Repo(
            PICKLE_ONLY,
            card_data={"license": "mit"},
            files={"README.md": 100, "config.json": 600, "pytorch_model.bin": 500_000_000},
        )
    )
    hub.add_repo(
        Repo(
            MIXED,
            card_data={"license": "apache-2.0"},
            files={
                "config.json": 600,
                "model.safetensors": 3_000_000_000,
                "pytorch_model.bin": 3_000_000_000,
                "tf_model.h5": 3_000_000_000,
            },
            safetensors={"total": 750_000_000, "parameters": {"F32": 750_000_000}},
        )
    )
    hub.add_repo(Repo(NO_LICENCE))
    hub.add_repo(
        Repo(
            OTHER_LICENCE,
            card_data={
                "license": "other",
                "license_name": "acme-research-licence",
                "license_link": "LICENSE.md",
            },
        )
    )
    hub.add_repo(
        Repo(PINNED, card_data={"license": "apache-2.0"}, revisions={"v1.0": PINNED_V1, "dev": "2" * 40})
    )


@pytest.fixture(autouse=True)
def _own_metadata_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process checks keep their metadata cache in the test's own directory, never the user's."""
    monkeypatch.setenv("HUBGATE_CACHE_DIR", str(tmp_path / "metadata-cache"))


@pytest.fixture(autouse=True)
def _no_held_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no token held by the scrubber: a CLI run holds its tokens for the life of
    its process, and a value one in-process test held must not change what the next one scrubs."""
    from hubgate.hub import token

    monkeypatch.setattr(token, "_held", set())
    monkeypatch.setattr(token, "_held_pattern", None)


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


@pytest.fixture
def run_cli(hub: HubSim, tmp_path: Path):  # type: ignore[no-untyped-def]
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
