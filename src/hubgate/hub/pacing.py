"""Pacing on the Hub's RateLimit headers, shared by all workers, so a run waits instead of earning 429s."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass
class _Bucket:
    remaining: int | None = None  # None: unknown, nothing holds requests back
    reset_at: float = 0.0
    limit: int | None = None
    window: float | None = None


class RatePacer:
    """Tracks each bucket's remaining quota from `RateLimit` headers and holds requests once it runs out.

    The Hub's windows are fixed (hub-contract.md section 5). Every request sent counts against the
    known remaining quota at once, before its answer comes back, so concurrent workers cannot
    overshoot; when a bucket is down to `reserve`, new requests wait for the window's reset.
    """

    def __init__(
        self,
        *,
        reserve: int = 0,
        max_wait: float = 330.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[str, float], None] | None = None,
    ) -> None:
        self._reserve = reserve
        self._max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._on_wait = on_wait
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        self.waited_seconds = 0.0

    def before_request(self, bucket: str) -> None:
        """Block while `bucket` has no quota left in its current window; then count this request."""
        while True:
            with self._lock:
                state = self._buckets.setdefault(bucket, _Bucket())
                now = self._clock()
                if state.remaining is not None and now >= state.reset_at:
                    # A new window: its full quota when the policy header told it, else unknown.
                    state.remaining = state.limit
                    state.reset_at = now + state.window if state.window else now
                if state.remaining is None or state.remaining > self._reserve:
                    if state.remaining is not None:
                        state.remaining -= 1
                    return
                wait = min(max(state.reset_at - now, 0.0), self._max_wait)
            if self._on_wait is not None:
                self._on_wait(bucket, wait)
            self.waited_seconds += wait
            self._sleep(wait)

    def after_response(self, headers: Mapping[str, str]) -> None:
        """Learn the bucket's state from an answer's `RateLimit` / `RateLimit-Policy` headers."""
        from huggingface_hub.utils import parse_ratelimit_headers

        info = parse_ratelimit_headers(headers)
        if info is None:
            return
        with self._lock:
            state = self._buckets.setdefault(info.resource_type, _Bucket())
            reset_at = self._clock() + info.reset_in_seconds
            state.limit = info.limit if info.limit is not None else state.limit
            state.window = float(info.window_seconds) if info.window_seconds else state.window
            # `t` is whole seconds, so one window's answers disagree on the reset by up to a second.
            same_window = state.remaining is not None and reset_at <= state.reset_at + 1.5
            if same_window:
                # Answers arrive out of order: within a window the quota only goes down.
                state.remaining = min(state.remaining, info.remaining)  # type: ignore[type-var]
                state.reset_at = max(state.reset_at, reset_at)
            else:
                state.remaining = info.remaining
                state.reset_at = reset_at

    def remaining(self, bucket: str) -> int | None:
        with self._lock:
            state = self._buckets.get(bucket)
            return state.remaining if state else None
