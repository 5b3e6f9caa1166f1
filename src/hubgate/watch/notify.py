"""Deliver watch notifications: POST to a webhook (Slack-compatible `text`) or run a command.

A delivery that fails stays in the state's outbox and is sent again on the next run.
"""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from hubgate.watch.state import StateStore


@dataclass
class DeliveryReport:
    target: str  # "--notify-url" or "--on-change": never the URL itself (webhook URLs are secrets)
    delivered: int = 0
    failed: int = 0
    error: str | None = None


def post_json(
    url: str,
    payload: str,
    *,
    timeout: float = 10.0,
    attempts: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """POST with retries on network errors and 5xx/429; raises RuntimeError with a short reason."""
    last = "not attempted"
    for attempt in range(attempts):
        request = urllib.request.Request(
            url,
            data=payload.encode(),
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "hubgate"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                if 200 <= response.status < 300:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code < 500 and exc.code != 429:
                break  # the receiver refuses this payload: retrying now will not help
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            last = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        except ValueError:
            # urllib's words would quote the URL, and a webhook URL is a secret.
            raise RuntimeError("the webhook URL is not a valid http(s) URL") from None
        if attempt + 1 < attempts:
            sleep(0.5 * 2**attempt)
    raise RuntimeError(last)


def run_command(command: str, payload: str, *, timeout: float = 60.0) -> None:
    try:
        result = subprocess.run(
            command, shell=True, input=payload, text=True, capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"timed out after {timeout:.0f}s") from None
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or [""]
        raise RuntimeError(f"exit {result.returncode} {tail[0]}".strip())


def deliver(store: StateStore, target: str, label: str, send: Callable[[str], None]) -> DeliveryReport:
    """Send the pending notifications for `target` that this run claims, oldest first; stop at the first
    failure and give the rest back. Overlapping runs claim disjoint shares: each is sent exactly once."""
    report = DeliveryReport(label)
    claimed = store.claim(target, run=uuid.uuid4().hex)
    for index, item in enumerate(claimed):
        try:
            send(item.payload)
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
