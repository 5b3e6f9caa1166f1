"""When the Hub counts as gone. Silence is settled, not retried into: `silent_timeouts` requests in a row
that time out with no answer from the Hub to any request since they were sent (a Hub that answered whoami
and then went quiet included) end the asking, and so do connections refused while nothing has ever
answered; every later request fails at once with the reason. The pacer's `notice` tells the user after a
few seconds of silence, and again when it is settled."""

from __future__ import annotations

import threading
import time

from hubgate.hub.pacing import RatePacer
from hubgate.hub.settings import RetryPolicy

# A request that has heard nothing (and no other request has heard anything) for this long is told about.
SILENCE_NOTICE_AFTER = 3.0


class Silence:
    """What the run has heard from the Hub at `endpoint`, and whether it still asks."""

    def __init__(self, endpoint: str, policy: RetryPolicy, pacer: RatePacer, deadline: float | None) -> None:
        self.endpoint = endpoint
        self.policy = policy
        self.pacer = pacer
        self.deadline = deadline  # the run's --deadline (monotonic): a request it cuts short is no silence
        self.answered = False  # any HTTP answer from the Hub in this run
        self.answers = (
            0  # HTTP answers so far: a request that times out with none since it was sent met silence
        )
        self.stopped: str | None = None  # why the Hub is not asked any more in this run
        self._silent_timeouts = 0  # requests in a row that timed out in silence (any answer resets it)
        self._failed_connects = 0  # connections refused while nothing had ever answered
        self._told = False  # the early "no answer for a few seconds" line was given
        self._lock = threading.Lock()

    def heard(self) -> None:
        """An HTTP answer arrived: the Hub is talking, whatever it said."""
        with self._lock:
            self.answered = True
            self.answers += 1
            self._silent_timeouts = 0

    def tell(self, where: str, waited: float) -> None:
        """Once per run, a few seconds into a silence: the user hears of it long before it is settled.
        `where`: the request waiting, as `METHOD /path`."""
        with self._lock:
            if self._told or self.stopped is not None:
                return
            self._told = True
        self.pacer.notice(
            f"no answer from {self.endpoint} for {waited:.0f} s ({where}); a request gives "
            f"up after {self.policy.timeout:g} s, and the run stops asking after "
            f"{self.policy.silent_timeouts} in a row go unanswered"
        )

    def refused(self, exc: Exception, *, at_once: bool) -> bool:
        """A connection refused (or a scheme nothing speaks, `at_once`): True when the Hub now counts as
        down. Only while nothing has ever answered, and after one quick retry (a blip)."""
        if self.answered:
            return False
        with self._lock:
            self._failed_connects += 1
            failed = self._failed_connects
        if failed >= 2 or at_once:
            self.stopped = f"cannot connect to {self.endpoint}: {type(exc).__name__}: {exc}"
            return True
        return False

    def timed_out(self, seen: int) -> bool:
        """A request that timed out: True when the silence is settled (by this timeout or an earlier one).
        It is, after `silent_timeouts` in a row with no answer to any request since they were sent (`seen`:
        the answer count at sending), so a Hub that answered whoami and then went quiet is settled too,
        however many workers wait on it."""
        if self.deadline is not None and time.monotonic() >= self.deadline - 0.05:
            return False  # cut short by the run's --deadline: that is no silence of the Hub's
        settled = False
        with self._lock:
            if self.stopped is not None:
                return True
            if self.answers != seen:
                return False  # something answered meanwhile: a slow request, not a silent Hub
            self._silent_timeouts += 1
            silent = self._silent_timeouts
            first = not self._told
            self._told = True
            if silent >= self.policy.silent_timeouts:
                settled = True
                if self.answered:
                    self.stopped = (
                        f"{self.endpoint} stopped answering: {silent} requests in a row got no answer within "
                        f"{self.policy.timeout:g} s, so the run stopped asking"
                    )
                else:
                    self.stopped = (
                        f"{self.endpoint} accepted connections but never answered "
                        f"({silent} requests got no answer within {self.policy.timeout:g} s)"
                    )
        if settled:
            self.pacer.notice(
                f"{self.endpoint} is not answering ({silent} requests in a row got no answer within "
                f"{self.policy.timeout:g} s): nothing more is sent to it, and the repos not checked yet get "
                "`error` verdicts"
            )
        elif first:
            self.pacer.notice(
                f"no answer from {self.endpoint} within {self.policy.timeout:g} s; the run stops asking "
                f"after {self.policy.silent_timeouts} requests in a row go unanswered"
            )
        return settled
