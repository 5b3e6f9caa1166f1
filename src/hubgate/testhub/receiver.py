"""A loopback webhook receiver for `hubgate watch --notify-url`: records every POST (headers, body, time)
and can answer late, fail with a status, or ask to wait (`Retry-After`)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Delivery:
    headers: dict[str, str]
    body: Any
    at: float = field(default_factory=time.monotonic)


class WebhookReceiver:
    """`delay`: seconds before answering (longer than the client's timeout: it answers too late).
    `failures`: the next POSTs answered with `status` (and `retry_after`, when set), then 200."""

    def __init__(self, *, delay: float = 0.0, failures: int = 0, status: int = 503) -> None:
        self.delay = delay
        self.failures = failures
        self.status = status
        self.retry_after: str | None = None
        self.received: list[Delivery] = []
        self._stopping = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(Delivery(dict(self.headers.items()), json.loads(raw or b"null")))
                if receiver.delay and receiver._stopping.wait(receiver.delay):
                    return
                if receiver.failures > 0:
                    receiver.failures -= 1
                    self.send_response(receiver.status)
                    if receiver.retry_after is not None:
                        self.send_header("Retry-After", receiver.retry_after)
                else:
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def delivery_ids(self) -> list[str]:
        return [d.headers.get("X-Hubgate-Delivery", "") for d in self.received]

    def close(self) -> None:
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
