"""How one request is sent: paced on the `RateLimit` headers, counted and budgeted, retried, and bounded.

huggingface_hub's `HfApi.model_info` and `auth_check` send a single attempt, and its `http_backoff`
hides the attempts it makes, so this module keeps its own small retry loop around the library's
session to count every request per rate-limit bucket and pace all workers on the `RateLimit`
headers. Errors are still classified by the library (`hf_raise_for_status`) and read from its
exceptions, and headers are built and parsed with its helpers.

Nothing here may stall a run: `RetryPolicy.timeout` is a deadline for a whole request (connect, headers
and body, however slowly a server trickles them), `deadline` bounds the whole run, every wait longer
than `max_wait` becomes an answer with the reason, `cancel()` (Ctrl-C) wakes every waiting worker, and a
Hub that stops answering is settled once (`hubgate.hub.silence`), not retried into.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

from hubgate._version import __version__
from hubgate.hub.answers import HubAnswer, answer_from_response
from hubgate.hub.exchanges import EXCHANGES
from hubgate.hub.pacing import Cancelled, Held, RatePacer, WaitTooLong, parse_quotas, retry_after_seconds
from hubgate.hub.settings import RETRY_STATUSES, RetryPolicy, validate_endpoint
from hubgate.hub.silence import SILENCE_NOTICE_AFTER, Silence
from hubgate.hub.tally import ANONYMOUS, Budget, RequestStats, bucket_of
from hubgate.hub.token import in_request

# The last guard: a token belongs in the Authorization header, never in a URL a proxy or a log keeps.
TOKEN_IN_URL = "its URL would carry an access token (an id, revision, author or file name shaped like one)"
MAX_HUB_REDIRECTS = 5


class RequestDeadline(Exception):
    """A request that did not complete within its whole-request deadline."""


class Transport:
    """Sends requests to the Hub at `endpoint` as the holder of `token`, under one `RetryPolicy`, one
    pacer, one tally and an optional budget for the whole run."""

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
        self.silence = Silence(self.endpoint, self.policy, self.pacer, deadline)

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
        return None if self.silence.answered else self.silence.stopped

    def call(
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
        give_way: bool = False,
    ) -> HubAnswer:
        """One request with its retries, read into a HubAnswer. `follow_hub_redirects`: a HEAD follows a
        redirect that stays on the Hub (a renamed repo); any other location is the answer. `give_way`: where
        the Hub holds the request's bucket, answer at once (`held`) instead of waiting."""
        redirects = 0
        while True:
            answer, response = self.send_with_retries(
                method,
                url,
                params=params,
                headers=headers,
                anonymous=anonymous,
                json_body=json_body,
                give_way=give_way,
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
            return answer_from_response(response, expect_json=expect_json)

    def send_with_retries(
        self,
        method: str,
        url: str,
        *,
        params: Any,
        headers: dict[str, str] | None = None,
        anonymous: bool = False,
        json_body: Any = None,
        give_way: bool = False,
    ) -> tuple[HubAnswer, Any]:
        """One request with its retries. Returns (answer, response); response is None when there is no
        answer to read (no connection, timeouts, a wait the run may not make, cancellation, a bucket held
        when the caller asked to give way)."""
        import httpx2
        from huggingface_hub.errors import OfflineModeIsEnabled

        bucket = bucket_of(url, anonymous=anonymous)
        if in_request(url, params):
            return HubAnswer(status=None, failure=f"not sent: {method} {TOKEN_IN_URL}"), None
        attempt = 0
        while True:
            if self.silence.stopped is not None:
                # A dead host, or a Hub that stopped answering: settled, so nothing more is sent to it.
                return HubAnswer(status=None, failure=self.silence.stopped), None
            try:
                self._check_deadline(method, url)
                ticket = self.pacer.before_request(bucket, give_way=give_way)
            except Held as exc:
                return HubAnswer(status=None, failure=str(exc), held=True), None
            except (WaitTooLong, Cancelled) as exc:
                return HubAnswer(status=None, failure=str(exc)), None
            refused = self.budget.take(bucket) if self.budget is not None else None
            if refused is not None:
                self.pacer.release(bucket)
                return HubAnswer(status=None, failure=refused), None
            self.stats.count(bucket, retry=attempt > 0)
            wait: float | None = None
            held = False  # a 429 whose hold the pacer applies on the next attempt
            seen = self.silence.answers
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
                if self._settles_silence(exc, seen):
                    # Its own failure first (it may have been answering slowly), then why nothing follows.
                    return HubAnswer(
                        status=None,
                        failure=f"{failure}, after {attempt + 1} attempts; {self.silence.stopped}",
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
                self.silence.heard()
                for hop in response.history:  # redirects followed (legacy ids) are requests too
                    self.stats.count(bucket_of(str(hop.url), anonymous=anonymous), retry=False)
                status = response.status_code
                retry_after = retry_after_seconds(response.headers)
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

    def post(self, path: str, body: Any) -> HubAnswer:
        """A POST that must not be sent twice (`HubService.post`): retried only on a 429, never redirected,
        and a lost answer says the Hub may have acted."""
        import httpx2

        url = f"{self.endpoint}{path}"
        bucket, attempt = bucket_of(url), 0
        if in_request(url):
            return HubAnswer(status=None, failure=f"not sent: POST {TOKEN_IN_URL}")
        while True:
            if self.silence.stopped is not None:
                return HubAnswer(status=None, failure=self.silence.stopped)
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
            seen = self.silence.answers
            try:
                try:
                    response = self._send_once("POST", url, None, json_body=body, seen=seen)
                except BaseException:
                    self.pacer.release(bucket)
                    raise
            except Cancelled as exc:
                return HubAnswer(status=None, failure=str(exc))
            except (RequestDeadline, httpx2.TransportError) as exc:
                self._settles_silence(exc, seen)
                return HubAnswer(
                    status=None,
                    failure=f"{_transport_failure(exc, self._request_budget())} (POST {path}); the Hub may "
                    "have received it: check the repo's page before asking again",
                )
            except (httpx2.HTTPError, httpx2.InvalidURL, httpx2.StreamError) as exc:
                return HubAnswer(status=None, failure=f"{type(exc).__name__}: {exc} (POST {path})")
            self.silence.heard()
            status = response.status_code
            retry_after = retry_after_seconds(response.headers)
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
                return answer_from_response(response, expect_json=False)
            return HubAnswer(
                status=status,
                body=response.text[:4000],
                media_type=response.headers.get("Content-Type"),
            )

    def _headers(self, *, anonymous: bool = False) -> dict[str, str]:
        from huggingface_hub.utils import build_hf_headers

        # token=False, not None: None would make the library pick up a stored token on its own.
        return build_hf_headers(
            token=(self._token if not anonymous else None) or False,
            library_name="hubgate",
            library_version=__version__,
        )

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
        thread (`hubgate.hub.exchanges`, reused), abandoned once the deadline passes (being a daemon, it
        never holds the process open).
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

        EXCHANGES.submit(exchange)
        started = time.monotonic()
        ends = started + budget
        while not done.wait(min(0.1, max(0.0, ends - time.monotonic()))):
            if self._cancelled.is_set():
                raise Cancelled("cancelled")
            now = time.monotonic()
            if now >= ends:
                raise RequestDeadline(f"no complete answer within {budget:g} s")
            if seen is not None and now - started >= SILENCE_NOTICE_AFTER and self.silence.answers == seen:
                self.silence.tell(f"{method} {_path(url)}", now - started)
        if "error" in box:
            raise box["error"]
        return box["response"]

    def _settles_silence(self, exc: Exception, seen: int) -> bool:
        """Count a failure that may mean the Hub is gone: True when it is settled (by this failure or an
        earlier one), after which every request fails at once."""
        import httpx2

        if isinstance(exc, httpx2.ConnectError | httpx2.UnsupportedProtocol):
            return self.silence.refused(exc, at_once=isinstance(exc, httpx2.UnsupportedProtocol))
        if isinstance(exc, RequestDeadline | httpx2.TimeoutException):
            return self.silence.timed_out(seen)
        return False


def prepare_client() -> None:
    """Import huggingface_hub's HTTP stack and build its shared client (the TLS context loads the CA
    bundle) in the calling thread. Left to the first exchange, that CPU (about 0.15 s) falls between
    handing the work out and the first request leaving, where the caller can do nothing useful; done
    before, the round trip that follows is idle time the caller can use (`run_all`'s `meanwhile`)."""
    from huggingface_hub.utils import build_hf_headers, get_session  # noqa: F401  (the import is the point)

    get_session()


def _transport_failure(exc: Exception, budget: float) -> str:
    import httpx2

    if isinstance(exc, RequestDeadline | httpx2.TimeoutException):
        return f"timed out: no complete answer within {budget:g} s ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc or 'no answer'}"


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.netloc) == (pb.scheme, pb.netloc)


def _path(url: str) -> str:
    return urlsplit(url).path
