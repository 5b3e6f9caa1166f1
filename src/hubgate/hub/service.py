"""The one Hub service: every request hubgate sends goes through here (huggingface_hub's shared session).

huggingface_hub's `HfApi.model_info` and `auth_check` send a single attempt, and its `http_backoff`
hides the attempts it makes, so this module keeps its own small retry loop around the library's
session to count every request per rate-limit bucket and pace all workers on the `RateLimit`
headers. Errors are still classified by the library (`hf_raise_for_status`) and read from its
exceptions, and headers are built and parsed with its helpers.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from hubgate.hub.answers import HubAnswer, RepoFacts, probe_file
from hubgate.hub.pacing import RatePacer
from hubgate.inputs.refs import RepoRef, RepoType

MAX_SERVER_WAIT = 330.0
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
MODEL_EXPAND = ("gated", "private", "disabled", "cardData", "safetensors", "config", "siblings", "sha")
# Dataset file listings can run to many thousands of entries: datasets are probed with auth-check instead.
DATASET_EXPAND = ("gated", "private", "disabled", "cardData", "sha")


@dataclass
class RetryPolicy:
    retries: int = 4
    base_wait: float = 0.5
    max_wait: float = 20.0
    timeout: float = 15.0


@dataclass
class RequestStats:
    """Requests sent per bucket (every attempt, retries included)."""

    sent: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, bucket: str, *, retry: bool) -> None:
        with self.lock:
            self.sent[bucket] += 1
            if retry:
                self.retries += 1


def bucket_of(url: str) -> str:
    return "resolvers" if "/resolve/" in urlsplit(url).path else "api"


class HubService:
    """Answers questions about repos from the Hub at `endpoint`, as the holder of `token`."""

    def __init__(
        self,
        endpoint: str,
        token: str | None,
        *,
        policy: RetryPolicy | None = None,
        pacer: RatePacer | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self._token = token
        self.policy = policy or RetryPolicy()
        self.pacer = pacer or RatePacer()
        self.stats = RequestStats()
        self._sleep = sleep
        self._answered = False  # any HTTP answer from the Hub in this run
        self._unreachable: str | None = None  # why the Hub could not be reached at all

    # -- the questions -------------------------------------------------------------------------

    def whoami(self) -> HubAnswer:
        return self._call("GET", f"{self.endpoint}/api/whoami-v2")

    def metadata(self, ref: RepoRef) -> HubAnswer:
        expand = MODEL_EXPAND if ref.repo_type == "model" else DATASET_EXPAND
        params = [("expand[]", name) for name in expand]
        return self._call("GET", f"{self.endpoint}/api/{ref.repo_type}s/{ref.repo_id}", params=params)

    def probe(self, repo_type: RepoType, facts: RepoFacts) -> HubAnswer:
        """May this token read the files? A HEAD on a real file (resolvers bucket) when the metadata
        lists one, else auth-check (api bucket)."""
        filename = probe_file(facts) if repo_type == "model" else None
        if filename is None and repo_type == "model" and not facts.files_listed:
            # No file list (an organisation listing): any path works, since a readable repo answers
            # 404 EntryNotFound for a missing file while a gated one answers its gate first.
            filename = "config.json"
        if filename is None:
            return self.auth_check(repo_type, facts.id)
        prefix = "datasets/" if repo_type == "dataset" else ""
        revision = quote(facts.sha or "main", safe="")
        url = f"{self.endpoint}/{prefix}{facts.id}/resolve/{revision}/{quote(filename)}"
        return self._call("HEAD", url, follow_hub_redirects=True)

    def auth_check(self, repo_type: RepoType, repo_id: str) -> HubAnswer:
        return self._call("GET", f"{self.endpoint}/api/{repo_type}s/{repo_id}/auth-check", expect_json=False)

    def list_all(
        self, path: str, params: Any, *, max_pages: int = 1000
    ) -> tuple[list[Any], HubAnswer | None]:
        """Every item of a paginated listing, following `Link: rel="next"`; the error that stopped it, if any."""
        url, items = f"{self.endpoint}{path}", []
        for _ in range(max_pages):
            answer, response = self._send_with_retries("GET", url, params=params)
            if response is None:
                return items, answer
            page = self._to_answer(response, expect_json=True)
            if not page.ok or not isinstance(page.body, list):
                return items, page if not page.ok else HubAnswer(
                    status=None, failure=f"{path} did not answer a list"
                )
            items.extend(page.body)
            next_url = response.links.get("next", {}).get("url")
            if not next_url:
                return items, None
            url, params = urljoin(url, next_url), None
        return items, HubAnswer(status=None, failure=f"{path}: more than {max_pages} pages")

    def get(self, path_or_url: str, params: Any = None) -> HubAnswer:
        url = path_or_url if "://" in path_or_url else f"{self.endpoint}{path_or_url}"
        return self._call("GET", url, params=params)

    # -- transport -------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        from huggingface_hub.utils import build_hf_headers

        from hubgate import __version__

        # token=False, not None: None would make the library pick up a stored token on its own.
        return build_hf_headers(
            token=self._token or False, library_name="hubgate", library_version=__version__
        )

    def _call(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        expect_json: bool = True,
        follow_hub_redirects: bool = False,
    ) -> HubAnswer:
        redirects = 0
        while True:
            answer, response = self._send_with_retries(method, url, params=params)
            if response is None:
                return answer
            location = response.headers.get("Location")
            if follow_hub_redirects and response.is_redirect and location and redirects < 5:
                target = urljoin(url, location)
                if _same_origin(target, url):
                    # A renamed repo: follow on the Hub. A CDN location means the Hub agreed to serve the file.
                    url, params, redirects = target, None, redirects + 1
                    continue
            return self._to_answer(response, expect_json=expect_json)

    def _send_with_retries(self, method: str, url: str, *, params: Any) -> tuple[HubAnswer, Any]:
        import httpx2
        from huggingface_hub.errors import OfflineModeIsEnabled
        from huggingface_hub.utils import get_session

        bucket = bucket_of(url)
        if self._unreachable is not None and not self._answered:
            # Connecting failed through every retry and nothing ever answered: do not hammer a dead host.
            return HubAnswer(
                status=None, failure=f"{self._unreachable} (the Hub was unreachable earlier in this run)"
            ), None
        attempt = 0
        while True:
            self.pacer.before_request(bucket)
            self.stats.count(bucket, retry=attempt > 0)
            wait: float | None = None
            try:
                response = get_session().request(
                    method,
                    url,
                    params=params,
                    headers=self._headers(),
                    timeout=self.policy.timeout,
                    follow_redirects=method != "HEAD",
                )
            except OfflineModeIsEnabled:
                return HubAnswer(
                    status=None, failure="HF_HUB_OFFLINE is set: unset it to let hubgate ask the Hub"
                ), None
            except (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError) as exc:
                failure = f"{type(exc).__name__}: {exc or 'no answer'} ({method} {_path(url)})"
                if attempt >= self.policy.retries:
                    if isinstance(exc, httpx2.ConnectError):
                        self._unreachable = f"{type(exc).__name__}: {exc}"
                    return HubAnswer(status=None, failure=f"{failure}, after {attempt + 1} attempts"), None
            else:
                self._answered = True
                for hop in response.history:  # redirects followed (legacy ids) are requests too
                    self.stats.count(bucket_of(str(hop.url)), retry=False)
                self.pacer.after_response(response.headers)
                if response.status_code not in RETRY_STATUSES or attempt >= self.policy.retries:
                    return HubAnswer(status=response.status_code), response
                wait = _server_wait(response.headers, response.status_code)
            attempt += 1
            backoff = min(self.policy.max_wait, self.policy.base_wait * 2 ** (attempt - 1))
            if wait is not None:
                # The Hub said how long: honour it (a fixed window is at most five minutes).
                self._sleep(min(wait, MAX_SERVER_WAIT))
            else:
                self._sleep(backoff * (0.5 + random.random() / 2))

    @staticmethod
    def _to_answer(response: Any, *, expect_json: bool) -> HubAnswer:
        from huggingface_hub.errors import HfHubHTTPError
        from huggingface_hub.utils import hf_raise_for_status

        status = response.status_code
        if response.is_redirect:
            return HubAnswer(status=status, location=response.headers.get("Location"))
        try:
            hf_raise_for_status(response)
        except HfHubHTTPError as exc:
            message = response.headers.get("X-Error-Message") or exc.server_message or _first_line(str(exc))
            return HubAnswer(
                status=status, error_code=response.headers.get("X-Error-Code"), message=_one_line(message)
            )
        if not expect_json or response.request.method == "HEAD":
            return HubAnswer(status=status)
        try:
            body = response.json()
        except ValueError:
            return HubAnswer(
                status=None,
                failure=f"HTTP {status} with a body that is not JSON ({_path(str(response.url))})",
            )
        return HubAnswer(status=status, body=body)


def _server_wait(headers: Any, status: int) -> float | None:
    """How long the Hub asked us to wait: Retry-After (seconds or a date), else the RateLimit reset on a 429."""
    from huggingface_hub.utils import parse_ratelimit_headers

    value = headers.get("Retry-After")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - time.time())
    if status == 429:
        info = parse_ratelimit_headers(headers)
        if info is not None and info.remaining == 0:
            return float(info.reset_in_seconds)
    return None


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.netloc) == (pb.scheme, pb.netloc)


def _path(url: str) -> str:
    return urlsplit(url).path


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _one_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text else text
