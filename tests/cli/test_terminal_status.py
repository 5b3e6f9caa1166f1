"""The status line on a terminal (issue 26): a Hub that accepts the connection and says nothing is no blank
terminal. The line is drawn before the first request is answered, the slow Hub is named, and nothing of
it reaches a pipe or a CI log."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

from hubgate.testhub import HubSim
from tests.conftest import ALICE, BERT, GPT2, clean_env


def stderr_on_a_terminal(args: list[str], *, cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """Run the real CLI with stderr on a pseudo-terminal (stdout a pipe): exit code, stdout, and what the
    terminal received, in order."""
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hubgate", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        cwd=cwd,
        env={**env, "TERM": "xterm", "COLUMNS": "100"},
    )
    os.close(slave)
    seen = b""
    end = time.monotonic() + 60  # a bound on a broken run, not a timing claim
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            elif proc.poll() is not None:
                break
        stdout = proc.stdout.read().decode() if proc.stdout else ""
        code = proc.wait(timeout=60)
    finally:
        os.close(master)
    return code, stdout, seen.decode(errors="replace")


def test_a_silent_hub_shows_a_status_line_before_any_answer(hub: HubSim, tmp_path: Path) -> None:
    # Accepts the first whoami and never answers it. Two repos wait for whoami's answer, so the Hub is
    # silent to the whole run (one repo's request would go beside whoami, and be answered).
    hub.inject("/api/whoami-v2", "hang")
    env = clean_env(hub.url, tmp_path, HF_TOKEN=ALICE)
    code, stdout, terminal = stderr_on_a_terminal(
        ["check", GPT2, BERT, "--timeout", "1", "--no-registry"], cwd=tmp_path, env=env
    )
    assert code == 0 and "Usable now (2)" in stdout
    status = terminal.find("asking the Hub")
    slow = terminal.find(f"no answer from {hub.url}")
    # The status line is on the terminal while the first request waits, before the Hub is said slow.
    assert 0 <= status < slow, terminal
    assert "checking" in terminal[slow:]  # then the count of repos, once the Hub answers
    assert "asking the Hub" not in stdout and "\x1b[" not in stdout  # the report itself stays plain


def test_no_status_line_in_a_pipe_or_a_ci_log(run_process, hub: HubSim) -> None:
    hub.inject("/api/whoami-v2", "hang")
    result = run_process("check", GPT2, BERT, "--timeout", "1", "--no-registry", HF_TOKEN=ALICE)
    assert result.code == 0
    assert "asking the Hub" not in result.stderr and "\x1b[" not in result.stderr
    assert f"no answer from {hub.url}" in result.stderr  # the slow Hub is still said, as a plain line


def test_watch_shows_the_status_line_too(hub: HubSim, tmp_path: Path) -> None:
    hub.inject("/api/whoami-v2", "hang")
    env = clean_env(hub.url, tmp_path, HF_TOKEN=ALICE)
    args = ["watch", GPT2, "--state", str(tmp_path / "w.db"), "--timeout", "1", "--no-registry"]
    code, stdout, terminal = stderr_on_a_terminal(args, cwd=tmp_path, env=env)
    assert code == 0 and "First check" in stdout
    assert 0 <= terminal.find("asking the Hub") < terminal.find(f"no answer from {hub.url}"), terminal
