"""The threads that carry HTTP exchanges, kept for the next one.

Each exchange runs in a daemon thread so that its worker can give up on it at the request's deadline (a
server trickling a byte a second would otherwise hold the worker) and so that an abandoned exchange never
holds the process open at exit. Starting a thread per request cost about a millisecond each, most of it
waiting for the new thread to be scheduled while seven other workers held the interpreter: a
3,000-model run spent seconds on it. A finished thread waits for the next exchange instead; a new one
starts only when every thread is busy, abandoned exchanges included, so an exchange never queues behind
another.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable


class Exchanges:
    """Daemon threads, reused: `submit` runs a callable at once in an idle thread or a new one."""

    def __init__(self, name: str = "hubgate-http") -> None:
        self._name = name
        self._work: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self.started = 0  # threads started so far, for tests

    @property
    def idle(self) -> int:
        """Threads waiting for an exchange."""
        with self._lock:
            return self._idle

    def submit(self, exchange: Callable[[], None]) -> None:
        """Run `exchange` now. It must not raise: an exception would end its thread (it is lost)."""
        with self._lock:
            reuse = self._idle > 0
            if reuse:
                self._idle -= 1  # that idle thread is now spoken for: it takes this from the queue
            else:
                self.started += 1
        if reuse:
            self._work.put(exchange)
        else:
            threading.Thread(target=self._serve, args=(exchange,), name=self._name, daemon=True).start()

    def _serve(self, exchange: Callable[[], None]) -> None:
        while True:
            exchange()
            with self._lock:
                self._idle += 1
            exchange = self._work.get()


# One set for the process: threads are reused across runs (the test suite runs many in one process).
EXCHANGES = Exchanges()
