"""Property tests of the rate-limit pacer: for any order of Hub answers, waits are bounded by what the
latest answers announced, and the known quota never goes negative."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hubgate.hub.pacing import PACE, Held, RatePacer, WaitTooLong

WINDOW = 300


@dataclass
class Answer:
    remaining: int | None  # None: no RateLimit header at all
    reset: int
    status: int
    retry_after: int | None
    policy: bool


@dataclass
class Request:
    pass


@dataclass
class Advance:
    seconds: float


answers = st.builds(
    Answer,
    remaining=st.one_of(st.none(), st.integers(0, 6)),
    reset=st.integers(0, 100_000),  # beyond any window too: a malformed header must not stall a run
    status=st.sampled_from([200, 200, 429]),
    retry_after=st.one_of(st.none(), st.integers(0, 500)),
    policy=st.booleans(),
)
events = st.lists(st.one_of(answers, st.just(Request()), st.builds(Advance, st.floats(0, 400))), max_size=60)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.slept.append(seconds)
        self.now += seconds


def headers_of(answer: Answer) -> dict[str, str]:
    if answer.remaining is None:
        return {}
    headers = {"RateLimit": f'"api";r={answer.remaining};t={answer.reset}'}
    if answer.policy:
        headers["RateLimit-Policy"] = f'"fixed window";"api";q=6;w={WINDOW}'
    return headers


@settings(max_examples=300, deadline=None)
@given(events, st.sampled_from([30.0, 330.0]))
@example(
    sequence=[
        Request(),
        Answer(
            remaining=None,
            reset=0,
            status=200,
            retry_after=None,
            policy=False,
        ),
        Request(),
        Request(),
        Request(),
        Answer(remaining=None, reset=0, status=200, retry_after=None, policy=False),
        Request(),
        Request(),
        Answer(
            remaining=0,
            reset=300,
            status=200,
            retry_after=None,
            policy=True,
        ),
        Request(),
    ],
    max_wait=330.0,
)
def test_waits_are_bounded_by_the_latest_answers_and_the_quota_never_goes_negative(
    sequence: list[object], max_wait: float
) -> None:
    clock = Clock()
    pacer = RatePacer(clock=lambda: clock.now, sleep=clock.sleep, max_wait=max_wait)
    latest_reset_at = 0.0  # when the latest RateLimit answer said the window resets
    latest_hold_until = 0.0  # when the latest 429 said to come back
    for event in sequence:
        if isinstance(event, Answer):
            retry = float(event.retry_after) if event.retry_after is not None else None
            pacer.after_response(headers_of(event), event.status, retry, "api")
            if event.remaining is not None:
                latest_reset_at = clock.now + event.reset
            if event.status == 429:
                hold = retry if retry is not None else (event.reset if event.remaining == 0 else None)
                if hold is not None:
                    latest_hold_until = clock.now + hold
        elif isinstance(event, Advance):
            clock.now += event.seconds
        else:
            started = clock.now
            try:
                pacer.before_request("api")
            except WaitTooLong:
                assert clock.now == started  # refused at once, never slept first
                continue
            waited = clock.now - started
            assert waited <= max_wait + 1e-6
            # Never longer than the latest answers announced, or one window of the policy's own estimate,
            # and then at most one PACE: past a reset, requests still in flight may count in the new
            # window, so our own count paces the next request (one a PACE), never holds it.
            bound = max(latest_reset_at, latest_hold_until, started + WINDOW) - started + PACE
            assert waited <= bound + 1e-6
        remaining = pacer.remaining("api")
        assert remaining is None or remaining >= 0


@pytest.mark.parametrize("old_reset", [30, 200, 299])
def test_a_429_with_a_short_reset_never_inherits_an_older_longer_window(old_reset: int) -> None:
    clock = Clock()
    pacer = RatePacer(clock=lambda: clock.now, sleep=clock.sleep)
    pacer.after_response({"RateLimit": f'"api";r=40;t={old_reset}'}, 200, None, "api")
    pacer.after_response({"RateLimit": '"api";r=0;t=1'}, 429, 1.0, "api")
    pacer.before_request("api")
    assert clock.slept == [1.0]


def test_a_wait_longer_than_max_wait_is_refused_with_the_reason() -> None:
    clock = Clock()
    pacer = RatePacer(clock=lambda: clock.now, sleep=clock.sleep, max_wait=60)
    pacer.after_response({}, 429, 3600.0, "api")
    with pytest.raises(WaitTooLong, match=r"3600 s .*Retry-After.*longer than --max-wait 60 s"):
        pacer.before_request("api")
    assert clock.slept == []
    pacer.before_request("resolvers")  # another bucket is not held


def test_a_request_that_gives_way_is_told_the_hold_and_not_counted() -> None:
    """Where the Hub's word holds the bucket for ten seconds or more (its quota spent until the reset, or
    a 429's hold), a request that may go another way hears how long at once, sleeps nothing and spends
    nothing. A shorter hold is waited for: a few seconds cost less than the other way's requests."""
    clock = Clock()
    pacer = RatePacer(clock=lambda: clock.now, sleep=clock.sleep, max_wait=60)
    pacer.after_response({"RateLimit": '"api";r=0;t=250'}, 200, None, "api")
    with pytest.raises(Held) as held:
        pacer.before_request("api", give_way=True)
    assert held.value.wait == pytest.approx(250) and clock.slept == []
    with pytest.raises(WaitTooLong):  # the same request, waiting, is refused beyond --max-wait
        pacer.before_request("api")
    pacer.after_response({"RateLimit": '"api-anonymous";r=1;t=250'}, 200, None, "api-anonymous")
    assert pacer.before_request("api-anonymous", give_way=True) == 1  # the Hub says one is left
    clock.now += 245  # five seconds before the reset: waited for, not given way
    assert pacer.before_request("api", give_way=True) == 1
    assert clock.slept == [pytest.approx(5)]
    pacer.after_response({}, 429, 30.0, "resolvers")
    with pytest.raises(Held) as held:
        pacer.before_request("resolvers", give_way=True)
    assert held.value.wait == pytest.approx(30)
    pacer.after_response({}, 429, 3.0, "pages")
    assert pacer.before_request("pages", give_way=True) == 1
    assert clock.slept[-1] == pytest.approx(3)


def test_a_ratelimit_reset_of_an_hour_is_refused_as_an_hour_not_a_window() -> None:
    """Issue 21: a 3,600 s reset was reported (and held) as 300 s."""
    clock = Clock()
    pacer = RatePacer(clock=lambda: clock.now, sleep=clock.sleep, max_wait=300)
    pacer.after_response({"RateLimit": '"api";r=0;t=3600'}, 429, None, "api")
    with pytest.raises(
        WaitTooLong, match=r"held for 3600 s .*asked for 3600 s \(its RateLimit reset\).*300 s"
    ):
        pacer.before_request("api")
    assert clock.slept == []
    patient = RatePacer(clock=lambda: clock.now, sleep=clock.sleep, max_wait=4000)
    patient.after_response({"RateLimit": '"api";r=0;t=3600'}, 429, None, "api")
    patient.before_request("api")
    assert clock.slept == [3600.0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("7, 9", 7.0),  # a repeated header: the first value
        ("Wed, 21 Oct 2026 07:28:20 GMT", 20.0),
        ("Wed, 21 Oct 2026 07:28:20 GMT, Wed, 21 Oct 2026 07:29:00 GMT", 20.0),
        ("Wed, 21 Oct 2026 07:27:00 GMT", 0.0),  # in the past: no wait
        ("Wed, 21 Oct 2026 07:28:20", None),  # no zone: not an HTTP date
        ("soon", None),
        ("-5", None),
        ("", None),
    ],
)
def test_retry_after_as_seconds_or_an_http_date(value: str, expected: float | None) -> None:
    from datetime import UTC, datetime

    from hubgate.hub.pacing import retry_after_seconds

    now = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC).timestamp()
    got = retry_after_seconds({"Retry-After": value}, now=lambda: now)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_waits_are_announced_once_per_episode() -> None:
    clock = Clock()
    told: list[tuple[str, float, str]] = []

    def woken_early(seconds: float) -> None:  # sleeps cut short, as by other workers' answers
        clock.now += max(seconds / 4, 1.0)

    pacer = RatePacer(clock=lambda: clock.now, sleep=woken_early, on_wait=lambda *a: told.append(a))
    pacer.after_response({"RateLimit": '"api";r=0;t=20'}, 429, None, "api")
    pacer.before_request("api")
    assert clock.now >= 1020.0
    assert len(told) == 1
    bucket, seconds, why = told[0]
    assert bucket == "api" and round(seconds) == 20 and "429" in why


def test_a_wait_past_max_wait_is_refused_before_sleeping_even_behind_a_shorter_429_hold() -> None:
    # Found by the property above: a 429 asks for 1 s, then an answer still in flight says the quota is
    # spent for 32 s. The wait is 32 s from the start: refused at once, not after sleeping the first second.
    clock = Clock()
    pacer = RatePacer(clock=lambda: clock.now, sleep=clock.sleep, max_wait=30.0)
    pacer.after_response({}, 429, 1.0, "api")
    pacer.after_response({"RateLimit": '"api";r=0;t=32'}, 200, None, "api")
    with pytest.raises(WaitTooLong):
        pacer.before_request("api")
    assert clock.slept == []


def test_an_overtaken_answer_never_raises_the_quota_within_its_window() -> None:
    # Found by a flaky run: the Hub counted 6 of 6 (r=0), then an answer sent earlier arrived saying r=2;
    # taking it whole let one more request out, and the Hub answered 429.
    clock = Clock()
    pacer = RatePacer(clock=lambda: clock.now, sleep=clock.sleep, max_wait=30.0)
    pacer.after_response({"RateLimit": '"api";r=0;t=2'}, 200, None, "api")
    pacer.after_response({"RateLimit": '"api";r=2;t=2'}, 200, None, "api")
    assert pacer.remaining("api") == 0
    pacer.after_response({"RateLimit": '"api";r=5;t=300'}, 200, None, "api")  # a later window: whole
    assert pacer.remaining("api") == 5


# -- issue 23: a stall of its own making --------------------------------------------------------------
#
# A run against a simulated Hub on a fake clock: requests take their time to reach the Hub and to come
# back (so answers overtake each other), at most `jobs` in flight, and every sleep of the pacer lets the
# answers due by then arrive, as other workers' answers would while it waits.


class SimHub:
    """Counts requests in fixed windows, as the Hub does, or replays one static header and never refuses
    (a proxy or cache in front of it)."""

    def __init__(self, quota: int, window: int, static: str | None = None) -> None:
        self.quota, self.window, self.static = quota, window, static
        self.start: float | None = None
        self.used = 0
        self.too_many = 0

    def answer(self, now: float) -> tuple[dict[str, str], int, float | None]:
        if self.static is not None:
            return {"RateLimit": self.static}, 200, None
        if self.start is None or now - self.start >= self.window:
            self.start, self.used = now, 0
        allowed = self.used < self.quota
        self.used += allowed
        self.too_many += not allowed
        reset = max(0, math.ceil(self.start + self.window - now))
        headers = {
            "RateLimit": f'"api";r={self.quota - self.used};t={reset}',
            "RateLimit-Policy": f'"fixed window";"api";q={self.quota};w={self.window}',
        }
        return headers, (200 if allowed else 429), (float(max(1, reset)) if not allowed else None)


class Run:
    def __init__(self, hub: SimHub, jobs: int, trips: list[tuple[float, float]]) -> None:
        self.hub, self.jobs, self.trips = hub, jobs, trips
        self.now = 1000.0
        self.slept = 0.0
        self.events: list[tuple[float, int, str, int, tuple[dict[str, str], int, float | None] | None]] = []
        self.sequence = 0
        self.in_flight = 0
        self.pacer = RatePacer(clock=lambda: self.now, sleep=self.sleep)

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.slept += seconds
        self.run_until(self.now + seconds)

    def run_until(self, until: float) -> None:
        while self.events and self.events[0][0] <= until:
            when, _, kind, ticket, answer = heapq.heappop(self.events)
            self.now = max(self.now, when)
            if kind == "arrive":
                self.push(
                    self.now + self.trips[ticket % len(self.trips)][1],
                    "deliver",
                    ticket,
                    self.hub.answer(self.now),
                )
            else:
                assert answer is not None
                headers, status, retry_after = answer
                self.in_flight -= 1
                self.pacer.after_response(headers, status, retry_after, "api", ticket)
        if until < float("inf"):  # draining: the clock stops at the last answer
            self.now = max(self.now, until)

    def push(
        self, when: float, kind: str, ticket: int, answer: tuple[dict[str, str], int, float | None] | None
    ) -> None:
        self.sequence += 1
        heapq.heappush(self.events, (when, self.sequence, kind, ticket, answer))

    def send(self) -> None:
        ticket = self.pacer.before_request("api")
        self.in_flight += 1
        self.push(self.now + self.trips[ticket % len(self.trips)][0], "arrive", ticket, None)

    def requests(self, count: int) -> None:
        self.send()  # whoami goes first, alone: its answer primes the pacer
        self.run_until(float("inf"))
        for _ in range(count - 1):
            while self.in_flight >= self.jobs:
                self.run_until(self.events[0][0])
            self.send()
        self.run_until(float("inf"))


trips = st.lists(st.tuples(st.floats(0.0005, 0.3), st.floats(0.0005, 0.3)), min_size=1, max_size=20)


@settings(max_examples=200, deadline=None)
# A 2 s window whose reset, rounded up to whole seconds, made the next window's first answer look like the
# same window's: its higher count read as "this Hub does not count", and the window ended in 429s.
@example(quota=14, window=2, jobs=7, trips=[(0.296875, 0.28125), (0.296875, 0.125)], windows=2)
@given(
    quota=st.integers(1, 40),
    window=st.sampled_from([2, 5, 30, 300]),
    jobs=st.integers(1, 16),
    trips=trips,
    windows=st.integers(1, 3),
)
def test_a_hub_that_counts_never_answers_429(
    quota: int, window: int, jobs: int, trips: list[tuple[float, float]], windows: int
) -> None:
    run = Run(SimHub(quota, window), jobs, trips)
    run.requests(quota * windows + 1)
    assert run.hub.too_many == 0


@settings(max_examples=100, deadline=None)
@given(remaining=st.integers(1, 400), reset=st.integers(1, 300), jobs=st.integers(1, 16), trips=trips)
def test_a_static_header_never_holds_a_run_back(
    remaining: int, reset: int, jobs: int, trips: list[tuple[float, float]]
) -> None:
    """The header says the same on every answer and the Hub refuses nothing: no request waits for a
    window, whatever the pacer counted; at most one short pace, until the first answer shows the header
    does not count down."""
    run = Run(SimHub(0, 0, static=f'"api";r={remaining};t={reset}'), jobs, trips)
    run.requests(2 * remaining + 10)  # past what the header says is left, twice over
    assert run.slept <= PACE


def test_a_static_header_of_400_lets_1000_requests_through_without_a_wait() -> None:
    # Issue 23: `"api";r=400;t=200` on every answer; the pacer counted its own 400 requests and waited
    # out the 200 s window, although the Hub never refused anything.
    run = Run(SimHub(0, 0, static='"api";r=400;t=200'), 8, [(0.025, 0.025)])
    run.requests(1000)
    assert run.slept == 0
    assert run.now - 1000.0 == pytest.approx(0.05 + 999 * 0.05 / 8, abs=0.1)
