"""The one Hub service: every request hubgate sends goes through here (huggingface_hub's shared session).

huggingface_hub's `HfApi.model_info` and `auth_check` send a single attempt, and its `http_backoff`
hides the attempts it makes, so this module keeps its own small retry loop around the library's
session to count every request per rate-limit bucket and pace all workers on the `RateLimit`
headers. Errors are still classified by the library (`hf_raise_for_status`) and read from its
exceptions, and headers are built and parsed with its helpers.

Nothing here may stall a run: `RetryPolicy.timeout` is a deadline for a whole request (connect, headers
and body, however slowly a server trickles them), `deadline` bounds the whole run, every wait longer
than `max_wait` becomes an answer with the reason, and `cancel()` (Ctrl-C) wakes every waiting worker.

Silence is settled, not retried into: `silent_timeouts` requests in a row that time out with no answer
from the Hub to any request since they were sent (a Hub that answered whoami and then went quiet
included) end the asking; every later request fails at once with the reason. The pacer's `notice` tells
the user after a few seconds of silence, and again when it is settled.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from hubgate.hub.answers import HubAnswer, RepoFacts, probe_file
from hubgate.hub.pacing import Cancelled, RatePacer, WaitTooLong, parse_quotas, retry_after_seconds
from hubgate.hub.token import in_request
from hubgate.inputs.refs import RepoRef, RepoType

ANY_FILE = "config.json"  # probed when no gated file is known: present (200) or absent (EntryNotFound)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
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
# The last guard: a token belongs in the Authorization header, never in a URL a proxy or a log keeps.
TOKEN_IN_URL = "its URL would carry an access token (an id, revision, author or file name shaped like one)"
# Dataset file listings can run to many thousands of entries: datasets are probed on ANY_FILE instead.
DATASET_EXPAND = ("gated", "private", "disabled", "cardData", "sha")


@dataclass
class RetryPolicy:
    retries: int = 4
    base_wait: float = 0.5
    max_wait: float = 20.0  # the longest backoff between two attempts
    timeout: float = 15.0  # seconds for one whole request (connect, headers, body)
    max_server_wait: float = 330.0  # the longest wait the Hub may ask for (Retry-After, a spent window)
    deadline: float | None = None  # seconds for the whole run; None: no limit
    # Requests in a row that timed out with no answer to any request since they were sent: after this
    # many the Hub counts as not answering, and the run stops asking.
    silent_timeouts: int = 2


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
            if not sep or bucket.strip() not in ("api", "resolvers") or not number.strip().isdigit():
                raise ValueError(f"{part!r}: use api=N and/or resolvers=N, e.g. api=900,resolvers=4000")
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


class EndpointError(ValueError):
    """HF_ENDPOINT (or an endpoint argument) that is not an http(s) URL."""


def http_url_problem(value: str) -> str | None:
    """Why `value` is not an http(s) URL with a host, in words that never repeat the URL (webhook URLs
    are secrets); None when it is one."""
    text = value.strip()
    if not text or any(ch.isspace() or ord(ch) < 32 for ch in text):
        return "is not a URL"
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if not parts.scheme or "://" not in text:
        return "has no scheme (http:// or https://)"
    if parts.scheme.lower() not in ("http", "https"):
        return f"is a {parts.scheme}:// URL; only http:// and https:// are supported"
    if not host:
        return "names no host"
    return None


def validate_endpoint(value: str, name: str = "HF_ENDPOINT") -> str:
    """The endpoint without a trailing slash; EndpointError with the fix when it is not an http(s) URL."""
    problem = http_url_problem(value)
    if problem is None:
        return value.strip().rstrip("/")
    text = value.strip()
    if problem.startswith("has no scheme") and text and " " not in text:
        fix = f"use https://{text.lstrip('/')}"
    else:
        fix = f"set {name} to a URL such as https://huggingface.co"
    raise EndpointError(f"{name}={value!r} {problem}; {fix}")


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


def bucket_of(url: str, *, anonymous: bool = False) -> str:
    """The Hub's rate-limit bucket of a URL. Requests sent without the token spend the anonymous quota
    (per IP), not the account's: they are paced and counted under their own name."""
    bucket = "resolvers" if "/resolve/" in urlsplit(url).path else "api"
    return f"{bucket}{ANONYMOUS}" if anonymous else bucket


ANONYMOUS = "-anonymous"
# A request that has heard nothing (and no other request has heard anything) for this long is told about.
SILENCE_NOTICE_AFTER = 3.0


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
        self.endpoint = validate_endpoint(endpoint, "endpoint")
        self.budget = budget
        self._token = token
        self.policy = policy or RetryPolicy()
        self._cancelled = threading.Event()
        self._started = time.monotonic()
        deadline = self._started + self.policy.deadline if self.policy.deadline is not None else None
        self.pacer = pacer or RatePacer(max_wait=self.policy.max_server_wait, sleep=sleep)
        self.pacer.attach(self._cancelled, deadline)
        self.stats = RequestStats()
        self._sleep = sleep
        self._deadline = deadline
        self._answered = False  # any HTTP answer from the Hub in this run
        self._answers = (
            0  # HTTP answers so far: a request that times out with none since it was sent met silence
        )
        self._unreachable: str | None = None  # why the Hub is not asked any more in this run
        self._silent_timeouts = 0  # requests in a row that timed out in silence (any answer resets it)
        self._failed_connects = 0  # connections refused while nothing had ever answered
        self._silence_told = False  # the early "no answer for a few seconds" line was given

    def cancel(self) -> None:
        """Stop the run: every waiting worker wakes, and no new request is sent."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def sends_token(self) -> bool:
        return bool(self._token)

    @property
    def unreachable(self) -> str | None:
        """Why the Hub could not be reached at all in this run (nothing ever answered), or None."""
        return None if self._answered else self._unreachable

    # -- the questions -------------------------------------------------------------------------

    def whoami(self) -> HubAnswer:
        return self._call("GET", f"{self.endpoint}/api/whoami-v2")

    # Pre-flight size limits need per-file sizes: the Hub gives them with `blobs=true`, which
    # huggingface_hub (`files_metadata`) never sends with `expand[]`; the unexpanded answer holds every
    # field MODEL_EXPAND names, so it is still one request per model.
    file_sizes: bool = False

    def metadata(self, ref: RepoRef) -> HubAnswer:
        expand = MODEL_EXPAND if ref.repo_type == "model" else DATASET_EXPAND
        params: list[tuple[str, str]] = [("expand[]", name) for name in expand]
        if self.file_sizes and ref.repo_type == "model":
            params = [("blobs", "true")]
        path = f"/api/{ref.repo_type}s/{ref.repo_id}"
        if ref.revision is not None:  # the repo as of a branch, tag or commit (huggingface_hub's route)
            path += f"/revision/{quote(ref.revision, safe='')}"
        return self._call("GET", f"{self.endpoint}{path}", params=params)

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
        return self._call("HEAD", url, follow_hub_redirects=True, anonymous=anonymous)

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
            answer, response = self._send_with_retries("GET", url, params=params)
            if response is None:
                yield [], answer
                return
            page = self._to_answer(response, expect_json=True)
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
        return self._call("GET", url, expect_json=False, headers={"Range": f"bytes=0-{length - 1}"})

    def get(self, path_or_url: str, params: Any = None) -> HubAnswer:
        url = path_or_url if "://" in path_or_url else f"{self.endpoint}{path_or_url}"
        return self._call("GET", url, params=params)

    def post(self, path: str, body: Any) -> HubAnswer:
        """POST a JSON body (ask-access), paced, counted and timed like every request, and never repeated
        where the Hub may have acted: retried only on a 429 (refused before acting); a 5xx, a lost answer or
        a timeout is the answer. A redirect is never followed: the contract documents none for a POST, and
        following one would send the user's details once per hop to wherever it points, so a 3xx comes
        back as the answer, with its `location`. A 2xx keeps its raw text (`body`, cut to 4,000 characters)
        and `media_type`, for the caller to recognise (access/outcome.py)."""
        import httpx2

        url = f"{self.endpoint}{path}"
        bucket, attempt = bucket_of(url), 0
        if in_request(url):
            return HubAnswer(status=None, failure=f"not sent: POST {TOKEN_IN_URL}")
        while True:
            if self._unreachable is not None:
                return HubAnswer(status=None, failure=self._unreachable)
            try:
                self._check_deadline("POST", url)
                ticket = self.pacer.before_request(bucket)
            except (WaitTooLong, Cancelled) as exc:
                return HubAnswer(status=None, failure=str(exc))
            refused = self.budget.take(bucket) if self.budget is not None else None
            if refused is not None:
                self.pacer.release(bucket)
                return HubAnswer(status=None, failure=refused)
            self.stats.count(bucket, retry=attempt > 0)
            seen = self._answers
            try:
                try:
                    response = self._send_once("POST", url, None, json_body=body, seen=seen)
                except BaseException:
                    self.pacer.release(bucket)
                    raise
            except Cancelled as exc:
                return HubAnswer(status=None, failure=str(exc))
            except (RequestDeadline, httpx2.TransportError) as exc:
                self._note_silence(exc, seen)
                return HubAnswer(
                    status=None,
                    failure=f"{_transport_failure(exc, self._request_budget())} (POST {path}); the Hub may "
                    "have received it: check the repo's page before asking again",
                )
            except (httpx2.HTTPError, httpx2.InvalidURL, httpx2.StreamError) as exc:
                return HubAnswer(status=None, failure=f"{type(exc).__name__}: {exc} (POST {path})")
            self._heard()
            status = response.status_code
            retry_after = _retry_after(response.headers)
            self.pacer.after_response(response.headers, status, retry_after, bucket, ticket)
            if status == 429 and attempt < self.policy.retries:
                attempt += 1
                held = retry_after is not None or any(
                    q.remaining == 0 for q in parse_quotas(response.headers)
                )
                if not held:  # otherwise the pacer holds the next attempt as long as the Hub asked
                    try:
                        self._pause(min(self.policy.max_wait, self.policy.base_wait * 2 ** (attempt - 1)))
                    except Cancelled as exc:
                        return HubAnswer(status=None, failure=str(exc))
                continue
            if 300 <= status < 400:
                return HubAnswer(status=status, location=response.headers.get("Location"))
            if not response.is_success:
                return self._to_answer(response, expect_json=False)
            return HubAnswer(
                status=status,
                body=response.text[:4000],
                media_type=response.headers.get("Content-Type"),
            )

    def post_repeatable(self, path: str, body: Any) -> HubAnswer:
        """POST a JSON body that may be sent twice without harm (an owner's answer to an access request: a
        repeat hears "already"), so it is retried like a GET (429, 5xx, timeouts, dropped connections);
        paced, counted, budgeted and bounded like every request, and never redirected."""
        return self._call("POST", f"{self.endpoint}{path}", expect_json=False, json_body=body)

    # -- transport -------------------------------------------------------------------------------

    def _headers(self, *, anonymous: bool = False) -> dict[str, str]:
        from huggingface_hub.utils import build_hf_headers

        from hubgate import __version__

        # token=False, not None: None would make the library pick up a stored token on its own.
        return build_hf_headers(
            token=(self._token if not anonymous else None) or False,
            library_name="hubgate",
            library_version=__version__,
        )

    def _call(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        expect_json: bool = True,
        follow_hub_redirects: bool = False,
        headers: dict[str, str] | None = None,
        anonymous: bool = False,
        json_body: Any = None,
    ) -> HubAnswer:
        redirects = 0
        while True:
            answer, response = self._send_with_retries(
                method, url, params=params, headers=headers, anonymous=anonymous, json_body=json_body
            )
            if response is None:
                return answer
            location = response.headers.get("Location")
            if follow_hub_redirects and response.is_redirect and location:
                target = urljoin(url, location)
                if _same_origin(target, url):
                    if redirects >= MAX_HUB_REDIRECTS:
                        # A loop proves nothing about access: never read it as the Hub agreeing to serve.
                        return HubAnswer(
                            status=None,
                            failure=f"redirect loop: more than {MAX_HUB_REDIRECTS} redirects on the Hub "
                            f"({method} {_path(url)})",
                        )
                    # A renamed repo: follow on the Hub. A CDN location means the Hub agreed to serve the file.
                    url, params, redirects = target, None, redirects + 1
                    continue
            return self._to_answer(response, expect_json=expect_json)

    def _send_with_retries(
        self,
        method: str,
        url: str,
        *,
        params: Any,
        headers: dict[str, str] | None = None,
        anonymous: bool = False,
        json_body: Any = None,
    ) -> tuple[HubAnswer, Any]:
        """One request with its retries. Returns (answer, response); response is None when there is no
        answer to read (no connection, timeouts, a wait the run may not make, cancellation)."""
        import httpx2
        from huggingface_hub.errors import OfflineModeIsEnabled

        bucket = bucket_of(url, anonymous=anonymous)
        if in_request(url, params):
            return HubAnswer(status=None, failure=f"not sent: {method} {TOKEN_IN_URL}"), None
        attempt = 0
        while True:
            if self._unreachable is not None:
                # A dead host, or a Hub that stopped answering: settled, so nothing more is sent to it.
                return HubAnswer(status=None, failure=self._unreachable), None
            try:
                self._check_deadline(method, url)
                ticket = self.pacer.before_request(bucket)
            except (WaitTooLong, Cancelled) as exc:
                return HubAnswer(status=None, failure=str(exc)), None
            refused = self.budget.take(bucket) if self.budget is not None else None
            if refused is not None:
                self.pacer.release(bucket)
                return HubAnswer(status=None, failure=refused), None
            self.stats.count(bucket, retry=attempt > 0)
            wait: float | None = None
            held = False  # a 429 whose hold the pacer applies on the next attempt
            seen = self._answers
            try:
                try:
                    response = self._send_once(
                        method, url, params, headers, anonymous=anonymous, json_body=json_body, seen=seen
                    )
                except BaseException:
                    self.pacer.release(bucket)  # no answer: the request is no longer in flight
                    raise
            except Cancelled as exc:
                return HubAnswer(status=None, failure=str(exc)), None
            except OfflineModeIsEnabled:
                return HubAnswer(
                    status=None, failure="HF_HUB_OFFLINE is set: unset it to let hubgate ask the Hub"
                ), None
            except (RequestDeadline, httpx2.TransportError) as exc:
                failure = f"{_transport_failure(exc, self._request_budget())} ({method} {_path(url)})"
                if self._note_silence(exc, seen):
                    # Its own failure first (it may have been answering slowly), then why nothing follows.
                    return HubAnswer(
                        status=None, failure=f"{failure}, after {attempt + 1} attempts; {self._unreachable}"
                    ), None
                if attempt >= self.policy.retries or isinstance(exc, httpx2.UnsupportedProtocol):
                    return HubAnswer(status=None, failure=f"{failure}, after {attempt + 1} attempts"), None
            except httpx2.TooManyRedirects:
                return HubAnswer(
                    status=None, failure=f"redirect loop: too many redirects ({method} {_path(url)})"
                ), None
            except (httpx2.HTTPError, httpx2.InvalidURL, httpx2.StreamError) as exc:
                return HubAnswer(
                    status=None, failure=f"{type(exc).__name__}: {exc} ({method} {_path(url)})"
                ), None
            else:
                self._heard()
                for hop in response.history:  # redirects followed (legacy ids) are requests too
                    self.stats.count(bucket_of(str(hop.url), anonymous=anonymous), retry=False)
                status = response.status_code
                retry_after = _retry_after(response.headers)
                self.pacer.after_response(
                    response.headers,
                    status,
                    retry_after,
                    bucket,
                    ticket,
                    suffix=ANONYMOUS if anonymous else "",
                )
                if status not in RETRY_STATUSES or attempt >= self.policy.retries:
                    return HubAnswer(status=status), response
                if status == 429:
                    held = retry_after is not None or any(
                        q.remaining == 0 for q in parse_quotas(response.headers)
                    )
                elif retry_after is not None:
                    wait = retry_after  # a 5xx asking for time: this request waits, the bucket does not
            attempt += 1
            backoff = min(self.policy.max_wait, self.policy.base_wait * 2 ** (attempt - 1))
            try:
                if wait is not None:
                    self.pacer.check_wait(wait, "the Hub asked for it with Retry-After", bucket)
                    self._pause(wait)
                elif not held:
                    self._pause(backoff * (0.5 + random.random() / 2))
            except (WaitTooLong, Cancelled) as exc:
                return HubAnswer(status=None, failure=str(exc)), None

    def _pause(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
            return
        self.pacer.pause(seconds)

    def _check_deadline(self, method: str, url: str) -> None:
        if self._deadline is not None and time.monotonic() >= self._deadline:
            raise WaitTooLong(
                f"the run's --deadline ({self.policy.deadline:g} s) passed before {method} {_path(url)}"
            )

    def _request_budget(self) -> float:
        """Seconds this request may take: the per-request timeout, cut short by the run's deadline."""
        budget = self.policy.timeout
        if self._deadline is not None:
            budget = min(budget, max(0.0, self._deadline - time.monotonic()))
        return max(budget, 0.001)

    def _send_once(
        self,
        method: str,
        url: str,
        params: Any,
        extra: dict[str, str] | None = None,
        *,
        anonymous: bool = False,
        json_body: Any = None,
        seen: int | None = None,
    ) -> Any:
        """One HTTP exchange with a deadline for the whole of it. httpx's timeouts bound each read, so a
        server trickling a byte a second would hold a request forever: the exchange runs in a daemon
        thread, abandoned once the deadline passes (being a daemon, it never holds the process open).
        Redirects are followed on GET only (a HEAD reads them itself; a POST never follows one). `seen`:
        the run's answer count when it was sent, to tell the user when the Hub has been silent a while."""
        from huggingface_hub.utils import get_session

        budget = self._request_budget()
        box: dict[str, Any] = {}
        done = threading.Event()
        headers = {**self._headers(anonymous=anonymous), **(extra or {})}

        def exchange() -> None:
            try:
                box["response"] = get_session().request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    headers=headers,
                    timeout=budget,
                    # HEAD answers are read as they come; a POST is never re-sent to another address.
                    follow_redirects=method == "GET",
                )
            except BaseException as exc:  # handed to the waiting worker
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=exchange, name="hubgate-http", daemon=True).start()
        started = time.monotonic()
        ends = started + budget
        while not done.wait(min(0.1, max(0.0, ends - time.monotonic()))):
            if self._cancelled.is_set():
                raise Cancelled("cancelled")
            now = time.monotonic()
            if now >= ends:
                raise RequestDeadline(f"no complete answer within {budget:g} s")
            if seen is not None and now - started >= SILENCE_NOTICE_AFTER and self._answers == seen:
                self._tell_silence(method, url, now - started)
        if "error" in box:
            raise box["error"]
        return box["response"]

    def _heard(self) -> None:
        """An HTTP answer arrived: the Hub is talking, whatever it said."""
        with self.stats.lock:
            self._answered = True
            self._answers += 1
            self._silent_timeouts = 0

    def _tell_silence(self, method: str, url: str, waited: float) -> None:
        """Once per run, a few seconds into a silence: the user hears of it long before it is settled."""
        with self.stats.lock:
            if self._silence_told or self._unreachable is not None:
                return
            self._silence_told = True
        self.pacer.notice(
            f"no answer from {self.endpoint} for {waited:.0f} s ({method} {_path(url)}); a request gives "
            f"up after {self.policy.timeout:g} s, and the run stops asking after "
            f"{self.policy.silent_timeouts} in a row go unanswered"
        )

    def _note_silence(self, exc: Exception, seen: int) -> bool:
        """Count a failure that may mean the Hub is gone: True when it is settled (this failure or an
        earlier one), after which every request fails at once. Connections refused settle it only while
        nothing has ever answered (one quick retry first); timeouts settle it after `silent_timeouts` in a
        row with no answer to any request since they were sent (`seen`: the answer count at sending), so a
        Hub that answered whoami and then went quiet is settled too, however many workers wait on it."""
        import httpx2

        if isinstance(exc, httpx2.ConnectError | httpx2.UnsupportedProtocol):
            if self._answered:
                return False
            with self.stats.lock:
                self._failed_connects += 1
                failed = self._failed_connects
            # One quick retry (a blip), then the Hub counts as down for the rest of the run.
            if failed >= 2 or isinstance(exc, httpx2.UnsupportedProtocol):
                self._unreachable = f"cannot connect to {self.endpoint}: {type(exc).__name__}: {exc}"
                return True
            return False
        if not isinstance(exc, RequestDeadline | httpx2.TimeoutException):
            return False
        if self._deadline is not None and time.monotonic() >= self._deadline - 0.05:
            return False  # cut short by the run's --deadline: that is no silence of the Hub's
        settled = False
        with self.stats.lock:
            if self._unreachable is not None:
                return True
            if self._answers != seen:
                return False  # something answered meanwhile: a slow request, not a silent Hub
            self._silent_timeouts += 1
            silent = self._silent_timeouts
            first = not self._silence_told
            self._silence_told = True
            if silent >= self.policy.silent_timeouts:
                settled = True
                if self._answered:
                    self._unreachable = (
                        f"{self.endpoint} stopped answering: {silent} requests in a row got no answer within "
                        f"{self.policy.timeout:g} s, so the run stopped asking"
                    )
                else:
                    self._unreachable = (
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

    @staticmethod
    def _to_answer(response: Any, *, expect_json: bool) -> HubAnswer:
        from huggingface_hub.errors import HfHubHTTPError
        from huggingface_hub.utils import hf_raise_for_status

        status = response.status_code
        if (
            response.request.method == "HEAD"
            and 200 <= status < 400
            and not _hub_file_headers(response.headers)
        ):
            # A proxy or a wrong HF_ENDPOINT answers 200 to anything: only the Hub's own headers prove a file.
            return HubAnswer(
                status=None,
                failure=f"HTTP {status} without the Hub's file headers (X-Repo-Commit, ETag): "
                f"not an answer from a Hugging Face Hub; check HF_ENDPOINT ({_path(str(response.url))})",
            )
        commit = response.headers.get("X-Repo-Commit") if response.request.method == "HEAD" else None
        if response.is_redirect:
            return HubAnswer(status=status, location=response.headers.get("Location"), commit=commit)
        try:
            hf_raise_for_status(response)
        except HfHubHTTPError as exc:
            # The Hub's own words only: huggingface_hub's fallback ("403 Forbidden: None.") says nothing.
            message = response.headers.get("X-Error-Message") or exc.server_message
            return HubAnswer(
                status=status,
                error_code=response.headers.get("X-Error-Code"),
                message=_one_line(message),
                commit=commit,
            )
        if response.request.method == "HEAD":
            return HubAnswer(status=status, commit=commit)
        if not expect_json:
            ranged = "Range" in response.request.headers
            return HubAnswer(status=status, body=response.content if ranged else None)
        try:
            body = response.json()
        except ValueError:
            return HubAnswer(
                status=None,
                failure=f"HTTP {status} with a body that is not JSON ({_path(str(response.url))})",
            )
        return HubAnswer(status=status, body=body)


def _transport_failure(exc: Exception, budget: float) -> str:
    import httpx2

    if isinstance(exc, RequestDeadline | httpx2.TimeoutException):
        return f"timed out: no complete answer within {budget:g} s ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc or 'no answer'}"


def server_wait(headers: Any, status: int) -> float | None:
    """How long the Hub asked us to wait: Retry-After, else, on a 429, the reset of a spent RateLimit bucket."""
    wait = _retry_after(headers)
    if wait is None and status == 429:
        spent = [q.reset_in for q in parse_quotas(headers) if q.remaining == 0]
        wait = max(spent) if spent else None
    return wait


class RequestDeadline(Exception):
    """A request that did not complete within its whole-request deadline."""


MAX_HUB_REDIRECTS = 5


def _retry_after(headers: Any) -> float | None:
    return retry_after_seconds(headers)


def _hub_file_headers(headers: Any) -> bool:
    return any(headers.get(name) for name in ("X-Repo-Commit", "X-Linked-Etag", "ETag"))


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.netloc) == (pb.scheme, pb.netloc)


def _path(url: str) -> str:
    return urlsplit(url).path


def _one_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text else text
