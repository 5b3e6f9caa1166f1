"""One repo's verdict from the cheapest sufficient evidence: the commit-bound facts cached by an earlier
run with file probes (resolvers), an author listing, or the repo's own metadata request (api). Every path
gives the verdict the metadata path would (tests/check/test_request_economy.py compares them)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypeGuard

from hubgate.check.listings import AuthorListings, Clearances
from hubgate.hub.answers import HubAnswer, RepoFacts, facts_from_metadata, metadata_shape_problem, probe_file
from hubgate.hub.cache import CachedRepo, MetadataCache, scans_settled
from hubgate.hub.exchanges import EXCHANGES
from hubgate.hub.service import ANY_FILE, HubService
from hubgate.hub.settings import RETRY_STATUSES
from hubgate.hub.tally import ANONYMOUS
from hubgate.inputs.refs import RepoRef
from hubgate.verdicts.decide import NeedsProbe, error_verdict, from_file_probes, from_metadata, from_probe
from hubgate.verdicts.verdict import Context, RequestCost, Status, Verdict

if TYPE_CHECKING:
    from hubgate.check.session import Session


def decide_from_metadata(
    service: HubService, ctx: Context, ref: RepoRef, meta: HubAnswer, probe: HubAnswer | None = None
) -> tuple[Verdict, RepoFacts | None]:
    """The verdict from a metadata answer, probing the files when it does not decide. `probe`: a file
    probe already answered for this repo (the gate answers alike for every file), used instead of a new one."""
    readable = meta.status == 200 and metadata_shape_problem(meta.body) is None
    facts = facts_from_metadata(ref.repo_id, meta.body) if readable else None
    first = from_metadata(ref, meta, ctx, facts)
    if isinstance(first, Verdict):
        return first, facts
    assert isinstance(first, NeedsProbe)
    probe = probe if reusable(probe) else service.probe(ref.repo_type, first.facts)
    return from_probe(ref, first.facts, probe, ctx), facts


def reusable(probe: HubAnswer | None) -> TypeGuard[HubAnswer]:
    """A file probe already answered that can stand for a new one: the Hub's answer, not a failure to
    get one (a timeout, a 429 or a 5xx says nothing about the gate)."""
    return probe is not None and probe.status is not None and probe.status not in RETRY_STATUSES


@dataclass
class Evidence:
    """Where a run finds metadata besides one api request per repo. `known`: answers already in hand (an
    `--author` listing), by ref key; `listings`: author listings fetched when they cost less; `cache`:
    commit-bound facts from earlier runs, which let file probes (resolvers) decide without the api."""

    known: dict[tuple[str, str], HubAnswer] = field(default_factory=dict)
    listings: AuthorListings | None = None
    cache: MetadataCache | None = None


class Inspections:
    """Each repo inspected once per run, even when it is the base of many models (Llama-2 under its
    adapters). Waiting threads wait on a single inspection, never on a chain, so cycles cannot deadlock."""

    def __init__(self, session: Session, evidence: Evidence | None = None) -> None:
        self._session = session
        self._evidence = evidence or Evidence()
        self._lock = threading.Lock()
        self._done: dict[tuple[str, str], tuple[threading.Event, list[tuple[Verdict, RepoFacts | None]]]] = {}
        self._clearances = Clearances()
        self._overflow_told = False

    @property
    def cache(self) -> MetadataCache | None:
        """The metadata cache, unless the token is known to be refused (its answers are not the Hub's)."""
        return self._evidence.cache if self._session.ctx.token.valid is not False else None

    def get(self, ref: RepoRef) -> tuple[Verdict, RepoFacts | None]:
        with self._lock:
            entry = self._done.get(ref.key)
            owner = entry is None
            if owner:
                entry = (threading.Event(), [])
                self._done[ref.key] = entry
        assert entry is not None
        event, slot = entry
        if owner:
            try:
                slot.append(self._inspect(ref))
            except Exception as exc:  # one repo's failure never stops the others
                slot.append((error_verdict(ref, self._session.ctx, f"{type(exc).__name__}: {exc}"), None))
            finally:
                event.set()
        event.wait()
        return slot[0]

    def _inspect(self, ref: RepoRef) -> tuple[Verdict, RepoFacts | None]:
        """One repo's verdict, with what it cost (its own requests, per bucket)."""
        stats = self._session.service.stats
        with stats.tally() as spent:
            verdict, facts, via = self._decide(ref)
        cost = RequestCost(
            api=spent["api"],
            resolvers=spent["resolvers"],
            resolvers_anonymous=spent["resolvers" + ANONYMOUS],
            api_anonymous=spent["api" + ANONYMOUS],
            via=via,
        )
        return replace(verdict, cost=cost), facts

    def _decide(self, ref: RepoRef) -> tuple[Verdict, RepoFacts | None, str]:
        """Cheapest sufficient evidence first: a listing (one api request for up to 1,000 repos, fresh, so
        it needs no probe for a public ungated repo), cached facts and file probes (resolvers), then the
        repo's own api request; every verdict as exact as the metadata path's."""
        service, evidence, session = self._session.service, self._evidence, self._session
        probe: HubAnswer | None = None
        known = evidence.known.get(ref.key)
        listed = known
        if listed is None and evidence.listings is not None:
            listed = evidence.listings.metadata(ref)
        if listed is not None:
            from_listing, probe = self._from_listing(ref, listed, probe)
            if from_listing is not None:
                cache = self.cache
                if cache is not None and known is None:  # an --author listing has no commit nor files
                    cache.put(service.endpoint, ref.repo_type, ref.repo_id, ref.revision, listed.body)
                return (*from_listing, "listing")
        elif (stored := evidence.cache) is not None:
            # Read before whoami has answered (`self.cache` would wait), so that this repo's first request
            # goes out beside it; a refused token's probes decide nothing (`from_file_probes`) and it writes
            # nothing.
            cached = stored.get(service.endpoint, ref.repo_type, ref.repo_id, ref.revision)
            # Without a token, a repo last seen gated only answers its gate: the metadata decides at once.
            last_seen_gated = (
                cached is not None and cached.gate_mode is not None and not session.token.present
            )
            # A model's scan status not yet done is asked again (the Hub finishes its scans later).
            usable = cached is not None and (ref.repo_type != "model" or scans_settled(cached.body))
            if (
                cached is not None
                and usable
                and (cached.with_sizes or not service.file_sizes)
                and not last_seen_gated
            ):
                decided, probe = self._from_cache(ref, cached)
                if decided is not None:
                    return (*decided, "cache" if decided[1] is not None else "none")
        # With a token, a repo need not wait out a window the account's api quota is spent for (the Hub's
        # own word): its public metadata may decide instead (below); anything else waits as before.
        meta = service.metadata(ref, give_way=session.token.present)
        if meta.held:
            public, probe = self._from_public_metadata(ref, meta, probe)
            if public is not None:
                return (*public, "metadata")
            meta = service.metadata(ref)
        cache = self.cache
        if cache is not None and meta.status == 200 and metadata_shape_problem(meta.body) is None:
            cache.put(service.endpoint, ref.repo_type, ref.repo_id, ref.revision, meta.body)
        return (*decide_from_metadata(service, session.ctx, ref, meta, probe), "metadata")

    def _tell_overflow(self, held: HubAnswer) -> None:
        """Once per run: why requests now go without the token, on whose quota, and what still waits."""
        with self._lock:
            told, self._overflow_told = self._overflow_told, True
        if not told:
            self._session.service.pacer.notice(
                f"{held.failure}: public repos' metadata is asked without the token meanwhile (this "
                "address's anonymous quota); private repos wait for it"
            )

    def _from_public_metadata(
        self, ref: RepoRef, held: HubAnswer, probe: HubAnswer | None
    ) -> tuple[tuple[Verdict, RepoFacts | None] | None, HubAnswer | None]:
        """The verdict from the repo's metadata asked without the token (the anonymous quota, per IP), while
        the Hub holds the account's api bucket (`held`). A public repo's metadata reads the same either way,
        and it is read as a listing item is (`_from_listing`: probed with the token, so a gated repo's gate
        and an organization's token policy are asked), so the verdict is the one the token's own metadata
        gives. None: that does not decide (a private or missing repo, a held anonymous bucket, files that
        disagree): the caller waits for the account's window, as without it."""
        service = self._session.service
        if self._session.ctx.token.valid is False:  # a refused token's probes decide nothing
            return None, probe
        self._tell_overflow(held)
        public = service.metadata(ref, anonymous=True, give_way=True)
        if public.status != 200 or metadata_shape_problem(public.body) is not None:
            return None, probe
        decided, probe = self._from_listing(ref, public, probe)
        cache = self.cache
        if decided is not None and cache is not None:
            cache.put(service.endpoint, ref.repo_type, ref.repo_id, ref.revision, public.body)
        return decided, probe

    def _from_listing(
        self, ref: RepoRef, listed: HubAnswer, probe: HubAnswer | None
    ) -> tuple[tuple[Verdict, RepoFacts | None] | None, HubAnswer | None]:
        """The verdict from a listing item, when the files agree. Without a token, the listing decides
        alone. With one, a gated or private repo's files are probed, and so is a public ungated one until
        a probe on its author's repos has read (`Clearances`: an organization's token policy refuses files
        of repos a listing shows as open). Any answer but the files or a gate error sends the repo to its
        own metadata request."""
        service, ctx = self._session.service, self._session.ctx
        facts = facts_from_metadata(ref.repo_id, listed.body)
        first = from_metadata(ref, listed, ctx, facts)
        if isinstance(first, Verdict) and (first.status != Status.OPEN or not ctx.token.present):
            return (first, facts), probe
        sentinel = None
        if isinstance(first, Verdict):
            cleared, sentinel = self._clearances.claim(ref)
            if not cleared and sentinel is None:
                cleared = self._clearances.wait(ref)
            if cleared:
                return (first, facts), probe
        try:
            probe = probe if reusable(probe) else service.probe(ref.repo_type, facts)
            self._clearances.record(ref, probe)
        finally:
            if sentinel is not None:
                sentinel.set()
        if isinstance(first, Verdict):
            agreed = probe.files_readable
        else:
            agreed = probe.files_readable or probe.error_code == "GatedRepo"
        if not agreed:
            return None, probe
        verdict = first if isinstance(first, Verdict) else from_probe(ref, facts, probe, ctx)
        return (verdict, facts), probe

    def _from_cache(
        self, ref: RepoRef, cached: CachedRepo
    ) -> tuple[tuple[Verdict, RepoFacts | None] | None, HubAnswer]:
        """A HEAD with the token on a real file of the cached commit; when it may read it, the same HEAD
        without the token tells open from gated or private. Returns the verdict when that decides, and
        the probe (reused by the metadata path otherwise)."""
        service, token = self._session.service, self._session.token
        facts = facts_from_metadata(ref.repo_id, cached.metadata_body(gated=False, private=False))
        filename = probe_file(facts) or ANY_FILE
        revision = ref.revision or "main"

        def head(anonymous: bool = False) -> HubAnswer:
            return service.head_file(ref.repo_type, cached.repo_id, revision, filename, anonymous=anonymous)

        # A repo last seen open or private will most likely need the anonymous HEAD too: both are sent at
        # once (one round trip instead of two); a repo last seen gated asks it only once the token may read.
        together = token.present and cached.gate_mode is None
        answered, box = None, {}
        if together:
            counter = service.stats.current_tally()
            answered = threading.Event()

            def anonymous_head() -> None:
                try:
                    with service.stats.tallied_into(counter):
                        box["answer"] = head(anonymous=True)
                except Exception:  # no anonymous answer (a budget cap, Ctrl-C): the metadata decides
                    pass
                finally:
                    answered.set()

            EXCHANGES.submit(anonymous_head)  # a thread kept for the next probe, not a new one per repo
        probe = head()
        anonymous = None
        if answered is not None:
            answered.wait()
            anonymous = box.get("answer")
        elif probe.files_readable and probe.commit == cached.sha and token.present:
            anonymous = head(anonymous=True)
        return from_file_probes(ref, cached, probe, anonymous, self._session.ctx), probe
