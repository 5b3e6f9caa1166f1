"""What a run spends: requests counted per rate-limit bucket (and per piece of work), and the `--budget`
that caps them."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from hubgate.inputs.words import UnknownWord

BUCKETS = ("api", "resolvers")  # the Hub's rate-limit buckets a --budget may cap
ANONYMOUS = "-anonymous"


def bucket_of(url: str, *, anonymous: bool = False) -> str:
    """The Hub's rate-limit bucket of a URL. Requests sent without the token spend the anonymous quota
    (per IP), not the account's: they are paced and counted under their own name."""
    bucket = "resolvers" if "/resolve/" in urlsplit(url).path else "api"
    return f"{bucket}{ANONYMOUS}" if anonymous else bucket


class Budget:
    """`--budget api=N,resolvers=M`: the most requests a run may send per bucket (retries included). A
    request past the cap is not sent: its answer says so, and its repo gets an `error` verdict."""

    def __init__(self, caps: dict[str, int]) -> None:
        self.caps = dict(caps)
        self._spent: Counter[str] = Counter()
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, text: str) -> Budget:
        """`api=900,resolvers=4000`; ValueError with the reason for anything else."""
        caps: dict[str, int] = {}
        for part in (p.strip() for p in text.split(",") if p.strip()):
            bucket, sep, number = part.partition("=")
            usage = f"{part!r}: use api=N and/or resolvers=N, e.g. api=900,resolvers=4000"
            if sep and bucket.strip() not in BUCKETS:
                raise UnknownWord(usage, bucket.strip(), BUCKETS)
            if not sep or not number.strip().isdigit():
                raise ValueError(usage)
            caps[bucket.strip()] = int(number)
        if not caps:
            raise ValueError("empty: use api=N and/or resolvers=N, e.g. api=900,resolvers=4000")
        return cls(caps)

    def take(self, bucket: str) -> str | None:
        """Count one request; the reason it may not be sent, when the bucket's cap is spent."""
        with self._lock:
            cap = self.caps.get(bucket)
            if cap is not None and self._spent[bucket] >= cap:
                return f"--budget: this run may send {cap} {bucket} requests and has sent them; not sent"
            self._spent[bucket] += 1
            return None


@dataclass
class RequestStats:
    """Requests sent per bucket (every attempt, retries included). `tally()` also counts, per thread, the
    requests one piece of work sends (what each verdict cost)."""

    sent: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def count(self, bucket: str, *, retry: bool) -> None:
        with self.lock:
            self.sent[bucket] += 1
            if retry:
                self.retries += 1
        current = self.current_tally()
        if current is not None:
            current[bucket] += 1

    @contextmanager
    def tally(self) -> Iterator[Counter[str]]:
        """Count this thread's requests inside the block."""
        counter: Counter[str] = Counter()
        with self.tallied_into(counter):
            yield counter

    def current_tally(self) -> Counter[str] | None:
        return getattr(self._local, "tally", None)

    @contextmanager
    def tallied_into(self, counter: Counter[str] | None) -> Iterator[None]:
        """This thread's requests inside the block counted in `counter`: the tally of the thread a helper
        works for, or None for requests made for many verdicts at once (a listing page: nobody's own)."""
        before = self.current_tally()
        self._local.tally = counter
        try:
            yield
        finally:
            self._local.tally = before
