"""Repo metadata that cannot change without a new commit, remembered across runs.

A repo's card, config, safetensors summary, file list and tags belong to a commit: an entry is used only
after a fresh file probe proves this token can read the repo *at the same commit sha*. What can change
without a commit (gated or not, private or not, disabled) is never taken from here: every run asks the
Hub. The one exception is the gate mode (auto or manual) of a repo the token was granted, kept for the
report's wording only (the access itself is probed).

One SQLite file in the user cache dir (`HUBGATE_CACHE_DIR` overrides it). Each write is one transaction;
a damaged or unwritable cache is set aside for the run (`problem` says why), never a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hubgate.hub.token import scrub

# The metadata fields fixed by a commit (the rest of an answer is asked again every run).
COMMIT_BOUND = ("cardData", "safetensors", "config", "siblings", "tags", "gguf")
MAX_AGE_SECONDS = 30 * 24 * 3600  # entries stored over a month ago are dropped when the cache opens
SCHEMA = 1


@dataclass(frozen=True)
class CachedRepo:
    """What the cache holds for one repo as asked (type, id, revision): its canonical id, the commit the
    facts belong to, the last gate mode seen, and the commit-bound fields of its metadata."""

    repo_id: str
    sha: str
    gate_mode: str | None
    body: dict[str, Any]
    with_sizes: bool  # the file list carries sizes (a `blobs=true` answer)

    def metadata_body(self, *, gated: bool, private: bool) -> dict[str, Any]:
        """A metadata answer rebuilt from the commit-bound fields and what this run's probes showed."""
        gate: Any = (self.gate_mode or True) if gated else False
        return {
            **self.body,
            "id": self.repo_id,
            "sha": self.sha,
            "gated": gate,
            "private": private,
            "disabled": False,
        }


def default_cache_dir() -> Path:
    explicit = os.environ.get("HUBGATE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("hubgate", appauthor=False))


class MetadataCache:
    """Commit-bound metadata per (endpoint, repo type, id as asked, revision). Thread-safe."""

    def __init__(self, directory: Path | None = None) -> None:
        self.path = (directory or default_cache_dir()) / f"metadata-v{SCHEMA}.sqlite"
        self.problem: str | None = None
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            db = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS repos (endpoint TEXT, repo_type TEXT, asked TEXT, revision TEXT, "
                "repo_id TEXT NOT NULL, sha TEXT NOT NULL, gate_mode TEXT, body TEXT NOT NULL, "
                "with_sizes INTEGER NOT NULL, stored REAL NOT NULL, "
                "PRIMARY KEY (endpoint, repo_type, asked, revision))"
            )
            db.execute("DELETE FROM repos WHERE stored < ?", (time.time() - MAX_AGE_SECONDS,))
            self._db = db
        except (sqlite3.Error, OSError) as exc:
            self._set_aside(exc)

    def get(self, endpoint: str, repo_type: str, asked: str, revision: str | None) -> CachedRepo | None:
        row = self._run(
            "SELECT repo_id, sha, gate_mode, body, with_sizes FROM repos "
            "WHERE endpoint = ? AND repo_type = ? AND asked = ? AND revision = ?",
            (endpoint, repo_type, asked, revision or ""),
            fetch=True,
        )
        if not row:
            self.misses += 1
            return None
        repo_id, sha, gate_mode, body, with_sizes = row
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self.misses += 1
            return None
        self.hits += 1
        return CachedRepo(repo_id, sha, gate_mode, data, bool(with_sizes))

    def put(
        self, endpoint: str, repo_type: str, asked: str, revision: str | None, metadata: dict[str, Any]
    ) -> None:
        """Remember a metadata answer's commit-bound fields (nothing without a sha to key them by)."""
        sha, repo_id = metadata.get("sha"), metadata.get("id")
        if not isinstance(sha, str) or not sha or not isinstance(repo_id, str):
            return
        gated = metadata.get("gated")
        body = {name: metadata[name] for name in COMMIT_BOUND if name in metadata}
        sizes = any(isinstance(s, dict) and "size" in s for s in metadata.get("siblings") or [])
        self._run(
            "INSERT OR REPLACE INTO repos VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                endpoint,
                repo_type,
                asked,
                revision or "",
                # A Hub that puts a token into a file name or a licence must not get it kept on disk.
                scrub(repo_id),
                scrub(sha),
                scrub(gated) if isinstance(gated, str) and gated != "false" else None,
                scrub(json.dumps(body, separators=(",", ":"))),
                int(sizes),
                time.time(),
            ),
        )

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _run(self, sql: str, args: tuple[Any, ...], *, fetch: bool = False) -> Any:
        with self._lock:
            if self._db is None:
                return None
            try:
                cursor = self._db.execute(sql, args)
                return cursor.fetchone() if fetch else None
            except sqlite3.Error as exc:
                self._set_aside(exc)
                return None

    def _set_aside(self, exc: Exception) -> None:
        self.problem = (
            f"metadata cache {self.path} unusable ({type(exc).__name__}: {exc}); running without it"
        )
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None
