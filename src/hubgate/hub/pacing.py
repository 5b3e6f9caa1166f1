"""Pacing on the Hub's RateLimit headers, shared by all workers, so a run waits instead of earning 429s.

Rules (docs/hub.md, "Rate limits"):
- a bucket's state comes from the latest answer as a whole: its remaining quota and its reset, together.
  An answer whose reset is earlier than the stored one starts a new view of the window; nothing of an
  older answer is carried over. Within one window a higher count is an overtaken answer, unless its
  request left after the answer it contradicts arrived: then it is the Hub's newer word, taken whole;
- only the Hub's own word waits out a window: an answer saying the bucket is empty (`r=0`), or a 429.
  Our own count (requests sent since its word) only paces: while it says the quota is spent and the Hub
  has not, a request waits for the answers in flight, at most `PACE` seconds, and one request goes per
  `PACE` if none comes. A header that does not count down (a proxy, a cache or a limiter replaying
  `r=400` on every answer: a request sent after an answer is announced no lower than it) is not counted
  against at all: a run never stalls on its own arithmetic;
- a 429 holds its bucket for its own `Retry-After` (else its `t`), never longer;
- a wait is the one the Hub announced (a `RateLimit` reset of an hour is an hour, never trimmed to a
  five-minute window in the words or the wait); one longer than `max_wait`, or past the run's deadline,
  is not slept: `WaitTooLong` says why, and the request becomes an `error` verdict instead of a silent stall;
- waits are announced (`on_wait`) once per episode, and every sleep wakes at once when the run is
  cancelled (Ctrl-C). Other things the user should hear while a run waits (a Hub that stopped answering)
  go to `on_notice`.
"""

from __future__ import annotations

import dataclasses
import email.utils
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

ANNOUNCE_AFTER = 2.0  # waits shorter than this are not worth a line


class WaitTooLong(Exception):
    """A wait the run may not make (longer than --max-wait, or past the run's deadline)."""


class Cancelled(Exception):
    """The run was cancelled (Ctrl-C) while this request waited."""


class Held(Exception):
    """The Hub holds the bucket (its quota spent until the reset, or a 429's hold) for `give_way_after`
    seconds or more, and the request asked to give way rather than wait: it was not counted, and may go
    another way (`wait`: seconds the hold lasts)."""

    def __init__(self, bucket: str, wait: float) -> None:
        super().__init__(f"the {bucket} bucket is held for {wait:.0f} s")
        self.bucket = bucket
        self.wait = wait


# A request that may go another way (`give_way`) still waits for a reset this close: a few seconds are
# cheaper than the other way's requests.
GIVE_WAY_AFTER = 10.0
# Two answers whose resets are this close (seconds, `t` is rounded) describe the same window.
SAME_WINDOW_SLACK = 1.5
# The longest a request waits for answers in flight when only our own count says the quota is spent:
# answers usually come back well within it, and a Hub that stays silent gets one request per PACE.
PACE = 1.0
_PACE_SLICE = 0.01  # how often a pacing request looks for answers (the sleep wakes at once on Ctrl-C)


@dataclass
class _Bucket:
    remaining: int | None = None  # our count: the Hub's word less what we sent since; None: unknown
    said: int | None = None  # the Hub's own word on the remaining quota in this window (lowest, or newest)
    said_seq: int = 0  # requests sent in the bucket when `said` arrived: a later ticket left after it
    counting: bool | None = None  # does the Hub's count go down with our requests? None: not seen yet
    reset_at: float = 0.0
    limit: int | None = None
    window: float | None = None
    blocked_until: float = 0.0  # a 429's own hold
    blocked_why: str = ""
    announced_until: float = 0.0
    pace_next: float = 0.0  # when the next request may go while only our own count says spent


@dataclass(frozen=True)
class Quota:
    """One bucket's rate-limit state as the Hub last announced it."""

    bucket: str
    remaining: int
    reset_in: float
    limit: int | None
    window: float | None


def parse_quotas(headers: Mapping[str, str]) -> list[Quota]:
    """Every `RateLimit` item of an answer (the header may be repeated: httpx joins the copies with ", "),
    parsed with huggingface_hub's own parser. Malformed items are skipped. A reset is taken as announced,
    even beyond the policy's window: the Hub knows its limiters better than its documentation, and a
    wait longer than the run allows is refused with the Hub's figure (`--max-wait`), never shortened."""
    from huggingface_hub.utils import parse_ratelimit_headers

    raw = _header(headers, "ratelimit")
    if not raw:
        return []
    policy = _header(headers, "ratelimit-policy")
    found = []
    for item in raw.split(","):
        info = parse_ratelimit_headers(
            {"ratelimit": item.strip(), **({"ratelimit-policy": policy} if policy else {})}
        )
        if info is None:
            continue
        window = float(info.window_seconds) if info.window_seconds else None
        found.append(
            Quota(
                bucket=info.resource_type,
                remaining=max(0, info.remaining),
                reset_in=max(0.0, float(info.reset_in_seconds)),
                limit=info.limit,
                window=window,
            )
        )
    return found


_SECONDS = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:,|$)")


def retry_after_seconds(headers: Mapping[str, str], *, now: Callable[[], float] = time.time) -> float | None:
    """`Retry-After` in seconds from now: a number of seconds, or an HTTP date (`Wed, 21 Oct 2026 07:28:00
    GMT`, whose own comma is no list separator); None when absent or unreadable. A header sent twice
    arrives joined with ", ": its first value counts. A date in the past is no wait (0)."""
    value = (_header(headers, "retry-after") or "").strip()
    if not value:
        return None
    number = _SECONDS.match(value)
    if number is not None:
        seconds = float(number.group(1))
        return seconds if seconds < float("inf") else None
    parts = [part.strip() for part in value.split(",")]
    # A date has one comma of its own (after the day name); a repeated header adds more.
    for candidate in (value, ", ".join(parts[:2])):
        try:
            when = email.utils.parsedate_to_datetime(candidate)
        except (TypeError, ValueError, IndexError):
            continue
        if when.tzinfo is None:  # HTTP dates are GMT; a date without a zone is not one
            continue
        return max(0.0, when.timestamp() - now())
    return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key in headers:
        if key.lower() == name:
            return headers[key]
    return None


class RatePacer:
    """Tracks each bucket's remaining quota from `RateLimit` headers and holds requests once it runs out.

    Every request sent counts against the known remaining quota at once, before its answer comes back,
    so concurrent workers cannot overshoot: when that count is down to `reserve`, new requests wait for
    the answers in flight (briefly, `PACE`); when the Hub itself says so (`r` down to `reserve`, or a
    429), they wait for the window's reset.
    """

    def __init__(
        self,
        *,
        reserve: int = 0,
        max_wait: float = 330.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        on_wait: Callable[[str, float, str], None] | None = None,
        on_notice: Callable[[str], None] | None = None,
        cancelled: threading.Event | None = None,
        deadline: float | None = None,
        give_way_after: float = GIVE_WAY_AFTER,
    ) -> None:
        self._reserve = reserve
        self.max_wait = max_wait
        self.give_way_after = give_way_after
        self.deadline = deadline  # on `clock`'s scale; None: no run deadline
        self._clock = clock
        self._cancelled = cancelled or threading.Event()
        self._sleep = sleep
        self._on_wait = on_wait
        self._on_notice = on_notice
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        self.waited_seconds = 0.0
        # For reports: per bucket, the lowest quota the Hub announced in the current window (answers
        # overtake each other; the lowest is the one the Hub counted last). Pacing uses `_buckets`.
        self.last_quotas: dict[str, Quota] = {}
        self._quota_resets: dict[str, float] = {}
        self._sent: dict[str, int] = {}  # requests counted per bucket, for tickets
        self._in_flight: dict[str, int] = {}  # sent, no answer yet: the Hub may not have counted them
        self._answers: dict[str, int] = {}  # answers (and requests given up) per bucket, for pacing

    def attach(self, cancelled: threading.Event, deadline: float | None) -> None:
        """Share a service's cancellation and run deadline (a deadline already set is kept)."""
        self._cancelled = cancelled
        if self.deadline is None:
            self.deadline = deadline

    def notice(self, text: str) -> None:
        """Tell the run's user something they would otherwise wait on in silence (once per cause: the
        caller decides)."""
        if self._on_notice is not None:
            self._on_notice(text)

    # -- holding requests back ----------------------------------------------------------------------

    def before_request(self, bucket: str, *, give_way: bool = False) -> int:
        """Block while `bucket` is spent or held by a 429; then count this request and return its ticket
        (for `after_response`). Raises WaitTooLong instead of waiting beyond `max_wait` or the deadline,
        Cancelled when the run is cancelled. `give_way`: Held instead of waiting where the Hub's word holds
        the bucket (`r=0` until the reset, or a 429's hold) for `give_way_after` seconds or more; a shorter
        hold, and a pause on our own count (short too), are waited for."""
        pace_deadline, paced_since = 0.0, -1
        while True:
            with self._lock:
                state = self._buckets.setdefault(bucket, _Bucket())
                now = self._clock()
                if state.remaining is not None and now >= state.reset_at:
                    # A new window: its full quota when the policy header told it, else unknown, less the
                    # requests in flight (the Hub may count them in it). The Hub has said nothing of it yet.
                    inflight = self._in_flight.get(bucket, 0)
                    state.remaining = max(0, state.limit - inflight) if state.limit is not None else None
                    state.said = None
                    state.reset_at = now + state.window if state.window and state.limit else now
                held = max(0.0, state.blocked_until - now)
                spent = state.said is not None and state.said <= self._reserve  # the Hub's own word
                if give_way and (held or spent):
                    hold = max(held, state.reset_at - now if spent else 0.0)
                    if hold >= self.give_way_after:
                        raise Held(bucket, hold)
                if held or spent:
                    wait, why, announce = self._hold(bucket, state, held, spent, now)
                elif not self._counted_out(bucket, state):
                    return self._count(bucket, state)
                else:
                    # Only our own count says the quota is spent: the answers in flight will tell. Each
                    # answer restarts the wait; with none for PACE, one request goes, the next after PACE.
                    if paced_since != self._answers.get(bucket, 0):
                        pace_deadline, paced_since = now + PACE, self._answers.get(bucket, 0)
                    until = max(pace_deadline, state.pace_next)
                    if self.deadline is not None:
                        until = min(until, self.deadline)
                    if until <= now:
                        state.pace_next = now + PACE
                        return self._count(bucket, state)
                    wait = None
            if wait is None:
                self._pace(bucket, until, paced_since)
                continue
            if announce and self._on_wait is not None:
                self._on_wait(bucket, wait, why)
            self.pause(wait)

    def _counted_out(self, bucket: str, state: _Bucket) -> bool:
        """Our own count says the quota is spent, on a Hub whose count goes down with our requests (or
        has not shown otherwise yet), and answers in flight can still tell more."""
        return (
            state.counting is not False
            and state.remaining is not None
            and state.remaining <= self._reserve
            and self._in_flight.get(bucket, 0) > 0
        )

    def _count(self, bucket: str, state: _Bucket) -> int:
        if state.remaining is not None:
            state.remaining = max(0, state.remaining - 1)  # paced past it: still none left by our count
        self._sent[bucket] = self._sent.get(bucket, 0) + 1
        self._in_flight[bucket] = self._in_flight.get(bucket, 0) + 1
        return self._sent[bucket]

    def _pace(self, bucket: str, until: float, answers: int) -> None:
        """Wait until another answer comes, or `until`: in short sleeps, each waking at once on Ctrl-C."""
        while self._answers.get(bucket, 0) == answers:
            left = until - self._clock()
            if left <= 0:
                return
            self.pause(min(_PACE_SLICE, left))

    def _hold(
        self, bucket: str, state: _Bucket, held: float, spent: bool, now: float
    ) -> tuple[float, str, bool]:
        """The wait of a request the Hub holds back (a 429's hold; its word that the bucket is empty until
        the reset), why, and whether to announce it. Raises WaitTooLong for a wait the run may not make."""
        # Held by a 429 and spent until the reset: the longer of the two is the wait, known now, so a wait
        # past --max-wait is refused before any sleep rather than after the first part.
        spent_for = max(state.reset_at - now, 0.0) if spent else 0.0
        if held >= spent_for:
            wait, why = held, state.blocked_why
        else:
            wait, why = spent_for, "its quota is spent until the window resets"
        self._refuse_if_too_long(bucket, wait, why, now)
        announce = wait >= ANNOUNCE_AFTER and now + wait > state.announced_until + 1.0
        if announce:
            state.announced_until = now + wait
        return wait, why, announce

    def check_wait(self, wait: float, why: str, bucket: str = "request") -> None:
        """Raise WaitTooLong when a wait (a 5xx's Retry-After) is beyond `max_wait` or the deadline."""
        self._refuse_if_too_long(bucket, wait, why, self._clock())

    def _refuse_if_too_long(self, bucket: str, wait: float, why: str, now: float) -> None:
        if wait > self.max_wait:
            raise WaitTooLong(
                f"rate limited: the {bucket} bucket is held for {wait:.0f} s ({why}), "
                f"longer than --max-wait {self.max_wait:g} s"
            )
        if self.deadline is not None and now + wait > self.deadline:
            raise WaitTooLong(
                f"rate limited: the {bucket} bucket is held for {wait:.0f} s ({why}), past the run's --deadline"
            )

    def pause(self, seconds: float) -> None:
        """Sleep, waking at once when the run is cancelled."""
        if seconds <= 0:
            self._raise_if_cancelled()
            return
        self.waited_seconds += seconds
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            self._cancelled.wait(seconds)
        self._raise_if_cancelled()

    def _raise_if_cancelled(self) -> None:
        if self._cancelled.is_set():
            raise Cancelled("cancelled")

    # -- learning from answers ----------------------------------------------------------------------

    def after_response(
        self,
        headers: Mapping[str, str],
        status: int | None = None,
        retry_after: float | None = None,
        bucket: str = "api",
        ticket: int | None = None,
        *,
        suffix: str = "",
    ) -> None:
        """Learn each bucket's state from an answer's `RateLimit` / `RateLimit-Policy` headers. A 429 holds
        the buckets it says are spent (else the request's `bucket`) for its own `Retry-After`, else for
        its reset; a 429 with neither header holds nothing (the request's own backoff applies).
        `ticket` (from `before_request`): this answer is for a request the pacer counted; every other
        request still in flight is taken off the quota the answer announces, since the Hub may not have
        counted it yet (answers overtake each other). `suffix` names the buckets of a request sent without
        the token, whose headers describe the anonymous quota (per IP) and not the account's."""
        by_bucket: dict[str, Quota] = {}
        for quota in parse_quotas(headers):
            if suffix:
                quota = dataclasses.replace(quota, bucket=quota.bucket + suffix)
            known = by_bucket.get(quota.bucket)
            if known is None or quota.remaining < known.remaining:
                by_bucket[quota.bucket] = quota  # a repeated header: the most cautious item
        with self._lock:
            now = self._clock()
            for name in {bucket, *by_bucket}:
                self._answers[name] = self._answers.get(name, 0) + 1
            if ticket:
                self._in_flight[bucket] = max(0, self._in_flight.get(bucket, 0) - 1)
            for quota in by_bucket.values():
                state = self._buckets.setdefault(quota.bucket, _Bucket())
                state.limit = quota.limit if quota.limit is not None else state.limit
                state.window = quota.window or state.window
                self._learn(state, quota, now, ticket if quota.bucket == bucket else None)
                self._report_quota(quota, now)
            if status != 429:
                return
            spent = [q for q in by_bucket.values() if q.remaining == 0]
            holds = [(q.bucket, retry_after if retry_after is not None else q.reset_in) for q in spent]
            if not holds and retry_after is not None:
                holds = [(bucket, retry_after)]
            source = "Retry-After" if retry_after is not None else "its RateLimit reset"
            for name, hold in holds:
                state = self._buckets.setdefault(name, _Bucket())
                state.blocked_until = now + hold
                if retry_after is not None:
                    # The 429's own Retry-After is the whole wait: its `t` must not add a second one.
                    state.remaining = state.said = None
                state.blocked_why = f"the Hub answered 429 and asked for {hold:.0f} s ({source})"

    def _learn(self, state: _Bucket, quota: Quota, now: float, ticket: int | None) -> None:
        """Take one answer's word on a bucket: whole, or within the same window only what lowers it."""
        sent = self._sent.get(quota.bucket, 0)
        remaining = max(0, quota.remaining - self._in_flight.get(quota.bucket, 0))
        reset_at = now + quota.reset_in
        state.reset_at, known_reset = reset_at, state.reset_at
        if state.said is None or state.remaining is None or abs(reset_at - known_reset) > SAME_WINDOW_SLACK:
            state.said, state.said_seq, state.remaining = quota.remaining, sent, remaining
            return
        if ticket is not None and ticket > state.said_seq:
            # This request left after the answer behind `said` arrived, so the Hub counted it later: a
            # Hub that counts our requests says less. One that says the same (a proxy or cache replaying
            # its header, a limiter of its own) is taken at its word, and our count no longer holds
            # anything. One that says more has started a new window: a short window's reset, rounded to
            # whole seconds, can look like the same one; that says nothing of whether the Hub counts.
            if quota.remaining <= state.said:
                state.counting = quota.remaining < state.said
            state.said, state.said_seq, state.remaining = quota.remaining, sent, remaining
            return
        # The same window, and an answer that may have been overtaken by a later one (answers arrive out
        # of order): a higher count is never a reason to send more.
        if quota.remaining < state.said:
            state.said, state.said_seq = quota.remaining, sent
        state.remaining = min(remaining, state.remaining)

    def _report_quota(self, quota: Quota, now: float) -> None:
        known = self.last_quotas.get(quota.bucket)
        reset_at = now + quota.reset_in
        same_window = (
            known is not None and abs(reset_at - self._quota_resets[quota.bucket]) <= SAME_WINDOW_SLACK
        )
        if not same_window or quota.remaining <= known.remaining:  # type: ignore[union-attr]
            self.last_quotas[quota.bucket] = quota
            self._quota_resets[quota.bucket] = reset_at

    def release(self, bucket: str) -> None:
        """A counted request that got no answer (dropped, timed out): it is no longer in flight."""
        with self._lock:
            self._answers[bucket] = self._answers.get(bucket, 0) + 1
            self._in_flight[bucket] = max(0, self._in_flight.get(bucket, 0) - 1)

    def remaining(self, bucket: str) -> int | None:
        with self._lock:
            state = self._buckets.get(bucket)
            return state.remaining if state else None
