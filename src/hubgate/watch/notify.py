"""Deliver watch notifications: POST to a webhook (Slack-compatible `text`) or run a command.

A delivery that fails stays in the state's outbox and is sent again on the next run. Every delivery
carries a stable id (`X-Hubgate-Delivery` and `Idempotency-Key` headers, `HUBGATE_DELIVERY` for a
command), the same on every attempt and every run, as GitHub's `X-GitHub-Delivery`: a receiver that
got a notification twice can drop the repeat. Within a run one delivery is sent at most
`attempts` times, spaced (1 s, 2 s, or the receiver's `Retry-After` up to `LONGEST_WAIT`), and
only while it is known not to have arrived: once a request went out and no answer came back within
the timeout, the receiver may have it, so it is not sent again before the next run.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from hubgate.hub.pacing import retry_after_seconds
from hubgate.watch.state import Pending, StateStore, target_key

DELIVERY_HEADER = "X-Hubgate-Delivery"
LONGEST_WAIT = 30.0  # a receiver asking for longer gets the delivery on the next run instead
_RETRYABLE = frozenset({408, 425, 429})  # and every 5xx: the receiver did not take it, and may later


@dataclass
class DeliveryReport:
    target: str  # "--notify-url" or "--on-change": never the URL itself (webhook URLs are secrets)
    delivered: int = 0
    failed: int = 0
    error: str | None = None


def delivery_id(target: str, item: Pending) -> str:
    """The notification's id, the same on every attempt and run: a UUID derived from the outbox row (its
    number and payload) and the target's hash, so it never carries the webhook URL."""
    digest = hashlib.sha256(item.payload.encode()).hexdigest()
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"hubgate-delivery:{target_key(target)}:{item.id}:{digest}"))


def post_json(
    url: str,
    payload: str,
    *,
    delivery: str,
    timeout: float = 10.0,
    attempts: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """POST `payload` with its delivery id; raises RuntimeError with a short reason (never the URL)."""
    last = "not attempted"
    for attempt in range(attempts):
        request = urllib.request.Request(
            url,
            data=payload.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "hubgate",
                DELIVERY_HEADER: delivery,
                "Idempotency-Key": delivery,
            },
        )
        asked: float | None = None
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                if 200 <= response.status < 300:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code < 500 and exc.code not in _RETRYABLE:
                break  # the receiver refuses this payload: retrying now will not help
            asked = retry_after_seconds(dict(exc.headers.items())) if exc.headers is not None else None
        except urllib.error.URLError as exc:
            # Connecting or sending failed before any answer could be read: the receiver has nothing yet.
            reason = exc.reason
            last = reason if isinstance(reason, str) else f"{type(reason).__name__}: {reason}"
        except (TimeoutError, ConnectionError, http.client.HTTPException, OSError) as exc:
            # Sent, and no answer: it may have arrived. Not again in this run; the next run sends it with
            # the same delivery id, which lets the receiver drop it if it did.
            why = f"no answer within {timeout:g} s" if isinstance(exc, TimeoutError) else type(exc).__name__
            raise RuntimeError(f"{why}; it may have arrived, and goes again on the next run") from None
        except ValueError:
            # urllib's words would quote the URL, and a webhook URL is a secret.
            raise RuntimeError("the webhook URL is not a valid http(s) URL") from None
        if attempt + 1 < attempts:
            wait = asked if asked is not None else float(2**attempt)
            if wait > LONGEST_WAIT:
                raise RuntimeError(f"{last}; the receiver asked to wait {wait:.0f} s: sent on the next run")
            sleep(wait)
    raise RuntimeError(last)


def run_command(command: str, payload: str, *, delivery: str, timeout: float = 60.0) -> None:
    """Run `command` with the payload on stdin and the delivery id in HUBGATE_DELIVERY."""
    try:
        result = subprocess.run(
            command,
            shell=True,
            input=payload,
            text=True,
            capture_output=True,
            timeout=timeout,
            env={**os.environ, "HUBGATE_DELIVERY": delivery},
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"timed out after {timeout:.0f}s") from None
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or [""]
        raise RuntimeError(f"exit {result.returncode} {tail[0]}".strip())


def deliver(store: StateStore, target: str, label: str, send: Callable[[str, str], None]) -> DeliveryReport:
    """Send the pending notifications for `target` that this run claims, oldest first; stop at the first
    failure and give the rest back. Overlapping runs claim disjoint shares: each is sent exactly once.
    `send(payload, delivery_id)`."""
    report = DeliveryReport(label)
    claimed = store.claim(target, run=uuid.uuid4().hex)
    for index, item in enumerate(claimed):
        try:
            send(item.payload, delivery_id(target, item))
        except RuntimeError as exc:
            store.mark(item, delivered=False, error=str(exc))
            store.release(claimed[index + 1 :])
            report.failed = len(store.pending(target))
            report.error = str(exc)
            break
        except BaseException:
            store.release(claimed[index:])
            raise
        store.mark(item, delivered=True)
        report.delivered += 1
    return report
