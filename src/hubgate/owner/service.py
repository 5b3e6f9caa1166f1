"""Access requests on one gated repo, through huggingface_hub's access-request functions.

Listings use `HfApi.list_{pending,accepted,rejected}_access_requests`, which paginate on the `Link`
header with huggingface_hub's own backoff (`http_backoff`: 429, 5xx, timeouts, dropped connections);
they are not wrapped again here, so that a bad minute does not multiply the attempts. Answers
(accept, reject, cancel, grant) send a single attempt in huggingface_hub: each one gets a small retry
loop here, honouring Retry-After. Every failure comes back as a `Problem` with one line for people,
classified from the HTTP status and the Hub's message; nothing here prints or exits.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from hubgate import __version__
from hubgate.hub.service import RETRY_STATUSES, server_wait

Action = Literal["accept", "reject", "cancel", "grant"]
ACTIONS: tuple[Action, ...] = ("accept", "reject", "cancel", "grant")
STATUSES = ("pending", "accepted", "rejected", "reset")
PAST = {"accept": "accepted", "reject": "rejected", "cancel": "cancelled", "grant": "granted"}
REQUEST_ID_PREFIX = "id:"
BATCH_SIZE = 100  # the batch answer endpoint takes up to 100 requests per call (docs/hub.md, "Owner side")
BATCH_STATUS = {"accept": "accepted", "reject": "rejected"}

# Problems after which every other user of the same run would get the same answer.
REPO_WIDE = frozenset(
    {
        "not-authenticated",
        "forbidden",
        "not-gated",
        "repo-not-found",
        "offline",
        "unreachable",
        "rate-limited",
    }
)
# Problems that say nothing about the request itself: the Hub or the network failed (exit 3).
TRANSIENT = frozenset({"hub-error", "network", "unreachable", "offline", "rate-limited"})


@dataclass(frozen=True)
class Target:
    """Whom an answer is for: a user name, or a request id when the repo hides requesters' names."""

    user: str | None = None
    request_id: str | None = None

    @property
    def label(self) -> str:
        return self.user if self.user is not None else f"{REQUEST_ID_PREFIX}{self.request_id}"


@dataclass(frozen=True)
class AccessRequestInfo:
    request_id: str
    user: str | None  # None: the repo hides requesters' names
    fullname: str | None
    email: str | None
    status: str
    timestamp: datetime | None
    fields: dict[str, Any] = field(default_factory=dict)
    reviewed_at: datetime | None = None  # when the authors answered, when the Hub says

    @property
    def target(self) -> Target:
        return Target(user=self.user) if self.user else Target(request_id=self.request_id)


@dataclass(frozen=True)
class Problem:
    kind: str  # not-authenticated, forbidden, not-gated, already, unknown-user, not-found, repo-not-found,
    # bad-request, hub-error, network, unreachable, offline, rate-limited
    message: str  # one line for people
    status: int | None = None
    server_message: str | None = None

    @property
    def repo_wide(self) -> bool:
        return self.kind in REPO_WIDE

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT


@dataclass(frozen=True)
class ActionResult:
    target: Target
    action: str
    outcome: str  # "done", "failed" (the Hub said no), "error" (Hub or network trouble), "skipped"
    problem: Problem | None = None
    attempts: int = 0
    note: str | None = None


class OwnerError(Exception):
    """A listing failed; `problem` says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def exit_code(results: Iterable[ActionResult]) -> int:
    """0 all done, 1 some failed or were skipped, 3 Hub or network errors after retries."""
    outcomes = [r.outcome for r in results]
    if any(o == "error" for o in outcomes):
        return 3
    if any(o != "done" for o in outcomes):
        return 1
    return 0


def classify(
    status: int | None,
    server_message: str | None,
    *,
    repo: str,
    target: Target | None = None,
    error_code: str | None = None,
    token_sent: bool = True,
    attempts: int = 1,
) -> Problem:
    """Pure: one HTTP answer of the owner endpoints to a Problem (docs/hub.md, "Owner side")."""
    text = " ".join((server_message or "").split())
    low = text.lower()
    who = target.label if target is not None else "the user"
    if status == 401:
        if token_sent:
            return Problem(
                "not-authenticated",
                "not authenticated (401): the Hub rejected the token (invalid or revoked)",
                status,
                text,
            )
        return Problem(
            "not-authenticated",
            "not authenticated (401): no token was sent; pass --token or set HF_TOKEN to a write token "
            "of an account that may manage the repo",
            status,
            text,
        )
    if status == 403:
        return Problem(
            "forbidden",
            f"no write permission on {repo} (403): answering access requests needs a write token "
            "(or a fine-grained token with write access) of an account with write role on the repo",
            status,
            text,
        )
    if status == 400:
        if "not gated" in low:
            return Problem(
                "not-gated",
                f"{repo} is not gated (400): it takes no access requests; turn the gate on in its settings",
                status,
                text,
            )
        if "already" in low:
            return Problem("already", f"{who} already has access to {repo} (400)", status, text)
        return Problem(
            "bad-request", f"the Hub refused the request (400): {text or 'no message'}", status, text
        )
    if status == 404:
        if error_code == "RepoNotFound" or "repository not found" in low:
            return Problem(
                "repo-not-found",
                f"{repo} not found (404), or it is private and this token cannot see it",
                status,
                text,
            )
        if "already" in low:  # the real Hub: "the user access request is already in the ... list"
            return Problem("already", f"{who}: {text} (404)", status, text)
        if "user" in low and "not found" in low and "request" not in low:
            return Problem(
                "unknown-user", f"unknown user {who} (404): no such account on the Hub", status, text
            )
        if target is not None and target.request_id is not None:
            return Problem("not-found", f"access request {who} not found on {repo} (404)", status, text)
        return Problem("not-found", f"no access request from {who} on {repo} (404)", status, text)
    if status is not None and (status == 429 or status >= 500 or status == 408):
        tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}"
        return Problem("hub-error", f"the Hub answered {status}{tries}: {text or 'no message'}", status, text)
    return Problem("bad-request", f"the Hub answered {status}: {text or 'no message'}", status, text)


def use_timeout(seconds: float) -> None:
    """Give huggingface_hub's shared HTTP client a timeout (it has none by default, and the
    access-request functions take none). Process-wide: the CLI calls it; a library caller may not want to."""
    from huggingface_hub import get_session

    get_session().timeout = seconds  # type: ignore[assignment]


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


class OwnerService:
    """One repo's access requests. `token=None` sends no token (never the machine's stored one)."""

    def __init__(
        self,
        repo_id: str,
        *,
        repo_type: str = "model",
        token: str | None,
        endpoint: str,
        retries: int = 4,
        base_wait: float = 0.5,
        max_wait: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
        api: Any = None,
        max_server_wait: float = 330.0,
        on_wait: Callable[[float, str], None] | None = None,
    ) -> None:
        from huggingface_hub import HfApi

        self.repo_id = repo_id
        self.repo_type = repo_type
        self.endpoint = endpoint.rstrip("/")
        # False, not None: None would make huggingface_hub look for a token on its own.
        self._token: str | bool = token or False
        self.retries = retries
        self.base_wait = base_wait
        self.max_wait = max_wait
        self._sleep = sleep
        self.max_server_wait = max_server_wait
        self._on_wait = on_wait
        self.api = api or HfApi(
            endpoint=self.endpoint, token=self._token, library_name="hubgate", library_version=__version__
        )
        self._stop: Problem | None = None  # a repo-wide problem: the rest are skipped
        self._answered = False  # the Hub answered at least once (a connect error is then not "unreachable")
        self.batch_supported: bool | None = None  # None: not tried yet; False: refused, answer one by one
        self.batch_calls = 0
        self._batch_shape = 0  # which body shape the Hub took (index into the shapes tried)

    @property
    def repo_label(self) -> str:
        return f"{self.repo_type} {self.repo_id}"

    # -- reading ---------------------------------------------------------------------------------------

    def list_requests(self, status: str) -> list[AccessRequestInfo]:
        """Every request with this status, all pages. Raises OwnerError."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

        try:
            return [self._info(item, status) for item in self._raw_list(status)]
        except OfflineModeIsEnabled:
            raise OwnerError(_offline()) from None
        except HfHubHTTPError as exc:
            raise OwnerError(self._problem(exc, None, attempts=1)) from None
        except _network_errors() as exc:
            raise OwnerError(Problem("network", f"network error: {_describe(exc)}")) from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            # huggingface_hub could not read an item (e.g. a timestamp in another format).
            raise OwnerError(
                Problem("hub-error", f"the Hub sent a listing that could not be read: {_describe(exc)}")
            ) from None

    def _raw_list(self, status: str) -> Iterable[Any]:
        # The raw JSON through huggingface_hub's own pagination (the same route and backoff as its
        # `list_*_access_requests`): those drop `reviewedAt` and know no "reset" status.
        from huggingface_hub.utils import build_hf_headers, paginate

        headers = build_hf_headers(token=self._token, library_name="hubgate", library_version=__version__)
        url = f"{self.endpoint}/api/{self.repo_type}s/{self.repo_id}/user-access-request/{status}"
        return paginate(url, params={}, headers=headers)

    @staticmethod
    def _info(item: Any, status: str) -> AccessRequestInfo:
        user = item.get("user") or {}  # absent when the repo hides requesters' names
        if isinstance(user, str):
            user = {"user": user}
        return AccessRequestInfo(
            request_id=str(item.get("requestId", "")),
            user=user.get("user"),
            fullname=user.get("fullname"),
            email=user.get("email"),
            status=str(item.get("status") or status),
            timestamp=_timestamp(item.get("timestamp")),
            fields=dict(item.get("fields") or {}),
            reviewed_at=_timestamp(item.get("reviewedAt")),
        )

    # -- answering -------------------------------------------------------------------------------------

    def act(self, action: Action, target: Target, *, reason: str | None = None) -> ActionResult:
        """One answer, retried on 429, 5xx, timeouts and dropped connections."""
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
        if action == "grant" and target.user is None:
            raise ValueError("grant needs a user name, not a request id")
        if reason is not None and action != "reject":
            raise ValueError("a reason goes with reject only")
        if self._stop is not None:
            return ActionResult(target, action, "skipped", self._stop, 0, "not sent: " + self._stop.message)
        from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

        call = self._call(action, target, reason)
        attempts = 0
        uncertain = False  # an earlier attempt may have reached the Hub without us seeing the answer
        while True:
            attempts += 1
            wait: float | None = None
            try:
                call()
            except OfflineModeIsEnabled:
                return self._finish(target, action, _offline(), attempts)
            except HfHubHTTPError as exc:
                self._answered = True
                status = exc.response.status_code if exc.response is not None else None
                if status in RETRY_STATUSES and attempts <= self.retries:
                    wait = server_wait(exc.response.headers, status)
                    uncertain = uncertain or status != 429  # a 429 was refused before doing anything
                else:
                    problem = self._problem(exc, target, attempts=attempts)
                    if problem.kind == "already" and uncertain:
                        # What we asked for holds: most likely our own earlier attempt did it.
                        return ActionResult(
                            target,
                            action,
                            "done",
                            None,
                            attempts,
                            "done (an earlier attempt's answer was lost)",
                        )
                    return self._finish(target, action, problem, attempts)
            except _network_errors() as exc:
                import httpx2

                connect = isinstance(exc, httpx2.ConnectError)
                if attempts > self.retries:
                    kind = "unreachable" if connect and not self._answered else "network"
                    tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}"
                    problem = Problem(kind, f"network error{tries}: {_describe(exc)}")
                    return self._finish(target, action, problem, attempts)
                uncertain = uncertain or not connect  # a connect error never sent the request
            else:
                self._answered = True
                return ActionResult(target, action, "done", None, attempts)
            backoff = min(self.max_wait, self.base_wait * 2 ** (attempts - 1))
            if wait is not None and wait > self.max_server_wait:
                problem = Problem(
                    "rate-limited",
                    f"the Hub asked to wait {wait:.0f} s before retrying, longer than --max-wait "
                    f"{self.max_server_wait:g} s; re-run later or raise --max-wait",
                )
                return self._finish(target, action, problem, attempts)
            if wait is not None:
                if self._on_wait is not None and wait >= 2:
                    self._on_wait(wait, f"the Hub answered {status} and asked for {wait:.0f} s")
                self._sleep(wait)  # the Hub said how long: honour it
            else:
                self._sleep(backoff * (0.5 + random.random() / 2))

    def act_all(
        self,
        action: Action,
        targets: Iterable[Target],
        *,
        reason: str | None = None,
        on_result: Callable[[ActionResult], None] | None = None,
    ) -> list[ActionResult]:
        """Each target in turn: one failing user never stops the others; a repo-wide problem
        (401, 403, not gated, repo not found, Hub unreachable) marks the rest skipped, unsent.
        Accepts and rejects go through the batch endpoint, 100 per call, while the Hub takes it."""
        targets = list(targets)
        results: list[ActionResult] = []
        while action in BATCH_STATUS and len(targets) > 1 and self.batch_supported is not False:
            chunk, targets = targets[:BATCH_SIZE], targets[BATCH_SIZE:]
            if not self._batch(BATCH_STATUS[action], chunk, reason):
                targets = chunk + targets  # refused: these go one by one below
                break
            for target in chunk:
                result = ActionResult(target, action, "done", None, 1, "answered in a batch call")
                results.append(result)
                if on_result is not None:
                    on_result(result)
        for target in targets:
            result = self.act(action, target, reason=reason)
            results.append(result)
            if on_result is not None:
                on_result(result)
        return results

    def _batch(self, status: str, targets: list[Target], reason: str | None) -> bool:
        """One batch call; False when the Hub refuses it (then nothing was done: answer one by one).
        The body shape is uncertain: an object with the shared status first, then a list of handle
        bodies; the shape the Hub took is kept for the next calls."""
        from huggingface_hub.utils import build_hf_headers, get_session

        who = [{"user": t.user} if t.user is not None else {"requestId": t.request_id} for t in targets]
        extra = {"rejectionReason": reason} if reason else {}
        shapes: list[Any] = [
            {"status": status, "requests": who, **extra},
            [{**one, "status": status, **extra} for one in who],
        ]
        url = f"{self.endpoint}/api/{self.repo_type}s/{self.repo_id}/user-access-request/batch"
        headers = build_hf_headers(token=self._token, library_name="hubgate", library_version=__version__)
        for index in range(self._batch_shape, len(shapes)):
            body = shapes[index]
            self.batch_calls += 1
            try:
                response = get_session().post(url, json=body, headers=headers, timeout=30)
            except Exception:  # the request may or may not have arrived: one by one settles it
                self.batch_supported = False
                return False
            self._answered = True
            if response.is_success:
                self.batch_supported, self._batch_shape = True, index
                return True
            if response.status_code not in (400, 422):
                break  # 404/405 (no such endpoint), 401/403 and the rest: answered one by one
        self.batch_supported = False
        return False

    def _finish(self, target: Target, action: str, problem: Problem, attempts: int) -> ActionResult:
        if problem.repo_wide:
            self._stop = problem
        return ActionResult(target, action, "error" if problem.transient else "failed", problem, attempts)

    def _call(self, action: Action, target: Target, reason: str | None) -> Callable[[], Any]:
        common = {"repo_type": self.repo_type, "token": self._token}
        who = {"user": target.user} if target.user is not None else {"request_id": target.request_id}
        api, repo = self.api, self.repo_id
        if action == "accept":
            return lambda: api.accept_access_request(repo, **who, **common)
        if action == "reject":
            return lambda: api.reject_access_request(repo, **who, rejection_reason=reason, **common)
        if action == "cancel":
            return lambda: api.cancel_access_request(repo, **who, **common)
        return lambda: api.grant_access(repo, target.user, **common)

    def _problem(self, exc: Any, target: Target | None, *, attempts: int) -> Problem:
        response = getattr(exc, "response", None)
        status = response.status_code if response is not None else None
        headers = response.headers if response is not None else {}
        message = headers.get("X-Error-Message") or getattr(exc, "server_message", None)
        if not message:
            lines = str(exc).strip().splitlines()
            message = lines[0] if lines else ""
        return classify(
            status,
            message,
            repo=self.repo_label,
            target=target,
            error_code=headers.get("X-Error-Code"),
            token_sent=bool(self._token),
            attempts=attempts,
        )


def _network_errors() -> tuple[type[Exception], ...]:  # imported late: httpx2 is heavy
    import httpx2

    return (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)


def _describe(exc: Exception) -> str:
    detail = " ".join(str(exc).split()) or "no answer"
    return f"{type(exc).__name__}: {detail}"


def _offline() -> Problem:
    return Problem("offline", "HF_HUB_OFFLINE is set: unset it to let hubgate reach the Hub")
