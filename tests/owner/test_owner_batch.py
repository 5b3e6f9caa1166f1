"""Owner side in bulk: the batch answer endpoint (docs/hub.md "Asking for access"), its fallback, reset and reviewedAt."""

from __future__ import annotations

from typing import Any

import pytest

from hubgate.owner.client import OwnerClient, Target
from hubgate.testhub import HubSim
from tests.conftest import DAVE, LLAMA2
from tests.owner.test_owner_service import handle_posts, owner_world, state
from tests.owner.test_owner_service import service as owner_client

MANY = [f"u{i:03d}" for i in range(150)]


@pytest.fixture
def world(hub: HubSim) -> HubSim:
    owner_world(hub)
    for user in MANY:
        hub.set_access(user, LLAMA2, "pending")
    return hub


def service(hub: HubSim, **options: Any) -> OwnerClient:
    return owner_client(hub, LLAMA2, token=DAVE, retries=2, **options)


def batch_posts(hub: HubSim) -> int:
    return sum(1 for entry in hub.log if entry.method == "POST" and entry.path.endswith("/batch"))


@pytest.mark.parametrize(("shape", "calls"), [("object", 2), ("list", 3)])
def test_answers_go_100_per_batch_call_in_either_body_shape(world: HubSim, shape: str, calls: int) -> None:
    world.batch_shape = shape
    owner = service(world)
    results = owner.act_all("accept", [Target(u) for u in MANY])
    assert [r.outcome for r in results] == ["done"] * len(MANY)
    assert all(state(world, u) == "accepted" for u in MANY)
    # object shape: 100 + 50; list shape: the object refused once (400), then the list shape kept.
    assert (batch_posts(world), handle_posts(world)) == (calls, 0)


def test_reject_reason_travels_in_the_batch(world: HubSim) -> None:
    results = service(world).act_all("reject", [Target("u000"), Target("u001")], reason="not eligible")
    assert [r.outcome for r in results] == ["done", "done"]
    stored = world.requests[("model", LLAMA2)]
    assert stored["u000"].status == "rejected" and stored["u001"].rejection_reason == "not eligible"


def test_falls_back_to_one_by_one_when_the_hub_refuses_the_batch(world: HubSim) -> None:
    world.batch_supported = False
    owner = service(world)
    results = owner.act_all("accept", [Target(u) for u in MANY[:5]])
    assert [r.outcome for r in results] == ["done"] * 5
    assert all(state(world, u) == "accepted" for u in MANY[:5])
    assert (batch_posts(world), handle_posts(world)) == (1, 5)  # tried once, then never again this run
    owner.act_all("accept", [Target(u) for u in MANY[5:8]])
    assert (batch_posts(world), handle_posts(world)) == (1, 8)


def test_a_batch_refused_for_one_unknown_request_answers_the_others_one_by_one(world: HubSim) -> None:
    results = service(world).act_all("accept", [Target("u000"), Target("nobody"), Target("u001")])
    assert [r.outcome for r in results] == ["done", "failed", "done"]
    assert state(world, "u000") == state(world, "u001") == "accepted"


def test_reset_and_reviewed_at_in_listings(world: HubSim, run_cli: Any) -> None:
    service(world).act_all("accept", [Target("u000"), Target("u001")])
    listed = run_cli("requests", "list", LLAMA2, "--status", "accepted", "--format", "json", HF_TOKEN=DAVE)
    reviewed = {r["user"]: r["reviewed_at"] for r in listed.json()["requests"]}
    assert reviewed["u000"] is not None and reviewed["u000"].endswith("Z")
    table = run_cli("requests", "list", LLAMA2, "--status", "accepted", HF_TOKEN=DAVE)
    assert "REVIEWED" in table.stdout
    reset = run_cli("requests", "list", LLAMA2, "--status", "reset", "--format", "json", HF_TOKEN=DAVE).json()
    assert [(r["user"], r["status"]) for r in reset["requests"]] == [("s1", "reset")]
    # A reset request is answered like any other.
    results = service(world).act_all("accept", [Target("s1")])
    assert results[0].outcome == "done" and state(world, "s1") == "accepted"
