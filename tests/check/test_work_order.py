"""The order a run works in: authors spread out, so that no worker waits for another's listing or first
probe of the same author; the verdicts still come back in input order."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubgate.check.extras import Extras
from hubgate.check.listings import author_of, spread_by_author
from hubgate.check.run import run_check
from hubgate.check.session import open_session
from hubgate.hub.pacing import RatePacer
from hubgate.hub.service import HubService
from hubgate.hub.settings import RetryPolicy
from hubgate.hub.tally import Budget
from hubgate.hub.token import ResolvedToken
from hubgate.hub.workers import run_all
from hubgate.inputs.refs import InvalidRef, RepoRef
from hubgate.testhub import Fault, HubSim, Repo, Token

TESS = "hf_" + "Tess" * 8


def _ref(repo_id: str, repo_type: str = "model", revision: str | None = None) -> RepoRef:
    return RepoRef(repo_id, repo_type, repo_id, revision=revision)  # type: ignore[arg-type]


def test_each_author_gets_its_first_turn_before_any_author_a_second() -> None:
    items: list[object] = [
        _ref("a/1"),
        _ref("a/2"),
        _ref("a/3"),
        _ref("b/1"),
        _ref("a/1", "dataset"),  # another kind of repo: another listing
        _ref("b/2"),
        _ref("gpt2"),  # a legacy id is never listed: it stands alone
        _ref("a/4", revision="v1"),  # nor is a pinned revision
        InvalidRef("??", "not an id", None),
    ]
    order = spread_by_author(items)
    assert order == [0, 3, 4, 6, 7, 8, 1, 5, 2]


def test_authors_with_more_ids_take_their_turn_first() -> None:
    """Their listings leave before the one-model authors' metadata, which can spend the api quota first."""
    items = [_ref(f"solo-{n}/m") for n in range(4)] + [_ref(f"big/m{n}") for n in range(3)]
    items.append(_ref("pair/m0"))
    items.append(_ref("pair/m1"))
    assert spread_by_author(items) == [4, 7, 0, 1, 2, 3, 5, 8, 6]


def test_one_worker_keeps_input_order_and_an_empty_run_is_empty() -> None:
    assert spread_by_author([]) == []
    assert spread_by_author([_ref("a/1"), _ref("a/2")]) == [0, 1]


@given(st.lists(st.tuples(st.sampled_from("abcde"), st.integers(0, 30)), max_size=60))
def test_the_order_is_a_permutation_that_keeps_each_authors_own_order(pairs: list[tuple[str, int]]) -> None:
    refs = [_ref(f"{author}/m{number}") for author, number in pairs]
    order = spread_by_author(refs)
    assert sorted(order) == list(range(len(refs)))
    for author in set(author_of(ref) for ref in refs):
        mine = [position for position in order if author_of(refs[position]) == author]
        assert mine == sorted(mine)
    authors = len({author_of(ref) for ref in refs})
    assert len({author_of(refs[position]) for position in order[:authors]}) == authors


def test_a_sorted_list_asks_every_authors_listing_at_once_and_answers_in_input_order() -> None:
    """Twelve ids sorted by author (three authors, four open repos each), three workers: the three
    listings go out together before any file probe. Working in input order, the second and third
    workers waited for the first author's listing and probe, and the second listing came after a probe."""
    ids = [f"{author}/open-{n}" for author in ("alpha", "beta", "gamma") for n in range(4)]
    with HubSim(latency=0.05, page_size=1000) as hub:
        hub.add_token(Token(TESS, "tess", role="read"))
        for repo_id in ids:
            hub.add_repo(Repo(repo_id, card_data={"license": "mit"}))
        session = open_session(
            ResolvedToken(TESS, "HF_TOKEN"),
            endpoint=hub.url,
            policy=RetryPolicy(retries=1, base_wait=0.01, timeout=5.0),
            pacer=RatePacer(max_wait=5),
        )
        session.identified()  # whoami answered: the log holds the run's own requests
        hub.reset_log()
        report = run_check(
            session, [_ref(i) for i in ids], jobs=3, extras=Extras(alternatives=False, suggest=False)
        )
        kinds = ["listing" if entry.path == "/api/models" else entry.bucket for entry in hub.log]
    assert [v.input for v in report.verdicts] == ids
    assert all(v.status.value == "open" for v in report.verdicts)
    assert kinds[:3] == ["listing"] * 3, kinds
    assert kinds.count("listing") == 3


HELD = 1.5  # seconds the test Hub holds whoami's answer


def _run_with_whoami_held(ids: list[str], budget: Budget | None = None) -> tuple[list[float], list[str]]:
    """Check `ids` while the Hub holds whoami's answer HELD seconds: when each other request arrived after
    whoami did (seconds), and the verdicts. Every run also checks its `meanwhile` (where the CLI imports
    its renderer): run once, in the caller's thread, while whoami's answer is still held."""
    calls: list[tuple[float, str]] = []
    started = time.monotonic()
    with HubSim(page_size=1000) as hub:
        hub.add_token(Token(TESS, "tess", role="read"))
        for repo_id in ids:
            hub.add_repo(Repo(repo_id, card_data={"license": "mit"}))
        hub.faults.append(Fault(r"^/api/whoami-v2$", "slow", delay=HELD))
        session = open_session(
            ResolvedToken(TESS, "HF_TOKEN"),
            endpoint=hub.url,
            policy=RetryPolicy(retries=1, base_wait=0.01, timeout=10.0),
            pacer=RatePacer(max_wait=5),
            budget=budget,
        )
        report = run_check(
            session,
            [_ref(i) for i in ids],
            jobs=4,
            extras=Extras(alternatives=False),
            meanwhile=lambda: calls.append((time.monotonic() - started, threading.current_thread().name)),
        )
        whoami = next(entry.at for entry in hub.log if entry.path == "/api/whoami-v2")
        after = [entry.at - whoami for entry in hub.log if entry.path != "/api/whoami-v2"]
    assert report.token.user == "tess"  # the verdicts still know who the token is
    assert len(calls) == 1 and calls[0][1] == threading.current_thread().name, calls
    if budget is None:  # under a cap whoami is answered before the run starts
        assert calls[0][0] < HELD * 0.6, calls
    return after, [verdict.status.value for verdict in report.verdicts]


def test_a_run_of_one_repo_sends_its_first_request_beside_whoami() -> None:
    """One round trip less for the commonest run: the repo's request does not wait for whoami's answer."""
    after, statuses = _run_with_whoami_held(["alpha/one"])
    assert statuses == ["open"]
    assert after and after[0] < HELD / 2, after


def test_several_repos_wait_for_whoami_whose_rate_limit_headers_pace_them() -> None:
    after, statuses = _run_with_whoami_held(["alpha/one", "beta/two", "gamma/three"])
    assert statuses == ["open"] * 3
    assert min(after) >= HELD * 0.9, after


def test_under_a_budget_cap_whoami_answers_first_even_for_one_repo() -> None:
    """The cap must fall on the same requests run after run, not on whichever came first."""
    after, statuses = _run_with_whoami_held(["alpha/one"], Budget({"api": 10}))
    assert statuses == ["open"]
    assert min(after) >= HELD * 0.9, after


def test_run_all_calls_meanwhile_once_every_item_is_handed_out() -> None:
    """Not before (the items would leave later), not after (it would add to the run's time)."""
    items = list(range(4))
    release = threading.Event()
    began: list[int] = []

    def work(item: int) -> int:
        began.append(item)
        if not release.wait(5):
            raise AssertionError("meanwhile never ran while the work was out")
        return item * 10

    def meanwhile() -> None:
        deadline = time.monotonic() + 5
        while len(began) < len(items) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sorted(began) == items  # every item was handed out before meanwhile ran
        release.set()

    service = HubService("http://127.0.0.1:9", None)
    assert run_all(service, work, items, jobs=len(items), meanwhile=meanwhile) == [0, 10, 20, 30]


def test_the_session_builds_the_http_client_in_the_callers_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Built by the first exchange, its imports and TLS context held up the first request while the
    caller sat idle; built by open_session, the requests leave as soon as they are handed out."""
    from huggingface_hub import utils

    built: list[str] = []
    real = utils.get_session
    monkeypatch.setattr(
        utils, "get_session", lambda: (built.append(threading.current_thread().name), real())[1]
    )
    with HubSim() as hub:
        hub.add_token(Token(TESS, "tess", role="read"))
        session = open_session(ResolvedToken(TESS, "HF_TOKEN"), endpoint=hub.url)
        assert built[:1] == [threading.current_thread().name]
        session.identified()
        before = len(built)
        open_session(ResolvedToken(TESS, "HF_TOKEN"), endpoint=hub.url, identify=False)
    assert len(built) == before  # a session with nothing to ask builds nothing
