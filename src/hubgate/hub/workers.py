"""Work on many repos at once through one Hub client: one pool, one cancellation."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from hubgate.hub.service import HubService

Item = TypeVar("Item")
Result = TypeVar("Result")


def run_all(
    service: HubService,
    work: Callable[[Item], Result],
    items: Iterable[Item],
    *,
    jobs: int,
    name: str = "hubgate",
    meanwhile: Callable[[], object] | None = None,
) -> list[Result]:
    """`work` on each item, `jobs` at a time, sharing `service` (its pacer, deadline, budget and tally);
    results in input order. Ctrl-C (or any failure here) cancels the service: every waiting worker wakes
    at once and queued items never start. `meanwhile` runs in this thread once the work is handed out,
    while the first answers are on their way."""
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix=name)
    try:
        mapped = pool.map(work, items)  # every item is handed out here
        if meanwhile is not None:
            meanwhile()
        results = list(mapped)
    except BaseException:
        service.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results
