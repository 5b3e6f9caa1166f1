"""`python -m hubgate.testhub`: the bundled test Hub, and its `--demo` of the README's quick start."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ALL_TOKENS, GPT2, assert_no_token


def test_demo_runs_the_quick_start_against_the_bundled_hub() -> None:
    # The caller's own token and endpoint must not reach the demo (it sets a fresh user's environment).
    env = {
        **os.environ,
        "HF_TOKEN": "hf_" + "Caller" * 6,
        "HF_ENDPOINT": "http://127.0.0.1:9",
        "NO_COLOR": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "hubgate.testhub", "--demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr  # the check's own code: two repos need action
    assert done.stderr == ""
    head, _, report = done.stdout.partition("$ hubgate check gpt2 ")
    assert "export HF_ENDPOINT=http://127.0.0.1:" in head
    assert 'Token: alice · read token "laptop" · from HF_TOKEN' in report
    assert "✔ Usable now (2)" in report
    assert f"• {GPT2} (asked as gpt2)  open" in report
    assert "✗ Action needed (2)" in report
    assert "⇢ meanwhile, open and usable now: Qwen/Qwen3-1.7B" in report
    assert "Summary: 4 checked · 2 usable · 2 need action" in report
    # hubgate itself never shows a token: the made-up ones appear only in the test Hub's own instructions.
    assert_no_token(report)
    assert all(token in head for token in ALL_TOKENS)
