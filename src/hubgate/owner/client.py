"""Access requests on one gated repo, through the one Hub client (`hubgate.hub.service.HubService`).

Listings follow the `Link` header page by page; answers (accept, reject, cancel, grant) are POSTs whose
repeat is harmless (a second accept hears "already"), so the client retries them on 429, 5xx, timeouts
and dropped connections. Every request is paced on the Hub's `RateLimit` headers, counted in the run's
tally and bounded by its `--timeout`, `--deadline`, `--budget` and `--max-wait`, as a check's are.
Every failure comes back as an `OwnerProblem` with one line for people, classified from the HTTP status and
the Hub's message; nothing here prints or exits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from hubgate.hub.answers import HubAnswer
from hubgate.hub.service import HubService
from hubgate.hub.settings import RETRY_STATUSES, RetryPolicy

Action = Literal["accept", "reject", "cancel", "grant"]
ACTIONS: tuple[Action, ...] = ("accept", "reject", "cancel", "grant")
STATUSES = ("pending", "accepted", "rejected", "reset")
PAST = {"accept": "accepted", "reject": "rejected", "cancel": "cancelled", "grant": "granted"}
REQUEST_ID_PREFIX = "id:"
BATCH_SIZE = 100  # the batch answer endpoint takes up to 100 requests per call (docs/hub.md, "Owner side")
BATCH_STATUS = {"accept": "accepted", "reject": "rejected"}
HANDLE_STATUS = {**BATCH_STATUS, "cancel": "pending"}  # cancel: the request goes back to pending
# Requests the Hub client did not send because a bound of the run was reached (its words name the bound).
NOT_SENT = (("deadline", "--deadline"), ("budget", "--budget"), ("rate-limited", "rate limited:"))

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
        "budget",
        "deadline",
    }
)
# Problems that say nothing about the request itself: the Hub or the network failed (exit 3).
TRANSIENT = frozenset(
    {"hub-error", "network", "unreachable", "offline", "rate-limited", "budget", "deadline"}
)


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
class OwnerProblem:
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
    problem: OwnerProblem | None = None
    attempts: int = 0
    note: str | None = None


class OwnerError(Exception):
    """A listing failed; `problem` says why."""

    def __init__(self, problem: OwnerProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def exit_code_for_actions(results: Iterable[ActionResult]) -> int:
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
) -> OwnerProblem:
    """Pure: one HTTP answer of the owner endpoints to an OwnerProblem (docs/hub.md, "Owner side")."""
    text = " ".join((server_message or "").split())
    low = text.lower()
    who = target.label if target is not None else "the user"
    if status == 401:
        if token_sent:
            return OwnerProblem(
                "not-authenticated",
                "not authenticated (401): the Hub rejected the token (invalid or revoked)",
                status,
                text,
            )
        return OwnerProblem(
            "not-authenticated",
            "not authenticated (401): no token was sent; pass --token or set HF_TOKEN to a write token "
            "of an account that may manage the repo",
            status,
            text,
        )
    if status == 403:
        return OwnerProblem(
            "forbidden",
            f"no write permission on {repo} (403): answering access requests needs a write token "
            "(or a fine-grained token with write access) of an account with write role on the repo",
            status,
            text,
        )
    if status == 400:
        if "not gated" in low:
            return OwnerProblem(
                "not-gated",
                f"{repo} is not gated (400): it takes no access requests; turn the gate on in its settings",
                status,
                text,
            )
        if "already" in low:
            return OwnerProblem("already", f"{who} already has access to {repo} (400)", status, text)
        return OwnerProblem(
            "bad-request", f"the Hub refused the request (400): {text or 'no message'}", status, text
        )
    if status == 404:
        if error_code == "RepoNotFound" or "repository not found" in low:
            return OwnerProblem(
                "repo-not-found",
                f"{repo} not found (404), or it is private and this token cannot see it",
                status,
                text,
            )
        if "already" in low:  # the real Hub: "the user access request is already in the ... list"
            return OwnerProblem("already", f"{who}: {text} (404)", status, text)
        if "user" in low and "not found" in low and "request" not in low:
            return OwnerProblem(
                "unknown-user", f"unknown user {who} (404): no such account on the Hub", status, text
            )
        if target is not None and target.request_id is not None:
            return OwnerProblem("not-found", f"access request {who} not found on {repo} (404)", status, text)
        return OwnerProblem("not-found", f"no access request from {who} on {repo} (404)", status, text)
    if status is not None and (status == 429 or status >= 500 or status == 408):
        tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}"
        return OwnerProblem(
            "hub-error", f"the Hub answered {status}{tries}: {text or 'no message'}", status, text
        )
    return OwnerProblem("bad-request", f"the Hub answered {status}: {text or 'no message'}", status, text)


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


class OwnerClient:
    """One repo's access requests, asked through `hub` (the run's one Hub client: its token, pacer,
    deadline, budget, retries and request tally)."""

    def __init__(self, hub: HubService, repo_id: str, *, repo_type: str = "model") -> None:
        self.hub = hub
        self.repo_id = repo_id
        self.repo_type = repo_type
        self._stop: OwnerProblem | None = None  # a repo-wide problem: the rest are skipped
        self.batch_supported: bool | None = None  # None: not tried yet; False: refused, answer one by one
        self._batch_shape = 0  # which body shape the Hub took (index into the shapes tried)

    @classmethod
    def open(
        cls,
        repo_id: str,
        *,
        token: str | None,
        endpoint: str,
        repo_type: str = "model",
        policy: RetryPolicy | None = None,
    ) -> OwnerClient:
        """A client with a Hub client of its own. `token=None` sends no token (never the machine's stored one)."""
        return cls(HubService(endpoint, token, policy=policy), repo_id, repo_type=repo_type)

    @property
    def repo_label(self) -> str:
        return f"{self.repo_type} {self.repo_id}"

    @property
    def where(self) -> dict[str, str]:
        """The repo as the renderers take it."""
        return {"repo_id": self.repo_id, "repo_type": self.repo_type}

    def _path(self, tail: str) -> str:
        return f"/api/{self.repo_type}s/{self.repo_id}/user-access-request/{tail}"

    # -- reading ---------------------------------------------------------------------------------------

    def list_requests(self, status: str) -> list[AccessRequestInfo]:
        """Every request with this status, all pages (`Link: rel="next"`). Raises OwnerError."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        # The raw JSON: huggingface_hub's `list_*_access_requests` drop `reviewedAt` and know no "reset".
        items, error = self.hub.list_all(self._path(status), None)
        if error is not None:
            retried = error.status in RETRY_STATUSES
            raise OwnerError(self._problem(error, None, self.hub.policy.retries + 1 if retried else 1))
        try:
            return [self._info(item, status) for item in items]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise OwnerError(
                OwnerProblem("hub-error", f"the Hub sent a listing that could not be read: {_describe(exc)}")
            ) from None

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
        """One answer, retried by the Hub client on 429, 5xx, timeouts and dropped connections."""
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
        if action == "grant" and target.user is None:
            raise ValueError("grant needs a user name, not a request id")
        if reason is not None and action != "reject":
            raise ValueError("a reason goes with reject only")
        if self._stop is not None:
            return ActionResult(target, action, "skipped", self._stop, 0, "not sent: " + self._stop.message)
        who: dict[str, Any] = (
            {"user": target.user} if target.user is not None else {"requestId": target.request_id}
        )
        if action == "grant":
            path, body = self._path("grant"), who
        else:
            body = {**who, "status": HANDLE_STATUS[action]}
            if reason is not None:
                body["rejectionReason"] = reason
            path = self._path("handle")
        outer = self.hub.stats.current_tally()
        with self.hub.stats.tally() as sent:
            answer = self.hub.post_repeatable(path, body)
        if outer is not None:  # a caller counting this thread's requests counts these too
            outer.update(sent)
        attempts = sum(sent.values())
        if answer.status is not None and 200 <= answer.status < 300:
            return ActionResult(target, action, "done", None, attempts)
        problem = self._problem(answer, target, attempts)
        if problem.kind == "already" and attempts > 1:
            # What we asked for holds: most likely an earlier attempt did it and its answer was lost.
            return ActionResult(
                target, action, "done", None, attempts, "done (an earlier attempt's answer was lost)"
            )
        return self._finish(target, action, problem, attempts)

    def act_all(
        self,
        action: Action,
        targets: Iterable[Target],
        *,
        reason: str | None = None,
        on_result: Callable[[ActionResult], None] | None = None,
    ) -> list[ActionResult]:
        """Each target in turn: one failing user never stops the others; a repo-wide problem
        (401, 403, not gated, repo not found, Hub unreachable, a bound of the run reached) marks the rest
        skipped, unsent. Accepts and rejects go through the batch endpoint, 100 per call, while the Hub
        takes it."""
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
        bodies; the shape the Hub took is kept for the next calls. Never retried past a 429: a batch
        whose answer was lost is settled one by one."""
        who = [{"user": t.user} if t.user is not None else {"requestId": t.request_id} for t in targets]
        extra = {"rejectionReason": reason} if reason else {}
        shapes: list[Any] = [
            {"status": status, "requests": who, **extra},
            [{**one, "status": status, **extra} for one in who],
        ]
        for index in range(self._batch_shape, len(shapes)):
            answer = self.hub.post(self._path("batch"), shapes[index])
            if answer.status is None:  # the request may or may not have arrived: one by one settles it
                break
            if 200 <= answer.status < 300:
                self.batch_supported, self._batch_shape = True, index
                return True
            if answer.status not in (400, 422):
                break  # 404/405 (no such endpoint), 401/403 and the rest: answered one by one
        self.batch_supported = False
        return False

    def _finish(self, target: Target, action: str, problem: OwnerProblem, attempts: int) -> ActionResult:
        if problem.repo_wide:
            self._stop = problem
        return ActionResult(target, action, "error" if problem.transient else "failed", problem, attempts)

    def _problem(self, answer: HubAnswer, target: Target | None, attempts: int) -> OwnerProblem:
        if answer.status is None:
            return self._no_answer(answer.failure or "no answer")
        return classify(
            answer.status,
            answer.message,
            repo=self.repo_label,
            target=target,
            error_code=answer.error_code,
            token_sent=self.hub.sends_token,
            attempts=attempts,
        )

    def _no_answer(self, failure: str) -> OwnerProblem:
        """No HTTP answer: the Hub client's own words, sorted by what they mean for the rest of the run."""
        if failure.startswith("HF_HUB_OFFLINE"):
            return OwnerProblem("offline", "HF_HUB_OFFLINE is set: unset it to let hubgate reach the Hub")
        if self.hub.unreachable is not None:
            return OwnerProblem("unreachable", f"network error: {self.hub.unreachable}")
        for kind, mark in NOT_SENT:
            if mark in failure:
                return OwnerProblem(kind, failure)
        return OwnerProblem("network", f"network error: {failure}")


def _describe(exc: Exception) -> str:
    detail = " ".join(str(exc).split()) or "no answer"
    return f"{type(exc).__name__}: {detail}"
