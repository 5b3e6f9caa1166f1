"""Owner side, in process: the service against the loopback Hub, and the pure plan, rules and renderers."""

from __future__ import annotations

import csv
import io
import socket
from typing import Any

import pytest

from hubgate.hub.pacing import RatePacer
from hubgate.hub.service import HubService
from hubgate.hub.settings import RetryPolicy
from hubgate.owner.client import (
    AccessRequestInfo,
    OwnerClient,
    OwnerError,
    Target,
    classify,
    exit_code_for_actions,
)
from hubgate.owner.plan import (
    MAX_REASON,
    AcceptRulesError,
    PlanError,
    check_reason,
    decide,
    parse_rules,
    parse_target,
    parse_targets_text,
    unique,
)
from hubgate.render import owner as render
from hubgate.testhub import HubSim, Repo, User
from tests.conftest import ALICE, DAVE, LLAMA2

OPEN_OWNED = "meta-llama/open-model"  # Dave's org, not gated
HIDDEN = "meta-llama/hidden-gate"  # gated, hides requesters' names
DATASET = "meta-llama/gated-eval"  # a gated dataset of Dave's org
PENDING = ("p1", "p2", "p3", "p4", "p5", "p6")


def owner_world(hub: HubSim) -> HubSim:
    """Dave (write token, org meta-llama) owns LLAMA2 with six pending requests, one rejected, one reset."""
    affiliations = ["ACME Research", "acme  research", "Other Lab", "", "Uni X", "=HYPERLINK()"]
    domains = ["acme.com", "eu.acme.com", "evilacme.com", "gmail.com", "uni.edu", "example.org"]
    for i, (user, org, domain) in enumerate(zip(PENDING, affiliations, domains, strict=True)):
        hub.add_user(User(user, f"User {user.upper()}", f"{user}@{domain}"))
        fields = {"Affiliation": org, "country": "FR"} if org else None
        hub.set_access(
            user, LLAMA2, "pending", fields=fields, timestamp=f"2026-01-0{i + 1}T10:00:00.000+00:00"
        )
    hub.set_access("r1", LLAMA2, "rejected", timestamp="2025-12-01T10:00:00.000+00:00")
    hub.set_access("s1", LLAMA2, "reset", timestamp="2025-12-02T10:00:00.000+00:00")
    hub.add_repo(Repo(OPEN_OWNED))
    hub.add_repo(Repo(HIDDEN, gated="manual", hide_requesters=True))
    hub.set_access("h1", HIDDEN, "pending", fields={"affiliation": "ACME Research"})
    hub.set_access("h2", HIDDEN, "pending")
    hub.add_repo(Repo(DATASET, repo_type="dataset", gated="manual"))
    hub.set_access("d1", DATASET, "pending", repo_type="dataset")
    hub.add_user(User("nobody-asked", "Nobody Asked"))
    return hub


@pytest.fixture
def world(hub: HubSim) -> HubSim:
    return owner_world(hub)


def service(
    hub: HubSim,
    repo: str = LLAMA2,
    *,
    token: str | None = DAVE,
    repo_type: str = "model",
    sleep: Any = None,
    pacer: RatePacer | None = None,
    **policy: Any,
) -> OwnerClient:
    """The owner client on its own Hub client (`policy`: RetryPolicy fields)."""
    policy.setdefault("retries", 3)
    policy.setdefault("base_wait", 0.01)
    hub_client = HubService(hub.url, token, policy=RetryPolicy(**policy), sleep=sleep, pacer=pacer)
    return OwnerClient(hub_client, repo, repo_type=repo_type)


def state(hub: HubSim, user: str, repo: str = LLAMA2, repo_type: str = "model") -> str | None:
    request = hub.requests.get((repo_type, repo), {}).get(user)
    return request.status if request else None


def posts(hub: HubSim) -> int:
    return sum(1 for entry in hub.log if entry.method == "POST")


def handle_posts(hub: HubSim) -> int:
    """POSTs answering one request (the batch endpoint's calls not counted)."""
    return sum(1 for entry in hub.log if entry.method == "POST" and not entry.path.endswith("/batch"))


# -- listing -------------------------------------------------------------------------------------------


def test_pending_listing_follows_link_pages(world: HubSim) -> None:
    assert world.page_size == 2
    found = service(world).list_requests("pending")
    assert [r.user for r in found] == list(PENDING)  # all pages, in the Hub's order
    assert world.count(path=r"/user-access-request/pending$") == 3  # 6 requests, 2 per page
    first = found[0]
    assert (first.fullname, first.email, first.status) == ("User P1", "p1@acme.com", "pending")
    assert first.fields == {"Affiliation": "ACME Research", "country": "FR"}
    assert first.timestamp is not None and first.timestamp.isoformat().startswith("2026-01-01T10:00:00")
    assert found[3].fields == {}  # no form answers
    assert all(r.request_id for r in found)


@pytest.mark.parametrize(
    ("status", "users"), [("accepted", ["alice", "bob", "erin"]), ("rejected", ["r1"]), ("reset", ["s1"])]
)
def test_each_status_is_listed(world: HubSim, status: str, users: list[str]) -> None:
    found = service(world).list_requests(status)
    assert sorted(r.user for r in found) == users
    assert {r.status for r in found} == {status}
    assert world.count(path=rf"/user-access-request/{status}$") == (len(users) + 1) // 2


def test_reset_listing_paginates_too(world: HubSim) -> None:
    for n in range(5):
        world.set_access(f"reset{n}", LLAMA2, "reset")
    found = service(world).list_requests("reset")
    assert len(found) == 6
    assert world.count(path=r"/user-access-request/reset$") == 3


def test_hidden_requesters_are_identified_by_request_id(world: HubSim) -> None:
    found = service(world, HIDDEN).list_requests("pending")
    assert [r.user for r in found] == [None, None]
    assert all(r.fullname is None and r.email is None for r in found)
    assert found[0].fields == {"affiliation": "ACME Research"}
    target = found[0].target
    assert target == Target(request_id=found[0].request_id) and target.label.startswith("id:")
    result = service(world, HIDDEN).act("accept", target)
    assert result.outcome == "done"
    assert state(world, "h1", HIDDEN) == "accepted" and state(world, "h2", HIDDEN) == "pending"


def test_listing_errors_are_classified(world: HubSim) -> None:
    with pytest.raises(OwnerError) as forbidden:
        service(world, token=ALICE).list_requests("pending")
    assert forbidden.value.problem.kind == "forbidden" and forbidden.value.problem.status == 403
    with pytest.raises(OwnerError) as anonymous:
        service(world, token=None).list_requests("pending")
    assert anonymous.value.problem.kind == "not-authenticated"
    assert all(entry.authorized is False for entry in world.log[-1:])  # no token was sent at all
    with pytest.raises(OwnerError) as open_repo:
        service(world, OPEN_OWNED).list_requests("pending")
    assert open_repo.value.problem.kind == "not-gated"
    with pytest.raises(OwnerError) as missing:
        service(world, "meta-llama/no-such-model").list_requests("pending")
    assert missing.value.problem.kind == "repo-not-found"


# -- answering -----------------------------------------------------------------------------------------


def test_every_action_changes_the_hub(world: HubSim) -> None:
    owner = service(world)
    assert owner.act("accept", Target("p1")).outcome == "done"
    assert state(world, "p1") == "accepted"
    assert owner.act("reject", Target("p2"), reason="Commercial use only").outcome == "done"
    assert state(world, "p2") == "rejected"
    assert world.requests[("model", LLAMA2)]["p2"].rejection_reason == "Commercial use only"
    assert owner.act("cancel", Target("alice")).outcome == "done"
    assert state(world, "alice") == "pending"
    assert owner.act("grant", Target("nobody-asked")).outcome == "done"
    assert state(world, "nobody-asked") == "accepted"
    assert posts(world) == 4


def test_datasets(world: HubSim) -> None:
    owner = service(world, DATASET, repo_type="dataset")
    assert [r.user for r in owner.list_requests("pending")] == ["d1"]
    assert owner.act("accept", Target("d1")).outcome == "done"
    assert state(world, "d1", DATASET, "dataset") == "accepted"
    assert world.count(path=rf"^/api/datasets/{DATASET}/user-access-request/") == 2


@pytest.mark.parametrize(
    ("repo", "token", "target", "action", "kind", "status"),
    [
        (LLAMA2, None, "p1", "accept", "not-authenticated", 401),
        (LLAMA2, ALICE, "p1", "accept", "forbidden", 403),
        (OPEN_OWNED, DAVE, "p1", "accept", "not-gated", 400),
        (LLAMA2, DAVE, "zed", "accept", "unknown-user", 404),
        (LLAMA2, DAVE, "nobody-asked", "reject", "not-found", 404),
        (LLAMA2, DAVE, "alice", "grant", "already", 400),
    ],
)
def test_each_error_is_classified(
    world: HubSim, repo: str, token: str | None, target: str, action: str, kind: str, status: int
) -> None:
    result = service(world, repo, token=token).act(action, Target(target))  # type: ignore[arg-type]
    assert result.outcome == "failed"
    assert result.problem is not None and (result.problem.kind, result.problem.status) == (kind, status)
    assert result.attempts == 1  # a 4xx is an answer: never retried
    assert "\n" not in result.problem.message


def test_one_failing_user_never_stops_the_others(world: HubSim) -> None:
    results = service(world).act_all("accept", [Target("p1"), Target("zed"), Target("p3")])
    assert [r.outcome for r in results] == ["done", "failed", "done"]
    assert state(world, "p1") == state(world, "p3") == "accepted"
    assert exit_code_for_actions(results) == 1


def test_a_repo_wide_refusal_skips_the_rest_unsent(world: HubSim) -> None:
    world.batch_supported = False  # the one-by-one path (the batch path: test_owner_batch.py)
    results = service(world, token=ALICE).act_all("accept", [Target("p1"), Target("p2"), Target("p3")])
    assert [r.outcome for r in results] == ["failed", "skipped", "skipped"]
    assert (handle_posts(world), posts(world)) == (1, 2)  # the batch call refused (403), then one handle
    assert results[2].problem is not None and results[2].problem.kind == "forbidden"
    assert exit_code_for_actions(results) == 1


def test_5xx_and_dropped_connections_are_retried(world: HubSim) -> None:
    world.inject(r"/user-access-request/handle$", "status", status=503, times=2)
    world.inject(r"/user-access-request/grant$", "drop", times=1)
    owner = service(world)
    accepted = owner.act("accept", Target("p1"))
    granted = owner.act("grant", Target("nobody-asked"))
    assert (accepted.outcome, accepted.attempts) == ("done", 3)
    assert (granted.outcome, granted.attempts) == ("done", 2)
    assert state(world, "p1") == "accepted" and state(world, "nobody-asked") == "accepted"


def test_retry_after_is_honoured(world: HubSim) -> None:
    world.inject(r"/user-access-request/handle$", "status", status=429, retry_after=7, times=1)
    now, waits = [0.0], []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    pacer = RatePacer(clock=lambda: now[0], sleep=sleep)  # the pacer holds the retry as long as asked
    result = service(world, pacer=pacer).act("accept", Target("p1"))
    assert result.outcome == "done" and waits == [7.0]


def test_retries_run_out_into_a_hub_error(world: HubSim) -> None:
    world.batch_supported = False  # the one-by-one path (the batch path: test_owner_batch.py)
    world.inject(r"/user-access-request/handle$", "status", status=502, times=10)
    results = service(world, retries=1).act_all("accept", [Target("p1"), Target("p2")])
    assert [r.outcome for r in results] == ["error", "error"]  # not repo-wide: each one is tried
    assert results[0].problem is not None and results[0].problem.kind == "hub-error"
    assert "after 2 attempts" in results[0].problem.message
    assert world.count(status=502) == 4
    assert exit_code_for_actions(results) == 3


def test_unreachable_hub_stops_after_the_first_user() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    owner = OwnerClient.open(
        LLAMA2, token=DAVE, endpoint=f"http://127.0.0.1:{port}", policy=RetryPolicy(retries=1, base_wait=0.01)
    )
    results = owner.act_all("accept", [Target("p1"), Target("p2")])
    assert [r.outcome for r in results] == ["error", "skipped"]
    assert results[0].problem is not None and results[0].problem.kind == "unreachable"
    assert exit_code_for_actions(results) == 3


def test_already_after_a_lost_answer_counts_as_done(world: HubSim) -> None:
    # The first grant reaches the Hub, which answers after the client has given up on it; the retry,
    # sent once the first one is done, hears "already has access".
    world.inject(r"/user-access-request/grant$", "slow", delay=0.5, times=1)
    owner = service(world, timeout=0.2, base_wait=2.0)
    owner.list_requests("pending")  # the Hub has answered: a timeout is not silence
    result = owner.act("grant", Target("nobody-asked"))
    assert (result.outcome, result.attempts) == ("done", 2)
    assert result.note is not None and "lost" in result.note
    assert state(world, "nobody-asked") == "accepted"


def test_classify_tells_400s_apart() -> None:
    repo = "model o/r"
    assert classify(400, "Model o/r is not gated.", repo=repo).kind == "not-gated"
    assert classify(400, "User u already has access to the repo.", repo=repo).kind == "already"
    assert classify(400, "Something else", repo=repo).kind == "bad-request"
    assert (
        classify(404, "Repository not found", repo=repo, error_code="RepoNotFound").kind == "repo-not-found"
    )
    assert classify(404, "Access request 12 not found.", repo=repo, target=Target(request_id="12")).kind == (
        "not-found"
    )
    assert classify(401, "", repo=repo, token_sent=True).message.startswith(
        "not authenticated (401): the Hub rejected"
    )


# -- pure: targets, reasons ----------------------------------------------------------------------------


def test_targets_from_arguments_and_files() -> None:
    assert parse_target("alice") == Target(user="alice")
    assert parse_target("id:66a1b2c3") == Target(request_id="66a1b2c3")
    text = "# reviewers' picks\nalice\n\n  bob   # from the mailing list\nid:66a1\nalice\n"
    assert unique(parse_targets_text(text, "picks.txt")) == [
        Target("alice"),
        Target("bob"),
        Target(None, "66a1"),
    ]
    with pytest.raises(PlanError, match=r"^picks.txt:2: 'bob carol': one user name per line"):
        parse_targets_text("alice\nbob carol\n", "picks.txt")
    with pytest.raises(PlanError, match="not a request id"):
        parse_target("id:")
    with pytest.raises(PlanError, match="not a Hugging Face user name"):
        parse_target("org/name")


def test_reason_limit_is_the_hubs() -> None:
    assert check_reason("x" * MAX_REASON) == "x" * 200
    assert check_reason("   ") is None
    with pytest.raises(PlanError, match="201 characters; the Hub takes at most 200"):
        check_reason("x" * 201)


# -- pure: rules ---------------------------------------------------------------------------------------


RULES = """
# accept our partners
email_domains: [acme.com, "@uni.edu"]
organizations: ["ACME Research"]
"""


def _request(user: str, email: str | None, fields: dict[str, Any] | None = None, status: str = "pending"):
    return AccessRequestInfo(f"id-{user}", user, None, email, status, None, fields or {})


def test_rules_accept_on_domain_or_organisation_only() -> None:
    rules = parse_rules(RULES, "rules.yaml")
    assert rules.email_domains == ("acme.com", "uni.edu") and rules.organisations == ("ACME Research",)
    requests = [
        _request("a", "a@acme.com"),
        _request("b", "b@eu.acme.com"),
        _request("c", "c@evilacme.com"),  # a suffix is not a subdomain
        _request("d", "d@gmail.com", {"Affiliation": "  acme   RESEARCH "}),
        _request("e", "e@gmail.com", {"affiliation": "ACME Research Labs"}),  # compared whole
        _request("f", "f@gmail.com", {"notes": "ACME Research"}),  # not an organisation field
        _request("g", "g@acme.com", status="accepted"),  # only pending requests are decided
        _request("h", None, {"company": "ACME Research"}),
    ]
    decisions = {d.request.user: d for d in decide(rules, requests)}
    assert sorted(u for u, d in decisions.items() if d.accept) == ["a", "b", "d", "h"]
    assert "g" not in decisions
    assert decisions["b"].why == "email domain acme.com"
    assert decisions["d"].why == "Affiliation: acme   RESEARCH"
    assert decisions["c"].why == "no rule matched"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("email_domains: [acme.com]\nemails: [x]\n", r"^rules.yaml: unknown key 'emails' \(known: "),
        ("organisations: []\n", r"^rules.yaml: the rules allow nobody"),
        ("email_domains: ['*.acme.com']\n", r"^rules.yaml: email_domains: '\*.acme.com': no wildcards"),
        ("email_domains: [acme]\n", r"^rules.yaml: email_domains: 'acme' is not an email domain"),
        ("email_domains: [acme.com\n", r"^rules.yaml: not valid YAML"),
        ("- acme.com\n", r"^rules.yaml: expected a mapping"),
    ],
)
def test_bad_rules_name_the_file(text: str, message: str) -> None:
    with pytest.raises(AcceptRulesError, match=message) as info:
        parse_rules(text, "rules.yaml")
    assert "\n" not in str(info.value)


# -- pure: renderers -----------------------------------------------------------------------------------


def test_csv_has_a_column_per_field_and_defuses_formulas() -> None:
    rows = [
        _request("a", "a@acme.com", {"affiliation": '=HYPERLINK("http://x")', "country": "FR"}),
        _request("b", None, {"use": "research"}),
    ]
    table = list(csv.reader(io.StringIO(render.list_csv(rows))))
    head = ["request_id", "user", "fullname", "email", "status", "timestamp"]
    assert table[0] == [*head, "field:affiliation", "field:country", "field:use", "reviewed_at"]
    assert table[1][6] == '\'=HYPERLINK("http://x")'
    assert table[2][8] == "research" and table[2][3] == ""


def test_table_strips_terminal_escapes_and_shows_request_ids() -> None:
    hidden = AccessRequestInfo("66a1", None, None, None, "pending", None, {"note": "\x1b[2Jhi"})
    text = render.list_table([hidden], status="pending", repo_label="model o/r")
    assert "\x1b" not in text
    assert "id:66a1" in text and "id:REQUEST_ID" in text


def test_a_slow_answer_times_out_and_is_retried(world: HubSim) -> None:
    world.inject(r"/user-access-request/handle$", "slow", delay=1.5, times=1)
    result = service(world, timeout=0.3).act("accept", Target("p1"))
    assert (result.outcome, result.attempts) == ("done", 2)
    assert state(world, "p1") == "accepted"
