"""The threads that carry HTTP exchanges: reused once free, never making an exchange wait for another."""

from __future__ import annotations

import threading

from hubgate.hub.exchanges import Exchanges
from hubgate.testhub import HubSim
from tests.conftest import ALICE, GPT2


def test_a_finished_thread_carries_the_next_exchange() -> None:
    pool = Exchanges()
    names: list[str] = []
    for _ in range(20):
        done = threading.Event()

        def exchange(done: threading.Event = done) -> None:
            names.append(threading.current_thread().name)
            done.set()

        pool.submit(exchange)
        assert done.wait(5)
        # the thread counts itself idle just after the exchange returns
        for _ in range(500):
            if pool.idle == 1:
                break
            threading.Event().wait(0.002)
    assert pool.started == 1
    assert len(names) == 20


def test_an_exchange_never_waits_behind_one_that_hangs() -> None:
    """An abandoned exchange (a server that never answers) keeps its thread; the next one gets another."""
    pool = Exchanges()
    release, second = threading.Event(), threading.Event()
    pool.submit(lambda: release.wait(30) and None)
    pool.submit(second.set)
    try:
        assert second.wait(5)
        assert pool.started == 2
    finally:
        release.set()


def test_exchanges_sent_together_each_get_a_thread_and_all_are_daemons() -> None:
    pool = Exchanges()
    gate, seen = threading.Barrier(9), []
    lock = threading.Lock()

    def exchange() -> None:
        with lock:
            seen.append(threading.current_thread())
        gate.wait(10)  # all eight at once: none may queue behind another

    for _ in range(8):
        pool.submit(exchange)
    gate.wait(10)
    assert pool.started == 8
    assert len({id(thread) for thread in seen}) == 8
    assert all(thread.daemon for thread in seen)


def test_a_run_of_requests_reuses_the_threads(hub: HubSim) -> None:
    """Twenty requests one after another through the Hub client start at most one exchange thread."""
    from hubgate.hub.exchanges import EXCHANGES
    from hubgate.hub.service import HubService
    from hubgate.inputs.refs import RepoRef

    service = HubService(hub.url, ALICE)
    service.metadata(RepoRef(GPT2, "model", GPT2))  # the process may have no free thread yet
    before = EXCHANGES.started
    for _ in range(20):
        assert service.metadata(RepoRef(GPT2, "model", GPT2)).status == 200
    assert EXCHANGES.started - before <= 1
    assert hub.count("api") == 21
