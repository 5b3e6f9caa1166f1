"""How hubgate asks the Hub: the retry and time limits of a run, and which endpoints it may be pointed at."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


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
