"""The one Hub service: every request hubgate sends goes through here (huggingface_hub's shared session).

`HubService` knows the questions (whoami, a repo's metadata, a file's gate, listings, a ranged read, a
POST) and what to ask for; its `Transport` sends each one, paced, counted, retried and bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any
from urllib.parse import quote, urljoin

from hubgate.hub.answers import HubAnswer, RepoFacts, answer_from_response, probe_file
from hubgate.hub.pacing import RatePacer
from hubgate.hub.settings import RetryPolicy
from hubgate.hub.tally import Budget
from hubgate.hub.transport import Transport
from hubgate.inputs.refs import RepoRef, RepoType

ANY_FILE = "config.json"  # probed when no gated file is known: present (200) or absent (EntryNotFound)
# `tags` (custom_code) feeds the pre-flight findings (verdicts/findings.py) at no extra request.
MODEL_EXPAND = (
    "gated",
    "private",
    "disabled",
    "cardData",
    "safetensors",
    "config",
    "siblings",
    "sha",
    "tags",
)
# A listing is asked for the scan status too; whether it honours that is uncertain (check/listings.py).
LISTING_MODEL_EXPAND = (*MODEL_EXPAND, "pipeline_tag", "library_name", "securityRepoStatus")
# Dataset file listings can run to many thousands of entries: datasets are probed on ANY_FILE instead.
DATASET_EXPAND = ("gated", "private", "disabled", "cardData", "sha")


class HubService:
    """Answers questions about repos from the Hub at `endpoint`, as the holder of `token`."""

    def __init__(
        self,
        endpoint: str,
        token: str | None,
        *,
        policy: RetryPolicy | None = None,
        pacer: RatePacer | None = None,
        sleep: Callable[[float], None] | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.transport = Transport(endpoint, token, policy=policy, pacer=pacer, sleep=sleep, budget=budget)
        # The run's settings and counters, for the callers that report or share them.
        self.endpoint = self.transport.endpoint
        self.policy = self.transport.policy
        self.pacer = self.transport.pacer
        self.stats = self.transport.stats
        self.budget = self.transport.budget

    def cancel(self) -> None:
        """Stop the run: every waiting worker wakes, and no new request is sent."""
        self.transport.cancel()

    @property
    def cancelled(self) -> bool:
        return self.transport.cancelled

    @property
    def sends_token(self) -> bool:
        return self.transport.sends_token

    @property
    def unreachable(self) -> str | None:
        """Why the Hub could not be reached at all in this run (nothing ever answered), or None."""
        return self.transport.unreachable

    @property
    def stopped(self) -> str | None:
        """Why the run stopped asking the Hub (it never answered, or stopped answering), or None."""
        return self.transport.silence.stopped

    # -- the questions -------------------------------------------------------------------------

    def whoami(self) -> HubAnswer:
        return self.transport.call("GET", f"{self.endpoint}/api/whoami-v2")

    # Pre-flight size limits (and a BOM's weight hashes) need per-file sizes and LFS hashes: the Hub gives
    # them with `blobs=true`. Like the scan status, huggingface_hub never sends it with `expand[]`
    # (`model_info` refuses the mix); the unexpanded answer holds every field MODEL_EXPAND names, so it is
    # still one request per model.
    file_sizes: bool = False

    def metadata(self, ref: RepoRef, *, anonymous: bool = False, give_way: bool = False) -> HubAnswer:
        """A repo's metadata (api bucket). `anonymous`: without the token (the anonymous quota, per IP; a
        public repo's metadata reads the same); `give_way`: answer `held` at once, unsent, where the Hub
        holds the bucket, instead of waiting for its window to reset."""
        params: list[tuple[str, str]]
        if ref.repo_type == "model":
            # The Hub's own file scans (`securityRepoStatus`) come only with `securityStatus=true`.
            params = [("securityStatus", "true"), *([("blobs", "true")] if self.file_sizes else [])]
        else:
            params = [("expand[]", name) for name in DATASET_EXPAND]
        path = f"/api/{ref.repo_type}s/{ref.repo_id}"
        if ref.revision is not None:  # the repo as of a branch, tag or commit (huggingface_hub's route)
            path += f"/revision/{quote(ref.revision, safe='')}"
        return self.transport.call(
            "GET", f"{self.endpoint}{path}", params=params, anonymous=anonymous, give_way=give_way
        )

    def probe(self, repo_type: RepoType, facts: RepoFacts) -> HubAnswer:
        """May this token read the files? A HEAD on a file (resolvers bucket, never api): a real gated
        file when the metadata lists one, else any path, since a readable repo answers 404 EntryNotFound
        for a missing file while a gated one answers its gate first (docs/hub.md, "Endpoints")."""
        filename = probe_file(facts) or ANY_FILE
        return self.head_file(repo_type, facts.id, facts.sha or "main", filename)

    def head_file(
        self, repo_type: RepoType, repo_id: str, revision: str, filename: str, *, anonymous: bool = False
    ) -> HubAnswer:
        """HEAD on a file (resolvers bucket): the gate's answer, with the commit it is about. `anonymous`:
        without the token, which tells public from gated or private (anonymous quota, per IP)."""
        prefix = "datasets/" if repo_type == "dataset" else ""
        url = f"{self.endpoint}/{prefix}{repo_id}/resolve/{quote(revision, safe='')}/{quote(filename)}"
        return self.transport.call("HEAD", url, follow_hub_redirects=True, anonymous=anonymous)

    def collection(self, namespace: str, slug: str) -> HubAnswer:
        """A collection's items (`huggingface_hub.get_collection`'s route; public ones need no token)."""
        path = f"/api/collections/{quote(namespace, safe='')}/{quote(slug, safe='')}"
        return self.transport.call("GET", f"{self.endpoint}{path}")

    def list_all(
        self, path: str, params: Any, *, max_pages: int = 1000
    ) -> tuple[list[Any], HubAnswer | None]:
        """Every item of a paginated listing, following `Link: rel="next"`; the error that stopped it, if any."""
        items: list[Any] = []
        pages = self.list_pages(path, params)
        for _ in range(max_pages):
            step = next(pages, None)
            if step is None:
                return items, None
            page, error = step
            items.extend(page)
            if error is not None:
                return items, error
        if next(pages, None) is None:
            return items, None
        return items, HubAnswer(status=None, failure=f"{path}: more than {max_pages} pages")

    def list_pages(self, path: str, params: Any) -> Generator[tuple[list[Any], HubAnswer | None], None, None]:
        """A paginated listing one page at a time, following `Link: rel="next"`, so a caller can stop early.
        Yields (items, None), or ([], error) once for the error that ends it."""
        url: str | None = f"{self.endpoint}{path}"
        while url is not None:
            answer, response = self.transport.send_with_retries("GET", url, params=params)
            if response is None:
                yield [], answer
                return
            page = answer_from_response(response, expect_json=True)
            if not page.ok or not isinstance(page.body, list):
                yield (
                    [],
                    page if not page.ok else HubAnswer(status=None, failure=f"{path} did not answer a list"),
                )
                return
            next_url = response.links.get("next", {}).get("url")
            url, params = (urljoin(url, next_url), None) if next_url else (None, params)
            yield page.body, None

    def read_range(self, repo_id: str, filename: str, revision: str, length: int) -> HubAnswer:
        """The first `length` bytes of a model file (a ranged GET on resolve; the CDN honours Range).
        `body` holds the bytes on success."""
        url = f"{self.endpoint}/{repo_id}/resolve/{quote(revision, safe='')}/{quote(filename)}"
        return self.transport.call("GET", url, expect_json=False, headers={"Range": f"bytes=0-{length - 1}"})

    def paths_info(self, repo_type: RepoType, repo_id: str, revision: str, paths: list[str]) -> HubAnswer:
        """`POST /api/{type}s/{id}/paths-info/{rev}` with `expand`: per file, its size, LFS hash and the
        Hub's scan detail (`securityFileStatus`). Read-only, so retried like a GET; never a file download."""
        path = f"/api/{repo_type}s/{repo_id}/paths-info/{quote(revision, safe='')}"
        return self.transport.call(
            "POST", f"{self.endpoint}{path}", json_body={"paths": paths, "expand": True}
        )

    def get(self, path_or_url: str, params: Any = None) -> HubAnswer:
        url = path_or_url if "://" in path_or_url else f"{self.endpoint}{path_or_url}"
        return self.transport.call("GET", url, params=params)

    def post(self, path: str, body: Any) -> HubAnswer:
        """POST a JSON body (ask-access), paced, counted and timed like every request, and never repeated
        where the Hub may have acted: retried only on a 429 (refused before acting); a 5xx, a lost answer or
        a timeout is the answer. A redirect is never followed: the contract documents none for a POST, and
        following one would send the user's details once per hop to wherever it points, so a 3xx comes
        back as the answer, with its `location`. A 2xx keeps its raw text (`body`, cut to 4,000 characters)
        and `media_type`, for the caller to recognise (access/request_outcome.py)."""
        return self.transport.post(path, body)

    def post_repeatable(self, path: str, body: Any) -> HubAnswer:
        """POST a JSON body that may be sent twice without harm (an owner's answer to an access request: a
        repeat hears "already"), so it is retried like a GET (429, 5xx, timeouts, dropped connections);
        paced, counted, budgeted and bounded like every request, and never redirected."""
        return self.transport.call("POST", f"{self.endpoint}{path}", expect_json=False, json_body=body)
