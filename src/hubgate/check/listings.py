"""One listing per author instead of one metadata request per repo, where that costs fewer api requests.

`GET /api/models?author=ORG&expand[]=...` answers, for up to 1,000 repos a page, the same fields as each
repo's own metadata. A run that checks many repos of one author reads them from the listing; a repo the
listing does not hold (a private repo this token cannot see, a renamed or missing one, a disabled one)
is asked on its own, exactly as before. Each author's listing is fetched once, lazily, when the first of
its repos needs metadata, so a run that needs none (every repo decided from the cache) spends nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

from hubgate.hub.answers import HubAnswer, metadata_shape_problem
from hubgate.hub.service import DATASET_EXPAND, LISTING_MODEL_EXPAND, HubService
from hubgate.inputs.refs import InvalidRef, RepoRef

# A page carries the full metadata of up to 1,000 repos: with two ids it would save a single request for a
# far heavier answer, so an author's listing is used from three ids in a run.
MIN_IDS = 3
PAGE_LIMIT = 1000
# Fields every repo has once expanded: an item without them is not the repo's full metadata. A model item
# without the Hub's scan status (a listing that ignores `expand[]=securityRepoStatus`, which is not
# documented) is asked on its own, where `securityStatus=true` gives it.
ALWAYS_EXPANDED = {"model": ("sha", "siblings", "securityRepoStatus"), "dataset": ("sha",)}


def author_of(ref: RepoRef) -> str | None:
    """The namespace a listing can be asked for; None for legacy ids (`gpt2`) and pinned revisions
    (a listing describes the default branch only)."""
    if ref.revision is not None or "/" not in ref.repo_id:
        return None
    return ref.repo_id.split("/", 1)[0]


def _author_key(ref: RepoRef) -> tuple[str, str] | None:
    """(repo type, author): the one listing, and the one token policy, a ref shares with its author's others."""
    author = author_of(ref)
    return None if author is None else (ref.repo_type, author)


def spread_by_author(items: Sequence[object]) -> list[int]:
    """The order to work on `items` in (their positions): the first item of each author, then the
    second of each, and so on. A worker that takes an author's repo while another worker fetches that
    author's listing, or probes its first open repo (`Clearances`), waits a round trip for it; a list
    sorted by id (most are) put up to `--jobs` repos of one author side by side, and a 1,000-model run
    spent 8.1 s instead of 5.0 s so. Items that are not repos, legacy ids and pinned revisions (never
    listed) each stand alone.

    Within a round, authors with more items go first (input order among equals): their listings, one
    api request for up to 1,000 repos, leave before the one-model authors' metadata requests. Behind
    1,300 of those, a free account's api quota was spent before the big authors' listings left, and they
    waited five minutes for the next window."""
    groups: dict[object, list[int]] = {}
    for position, item in enumerate(items):
        key = _author_key(item) if isinstance(item, RepoRef) else None
        groups.setdefault(position if key is None else key, []).append(position)
    order: list[int] = []
    by_size = sorted(groups.values(), key=len, reverse=True)  # stable: input order among equals
    pending = [positions[::-1] for positions in by_size]  # each author's next item at the end
    while pending:  # one round per depth, over the authors that still have items: linear in all
        for positions in pending:
            order.append(positions.pop())
        pending = [positions for positions in pending if positions]
    return order


class AuthorListings:
    """Metadata answers from author listings, for the refs of authors with at least `min_ids` of them.
    `skip`: authors never listed."""

    def __init__(
        self,
        service: HubService,
        refs: Iterable[RepoRef | InvalidRef],
        *,
        skip: Iterable[str] = (),
        min_ids: int = MIN_IDS,
    ) -> None:
        self._service = service
        skipped = set(skip)
        wanted: dict[tuple[str, str], set[str]] = {}
        for ref in refs:
            if not isinstance(ref, RepoRef):
                continue
            key = _author_key(ref)
            if key is not None and key[1] not in skipped:
                wanted.setdefault(key, set()).add(ref.repo_id)
        self._wanted = {key: ids for key, ids in wanted.items() if len(ids) >= min_ids}
        self._lock = threading.Lock()
        self._listed: dict[tuple[str, str], tuple[threading.Event, dict[str, Any]]] = {}
        self.pages = 0  # listing requests sent (pages), for the report

    @property
    def authors(self) -> list[str]:
        return sorted(author for _, author in self._wanted)

    def metadata(self, ref: RepoRef) -> HubAnswer | None:
        """The listing's answer for `ref`, or None when it must be asked on its own."""
        key = _author_key(ref)
        if key is None or ref.repo_id not in self._wanted.get(key, ()):
            return None
        with self._lock:
            entry = self._listed.get(key)
            owner = entry is None
            if owner:
                entry = (threading.Event(), {})
                self._listed[key] = entry
        assert entry is not None
        done, found = entry
        if owner:
            try:
                found.update(self._fetch(*key, self._wanted[key]))
            finally:
                done.set()
        done.wait()
        item = found.get(ref.repo_id)
        if item is None or metadata_shape_problem(item) is not None or item.get("disabled") is True:
            return None
        if any(name not in item for name in ALWAYS_EXPANDED[ref.repo_type]):
            return None  # a listing that ignored expand[] would hide the card and files: ask the repo
        return HubAnswer(status=200, body=item)

    def _fetch(self, repo_type: str, author: str, wanted: set[str]) -> dict[str, Any]:
        """The wanted items of one author's listing. Pages are followed while at least two ids are still
        missing, and never more than one fewer than the ids wanted: listing plus the per-repo requests
        for what it missed stays within about twice the per-repo cost, and is one page in the usual case."""
        expand = LISTING_MODEL_EXPAND if repo_type == "model" else DATASET_EXPAND
        params = [("author", author), ("limit", str(PAGE_LIMIT)), *(("expand[]", name) for name in expand)]
        found: dict[str, Any] = {}
        max_pages = max(1, len(wanted) - 1)
        with self._service.stats.tallied_into(None):
            pages = self._service.list_pages(f"/api/{repo_type}s", params)
            try:
                for count, (items, error) in enumerate(pages, 1):
                    with self._lock:
                        self.pages += 1
                    if error is not None:
                        break
                    for item in items:
                        if isinstance(item, dict) and item.get("id") in wanted:
                            found[item["id"]] = item
                    if len(wanted) - len(found) < 2 or count >= max_pages:
                        break
            finally:
                pages.close()
        return found


class Clearances:
    """Authors whose files this token has been seen to read in this run, so that a listing's public,
    ungated repos of theirs are `open` without a probe each.

    A listing cannot show an organization's token policy (docs/hub.md, "Tokens"): an organization that
    waits for an admin to approve fine-grained tokens, or accepts fine-grained tokens only, refuses the
    token on every repo of its own, public ones included. The policy belongs to the namespace, not to a
    repo: a file `HEAD` with the token that one of its repos lets through (a public one, or a gated one
    the account was granted) proves that no policy refuses this token there. So the first listed open
    repo of an author is probed as before (the others of that author wait for it, one round trip); once
    it, or any listed repo of theirs, reads, the rest are decided by the listing alone. When it does not
    read, each repo is probed on its own, exactly as without this. Without a token no policy applies and
    no probe is sent at all. A proof holds for this run only: a policy can change at any time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cleared: set[tuple[str, str]] = set()
        self._pending: dict[tuple[str, str], threading.Event] = {}

    def record(self, ref: RepoRef, probe: HubAnswer) -> None:
        """A probe with the token on `ref`, one of its author's listed repos."""
        key = _author_key(ref)
        if key is not None and probe.files_readable:
            with self._lock:
                self._cleared.add(key)

    def claim(self, ref: RepoRef) -> tuple[bool, threading.Event | None]:
        """(cleared, event): cleared when the author is known to let this token read, else the event to
        set once the caller's own probe is recorded (None when another repo's probe is under way: then
        `wait` for it)."""
        key = _author_key(ref)
        with self._lock:
            if key in self._cleared:
                return True, None
            if key is None or key in self._pending:
                return False, None
            event = self._pending[key] = threading.Event()
            return False, event

    def wait(self, ref: RepoRef) -> bool:
        """Whether the author is cleared, once the probe under way (if any) is answered."""
        key = _author_key(ref)
        with self._lock:
            event = self._pending.get(key) if key is not None else None
        if event is not None:
            event.wait()
        with self._lock:
            return key in self._cleared
