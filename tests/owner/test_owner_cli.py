"""`hubgate requests` as users run it: the real CLI in a subprocess against the loopback Hub."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubgate.testhub import HubSim
from tests.conftest import ALICE, DAVE, LLAMA2, CliResult, assert_no_token, clean_env, run_on_a_terminal
from tests.owner.test_owner_service import (
    DATASET,
    HIDDEN,
    OPEN_OWNED,
    PENDING,
    handle_posts,
    owner_world,
    posts,
    state,
)


@pytest.fixture
def world(hub: HubSim) -> HubSim:
    return owner_world(hub)


@pytest.fixture
def owner(run_cli, world: HubSim):  # type: ignore[no-untyped-def]
    """`hubgate requests ...` with Dave's token in HF_TOKEN; every output is checked for token leaks."""

    def run(*args: str, stdin: str | None = "", token: str | None = DAVE, **env: str) -> CliResult:
        if token is not None:
            env["HF_TOKEN"] = token
        result = run_cli("requests", *args, stdin=stdin, **env)
        assert_no_token(result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        return result

    return run


@pytest.fixture
def inproc(world: HubSim, run_cli):  # type: ignore[no-untyped-def]
    """`hubgate requests ...` in this process (conftest's runner): for the many one-line error cases."""

    def run(*args: str) -> CliResult:
        result: CliResult = run_cli("requests", *args)
        assert_no_token(result.stdout, result.stderr)
        return result

    return run


def one_line(text: str) -> str:
    """The one error line (a `  hint:` line may follow it)."""
    lines = [line for line in text.strip().splitlines() if not line.startswith("  hint: ")]
    assert len(lines) == 1, text
    return lines[0]


# -- list ----------------------------------------------------------------------------------------------


def test_list_shows_every_page_with_names_emails_times_and_answers(owner, world: HubSim) -> None:
    result = owner("list", LLAMA2)
    assert result.code == 0, result.stderr
    assert f"6 pending access requests on model {LLAMA2}" in result.stdout
    for user in PENDING:
        assert f"\n{user} " in result.stdout
    assert "User P1" in result.stdout and "p1@acme.com" in result.stdout
    assert "2026-01-01 10:00 UTC" in result.stdout
    assert "Affiliation=ACME Research; country=FR" in result.stdout
    assert world.count(path=r"/user-access-request/pending$") == 3  # page_size=2: Link pages followed


def test_list_each_status_in_each_format(owner, inproc) -> None:
    accepted = inproc("list", LLAMA2, "--status", "accepted", "--format", "json", "--token", DAVE)
    data = accepted.json()
    assert (data["status"], data["count"]) == ("accepted", 3)
    assert [r["user"] for r in data["requests"]] == ["alice", "bob", "erin"]
    assert data["requests"][0]["email"] == "alice@example.com"
    rejected = owner("list", LLAMA2, "--status", "rejected", "--format", "csv")
    lines = rejected.stdout.splitlines()
    assert lines[0].startswith("request_id,user,fullname,email,status,timestamp")
    assert len(lines) == 2 and ",r1,R1,r1@example.com,rejected,2025-12-01T10:00:00Z" in lines[1]
    reset = inproc("list", LLAMA2, "--status", "reset", "--token", DAVE)
    assert reset.code == 0 and "1 reset access request" in reset.stdout and "\ns1 " in reset.stdout
    csv_pending = inproc("list", LLAMA2, "--format", "csv", "--token", DAVE).stdout
    assert "'=HYPERLINK()" in csv_pending  # a form answer never becomes a spreadsheet formula


def test_hidden_requesters_show_and_take_request_ids(owner, inproc, world: HubSim) -> None:
    listed = owner("list", HIDDEN)
    ids = [r.request_id for r in world.requests[("model", HIDDEN)].values()]
    assert f"id:{ids[0]}" in listed.stdout and f"id:{ids[1]}" in listed.stdout
    assert "hides requesters' names" in listed.stdout
    listed_json = inproc("list", HIDDEN, "--format", "json", "--token", DAVE).json()
    assert [r["user"] for r in listed_json["requests"]] == [None, None]
    assert {r["request_id"] for r in listed_json["requests"]} == set(ids)
    accepted = inproc("accept", HIDDEN, f"id:{ids[1]}", "--token", DAVE)
    assert accepted.code == 0, accepted.stdout
    assert state(world, "h2", HIDDEN) == "accepted" and state(world, "h1", HIDDEN) == "pending"


def test_list_errors_are_one_line(inproc, world: HubSim) -> None:
    cases = [
        ((LLAMA2, "--anonymous"), "not authenticated (401): no token was sent"),
        ((LLAMA2, "--token", ALICE), f"no write permission on model {LLAMA2} (403)"),
        ((OPEN_OWNED, "--token", DAVE), f"model {OPEN_OWNED} is not gated (400)"),
        (("meta-llama/nope", "--token", DAVE), "model meta-llama/nope not found (404)"),
    ]
    for args, message in cases:
        result = inproc("list", *args)
        assert result.code == 1 and result.stdout == ""
        assert message in one_line(result.stderr)
    assert len(world.log) == 4  # one request each: a 4xx is not retried


# -- answers -------------------------------------------------------------------------------------------


def test_accept_reject_cancel_grant(owner, world: HubSim) -> None:
    assert owner("accept", LLAMA2, "p1").code == 0
    rejected = owner("reject", LLAMA2, "p2", "--reason", "Commercial use only")
    assert rejected.code == 0 and rejected.stdout.startswith("rejected   p2")
    cancelled = owner("cancel", LLAMA2, "alice")
    assert cancelled.code == 0 and f"cancel on model {LLAMA2}: 1 cancelled" in cancelled.stdout
    granted = owner("grant", LLAMA2, "nobody-asked", "--format", "json").json()
    assert granted["counts"]["done"] == 1 and granted["results"][0]["outcome"] == "done"
    assert [state(world, u) for u in ("p1", "p2", "alice", "nobody-asked")] == [
        "accepted",
        "rejected",
        "pending",
        "accepted",
    ]
    assert world.requests[("model", LLAMA2)]["p2"].rejection_reason == "Commercial use only"


def test_answer_errors_are_one_line_each(inproc, world: HubSim) -> None:
    world.batch_supported = False  # the one-by-one path (the batch path: test_owner_batch.py)
    cases = [
        (("accept", LLAMA2, "p1", "--anonymous"), "FAILED     p1  not authenticated (401)"),
        (("accept", LLAMA2, "p1", "p2", "--token", ALICE), "SKIPPED    p2  not sent: no write permission"),
        (
            ("accept", OPEN_OWNED, "p1", "--token", DAVE),
            f"FAILED     p1  model {OPEN_OWNED} is not gated (400)",
        ),
        (("accept", LLAMA2, "zed", "--token", DAVE), "FAILED     zed  unknown user zed (404)"),
        (
            ("reject", LLAMA2, "nobody-asked", "--token", DAVE),
            "FAILED     nobody-asked  no access request from",
        ),
        (
            ("grant", LLAMA2, "alice", "--token", DAVE),
            f"FAILED     alice  alice already has access to model {LLAMA2} (400)",
        ),
    ]
    for args, line in cases:
        world.reset_log()
        result = inproc(*args)
        assert result.code == 1, result.stdout
        assert line in result.stdout
        assert "Not done:" in result.stdout
        assert handle_posts(world) == 1  # after a repo-wide refusal, the rest is not sent
    assert [state(world, u) for u in ("p1", "p2", "alice")] == ["pending", "pending", "accepted"]


def test_bulk_file_with_partial_failure(owner, world: HubSim, tmp_path: Path) -> None:
    world.batch_supported = False  # the one-by-one path (the batch path: test_owner_batch.py)
    (tmp_path / "users.txt").write_text("# approved by the board\np1\nzed   # typo?\n\np3\np1\n")
    result = owner("accept", LLAMA2, "-f", "users.txt", "--yes")
    assert result.code == 1
    assert result.stdout.splitlines()[:3] == [
        "accepted   p1",
        "FAILED     zed  unknown user zed (404): no such account on the Hub",
        "accepted   p3",
    ]
    assert f"accept on model {LLAMA2}: 2 accepted, 1 failed\nNot done: zed" in result.stdout
    assert state(world, "p1") == state(world, "p3") == "accepted"
    assert handle_posts(world) == 3  # p1 listed twice, sent once (after the refused batch call)


def test_bulk_without_a_terminal_refuses(owner, world: HubSim, tmp_path: Path) -> None:
    (tmp_path / "users.txt").write_text("p1\np2\n")
    result = owner("reject", LLAMA2, "-f", "users.txt", stdin="y\n")
    assert result.code == 2
    assert "stdin is not a terminal: add --yes" in one_line(result.stderr)
    assert world.log == []
    assert state(world, "p1") == "pending"


@pytest.mark.parametrize(("answer", "code", "after"), [("n", 1, "pending"), ("y", 0, "accepted")])
def test_bulk_asks_on_a_terminal(world: HubSim, tmp_path: Path, answer: str, code: int, after: str) -> None:
    (tmp_path / "users.txt").write_text("p1\np2\n")
    result = run_on_a_terminal(
        ["requests", "accept", LLAMA2, "-f", "users.txt"],
        f"{answer}\n",
        cwd=tmp_path,
        env=clean_env(world.url, tmp_path, HF_TOKEN=DAVE),
    )
    stdout, stderr = result.stdout, result.stderr
    assert result.code == code, stderr
    assert f"Will accept 2 requests on model {LLAMA2}:\n  p1\n  p2\nProceed? [y/N]" in stderr
    assert state(world, "p1") == state(world, "p2") == after
    assert posts(world) == (1 if answer == "y" else 0)  # one batch call for both
    assert_no_token(stdout, stderr)


def test_dry_run_sends_nothing(owner, inproc, world: HubSim, tmp_path: Path) -> None:
    (tmp_path / "users.txt").write_text("p1\nid:abc123\n")
    result = owner("reject", LLAMA2, "p2", "-f", "users.txt", "--reason", "no", "--dry-run")
    assert result.code == 0
    assert f"Will reject 3 requests on model {LLAMA2}:\n  p2\n  p1\n  id:abc123" in result.stdout
    assert "Dry run: nothing was sent" in result.stdout
    as_json = inproc("grant", LLAMA2, "p1", "p2", "--dry-run", "--format", "json", "--token", DAVE).json()
    assert as_json["dry_run"] is True and as_json["plan"] == ["p1", "p2"]
    assert world.count(path="user-access-request") == 0
    assert state(world, "p1") == state(world, "p2") == "pending"


def test_reason_too_long_is_a_usage_error(owner, inproc, world: HubSim) -> None:
    result = owner("reject", LLAMA2, "p1", "--reason", "x" * 201)
    assert result.code == 2
    assert "--reason is 201 characters; the Hub takes at most 200" in one_line(result.stderr)
    assert world.log == []
    assert inproc("reject", LLAMA2, "p1", "--reason", "y" * 200, "--token", DAVE).code == 0
    assert world.requests[("model", LLAMA2)]["p1"].rejection_reason == "y" * 200


def test_usage_errors_send_nothing(inproc, world: HubSim) -> None:
    cases = [
        (("grant", LLAMA2, "id:abc"), "grant needs user names; id:abc is a request id"),
        (("accept", LLAMA2), "name the users to accept (USER... or -f FILE)"),
        (("accept", LLAMA2, "-f", "missing.txt", "--yes"), "-f missing.txt: no such file"),
        (("accept", LLAMA2, "bad/name"), "'bad/name' is not a Hugging Face user name"),
        (("accept", "not a repo", "p1"), "not a repo: "),
        (("accept", LLAMA2, "p1", "--token", DAVE, "--anonymous"), "--token and --anonymous contradict"),
        (("auto", LLAMA2, "--rules", "missing.yaml"), "--rules missing.yaml: no such file"),
    ]
    for args, message in cases:
        result = inproc(*args)
        assert result.code == 2
        assert message in one_line(result.stderr)
    assert world.log == []


def test_datasets(owner, inproc, world: HubSim) -> None:
    listed = inproc("list", f"datasets/{DATASET}", "--format", "json", "--token", DAVE).json()
    assert (listed["repo_type"], [r["user"] for r in listed["requests"]]) == ("dataset", ["d1"])
    accepted = owner("accept", DATASET, "d1", "--repo-type", "dataset")
    assert accepted.code == 0 and f"on dataset {DATASET}: 1 accepted" in accepted.stdout
    assert state(world, "d1", DATASET, "dataset") == "accepted"


def test_hub_errors_are_retried_then_exit_3(owner, inproc, world: HubSim) -> None:
    world.inject(r"/user-access-request/handle$", "status", status=503, times=1)
    assert owner("accept", LLAMA2, "p1").code == 0
    assert world.count(status=503) == 1 and state(world, "p1") == "accepted"
    world.inject(r"/user-access-request/handle$", "status", status=503, times=10)
    failed = inproc("accept", LLAMA2, "p2", "--retries", "1", "--token", DAVE)
    assert failed.code == 3
    assert "ERROR      p2  the Hub answered 503 after 2 attempts" in failed.stdout
    assert "1 not answered (Hub or network errors)" in failed.stdout


# -- auto ----------------------------------------------------------------------------------------------


RULES = "email_domains: [acme.com]   # and its subdomains\norganisations: [Uni X]\n"


def test_auto_is_a_dry_run_unless_applied(owner, inproc, world: HubSim, tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(RULES)
    dry = owner("auto", LLAMA2, "--rules", "rules.yaml")
    assert dry.code == 0
    assert "would accept   p1" in dry.stdout and "email domain acme.com" in dry.stdout
    assert "leave pending  p3" in dry.stdout  # evilacme.com is not acme.com
    assert "Dry run: 3 of 6 pending requests match the rules; nothing was sent." in dry.stdout
    assert posts(world) == 0
    applied = inproc(
        "auto", LLAMA2, "--rules", "rules.yaml", "--apply", "--format", "json", "--token", DAVE
    ).json()
    assert applied["matched"] == 3 and applied["exit_code"] == 0
    assert sorted(d["user"] for d in applied["decisions"] if d["accept"]) == ["p1", "p2", "p5"]
    assert [state(world, u) for u in PENDING] == [
        "accepted",
        "accepted",
        "pending",
        "pending",
        "accepted",
        "pending",
    ]
    assert posts(world) == 1  # the three accepts in one batch call


def test_auto_rejects_unknown_rule_keys(inproc, world: HubSim, tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text("email_domains: [acme.com]\nreject_others: true\n")
    result = inproc("auto", LLAMA2, "--rules", "rules.yaml", "--apply", "--token", DAVE)
    assert result.code == 2
    assert "rules.yaml: unknown key 'reject_others'" in one_line(result.stderr)
    assert world.log == []


def test_json_answers_for_scripts(inproc) -> None:
    data = inproc("accept", LLAMA2, "p1", "zed", "--format", "json", "--token", DAVE).json()
    assert data["exit_code"] == 1 and data["counts"] == {"done": 1, "failed": 1, "error": 0, "skipped": 0}
    error = data["results"][1]["error"]
    assert (error["kind"], error["status"], error["hub_message"]) == (
        "unknown-user",
        404,
        "User zed not found.",
    )
