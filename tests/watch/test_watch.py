"""`hubgate watch` against the loopback Hub: transitions once and only once, notifications with retry,
a run killed mid-write, concurrent runs, foreign state files, history."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hubgate.testhub import HubSim, Repo
from hubgate.watch.state import StateStore
from tests.conftest import ALICE, BERT, GEMMA, LLAMA2, LLAMA32, assert_no_token, clean_env

IDS = (BERT, LLAMA2, LLAMA32, GEMMA)


class Receiver:
    """A loopback webhook receiver that fails its first `failures` POSTs with 500."""

    def __init__(self, failures: int = 0) -> None:
        self.bodies: list[dict] = []
        self.failures = failures
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.failures > 0:
                    receiver.failures -= 1
                    self.send_response(500)
                else:
                    receiver.bodies.append(json.loads(body))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    r = Receiver()
    yield r
    r.close()


def watch_json(run_cli, state: Path, *args: str, **env: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    result = run_cli("watch", *IDS, "--state", str(state), "--json", *args, **{"HF_TOKEN": ALICE, **env})
    assert result.stderr == "" or "Traceback" not in result.stderr
    return result.code, result.json()


def test_a_change_is_reported_once_and_only_once(run_cli, hub: HubSim, tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    code, first = watch_json(run_cli, state)
    assert first["changes"] == [] and sorted(first["first_seen"]) == sorted(IDS)
    assert code == 1  # pending and not-requested still need action

    hub.set_access("alice", LLAMA32, "accepted")
    code, second = watch_json(run_cli, state)
    assert [(c["id"], c["from"], c["to"]) for c in second["changes"]] == [(LLAMA32, "pending", "granted")]
    assert sorted(second["skipped"]) == sorted([BERT, LLAMA2])  # already open / granted: not re-checked

    code, third = watch_json(run_cli, state)
    assert third["changes"] == [] and sorted(third["skipped"]) == sorted([BERT, LLAMA2, LLAMA32])
    code, fourth = watch_json(run_cli, state, "--all")
    assert fourth["changes"] == [] and fourth["skipped"] == []

    history = json.loads(run_cli("watch", "--history", LLAMA32, "--state", str(state), "--json").stdout)
    assert [(h["from"], h["to"]) for h in history] == [(None, "pending"), ("pending", "granted")]
    assert_no_token(state.read_bytes().decode("latin-1"))


def test_new_gate_mode_and_request_and_vanished_repo(run_cli, hub: HubSim, tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    watch_json(run_cli, state)
    hub.set_access("alice", GEMMA, "pending")  # not-requested -> pending
    hub.repos[("model", LLAMA32)].gated = "auto"  # the authors switched the gate mode
    del hub.repos[("model", LLAMA2)]  # granted, then gone
    _, data = watch_json(run_cli, state, "--all")
    changes = {c["id"]: c for c in data["changes"]}
    assert (changes[GEMMA]["from"], changes[GEMMA]["to"]) == ("not-requested", "pending")
    assert (changes[LLAMA32]["gated_from"], changes[LLAMA32]["gated_to"]) == ("manual", "auto")
    assert (changes[LLAMA2]["from"], changes[LLAMA2]["to"]) == ("granted", "not-found")


def test_notifications_reach_the_receiver_and_failed_ones_are_retried(
    run_cli, hub: HubSim, tmp_path: Path, receiver: Receiver
) -> None:
    state = tmp_path / "state.db"
    watch_json(run_cli, state, "--notify-url", receiver.url)
    assert receiver.bodies == []  # first sightings are not news

    receiver.failures = 10  # the receiver is down for this run
    hub.set_access("alice", LLAMA32, "accepted")
    result = run_cli("watch", *IDS, "--state", str(state), "--notify-url", receiver.url, HF_TOKEN=ALICE)
    assert (
        "Notification via --notify-url failed (HTTP 500); 1 pending, sent again on the next run."
        in result.stdout
    )
    assert result.code == 4  # its own exit code, so that cron notices
    assert receiver.bodies == []

    receiver.failures = 0
    code, data = watch_json(run_cli, state, "--notify-url", receiver.url)
    assert code == 1  # gemma still needs action
    assert data["changes"] == []  # nothing new, but the undelivered change goes out now
    assert data["notifications"] == [{"target": "--notify-url", "delivered": 1, "failed": 0, "error": None}]
    (body,) = receiver.bodies
    assert body["text"].startswith("hubgate: 1 change(s) for alice")
    assert [(c["id"], c["from"], c["to"]) for c in body["changes"]] == [(LLAMA32, "pending", "granted")]
    _, again = watch_json(run_cli, state, "--notify-url", receiver.url)
    assert len(receiver.bodies) == 1 and again["notifications"][0]["delivered"] == 0  # delivered once only
    assert_no_token(json.dumps(body), state.read_bytes().decode("latin-1"))
    assert receiver.url not in state.read_bytes().decode("latin-1")  # webhook URLs are secrets too


def test_on_change_command_gets_the_changes_on_stdin(run_cli, hub: HubSim, tmp_path: Path) -> None:
    state, out = tmp_path / "state.db", tmp_path / "changes.json"
    command = f"cat > {out}"
    watch_json(run_cli, state, "--on-change", command)
    assert not out.exists()
    hub.set_access("alice", GEMMA, "accepted")
    watch_json(run_cli, state, "--on-change", command)
    assert [c["to"] for c in json.loads(out.read_text())["changes"]] == ["granted"]


def test_exit_code_on_change(run_cli, hub: HubSim, tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    assert watch_json(run_cli, state, "--exit-code-on-change")[0] == 1  # first run: nothing changed
    hub.set_access("alice", LLAMA32, "accepted")
    assert watch_json(run_cli, state, "--exit-code-on-change")[0] == 0
    assert watch_json(run_cli, state, "--exit-code-on-change")[0] == 1


def test_run_killed_mid_write_leaves_a_consistent_database(hub: HubSim, tmp_path: Path, run_cli) -> None:
    state = tmp_path / "state.db"
    watch_json(run_cli, state)
    hub.set_access("alice", LLAMA32, "accepted")
    hub.set_access("alice", GEMMA, "pending")
    env = clean_env(hub.url, tmp_path, HF_TOKEN=ALICE, _HUBGATE_TEST_PAUSE_IN_TRANSACTION="0.5")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hubgate", "watch", *IDS, "--all", "--state", str(state)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    journal = Path(f"{state}-journal")
    while not journal.exists() and time.monotonic() < deadline:  # the write transaction has begun
        time.sleep(0.02)
    time.sleep(0.7)  # some rows written, the transaction not committed
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert journal.exists(), "the run was not killed inside its transaction"

    store = StateStore(state)  # opening rolls the hot journal back
    assert store.integrity_ok()
    assert store.known("alice", hub.url)[("model", LLAMA32)] == "pending"  # the previous state, whole
    assert [h["to"] for h in store.history(LLAMA32)] == ["pending"]
    store.close()
    _, data = watch_json(run_cli, state)
    assert sorted((c["id"], c["to"]) for c in data["changes"]) == [(GEMMA, "pending"), (LLAMA32, "granted")]


def test_concurrent_runs_keep_every_transition_once(hub: HubSim, tmp_path: Path, run_cli) -> None:
    state = tmp_path / "state.db"
    watch_json(run_cli, state)
    hub.set_access("alice", LLAMA32, "accepted")
    hub.latency = 0.05
    env = clean_env(hub.url, tmp_path, HF_TOKEN=ALICE)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "hubgate", "watch", *IDS, "--all", "--state", str(state), "--json"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [proc.communicate(timeout=60) for proc in procs]
    reported = [len(json.loads(out)["changes"]) for out, _ in outputs]
    assert sorted(reported) == [0, 0, 1]  # exactly one run reports the change
    store = StateStore(state)
    assert [(h["from"], h["to"]) for h in store.history(LLAMA32)] == [
        (None, "pending"),
        ("pending", "granted"),
    ]
    assert store.integrity_ok()


def test_foreign_or_unreadable_state_is_never_overwritten(run_cli, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("my precious notes\n")
    result = run_cli("watch", BERT, "--state", str(text))
    assert result.code == 2 and "not a hubgate state database" in result.stderr
    assert [line.startswith("  hint: ") for line in result.stderr.splitlines()] == [False, True]
    assert text.read_text() == "my precious notes\n"

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE recipes (name TEXT)")
    before = other.read_bytes()
    result = run_cli("watch", BERT, "--state", str(other))
    assert result.code == 2 and "another program" in result.stderr
    assert other.read_bytes() == before

    result = run_cli("watch", BERT, "--state", str(tmp_path))
    assert result.code == 2 and "is a directory" in result.stderr


def test_default_state_location_and_table_output(run_cli, hub: HubSim, tmp_path: Path) -> None:
    first = run_cli("watch", BERT, LLAMA32, HF_TOKEN=ALICE)
    assert "No changes since the last run." not in first.stdout  # there was no last run
    assert "First check: 2 repos recorded in " in first.stdout
    assert (tmp_path / "state" / "hubgate" / "watch.sqlite3").exists()  # XDG_STATE_HOME is honoured
    hub.set_access("alice", LLAMA32, "accepted")
    second = run_cli("watch", BERT, LLAMA32, HF_TOKEN=ALICE)
    assert f"{LLAMA32}: pending -> granted" in second.stdout
    assert (
        f"Skipped 1 repo already granted, open or rejected (use --all to re-check them): {BERT}"
        in second.stdout
    )
    third = run_cli("watch", BERT, LLAMA32, GEMMA, "--all", HF_TOKEN=ALICE)
    assert "No changes since the last run; 1 repo checked for the first time." in third.stdout
    history = run_cli("watch", "--history")
    assert f"alice  model  {LLAMA32}  pending -> granted  manual" in history.stdout
    assert f"alice  model  {BERT}  open (first check)  false" in history.stdout


def test_registry_aliases_are_watched_under_their_hub_id(run_cli, hub: HubSim, tmp_path: Path) -> None:
    hub.add_repo(Repo("mistralai/Mistral-7B-Instruct-v0.1", gated="auto"))
    state = tmp_path / "state.db"
    args = ("watch", "MISTRAL_7B", "--state", str(state), "--json")
    first = run_cli(*args, HF_TOKEN=ALICE).json()
    assert first["first_seen"] == ["mistralai/Mistral-7B-Instruct-v0.1"]
    assert first["models"][0]["registry"]["parameters"] == 7_241_732_096
    hub.set_access("alice", "mistralai/Mistral-7B-Instruct-v0.1", "accepted")
    second = run_cli(*args, HF_TOKEN=ALICE).json()
    assert [(c["id"], c["to"]) for c in second["changes"]] == [
        ("mistralai/Mistral-7B-Instruct-v0.1", "granted")
    ]
    # Watching adds no alternatives: a cron run spends only the checks' own requests.
    assert all(m["alternatives"] == [] for m in first["models"])
    without = run_cli("watch", "mistral_7b", "--state", str(tmp_path / "other.db"), "--json", "--no-registry")
    assert without.json()["models"][0]["status"] == "not-found"
