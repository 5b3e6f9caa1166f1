"""The check run: every input's verdict, concurrently, with its extras, into a Report. The CLI and the
Python API both use it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from hubgate.check.collections import Expansion, expand_collections, with_group_steps
from hubgate.check.evidence import Evidence, Inspections
from hubgate.check.extras import Extras, verdict_with_extras
from hubgate.check.listings import AuthorListings, spread_by_author
from hubgate.check.report import Report
from hubgate.check.session import Session
from hubgate.hub.answers import HubAnswer
from hubgate.hub.cache import MetadataCache
from hubgate.hub.workers import run_all
from hubgate.inputs.refs import AnyRef, InvalidRef, RepoRef
from hubgate.inputs.secrets import scrub
from hubgate.verdicts.attach import without_missing_suggestions
from hubgate.verdicts.decide import error_verdict, invalid_verdict
from hubgate.verdicts.verdict import Verdict, with_texts

DEFAULT_JOBS = 8


def run_check(
    session: Session,
    refs: Sequence[AnyRef] | Expansion,
    *,
    jobs: int = DEFAULT_JOBS,
    on_result: Callable[[Verdict], None] | None = None,
    known: dict[tuple[str, str], HubAnswer] | None = None,
    extras: Extras | None = None,
    cache: MetadataCache | None = None,
    batch: bool = True,
    meanwhile: Callable[[], object] | None = None,
) -> Report:
    """Every ref's verdict, concurrently; one failing ref never stops the others. Results keep input order.
    `known`: metadata answers already in hand (from an organisation listing), by ref key.
    `extras`: what to add beside each verdict (the default `Extras()`: the base-model chain, did-you-mean
    suggestions and pre-flight findings). `cache`: commit-bound metadata from earlier runs (and this
    run's, for the next); `batch`: read the metadata of authors with several repos in the run from their
    listing. A collection among `refs` is read first (one request each) and stands for its repos.
    `meanwhile` runs once in this thread at the first wait for the Hub (whoami's answer, or the first
    repos'), where the run would otherwise sit idle for a round trip."""
    expansion = expand_collections(session, refs)
    items = expansion.items
    repo_refs = [item for item in items if not isinstance(item, Verdict)]
    extras = extras if extras is not None else Extras()
    rules = extras.rules
    if extras.hashes or (rules is not None and (rules.max_size is not None or rules.disk_free is not None)):
        session.service.file_sizes = True  # size limits judged on exact file sizes, same request count
    # Several repos go out at once only after whoami (sent as the session opened) has answered: its
    # rate-limit headers pace them (a wave sent blind into a nearly spent window earns a 429 for every
    # request past the quota), and a refused token's listings would not be the Hub's. One repo goes out
    # beside it, a round trip sooner, at the risk of one request the pacer did not know the quota for.
    several = len(repo_refs) > 1
    if several:
        if meanwhile is not None:
            meanwhile()
            meanwhile = None
        session.identified()
    listings = None
    if several and batch and session.ctx.token.valid is not False and not session.service.file_sizes:
        listings = AuthorListings(session.service, repo_refs)
    inspections = Inspections(session, Evidence(known=known or {}, listings=listings, cache=cache))

    def task(ref: RepoRef | InvalidRef | Verdict) -> Verdict:
        if isinstance(ref, Verdict):  # a collection that could not be read
            verdict = ref
        elif isinstance(ref, InvalidRef):
            verdict = invalid_verdict(ref)
        else:
            try:
                verdict = verdict_with_extras(session, inspections, extras, ref)
            except Exception as exc:  # an extra failing must not lose the verdict of the others
                verdict = error_verdict(ref, session.ctx, f"{type(exc).__name__}: {exc}")
            if ref.collection is not None:
                verdict = replace(verdict, collection=ref.collection)
        verdict = _scrubbed(verdict, session.token.value)
        if on_result is not None:
            on_result(verdict)
        return verdict

    # One worker asks in input order (a --budget cap then falls on the last ids); several spread the
    # authors out, and the verdicts go back to input order.
    order = spread_by_author(items) if jobs > 1 else list(range(len(items)))
    done = run_all(
        session.service, task, [items[position] for position in order], jobs=jobs, meanwhile=meanwhile
    )
    in_order = sorted(zip(order, done, strict=True), key=lambda pair: pair[0])
    verdicts = without_missing_suggestions([verdict for _, verdict in in_order])
    verdicts = with_group_steps(verdicts, expansion.collections)
    return Report(
        endpoint=session.ctx.endpoint,
        checked_at=datetime.now(UTC),
        token=session.ctx.token,
        verdicts=verdicts,
        requests=dict(session.service.stats.sent),
        retries=session.service.stats.retries,
        quotas={
            bucket: {"remaining": q.remaining, "limit": q.limit, "reset_in": q.reset_in}
            for bucket, q in session.service.pacer.last_quotas.items()
        },
        budget=session.service.budget.caps if session.service.budget is not None else None,
        cache={"hits": cache.hits, "misses": cache.misses} if cache is not None else None,
        listing_pages=listings.pages if listings is not None else 0,
        collections=expansion.collections,
        hub_down=scrub(down, session.token.value) if (down := session.service.stopped) else None,
    )


def _scrubbed(verdict: Verdict, token: str | None) -> Verdict:
    """No token value in any text a verdict carries, whatever the Hub or an exception said."""
    return with_texts(verdict, lambda text: scrub(text, token))
