"""The loopback Hub: a threaded HTTP/1.1 server on 127.0.0.1 (random port), reached through HF_ENDPOINT.

It answers like the real Hub as docs/hub.md describes it: repo metadata, auth-check, HEAD/GET on
resolve, whoami-v2, the model listing with Link pagination, legacy-id redirects, and the owner-side
access-request API and the user's ask-access. Switches inject latency, 429s with Retry-After (seconds or
an HTTP date), 5xx bursts, slow answers, dropped connections, redirect loops, 200s that are not the
Hub's (an HTML page, `{}`), a Hub that answers whoami and nothing else (`silent_repo_routes`), and a
per-bucket fixed-window rate limit with RateLimit headers, so that the client's reliability and speed
are measured against real wire behaviour. `receiver.py` is a webhook receiver to notify.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

# -- the world ---------------------------------------------------------------------------------------


@dataclass
class Repo:
    id: str
    repo_type: str = "model"
    gated: bool | str = False  # False, "auto", "manual" (True: gated without a mode, an old API shape)
    private: bool = False
    disabled: bool = False
    card_data: dict[str, Any] = field(default_factory=dict)
    safetensors: dict[str, Any] | None = None
    config: dict[str, Any] | None = None
    gguf: dict[str, Any] | None = None  # the `gguf` expand: {"total", "architecture", "context_length"}
    contents: dict[str, bytes] = field(default_factory=dict)  # bytes served (with Range) for these files
    files: dict[str, int] = field(
        default_factory=lambda: {
            "README.md": 120,
            ".gitattributes": 50,
            "config.json": 600,
            "model.safetensors": 10**9,
        }
    )
    legacy_ids: tuple[str, ...] = ()
    sha: str = field(default_factory=lambda: uuid.uuid4().hex + uuid.uuid4().hex[:8])
    hide_requesters: bool = False  # the repo hides requesters' names: only requestId identifies a request
    tags: list[str] = field(default_factory=list)
    revisions: dict[str, str] = field(default_factory=dict)  # branch or tag name -> commit sha

    def commit_of(self, revision: str) -> str | None:
        """The commit a branch, tag or (full or short) sha names; None when the repo has no such revision."""
        if revision == "main" or (self.sha.startswith(revision) and len(revision) >= 7):
            return self.sha
        if revision in self.revisions:
            return self.revisions[revision]
        shas = set(self.revisions.values())
        return next((sha for sha in shas if len(revision) >= 7 and sha.startswith(revision)), None)

    @property
    def namespace(self) -> str:
        return self.id.split("/", 1)[0] if "/" in self.id else ""


@dataclass
class Collection:
    """A collection (`/api/collections/{namespace}/{slug}`): `items` are (type, id), type model, dataset,
    space or paper. `gating`: a gating group: every model and dataset in it shares one gate (one request
    covers them all; approving one approves all); how the answer shows it is `HubSim.gating_shape`."""

    namespace: str
    slug: str
    title: str = ""
    items: list[tuple[str, str]] = field(default_factory=list)
    private: bool = False
    gating: bool = False

    @property
    def name(self) -> str:
        return f"{self.namespace}/{self.slug}"


@dataclass
class Token:
    value: str
    user: str
    role: str = "read"  # "read", "write", "fineGrained"
    can_read_gated: bool = True  # fineGrained only
    can_write: bool = False  # fineGrained only: write on the user's and orgs' repos
    valid: bool = True
    name: str = "test-token"
    orgs: tuple[str, ...] = ()

    @property
    def writes(self) -> bool:
        return self.role == "write" or (self.role == "fineGrained" and self.can_write)


@dataclass
class User:
    name: str
    fullname: str = ""
    email: str | None = None


@dataclass
class AccessRequest:
    user: str
    status: str  # pending, accepted, rejected, reset
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:24])
    timestamp: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds"))
    fields: dict[str, Any] | None = None
    reviewed_at: str | None = None
    rejection_reason: str | None = None


_UNSET: Any = object()


@dataclass
class Fault:
    """Answer requests whose path matches `pattern` badly, `times` times (then normally).

    kinds: "status" (an error status; `headers` replace or add headers, `no_ratelimit` strips the
    RateLimit headers), "drop" (close the connection), "slow" (answer after `delay`), "body" (HTTP 200
    with `body` and `headers`: valid HTTP that is not a Hub), "redirect" (a redirect to `location`, default
    the same path: a loop; `status` 301, 302, 303, 307 or 308, else 302), "trickle" (the real answer, its
    body sent one byte every `delay` seconds), "hang" (accept and never answer, until the Hub stops)."""

    pattern: str
    kind: str
    times: int = 1
    status: int = 503
    retry_after: int | str | Callable[[], str] | None = None  # a callable: computed when answering (a date)
    delay: float = 0.0
    method: str | None = None
    headers: dict[str, str] | None = None
    no_ratelimit: bool = False
    body: Any = _UNSET
    location: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return (
            self.times > 0 and (self.method in (None, method)) and re.search(self.pattern, path) is not None
        )


@dataclass
class Chaos:
    """Seeded random faults on every request (the fault soak): 429s with short and long waits, with and
    without headers, 5xx, answers slower than the client's timeout, dropped connections. `injected`
    records each fault drawn, with the delay it asked for, so tests can bound a run's time by them."""

    seed: int
    p_429: float = 0.02
    p_5xx: float = 0.02
    p_slow: float = 0.01
    p_drop: float = 0.02
    slow_delay: float = 1.5
    long_wait: int = 3
    injected: list[tuple[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        import random

        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    def draw(self) -> Fault | None:
        with self._lock:
            roll = self._random.random()
            variant = self._random.random()
            fault: Fault | None = None
            if roll < self.p_429:
                wait = 1 if variant < 0.5 else self.long_wait
                if variant < 0.25:  # RateLimit and Retry-After agree
                    fault = Fault(
                        "",
                        "status",
                        status=429,
                        retry_after=wait,
                        headers={"RateLimit": f'"api";r=0;t={wait}'},
                    )
                elif variant < 0.5:  # only a RateLimit reset
                    fault = Fault("", "status", status=429, headers={"RateLimit": f'"api";r=0;t={wait}'})
                elif variant < 0.75:  # another limiter: only Retry-After
                    fault = Fault("", "status", status=429, retry_after=wait, no_ratelimit=True)
                else:  # no header at all: the client's own backoff
                    fault, wait = Fault("", "status", status=429, no_ratelimit=True), 1
                self.injected.append(("429", float(wait)))
            elif roll < self.p_429 + self.p_5xx:
                fault = Fault("", "status", status=self._random.choice([500, 502, 503, 504]))
                self.injected.append(("5xx", 0.0))
            elif roll < self.p_429 + self.p_5xx + self.p_slow:
                fault = Fault("", "slow", delay=self.slow_delay)
                self.injected.append(("slow", self.slow_delay))
            elif roll < self.p_429 + self.p_5xx + self.p_slow + self.p_drop:
                fault = Fault("", "drop")
                self.injected.append(("drop", 0.0))
            return fault


@dataclass
class OrgPolicy:
    """An organization's token rules (docs/hub.md, "Tokens"): fine-grained tokens scoped to it need an
    admin's approval (`approvals`: token value -> "approved" | "pending" | "denied"), and/or it refuses
    read/write tokens (`fine_grained_only`). `message` is the 403's text (the real wording is uncertain)."""

    name: str
    require_approval: bool = False
    approvals: dict[str, str] = field(default_factory=dict)
    fine_grained_only: bool = False
    message: str | None = None


ORG_APPROVAL_MESSAGES = (
    "This fine-grained token has not been approved by the organization's administrators.",
    "Your token is pending approval by an admin of the {org} organization.",
    "Access denied: the {org} organization's token policy does not allow this token.",
    "",  # a bare 403
)
ORG_FINE_GRAINED_MESSAGES = (
    "The {org} organization only accepts fine-grained tokens.",
    "Access denied by the organization's token policy.",
    "",
)


@dataclass
class Logged:
    method: str
    path: str
    query: str
    bucket: str
    authorized: bool
    status: int | None  # None: dropped
    at: float = field(default_factory=time.monotonic)  # when it arrived


GATED_LOGIN = "Access to {kind} {id} is restricted. You must have access to it and be authenticated to access it. Please log in."
GATED_NOT_LISTED = "Access to {kind} {id} is restricted and you are not in the authorized list. Visit {endpoint}/{page} to ask for access."
GATED_PENDING = "Your request to access {kind} {id} is awaiting a review from the repo authors."
GATED_REJECTED = "Your request to access this repo has been rejected by the repo's authors."
GATED_RESET = (
    "Your request to access {kind} {id} has been reset by the repo's authors. Please submit a new request."
)
TOKEN_SCOPE = "Please enable access to public gated repositories in your fine-grained token settings to view this repository."
DISABLED = "Access to this resource is disabled."
BAD_LOGIN = "Invalid username or password."
INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
NOT_FOUND = "Repository not found"
REVISION_NOT_FOUND = "Invalid rev id: {rev}"


class HubSim:
    """The loopback Hub. Use as a context manager; `url` is its HF_ENDPOINT."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        invalid_token_mode: str = "reject",  # or "anonymous": serve invalid tokens as if none was sent
        rejected_message: str = GATED_REJECTED,
        reset_message: str = GATED_RESET,
        disabled_status: int = 403,
        page_size: int = 2,
    ) -> None:
        self.latency = latency
        self.invalid_token_mode = invalid_token_mode
        self.rejected_message = rejected_message
        self.reset_message = reset_message
        self.disabled_status = disabled_status
        self.page_size = page_size
        # ask-access (docs/hub.md "Asking for access", uncertain): how a missing field and an existing request answer
        self.missing_field_status = 400  # or 422
        self.existing_request_status = 409  # or 400
        # the body of a successful ask-access: "json" ({"status": "accepted" | "pending"}), "empty" or "ok"
        self.ask_access_answer = "json"
        self.batch_supported = True  # False: the batch answer endpoint answers 404 (fall back to handle)
        self.batch_shape = "object"  # the body the batch endpoint takes: "object" or "list"
        self.batch_calls = 0
        # Answer whoami (and huggingface_hub's registry) but accept every other request and never answer it.
        self.silent_repo_routes = False
        self.repos: dict[tuple[str, str], Repo] = {}
        self.collections: dict[str, Collection] = {}
        # How a gating group shows (docs/hub.md "Collections and gating groups", uncertain): "hidden" (not at
        # all), "collection-gating" / "collection-gatingGroup" (a field in the collection's answer),
        # "repo-gatingGroup" (a field naming the collection in each member's metadata), "odd" (a field
        # of an unknown shape: no evidence).
        self.gating_shape = "collection-gating"
        self.legacy: dict[tuple[str, str], str] = {}
        self.tokens: dict[str, Token] = {}
        self.users: dict[str, User] = {}
        self.requests: dict[tuple[str, str], dict[str, AccessRequest]] = {}
        self.faults: list[Fault] = []
        self.orgs: dict[str, OrgPolicy] = {}
        self.chaos: Chaos | None = None
        self.stopping = threading.Event()
        self.quotas: dict[str, tuple[int, float]] = {}  # bucket -> (quota, window seconds)
        self.anonymous_quotas: dict[str, int] = {}  # bucket -> quota per IP for anonymous callers
        # bucket -> the one RateLimit value every answer announces (`set_static_ratelimit`)
        self.static_ratelimits: dict[str, str] = {}
        # (caller, bucket) -> (window start, used): users are counted per account, anonymous callers per IP
        self._window: dict[tuple[str, str], tuple[float, int]] = {}
        self.log: list[Logged] = []
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- building the world --------------------------------------------------------------------------

    def add_repo(self, repo: Repo) -> Repo:
        with self.lock:
            self.repos[(repo.repo_type, repo.id)] = repo
            for legacy in repo.legacy_ids:
                self.legacy[(repo.repo_type, legacy)] = repo.id
        return repo

    def add_collection(self, collection: Collection) -> Collection:
        with self.lock:
            self.collections[collection.name] = collection
        return collection

    def gating_group(self, repo_type: str, repo_id: str) -> Collection | None:
        """The gating-group collection a repo belongs to (at most one), or None."""
        with self.lock:
            return next(
                (c for c in self.collections.values() if c.gating and (repo_type, repo_id) in c.items), None
            )

    def request_key(self, repo_type: str, repo_id: str) -> tuple[str, str]:
        """Where a user's access request on a repo is kept: the repo's own, or its gating group's (shared)."""
        group = self.gating_group(repo_type, repo_id)
        return ("gating-group", group.name) if group is not None else (repo_type, repo_id)

    def add_token(self, token: Token) -> Token:
        with self.lock:
            self.tokens[token.value] = token
            self.users.setdefault(
                token.user, User(token.user, token.user.title(), f"{token.user}@example.com")
            )
        return token

    def add_user(self, user: User) -> User:
        with self.lock:
            self.users[user.name] = user
        return user

    def set_access(
        self, user: str, repo_id: str, status: str, *, repo_type: str = "model", **extra: Any
    ) -> None:
        """The user's request on a gated repo: pending, accepted, rejected or reset."""
        with self.lock:
            self.users.setdefault(user, User(user, user.title(), f"{user}@example.com"))
            key = self.request_key(repo_type, repo_id)
            self.requests.setdefault(key, {})[user] = AccessRequest(user, status, **extra)

    def inject(self, pattern: str, kind: str = "status", **options: Any) -> Fault:
        fault = Fault(pattern, kind, **options)
        with self.lock:
            self.faults.append(fault)
        return fault

    def add_org(self, org: OrgPolicy) -> OrgPolicy:
        with self.lock:
            self.orgs[org.name] = org
        return org

    def set_quota(
        self, bucket: str, quota: int, window: float = 300.0, *, anonymous: int | None = None
    ) -> None:
        """Requests per window in `bucket` for each account; `anonymous`: the quota of callers without a
        token (per IP, docs/hub.md "Rate limits"), else the same."""
        with self.lock:
            self.quotas[bucket] = (quota, window)
            if anonymous is not None:
                self.anonymous_quotas[bucket] = anonymous
            for key in [key for key in self._window if key[1] == bucket]:
                del self._window[key]

    def set_static_ratelimit(self, bucket: str, remaining: int, reset: int) -> None:
        """Every answer in `bucket` announces `"bucket";r=remaining;t=reset`, whatever was counted: a proxy,
        cache or limiter in front of the Hub that replays one header (docs/hub.md "Rate limits",
        uncertain). The bucket's quota (`set_quota`) is still enforced, with the real Retry-After."""
        with self.lock:
            self.static_ratelimits[bucket] = f'"{bucket}";r={remaining};t={reset}'

    # -- observing -----------------------------------------------------------------------------------

    def count(self, bucket: str | None = None, *, path: str | None = None, status: int | None = None) -> int:
        with self.lock:
            return sum(
                1
                for entry in self.log
                if (bucket is None or entry.bucket == bucket)
                and (path is None or re.search(path, entry.path))
                and (status is None or entry.status == status)
            )

    def statuses(self) -> Counter[int | None]:
        with self.lock:
            return Counter(entry.status for entry in self.log)

    def reset_log(self) -> None:
        with self.lock:
            self.log.clear()

    # -- lifecycle -----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "HubSim not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> HubSim:
        handler = type("Handler", (_Handler,), {"hub": self})
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="hubsim", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> HubSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- decisions (called by the handler) -----------------------------------------------------------

    def caller(self, authorization: str | None) -> tuple[Token | None, bool]:
        """(token, rejected): rejected when a token was sent that the Hub does not accept."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return None, False
        token = self.tokens.get(authorization.split(" ", 1)[1].strip())
        if token is None or not token.valid:
            return None, True
        return token, False

    def org_refusal(self, token: Token | None, repo: Repo) -> str | None:
        """The 403 text when an organization's token policy refuses this token on its repos."""
        policy = self.orgs.get(repo.namespace)
        if policy is None or token is None:
            return None
        words = (policy.message or "").format(org=policy.name)
        if policy.fine_grained_only and token.role in ("read", "write"):
            return words
        unapproved = policy.approvals.get(token.value, "pending") != "approved"
        if policy.require_approval and token.role == "fineGrained" and unapproved:
            return words
        return None

    def member(self, token: Token | None, repo: Repo) -> bool:
        return token is not None and (repo.namespace == token.user or repo.namespace in token.orgs)

    def ratelimit(self, bucket: str, caller: str | None = None) -> tuple[bool, dict[str, str]]:
        """(allowed, headers) for one more request in `bucket`'s fixed window of `caller` (an account; None:
        anonymous)."""
        with self.lock:
            quota, window = self.quotas.get(bucket, (1_000_000, 300.0))
            if caller is None:
                quota = self.anonymous_quotas.get(bucket, quota)
            now = time.monotonic()
            key = (caller or "", bucket)
            start, used = self._window.get(key, (now, 0))
            if now - start >= window:
                start, used = now, 0
            allowed = used < quota
            if allowed:
                used += 1
            self._window[key] = (start, used)
            reset = max(0, math.ceil(start + window - now))
            headers = {
                "RateLimit": f'"{bucket}";r={max(0, quota - used)};t={reset}',
                "RateLimit-Policy": f'"fixed window";"{bucket}";q={quota};w={int(window)}',
            }
            if bucket in self.static_ratelimits:
                headers["RateLimit"] = self.static_ratelimits[bucket]
            if not allowed:
                headers["Retry-After"] = str(max(1, reset))
            return allowed, headers

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None


# -- the HTTP side --------------------------------------------------------------------------------------


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # dropped connections (a fault we inject) are expected here


class _Answer(Exception):
    def __init__(
        self, status: int, message: str = "", code: str | None = None, headers: dict[str, str] | None = None
    ):
        super().__init__(message)
        self.status, self.message, self.code, self.headers = status, message, code, headers or {}


_ALWAYS_ANSWERED = ("/api/whoami-v2", "/api/agent-harnesses")  # answered even with `silent_repo_routes`
_API_SUFFIXES = {"auth-check", "user-access-request", "ask-access", "revision", "tree", "paths-info"}


class _Handler(BaseHTTPRequestHandler):
    hub: HubSim
    protocol_version = "HTTP/1.1"
    server_version = "hubsim/1"
    # Headers and body leave in two writes: with Nagle on, delayed ACKs add ~40 ms to every answer.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # silence the default stderr log
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    # -- plumbing --

    def _dispatch(self, method: str) -> None:
        hub = self.hub
        self._trickle = 0.0
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        bucket = "resolvers" if "/resolve/" in path else "api"
        token, rejected = hub.caller(self.headers.get("Authorization"))
        entry = Logged(method, path, parts.query, bucket, self.headers.get("Authorization") is not None, None)
        with hub.lock:
            hub.log.append(entry)
        body = self._read_body()
        if hub.latency:
            time.sleep(hub.latency)
        fault = hub.take_fault(method, path)
        if fault is None and hub.chaos is not None:
            fault = hub.chaos.draw()
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        silent = hub.silent_repo_routes and path not in _ALWAYS_ANSWERED
        if silent or (fault is not None and fault.kind == "hang"):
            hub.stopping.wait(60)  # accepted, never answered (bounded, so a test can never hang forever)
            self.close_connection = True
            return
        allowed, rate_headers = hub.ratelimit(bucket, token.user if token is not None else None)
        if fault is not None and fault.no_ratelimit:
            rate_headers = {}
        if fault is not None and fault.kind == "body":
            entry.status = 200
            self._send(method, 200, None if fault.body is _UNSET else fault.body, dict(fault.headers or {}))
            return
        if fault is not None and fault.kind == "redirect":
            status = fault.status if fault.status in (301, 302, 303, 307, 308) else 302
            entry.status = status
            location = fault.location or self.path
            self._send(method, status, None, {**rate_headers, "Location": location})
            return
        self._trickle = fault.delay if fault is not None and fault.kind == "trickle" else 0.0
        try:
            if fault is not None and fault.kind == "status":
                retry_after = fault.retry_after() if callable(fault.retry_after) else fault.retry_after
                extra = {"Retry-After": str(retry_after)} if retry_after is not None else {}
                extra |= fault.headers or {}
                if fault.status == 429:
                    raise _Answer(429, "You have exceeded our rate limit.", None, extra)
                raise _Answer(
                    fault.status,
                    "Internal Error - We're working hard to fix this as soon as possible!",
                    None,
                    extra,
                )
            if not allowed:
                raise _Answer(429, "You have exceeded our rate limit. Please retry later.", None)
            status, payload, headers = self._route(method, path, query, token, rejected, body)
        except _Answer as answer:
            entry.status = answer.status
            self._send_error(method, path, answer, rate_headers)
            return
        entry.status = status
        self._send(method, status, payload, {**rate_headers, **headers})

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return None
        raw = self.rfile.read(length)
        try:
            return json.loads(raw)
        except ValueError:
            return raw

    def _send(self, method: str, status: int, payload: Any, headers: dict[str, str]) -> None:
        if isinstance(payload, bytes):
            data, ctype = payload, "application/octet-stream"
        elif isinstance(payload, str):
            data, ctype = payload.encode(), "text/plain; charset=utf-8"
        elif payload is None:
            data, ctype = b"", "text/plain; charset=utf-8"
        else:
            data, ctype = json.dumps(payload).encode(), "application/json; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", headers.pop("Content-Type", ctype))
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            if isinstance(value, list | tuple):  # a header sent several times
                for item in value:
                    self.send_header(key, item)
            else:
                self.send_header(key, value)
        self.end_headers()
        if method != "HEAD" and data:
            delay = getattr(self, "_trickle", 0.0)
            if not delay:
                self.wfile.write(data)
                return
            for index in range(len(data)):  # a byte at a time: each read succeeds, the whole never ends
                if self.hub.stopping.wait(delay):
                    return
                try:
                    self.wfile.write(data[index : index + 1])
                    self.wfile.flush()
                except OSError:
                    return

    def _send_error(self, method: str, path: str, answer: _Answer, rate_headers: dict[str, str]) -> None:
        headers = {**rate_headers, **answer.headers}
        if answer.code:
            headers["X-Error-Code"] = answer.code
        if answer.message:
            headers["X-Error-Message"] = answer.message
        if answer.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="Authentication required", charset="UTF-8"'
        if path.startswith("/api/"):
            payload: Any = {"error": answer.message}
        else:
            payload = answer.message  # resolve answers in text/plain
        self._send(method, answer.status, payload, headers)

    # -- routes --

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        token: Token | None,
        rejected: bool,
        body: Any,
    ) -> tuple[int, Any, dict[str, str]]:
        hub = self.hub
        if path == "/api/whoami-v2":
            return self._whoami(token, rejected)
        if path == "/api/agent-harnesses":  # huggingface_hub's user-agent registry, cached a day in HF_HOME
            return 200, {"standardEnvVars": ["AI_AGENT", "AGENT"], "harnesses": {}}, {}
        if rejected and hub.invalid_token_mode == "reject":
            raise _Answer(401, INVALID_CREDENTIALS)
        segments = [s for s in path.split("/") if s]
        if segments[:2] == ["api", "collections"] and len(segments) == 4 and method == "GET":
            return self._collection(f"{unquote(segments[2])}/{unquote(segments[3])}", token)
        if segments[:1] == ["api"] and len(segments) == 2 and segments[1] in ("models", "datasets"):
            return self._listing(segments[1][:-1], query, token)
        if segments[:1] == ["api"] and len(segments) >= 3 and segments[1] in ("models", "datasets"):
            repo_type = segments[1][:-1]
            rest = segments[2:]
            if len(rest) >= 2 and rest[1] not in _API_SUFFIXES:
                repo_id, tail = f"{rest[0]}/{rest[1]}", rest[2:]
            else:
                repo_id, tail = rest[0], rest[1:]
            repo = self._find(repo_type, repo_id, path, token)
            refusal = hub.org_refusal(token, repo)
            if refusal is not None:
                raise _Answer(403, refusal)
            if not tail:
                return self._metadata(repo, token, query)
            if tail[0] == "revision" and len(tail) == 2:
                return self._metadata(repo, token, query, revision=unquote(tail[1]))
            if tail == ["auth-check"]:
                self._file_gate(repo, token)
                return 200, "OK", {}
            if tail[0] == "tree":
                return self._tree(repo)
            if tail == ["ask-access"] and method == "POST":
                return self._ask_access(repo, token, body)
            if tail[0] == "user-access-request":
                return self._owner(method, repo, token, tail[1:], query, body)
            raise _Answer(404, f"Cannot {method} {path}")
        if "resolve" in segments:
            index = segments.index("resolve")
            repo_type = "dataset" if segments[0] == "datasets" else "model"
            head = segments[1:index] if repo_type == "dataset" else segments[:index]
            if not 1 <= len(head) <= 2 or len(segments) < index + 3:
                raise _Answer(404, "Not found")
            repo = self._find(repo_type, "/".join(head), path, token)
            refusal = hub.org_refusal(token, repo)
            if refusal is not None:
                raise _Answer(403, refusal)
            filename = "/".join(segments[index + 2 :])
            return self._resolve(repo, token, filename, unquote(segments[index + 1]))
        raise _Answer(404, f"Cannot {method} {path}")

    def _collection(self, name: str, token: Token | None) -> tuple[int, Any, dict[str, str]]:
        hub = self.hub
        with hub.lock:
            collection = hub.collections.get(name)
        if collection is None or (
            collection.private and (token is None or collection.namespace not in (token.user, *token.orgs))
        ):
            if token is None and collection is not None:
                raise _Answer(401, BAD_LOGIN)
            raise _Answer(404, "Collection not found")
        owner = collection.namespace
        data: dict[str, Any] = {
            "slug": collection.name,
            "title": collection.title,
            "owner": {"name": owner, "type": "org"},
            "private": collection.private,
            "items": [
                {"_id": uuid.uuid5(uuid.NAMESPACE_URL, kind + item).hex[:24], "type": kind, "id": item}
                for kind, item in collection.items
            ],
        }
        if collection.gating and hub.gating_shape == "collection-gating":
            data["gating"] = {"mode": "manual"}
        elif collection.gating and hub.gating_shape == "collection-gatingGroup":
            data["gatingGroup"] = True
        elif collection.gating and hub.gating_shape == "odd":
            data["gating"] = "maybe"
        return 200, data, {}

    def _find(self, repo_type: str, repo_id: str, path: str, token: Token | None) -> Repo:
        hub = self.hub
        with hub.lock:
            canonical = hub.legacy.get((repo_type, repo_id))
            repo = hub.repos.get((repo_type, canonical or repo_id))
        if canonical is not None:
            target = path.replace(f"/{repo_id}", f"/{canonical}", 1)
            query = urlsplit(self.path).query
            raise _Answer(307, "", None, {"Location": target + (f"?{query}" if query else "")})
        if repo is None or (repo.private and not hub.member(token, repo)):
            if token is None:
                raise _Answer(401, BAD_LOGIN)
            raise _Answer(404, NOT_FOUND, "RepoNotFound")
        return repo

    def _kind_and_page(self, repo: Repo) -> tuple[str, str]:
        return repo.repo_type, ("datasets/" if repo.repo_type == "dataset" else "") + repo.id

    def _file_gate(self, repo: Repo, token: Token | None) -> None:
        """The gate on files (auth-check and resolve), docs/hub.md "Gate answers"."""
        hub = self.hub
        if repo.disabled:
            raise _Answer(hub.disabled_status, DISABLED)
        if not repo.gated or hub.member(token, repo):
            return
        kind, page = self._kind_and_page(repo)
        words = {"kind": kind, "id": repo.id, "endpoint": hub.url, "page": page}
        if token is None:
            raise _Answer(401, GATED_LOGIN.format(**words), "GatedRepo")
        if token.role == "fineGrained" and not token.can_read_gated:
            raise _Answer(403, TOKEN_SCOPE)  # no X-Error-Code: huggingface_hub raises a plain HfHubHTTPError
        with hub.lock:
            request = hub.requests.get(hub.request_key(repo.repo_type, repo.id), {}).get(token.user)
        state = request.status if request else None
        if state == "accepted":
            return
        if state == "pending":
            raise _Answer(403, GATED_PENDING.format(**words), "GatedRepo")
        if state == "rejected":
            raise _Answer(403, hub.rejected_message.format(**words), "GatedRepo")
        if state == "reset":
            raise _Answer(403, hub.reset_message.format(**words), "GatedRepo")
        raise _Answer(403, GATED_NOT_LISTED.format(**words), "GatedRepo")

    def _whoami(self, token: Token | None, rejected: bool) -> tuple[int, Any, dict[str, str]]:
        if token is None:
            raise _Answer(401, INVALID_CREDENTIALS if rejected else "Invalid username or password.")
        access: dict[str, Any] = {"displayName": token.name, "role": token.role}
        if token.role == "fineGrained":
            access["fineGrained"] = {
                "canReadGatedRepos": token.can_read_gated,
                "global": ["discussion.write", "post.write"],
                "scoped": [
                    {"entity": {"_id": org, "type": "org", "name": org}, "permissions": ["repo.content.read"]}
                    for org in token.orgs
                ],
            }
        return (
            200,
            {
                "type": "user",
                "name": token.user,
                "fullname": token.user.title(),
                "orgs": [{"name": org, "type": "org"} for org in token.orgs],
                "auth": {"type": "access_token", "accessToken": access},
            },
            {},
        )

    def _metadata(
        self, repo: Repo, token: Token | None, query: dict[str, list[str]], revision: str | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        if repo.disabled:
            raise _Answer(self.hub.disabled_status, DISABLED)
        sha = repo.sha if revision is None else repo.commit_of(revision)
        if sha is None:
            raise _Answer(404, REVISION_NOT_FOUND.format(rev=revision), "RevisionNotFound")
        blobs = (query.get("blobs") or [""])[0].lower() == "true"
        data: dict[str, Any] = {
            "_id": repo.sha[:24],
            "id": repo.id,
            "author": repo.namespace or None,
            "sha": sha,
            "private": repo.private,
            "gated": repo.gated,
            "disabled": False,
            "cardData": repo.card_data,
            # sizes only with blobs=true, as huggingface_hub's files_metadata asks for them
            "siblings": [
                {"rfilename": name, **({"size": size} if blobs else {})} for name, size in repo.files.items()
            ],
            "tags": list(repo.tags),
            "lastModified": "2026-01-01T00:00:00.000Z",
        }
        if repo.repo_type == "model":
            data["modelId"] = repo.id
            if repo.safetensors is not None:
                data["safetensors"] = repo.safetensors
            if repo.config is not None:
                data["config"] = repo.config
            if repo.gguf is not None:
                data["gguf"] = repo.gguf
        group = self.hub.gating_group(repo.repo_type, repo.id)
        if group is not None and self.hub.gating_shape == "repo-gatingGroup":
            data["gatingGroup"] = {"slug": group.name}
        expand = query.get("expand[]") or query.get("expand")
        if expand:
            keep = {"_id", "id", "gatingGroup", *expand}
            data = {key: value for key, value in data.items() if key in keep}
        return 200, data, {}

    def _tree(self, repo: Repo) -> tuple[int, Any, dict[str, str]]:
        """`GET /api/models/{id}/tree/{rev}`: the files with their sizes (LFS files carry an `lfs` object)."""
        entries = []
        for name, size in repo.files.items():
            oid = uuid.uuid5(uuid.NAMESPACE_URL, repo.id + name).hex
            entry: dict[str, Any] = {"type": "file", "oid": oid[:40], "size": size, "path": name}
            if size > 10 * 2**20 or name.endswith((".safetensors", ".gguf", ".bin")):
                entry["lfs"] = {"oid": oid + oid[:24], "size": size, "pointerSize": 134}
            entries.append(entry)
        return 200, entries, {}

    def _resolve(
        self, repo: Repo, token: Token | None, filename: str, revision: str = "main"
    ) -> tuple[int, Any, dict[str, str]]:
        if filename not in ("README.md", ".gitattributes") or repo.disabled or repo.private:
            self._file_gate(repo, token)
        if repo.commit_of(revision) is None:
            raise _Answer(404, REVISION_NOT_FOUND.format(rev=revision), "RevisionNotFound")
        if filename not in repo.files:
            commit = repo.commit_of(revision) or repo.sha
            raise _Answer(404, "Entry not found", "EntryNotFound", {"X-Repo-Commit": commit})
        if filename in repo.contents:
            data = repo.contents[filename]
            asked = re.match(r"bytes=(\d+)-(\d*)$", self.headers.get("Range") or "")
            if asked is None:
                return 200, data, {}
            start = int(asked.group(1))
            end = min(int(asked.group(2) or len(data) - 1), len(data) - 1)
            part = data[start : end + 1]
            return 206, part, {"Content-Range": f"bytes {start}-{end}/{len(data)}"}
        size = repo.files[filename]
        headers = {
            "ETag": f'"{uuid.uuid5(uuid.NAMESPACE_URL, repo.id + filename).hex}"',
            "X-Repo-Commit": repo.commit_of(revision) or repo.sha,
        }
        if filename.endswith((".safetensors", ".bin")):
            # LFS files are served from a CDN through a signed redirect (another host).
            headers |= {
                "Location": f"https://cdn-lfs.hubsim.invalid/{repo.id}/{quote(filename)}?sig=x",
                "X-Linked-Size": str(size),
                "X-Linked-Etag": headers["ETag"],
            }
            return 302, None, headers
        headers["Content-Length"] = str(size) if self.command == "HEAD" else str(len(b"x" * min(size, 64)))
        return 200, b"x" * min(size, 64), headers

    def _listing(
        self, repo_type: str, query: dict[str, list[str]], token: Token | None
    ) -> tuple[int, Any, dict[str, str]]:
        """`GET /api/{models,datasets}`: public repos and the private ones the caller may see. With
        `expand[]`, each item carries the fields asked for, as the repo's own metadata would."""
        hub = self.hub
        author = next(iter(query.get("author") or []), None)
        search = ((query.get("search") or [""])[0]).lower()
        limit = int(next(iter(query.get("limit") or []), hub.page_size))
        page_size = min(limit, hub.page_size)
        cursor = int((query.get("cursor") or ["0"])[0])
        with hub.lock:
            items = sorted(
                (
                    repo
                    for (kind, _), repo in hub.repos.items()
                    if kind == repo_type
                    and (not repo.private or hub.member(token, repo))
                    and (author is None or repo.namespace == author)
                    and search in repo.id.lower()
                ),
                key=lambda r: r.id,
            )
        page = items[cursor : cursor + page_size]
        expand = query.get("expand[]") or query.get("expand")
        payload = []
        for r in page:
            if expand and not r.disabled:
                payload.append(self._metadata(r, token, {"expand[]": expand})[1])
            elif expand:
                payload.append({"_id": r.sha[:24], "id": r.id, "disabled": True})
            else:
                payload.append(
                    {
                        "_id": r.sha[:24],
                        "id": r.id,
                        "gated": r.gated,
                        "private": r.private,
                        "disabled": r.disabled,
                    }
                )
        headers: dict[str, str] = {}
        if cursor + page_size < len(items) and len(page) < limit:
            params = [(key, value) for key, values in query.items() if key != "cursor" for value in values]
            params.append(("cursor", str(cursor + page_size)))
            headers["Link"] = f'<{hub.url}/api/{repo_type}s?{urlencode(params)}>; rel="next"'
        return 200, payload, headers

    # -- owner side (docs/hub.md "Owner side") --

    def _owner(
        self,
        method: str,
        repo: Repo,
        token: Token | None,
        tail: list[str],
        query: dict[str, list[str]],
        body: Any,
    ) -> tuple[int, Any, dict[str, str]]:
        hub = self.hub
        if token is None:
            raise _Answer(401, "You must be authenticated to manage access requests.")
        if not (hub.member(token, repo) and token.writes):
            raise _Answer(403, f"You don't have write permission on {repo.repo_type} {repo.id}.")
        if not repo.gated:
            raise _Answer(400, f"{repo.repo_type.title()} {repo.id} is not gated.")
        key = hub.request_key(repo.repo_type, repo.id)
        if method == "GET" and len(tail) == 1 and tail[0] in ("pending", "accepted", "rejected", "reset"):
            with hub.lock:
                found = [r for r in hub.requests.get(key, {}).values() if r.status == tail[0]]
            found.sort(key=lambda r: r.timestamp)
            cursor = int((query.get("cursor") or ["0"])[0])
            page = found[cursor : cursor + hub.page_size]
            headers: dict[str, str] = {}
            if cursor + hub.page_size < len(found):
                headers["Link"] = (
                    f'<{hub.url}{urlsplit(self.path).path}?cursor={cursor + hub.page_size}>; rel="next"'
                )
            return 200, [self._request_json(repo, r) for r in page], headers
        if method == "POST" and tail == ["handle"]:
            if not isinstance(body, dict) or body.get("status") not in ("accepted", "rejected", "pending"):
                raise _Answer(400, "Invalid body: expected {user | requestId, status}.")
            reason = body.get("rejectionReason")
            if reason is not None and len(reason) > 200:
                raise _Answer(400, "Rejection reason must be at most 200 characters.")
            with hub.lock:
                requests = hub.requests.get(key, {})
                if "requestId" in body:
                    match = next((r for r in requests.values() if r.request_id == body["requestId"]), None)
                    if match is None:
                        raise _Answer(404, f"Access request {body['requestId']} not found.")
                else:
                    if body.get("user") not in hub.users:
                        raise _Answer(404, f"User {body.get('user')} not found.")
                    match = requests.get(body["user"])
                    if match is None:
                        raise _Answer(404, f"No access request from {body['user']} on this repo.")
                match.status = body["status"]
                match.reviewed_at = datetime.now(UTC).isoformat(timespec="milliseconds")
                match.rejection_reason = reason
            return 200, {"status": "ok"}, {}
        if method == "POST" and tail == ["batch"]:
            return self._batch(key, body)
        if method == "POST" and tail == ["grant"]:
            user = body.get("user") if isinstance(body, dict) else None
            with hub.lock:
                if user not in hub.users:
                    raise _Answer(404, f"User {user} not found.")
                existing = hub.requests.get(key, {}).get(user)
                if existing is not None and existing.status == "accepted":
                    raise _Answer(400, f"User {user} already has access to the repo.")
                hub.requests.setdefault(key, {})[user] = AccessRequest(user, "accepted")
            return 200, {"status": "ok"}, {}
        raise _Answer(404, f"Cannot {method} {self.path}")

    def _batch(self, key: tuple[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        """Up to 100 answers at once; all or nothing (a request not found refuses the whole call)."""
        hub = self.hub
        with hub.lock:
            hub.batch_calls += 1
        if not hub.batch_supported:
            raise _Answer(404, f"Cannot POST {self.path}")
        if hub.batch_shape == "object" and isinstance(body, dict) and isinstance(body.get("requests"), list):
            items = [
                {**one, "status": body.get("status"), "rejectionReason": body.get("rejectionReason")}
                for one in body["requests"]
            ]
        elif hub.batch_shape == "list" and isinstance(body, list):
            items = body
        else:
            raise _Answer(400, "Invalid body.")
        if not 1 <= len(items) <= 100:
            raise _Answer(400, "Between 1 and 100 requests per batch.")
        with hub.lock:
            requests = hub.requests.get(key, {})
            matches = []
            for item in items:
                if not isinstance(item, dict) or item.get("status") not in ("accepted", "rejected"):
                    raise _Answer(400, "Invalid body: each request needs a status, accepted or rejected.")
                match = next(
                    (
                        r
                        for r in requests.values()
                        if r.request_id == item.get("requestId")
                        or (item.get("user") and r.user == item["user"])
                    ),
                    None,
                )
                if match is None:
                    raise _Answer(
                        404, f"Access request {item.get('requestId') or item.get('user')} not found."
                    )
                matches.append((match, item))
            for match, item in matches:
                match.status = item["status"]
                match.reviewed_at = datetime.now(UTC).isoformat(timespec="milliseconds")
                match.rejection_reason = item.get("rejectionReason")
        return 200, {"status": "ok", "count": len(matches)}, {}

    # -- user side (docs/hub.md "Asking for access") --

    def _ask_access(self, repo: Repo, token: Token | None, body: Any) -> tuple[int, Any, dict[str, str]]:
        hub = self.hub
        if token is None:
            raise _Answer(401, "You must be authenticated to request access.")
        if token.role == "fineGrained" and not token.can_read_gated:
            raise _Answer(403, TOKEN_SCOPE)
        if not repo.gated:
            raise _Answer(400, f"{repo.repo_type.title()} {repo.id} is not gated.")
        if isinstance(body, bytes):  # a form post
            body = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        fields = body if isinstance(body, dict) else {}
        for name, spec in (repo.card_data.get("extra_gated_fields") or {}).items():
            value = fields.get(name)
            if spec == "ip_location":  # the Hub records the requester's location itself
                continue
            if value in (None, "", False, "false") and not (isinstance(spec, dict) and spec.get("optional")):
                raise _Answer(hub.missing_field_status, f"Missing required field: {name}")
        key = hub.request_key(repo.repo_type, repo.id)
        with hub.lock:
            existing = hub.requests.get(key, {}).get(token.user)
            if existing is not None and existing.status != "reset":
                raise _Answer(hub.existing_request_status, "You have already requested access to this repo.")
            status = "accepted" if repo.gated == "auto" else "pending"
            hub.requests.setdefault(key, {})[token.user] = AccessRequest(token.user, status, fields=fields)
        if hub.ask_access_answer == "empty":
            return 200, None, {}
        if hub.ask_access_answer == "ok":
            return 200, "OK", {}
        return 200, {"status": status}, {}

    def _request_json(self, repo: Repo, request: AccessRequest) -> dict[str, Any]:
        data: dict[str, Any] = {
            "requestId": request.request_id,
            "status": request.status,
            # The Hub writes UTC times with a Z (huggingface_hub's parse_datetime accepts nothing else).
            "timestamp": _wire_time(request.timestamp),
        }
        if not repo.hide_requesters:
            user = self.hub.users.get(request.user, User(request.user))
            data["user"] = {
                "user": user.name,
                "fullname": user.fullname,
                **({"email": user.email} if user.email else {}),
            }
        if request.fields:
            data["fields"] = request.fields
        if request.reviewed_at:
            data["reviewedAt"] = _wire_time(request.reviewed_at)
        return data


def http_date(seconds_from_now: float) -> str:
    """An HTTP date (`Retry-After` may be one): `Wed, 21 Oct 2026 07:28:00 GMT`."""
    from email.utils import format_datetime

    return format_datetime(datetime.fromtimestamp(time.time() + seconds_from_now, UTC), usegmt=True)


def _wire_time(value: str) -> str:
    return value[: -len("+00:00")] + "Z" if value.endswith("+00:00") else value
