"""One `hubgate check` run: the repos given, a scan found and authors list, each checked once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from hubgate.check.author_repos import author_problem, list_author
from hubgate.check.collections import expand_collections
from hubgate.check.extras import Extras
from hubgate.check.report import Report
from hubgate.check.run import DEFAULT_JOBS, run_check
from hubgate.check.session import Session
from hubgate.hub.answers import HubAnswer
from hubgate.inputs.refs import AnyRef, RepoRef, RepoType
from hubgate.verdicts.attach import with_places
from hubgate.verdicts.verdict import Verdict

if TYPE_CHECKING:
    from hubgate.hub.cache import MetadataCache
    from hubgate.inputs.scan.model import ScanResult


def check_batch(
    session: Session,
    refs: Sequence[AnyRef],
    *,
    authors: Sequence[str] = (),
    repo_type: RepoType = "model",
    jobs: int = DEFAULT_JOBS,
    extras: Extras | None = None,
    cache: MetadataCache | None = None,
    scan: ScanResult | None = None,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[Verdict], None] | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> Report:
    """Check `refs`, then every public repo of each of `authors` not among them. A listing brings its
    repos' metadata along, so checking them spends no api request more; one that failed or listed
    nothing is a verdict of its own. With the `scan` that found the repos, each verdict lists the places
    that use it, and the report the files the scan left out. `on_start` hears the number of repos once
    the listings are in; `meanwhile` runs at the run's first wait for the Hub (see `run_check`)."""
    refs = list(refs)
    known: dict[tuple[str, str], HubAnswer] = {}
    listing_problems = []
    for author in authors:
        listed, metadata, error = list_author(session, author, repo_type)
        seen = {ref.key for ref in refs if isinstance(ref, RepoRef)}
        refs += [ref for ref in listed if ref.key not in seen]
        known |= metadata
        if error is not None or not listed:
            listing_problems.append(author_problem(session, author, repo_type, error))
    expansion = expand_collections(session, refs)  # before on_start: the count is of repos
    if on_start is not None:
        on_start(expansion.count)
    report = run_check(
        session,
        expansion,
        jobs=jobs,
        known=known,
        extras=extras,
        on_result=on_result,
        cache=cache,
        meanwhile=meanwhile,
    )
    report.verdicts.extend(listing_problems)
    if scan is not None:
        report.verdicts = with_places(report.verdicts, scan.keyed_places())
        report.scan_skipped = [(item.path, item.reason) for item in scan.skipped]
        report.scan_where = scan.where()
    return report
