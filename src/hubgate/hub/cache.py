"""Repo metadata that cannot change without a new commit, remembered across runs.

A repo's card, config, safetensors summary, file list and tags belong to a commit: an entry is used only
after a fresh file probe proves this token can read the repo *at the same commit sha*. What can change
without a commit (gated or not, private or not, disabled) is never taken from here: every run asks the
Hub. The one exception is the gate mode (auto or manual) of a repo the token was granted, kept for the
report's wording only (the access itself is probed).

One SQLite file in the user cache dir (`HUBGATE_CACHE_DIR` overrides it). Each write is one transaction;
a damaged file is moved aside and replaced (`notes` says so), an unwritable cache is left out for the run
(`problem` says why): never a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hubgate.inputs.secrets import scrub
from hubgate.keep import default_cache_dir

# The metadata fields fixed by a commit (the rest of an answer is asked again every run).
COMMIT_BOUND = (
    "cardData",
    "safetensors",
    "config",
    "siblings",
    "tags",
    "gguf",
    "pipeline_tag",
    "library_name",
)
# The Hub's file scans finish after the commit: a status is kept only once its scans are done.
SCAN_STATUS = "securityRepoStatus"
MAX_AGE_SECONDS = 30 * 24 * 3600  # entries stored over a month ago are dropped when the cache opens
SCHEMA = 1
# What the Hub's search found for an id it did not know (did-you-mean): new repos appear any day, so a
# day, and never the verdict (every run asks the Hub about the id itself again).
SEARCH_MAX_AGE_SECONDS = 24 * 3600


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


def scans_done(metadata: dict[str, Any]) -> bool:
    """The answer carries the Hub's scan status with every scan done (a status fixed for its commit)."""
    status = metadata.get(SCAN_STATUS)
    return isinstance(status, dict) and status.get("scansDone") is True


def scans_settled(cached: dict[str, Any]) -> bool:
    """A cached body whose scan status need not be asked again: done, or a Hub that gives none (kept
    as null). An entry from before scan statuses were kept has no key, and is asked once more."""
    return scans_done(cached) or (SCAN_STATUS in cached and cached[SCAN_STATUS] is None)


class MetadataCache:
    """Commit-bound metadata per (endpoint, repo type, id as asked, revision). Thread-safe.

    A damaged file (flipped bytes, a truncated copy, something else at its path) is moved aside to
    `<name>.corrupt-<time>` and a new cache started; `notes` says so. It only ever holds what the Hub
    serves again, so nothing is lost but requests; left in place it would fail every later run."""

    def __init__(self, directory: Path | None = None, *, tell: Callable[[str], None] | None = None) -> None:
        """`tell` hears each note as it happens (a damaged file moved aside), at open or mid-run."""
        self.path = (directory or default_cache_dir()) / f"metadata-v{SCHEMA}.sqlite"
        self.problem: str | None = None
        self.notes: list[str] = []
        self._tell = tell
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._inode: int | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._db = self._connect()
        except (sqlite3.Error, OSError) as exc:
            if not (isinstance(exc, sqlite3.Error) and damaged(exc) and self._move_aside(exc)):
                self._disable(exc)
                return
            try:
                self._db = self._connect()
            except (sqlite3.Error, OSError) as again:
                self._disable(again)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False, isolation_level=None)
        try:
            self._inode = os.stat(self.path).st_ino
            db.execute("PRAGMA journal_mode=WAL")
            # Each answer is its own transaction; with the WAL, NORMAL still keeps the file consistent
            # through a crash and loses at most the last answers on a power cut (a cache refills), where
            # FULL would wait for the disk on every one: 0.75 ms a repo, under the lock all workers share.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS repos (endpoint TEXT, repo_type TEXT, asked TEXT, revision TEXT, "
                "repo_id TEXT NOT NULL, sha TEXT NOT NULL, gate_mode TEXT, body TEXT NOT NULL, "
                "with_sizes INTEGER NOT NULL, stored REAL NOT NULL, "
                "PRIMARY KEY (endpoint, repo_type, asked, revision))"
            )
            db.execute("DELETE FROM repos WHERE stored < ?", (time.time() - MAX_AGE_SECONDS,))
            db.execute(
                "CREATE TABLE IF NOT EXISTS searches (endpoint TEXT, repo_type TEXT, asked TEXT, account TEXT, "
                "found TEXT NOT NULL, stored REAL NOT NULL, PRIMARY KEY (endpoint, repo_type, asked, account))"
            )
            db.execute("DELETE FROM searches WHERE stored < ?", (time.time() - SEARCH_MAX_AGE_SECONDS,))
        except BaseException:
            db.close()
            raise
        return db

    def _move_aside(self, exc: sqlite3.Error) -> bool:
        """Rename the damaged file (and its WAL, which belongs to it) to `<name>.corrupt-<time>`; the
        shared-memory index is rebuilt from scratch. False when it cannot be moved. A file another run
        already replaced (a different inode) is left alone: that run moved the damaged one."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            if self._inode is not None and os.stat(self.path).st_ino != self._inode:
                return True
            number = 1
            while aside.exists():
                number += 1
                aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{number}")
            os.replace(self.path, aside)
            wal = Path(f"{self.path}-wal")
            if wal.exists():
                os.replace(wal, f"{aside}-wal")
            Path(f"{self.path}-shm").unlink(missing_ok=True)
        except FileNotFoundError:
            return True  # another run moved it first
        except OSError:
            return False
        self._inode = None
        note = (
            f"the metadata cache {self.path} was damaged ({_first_line(exc)}); moved it to {aside.name}, "
            "a new one starts"
        )
        self.notes.append(note)
        if self._tell is not None:
            self._tell(note)
        return True

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
        except (ValueError, TypeError, RecursionError):  # a damaged row is a miss
            data = None
        if not (isinstance(data, dict) and isinstance(repo_id, str) and isinstance(sha, str)):
            self.misses += 1
            return None
        self.hits += 1
        return CachedRepo(
            repo_id, sha, gate_mode if isinstance(gate_mode, str) else None, data, bool(with_sizes)
        )

    def put(
        self, endpoint: str, repo_type: str, asked: str, revision: str | None, metadata: dict[str, Any]
    ) -> None:
        """Remember a metadata answer's commit-bound fields (nothing without a sha to key them by)."""
        sha, repo_id = metadata.get("sha"), metadata.get("id")
        if not isinstance(sha, str) or not sha or not isinstance(repo_id, str):
            return
        gated = metadata.get("gated")
        body = {name: metadata[name] for name in COMMIT_BOUND if name in metadata}
        if scans_done(metadata):
            body[SCAN_STATUS] = metadata[SCAN_STATUS]
        elif SCAN_STATUS not in metadata:
            body[SCAN_STATUS] = None  # this Hub gives none: nothing to ask again for
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

    def get_search(self, endpoint: str, repo_type: str, asked: str, account: str) -> list[str] | None:
        """The ids the Hub's search found for `asked` within the last day, for this account (a search
        with a token also finds the private repos it may see), or None."""
        row = self._run(
            "SELECT found FROM searches WHERE endpoint = ? AND repo_type = ? AND asked = ? AND account = ? "
            "AND stored >= ?",
            (endpoint, repo_type, asked, account, time.time() - SEARCH_MAX_AGE_SECONDS),
            fetch=True,
        )
        try:
            found = json.loads(row[0]) if row else None
        except (ValueError, TypeError, RecursionError):
            return None
        if not (isinstance(found, list) and all(isinstance(i, str) for i in found)):
            return None
        return found

    def put_search(self, endpoint: str, repo_type: str, asked: str, account: str, found: list[str]) -> None:
        self._run(
            "INSERT OR REPLACE INTO searches VALUES (?, ?, ?, ?, ?, ?)",
            (endpoint, repo_type, asked, account, scrub(json.dumps(found)), time.time()),
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
                self._close()
                if damaged(exc) and self._move_aside(exc):
                    return None  # the rest of this run goes without; the next starts a new cache
                self._disable(exc)
                return None

    def _disable(self, exc: Exception) -> None:
        self.problem = f"metadata cache {self.path} unusable ({type(exc).__name__}: {_first_line(exc)}); running without it"
        self._close()

    def _close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None


def damaged(exc: sqlite3.Error) -> bool:
    """The file itself is bad (flipped bytes, truncated, not SQLite, text that is not UTF-8), as opposed
    to a busy, read-only or full disk, where moving the file aside would help nothing."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    text = str(exc).lower()
    return (
        name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
        or "malformed" in text
        or "not a database" in text
        or "could not decode" in text
    )


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
