"""The one scrubber: every token value this process holds (`hold`) and anything shaped like a Hugging Face
token, in any letter case, becomes `hf_***` wherever text leaves the process (`ScrubbedStream` on stdout
and stderr, files written, cache and state rows, webhook bodies).

On the lowest floor because reading what the user gives needs it too: a token pasted where a repo id
belongs is refused before anything else sees it. Which token to use and what the Hub says about it stay
in `hubgate.hub.token`.
"""

from __future__ import annotations

import re
import threading
from typing import Any, TextIO

# Real tokens are `hf_` plus 34 letters and digits; the length keeps words like hf_transfer intact. Any
# case and no word boundary: a Hub may lowercase a token or glue it to a file name (`x-hf_...bin`).
_TOKEN_PATTERN = re.compile(r"(?:hf|api_org)_[A-Za-z0-9]{30,}", re.IGNORECASE)
MARKER = "hf_***"
# A held value shorter than this is no credential worth the name, and scrubbing it would garble every
# word that happens to contain it.
_MIN_HELD = 8
_held: set[str] = set()
_held_pattern: re.Pattern[str] | None = None
_held_lock = threading.Lock()


def hold(value: str | None) -> None:
    """Remember a token value of this process: from now on every scrub removes it, in any letter case."""
    global _held_pattern
    value = (value or "").strip()
    if len(value) < _MIN_HELD or value in _held:
        return
    with _held_lock:
        _held.add(value)
        alternatives = sorted(_held, key=len, reverse=True)  # longest first: no half-replaced value
        _held_pattern = re.compile("|".join(re.escape(v) for v in alternatives), re.IGNORECASE)


def looks_like_token(text: str) -> bool:
    """True when the text holds something shaped like a Hugging Face access token, or a token value this
    process holds (in any case)."""
    held = _held_pattern
    return _TOKEN_PATTERN.search(text) is not None or (held is not None and held.search(text) is not None)


def scrub(text: str, *secrets: str | None) -> str:
    """The text without token values: the held ones, the given ones (held from now on) and anything
    shaped like a Hub token, each in any letter case, become `hf_***`."""
    for secret in secrets:
        hold(secret)
    held = _held_pattern
    if held is not None:
        text = held.sub(MARKER, text)
    return _TOKEN_PATTERN.sub(MARKER, text)


_WORD_TAIL = re.compile(r"[A-Za-z0-9_]*\Z")


def _open_tail(text: str) -> int:
    """How many characters at the end of `text` may be the start of a token the next write completes:
    a run of word characters (a token-shaped value), or a prefix of a held value."""
    keep = len(_WORD_TAIL.search(text).group())  # type: ignore[union-attr]
    held = list(_held)
    folded = text[-max(map(len, held), default=0) :].lower()
    for value in held:
        start = value.lower()
        for size in range(min(len(start) - 1, len(folded)), keep, -1):
            if folded.endswith(start[:size]):
                keep = size
                break
    return keep


class ScrubbedStream:
    """A text stream (stdout, stderr) that scrubs what passes through it. A write that ends in what may
    be the start of a token keeps that tail until the next write or flush, so a token written in two
    pieces is still caught; every other attribute is the wrapped stream's."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tail = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            data = self._tail + text
            keep = _open_tail(data)
            self._tail = data[len(data) - keep :] if keep else ""
            if keep < len(data):
                self._stream.write(scrub(data[: len(data) - keep]))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        with self._lock:
            if self._tail:
                self._stream.write(scrub(self._tail))
                self._tail = ""
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":  # bytes written there would pass unscrubbed
            raise AttributeError(name)
        return getattr(self._stream, name)
