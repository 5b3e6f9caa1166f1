"""Token resolution order: --token, the four environment variables, then the stored login; --anonymous."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubgate.hub.token import TOKEN_ENV_VARS, resolve_token


@pytest.fixture
def no_tokens(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in TOKEN_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    token_file = tmp_path / "token"
    monkeypatch.setattr("huggingface_hub.constants.HF_TOKEN_PATH", str(token_file))
    return token_file


def test_order(monkeypatch: pytest.MonkeyPatch, no_tokens: Path) -> None:
    assert resolve_token().source == "none"
    no_tokens.write_text("stored-value")
    assert (resolve_token().source, resolve_token().value) == ("stored login", "stored-value")
    for name in reversed(TOKEN_ENV_VARS):
        monkeypatch.setenv(name, f"value-of-{name}")
        assert (resolve_token().source, resolve_token().value) == (name, f"value-of-{name}")
    assert resolve_token(" explicit ").source == "--token" and resolve_token(" explicit ").value == "explicit"
    assert resolve_token("explicit", anonymous=True).value is None


def test_empty_variables_are_skipped(monkeypatch: pytest.MonkeyPatch, no_tokens: Path) -> None:
    monkeypatch.setenv("HF_TOKEN", "  ")
    monkeypatch.setenv("HUGGINGFACE_API_KEY", "k")
    assert resolve_token().source == "HUGGINGFACE_API_KEY"


def test_repr_never_shows_the_value(no_tokens: Path) -> None:
    assert "secret-value" not in repr(resolve_token("secret-value"))
