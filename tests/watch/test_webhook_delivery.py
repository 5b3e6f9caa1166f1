"""Issue 21: a webhook that answered after the timeout received the same change 7 times. Every delivery now
carries a stable id, and one delivery's retries are bounded and spaced (the real CLI, a loopback receiver)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from hubgate.testhub import HubSim
from hubgate.testhub.receiver import WebhookReceiver
from tests.conftest import ALICE, BERT, LLAMA32

IDS = (BERT, LLAMA32)


def watch(run_cli: Any, state: Path, *args: str) -> Any:
    return run_cli("watch", *IDS, "--state", str(state), "--json", *args, stdin="", HF_TOKEN=ALICE)


def a_change(run_cli: Any, hub: HubSim, state: Path) -> None:
    """A first run records the verdicts; then LLAMA32 is granted, a change for the next run to notify."""
    assert watch(run_cli, state).code in (0, 1)
    hub.set_access("alice", LLAMA32, "accepted")


def test_a_receiver_answering_late_gets_one_delivery_per_run_with_one_id(
    run_cli: Any, hub: HubSim, tmp_path: Path
) -> None:
    state = tmp_path / "state.db"
    a_change(run_cli, hub, state)
    with WebhookReceiver(delay=3) as receiver:
        for run in (1, 2):
            started = time.monotonic()
            result = watch(run_cli, state, "--notify-url", receiver.url, "--timeout", "1")
            assert result.code == 4, result.stderr  # not known to be delivered: cron must notice
            (report,) = result.json()["notifications"]
            assert report["failed"] == 1 and "may have arrived" in report["error"]
            assert len(receiver.received) == run  # sent once per run, never again after a timeout
            assert time.monotonic() - started < 20
        receiver.delay = 0
        result = watch(run_cli, state, "--notify-url", receiver.url, "--timeout", "1")
        assert result.json()["notifications"][0]["delivered"] == 1, result.stdout
        assert (
            watch(run_cli, state, "--notify-url", receiver.url).json()["notifications"][0]["delivered"] == 0
        )
        ids = receiver.delivery_ids()
        assert len(ids) == 3 and len(set(ids)) == 1 and uuid.UUID(ids[0])  # one change, one id, three tries
        assert {d.headers.get("Idempotency-Key") for d in receiver.received} == set(ids)
        assert all(d.body["changes"][0]["id"] == LLAMA32 for d in receiver.received)
        assert receiver.url not in ids[0]


def test_failed_attempts_are_bounded_and_spaced(run_cli: Any, hub: HubSim, tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    a_change(run_cli, hub, state)
    with WebhookReceiver(failures=10, status=503) as receiver:
        result = watch(run_cli, state, "--notify-url", receiver.url)
        assert result.code == 4 and result.json()["notifications"][0]["error"] == "HTTP 503"
        times = [d.at for d in receiver.received]
        assert len(times) == 3  # bounded within a run
        assert times[1] - times[0] >= 0.9 and times[2] - times[1] >= 1.9  # spaced: 1 s, then 2 s
        assert len(set(receiver.delivery_ids())) == 1


def test_a_retry_after_is_honoured_and_a_long_one_waits_for_the_next_run(
    run_cli: Any, hub: HubSim, tmp_path: Path
) -> None:
    state = tmp_path / "state.db"
    a_change(run_cli, hub, state)
    with WebhookReceiver(failures=1, status=429) as receiver:
        receiver.retry_after = "120"
        started = time.monotonic()
        result = watch(run_cli, state, "--notify-url", receiver.url)
        assert result.code == 4 and "asked to wait 120 s" in result.json()["notifications"][0]["error"]
        assert len(receiver.received) == 1 and time.monotonic() - started < 20
        receiver.failures, receiver.retry_after = 1, "2"
        result = watch(run_cli, state, "--notify-url", receiver.url)
        assert result.json()["notifications"][0]["delivered"] == 1
        first, second = receiver.received[-2:]
        assert second.at - first.at >= 1.9
        assert len(set(receiver.delivery_ids())) == 1


def test_an_on_change_command_gets_the_same_delivery_id_on_every_try(
    run_cli: Any, hub: HubSim, tmp_path: Path
) -> None:
    state, seen, fail = tmp_path / "state.db", tmp_path / "ids.txt", tmp_path / "fail"
    a_change(run_cli, hub, state)
    fail.touch()
    command = f'echo "$HUBGATE_DELIVERY" >> {seen}; test ! -e {fail}'
    assert watch(run_cli, state, "--on-change", command).code == 4
    fail.unlink()
    assert watch(run_cli, state, "--on-change", command).json()["notifications"][0]["delivered"] == 1
    ids = seen.read_text().split()
    assert len(ids) == 2 and ids[0] == ids[1] and uuid.UUID(ids[0])
