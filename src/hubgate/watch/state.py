"""The watch state: last verdict per (account, endpoint, repo), every transition, and a notification outbox.

SQLite (stdlib), one file. Each run's changes are computed and written inside one IMMEDIATE
transaction, so overlapping runs (cron jobs that run long) serialise on the write: the second sees
the first's state and records no duplicate, and a run killed at any moment leaves the previous or
the new state, never a mix. A file at the state path that is not a hubgate database is reported and
never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hubgate.inputs.secrets import scrub
from hubgate.verdicts.verdict import Status, Verdict

APPLICATION_ID = 0x68756267  # "hubg"
STATE_SCHEMA_VERSION = 2
# A run that claimed notifications and died: after this long, another run may send them.
CLAIM_LEASE_SECONDS = 600
# Verdicts that are not a state of the repo: recording them would invent transitions.
UNRECORDED = frozenset({Status.ERROR, Status.INVALID})

_SCHEMA = """
CREATE TABLE verdicts (
    account TEXT NOT NULL, endpoint TEXT NOT NULL, repo_type TEXT NOT NULL, repo_id TEXT NOT NULL,
    asked_as TEXT NOT NULL, status TEXT NOT NULL, gated TEXT, checked_at TEXT NOT NULL,
    PRIMARY KEY (account, endpoint, repo_type, repo_id)
);
CREATE TABLE transitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL, endpoint TEXT NOT NULL, repo_type TEXT NOT NULL, repo_id TEXT NOT NULL,
    old_status TEXT, new_status TEXT NOT NULL, old_gated TEXT, new_gated TEXT, at TEXT NOT NULL
);
CREATE INDEX transitions_repo ON transitions (repo_id);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target TEXT NOT NULL,  -- a hash of the URL or command: webhook URLs are secrets too
    payload TEXT NOT NULL, created_at TEXT NOT NULL,
    delivered_at TEXT, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
    claimed_by TEXT, claimed_until REAL  -- the run sending it now: overlapping runs never send it twice
);
"""
_MIGRATIONS = {
    1: (
        "ALTER TABLE outbox ADD COLUMN claimed_by TEXT",
        "ALTER TABLE outbox ADD COLUMN claimed_until REAL",
    ),
}


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip() and "***" not in line]
    return lines[0] if lines else type(exc).__name__


class StateError(Exception):
    """The state file cannot be used. One line, exit 2; `hint` says what to do about it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def _damaged(path: Path, detail: str) -> StateError:
    return StateError(
        f"{path}: the state database is damaged ({detail})",
        f"move it aside to start afresh (mv '{path}' '{path}.damaged'), or pass --state PATH; "
        "it holds past verdicts and undelivered notifications",
    )


def _sqlite_problem(path: Path, exc: sqlite3.Error) -> StateError:
    """What went wrong with the database at `path`, and the fix. A damaged file is never moved or
    replaced here: it holds the past verdicts and the undelivered notifications, and only the user
    may decide to start afresh."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    text = _first_line(exc)
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or any(
        word in text.lower() for word in ("malformed", "not a database", "could not decode")
    ):
        return _damaged(path, text)
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return StateError(
            f"{path}: cannot write the state database ({text})",
            "make it and its folder writable, or pass --state PATH",
        )
    if name.startswith("SQLITE_FULL"):
        return StateError(f"{path}: cannot write the state database ({text})", "free some disk space")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StateError(
            f"{path}: the state database is busy ({text})",
            "another hubgate run holds it for longer than a minute; try again when it ends",
        )
    return StateError(
        f"{path}: cannot use the state database ({text})", "check the file and its disk, or pass --state PATH"
    )


@dataclass(frozen=True)
class Change:
    repo_type: str
    repo_id: str
    old_status: str | None
    new_status: str
    old_gated: str | None
    new_gated: str | None
    at: str
    url: str | None = None
    next_step: str | None = None

    @property
    def first_seen(self) -> bool:
        return self.old_status is None

    def describe(self) -> str:
        if self.first_seen:
            return f"{self.repo_id}: first check, {self.new_status}"
        parts = []
        if self.old_status != self.new_status:
            parts.append(f"{self.old_status} -> {self.new_status}")
        if self.old_gated != self.new_gated:
            parts.append(f"gate {self.old_gated or 'none'} -> {self.new_gated or 'none'}")
        return f"{self.repo_id}: {', '.join(parts)}"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.repo_id,
            "repo_type": self.repo_type,
            "from": self.old_status,
            "to": self.new_status,
            "gated_from": self.old_gated,
            "gated_to": self.new_gated,
            "at": self.at,
            "url": self.url,
            "next_step": self.next_step,
        }


@dataclass(frozen=True)
class Pending:
    id: int
    payload: str
    attempts: int


def target_key(target: str) -> str:
    return hashlib.sha256(target.encode()).hexdigest()[:24]


def gated_text(verdict: Verdict) -> str | None:
    if verdict.is_gated is None:
        return None
    return (verdict.gated_mode or "gated") if verdict.is_gated else "false"


def default_state_path() -> Path:
    """Where the state lives without --state: the user state dir (platformdirs)."""
    from platformdirs import user_state_path

    return user_state_path("hubgate") / "watch.sqlite3"


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class StateStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = self._open(path)

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        elsewhere = "pass --state PATH to keep hubgate's state elsewhere"
        if path.is_dir():
            raise StateError(f"state path {path} is a directory", "pass --state FILE")
        if path.exists() and not path.is_file():  # a FIFO would block the read below, a device mislead it
            raise StateError(f"{path} is not a regular file (a device or a FIFO)", elsewhere)
        try:
            with path.open("rb") as handle:
                header = handle.read(16)
        except (FileNotFoundError, NotADirectoryError):  # a new state; its folder is made below
            header = None
        except OSError as exc:
            raise StateError(
                f"{path}: cannot read the state database ({exc.strerror or exc})",
                f"check its permissions, or {elsewhere}",
            ) from None
        if header and header != b"SQLite format 3\x00":
            raise StateError(
                f"{path} is not a hubgate state database (not SQLite); refusing to overwrite it", elsewhere
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(
                f"{path.parent}: cannot create the state folder ({exc.strerror or exc})",
                "make it writable, point XDG_STATE_HOME at a writable folder, or pass --state PATH",
            ) from None
        try:
            db = sqlite3.connect(path, timeout=60, isolation_level=None)
        except sqlite3.Error as exc:
            raise _sqlite_problem(path, exc) from None
        try:
            db.execute("PRAGMA busy_timeout = 60000")
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app_id == 0 and tables == 0:
                StateStore._create(db)
                return db
            version = db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error as exc:
            db.close()
            raise _sqlite_problem(path, exc) from None
        if app_id != APPLICATION_ID:
            db.close()
            raise StateError(
                f"{path} is an SQLite database of another program; refusing to touch it", elsewhere
            )
        if version > STATE_SCHEMA_VERSION:
            db.close()
            raise StateError(
                f"{path} was written by a newer hubgate (state version {version})",
                f"upgrade hubgate, or {elsewhere}",
            )
        try:
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check == "ok" and version < STATE_SCHEMA_VERSION:
                StateStore._migrate(db)
        except sqlite3.Error as exc:
            db.close()
            raise _sqlite_problem(path, exc) from None
        if check != "ok":
            db.close()
            raise _damaged(path, str(check).splitlines()[0])
        return db

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]  # another run may have migrated
            for step in range(version, STATE_SCHEMA_VERSION):
                for statement in _MIGRATIONS[step]:
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {STATE_SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    @staticmethod
    def _create(db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")
        try:
            if (
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
            ):  # another run may have won
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute(f"PRAGMA user_version = {STATE_SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._readable():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def _readable(self) -> Iterator[None]:
        """A damaged page, a full disk or a read-only file met mid-run is one line (StateError) that
        tells them apart, never a traceback."""
        try:
            yield
        except sqlite3.Error as exc:
            raise _sqlite_problem(self.path, exc) from None

    # -- reading ---------------------------------------------------------------------------------

    def known(self, account: str, endpoint: str) -> dict[tuple[str, str], str]:
        """(repo_type, id or the id it was asked as) -> last status."""
        with self._readable():
            rows = self._db.execute(
                "SELECT repo_type, repo_id, asked_as, status FROM verdicts WHERE account = ? AND endpoint = ?",
                (account, endpoint),
            ).fetchall()
        known: dict[tuple[str, str], str] = {}
        for repo_type, repo_id, asked_as, status in rows:
            known[(repo_type, repo_id)] = status
            known[(repo_type, asked_as)] = status
        return known

    def history(self, repo_id: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT account, endpoint, repo_type, repo_id, old_status, new_status, old_gated, new_gated, at FROM transitions"
        params: tuple[str, ...] = ()
        if repo_id:
            query += " WHERE repo_id = ? OR repo_id IN (SELECT repo_id FROM verdicts WHERE asked_as = ?)"
            params = (repo_id, repo_id)
        keys = ("account", "endpoint", "repo_type", "id", "from", "to", "gated_from", "gated_to", "at")
        with self._readable():
            rows = self._db.execute(query + " ORDER BY id", params).fetchall()
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def integrity_ok(self) -> bool:
        return self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # -- writing ---------------------------------------------------------------------------------

    def record(
        self,
        account: str,
        endpoint: str,
        verdicts: Sequence[Verdict],
        *,
        targets: Sequence[str] = (),
        payload_for: Any = None,
    ) -> list[Change]:
        """Compare with the stored state and write the new one, in one transaction. Returns every
        transition (first sightings included); when there are real changes and `targets`, queues one
        notification per target in the same transaction, so a change is never lost."""
        at = now_iso()
        changes: list[Change] = []
        pause = float(os.environ.get("_HUBGATE_TEST_PAUSE_IN_TRANSACTION", "0") or 0)
        with self._transaction() as db:
            for verdict in verdicts:
                if verdict.status in UNRECORDED or verdict.model_id is None:
                    continue
                # Rows and notification bodies leave the process: a token in an id never reaches them.
                key = (account, endpoint, verdict.repo_type, scrub(verdict.model_id))
                row = db.execute(
                    "SELECT status, gated FROM verdicts WHERE account=? AND endpoint=? AND repo_type=? AND repo_id=?",
                    key,
                ).fetchone()
                new_gated = gated_text(verdict)
                old_status, old_gated = row if row else (None, None)
                if (
                    row is None
                    or old_status != verdict.status.value
                    or (old_gated != new_gated and new_gated is not None)
                ):
                    change = Change(
                        verdict.repo_type,
                        key[3],
                        old_status,
                        verdict.status.value,
                        old_gated,
                        new_gated,
                        at,
                        verdict.url and scrub(verdict.url),
                        verdict.next_step and scrub(verdict.next_step),
                    )
                    changes.append(change)
                    db.execute(
                        "INSERT INTO transitions (account, endpoint, repo_type, repo_id, old_status, new_status,"
                        " old_gated, new_gated, at) VALUES (?,?,?,?,?,?,?,?,?)",
                        (*key, old_status, verdict.status.value, old_gated, new_gated, at),
                    )
                db.execute(
                    "INSERT INTO verdicts (account, endpoint, repo_type, repo_id, asked_as, status, gated, checked_at)"
                    " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (account, endpoint, repo_type, repo_id) DO UPDATE SET"
                    " asked_as=excluded.asked_as, status=excluded.status,"
                    " gated=coalesce(excluded.gated, verdicts.gated), checked_at=excluded.checked_at",
                    (*key, scrub(verdict.input.strip()), verdict.status.value, new_gated, at),
                )
                if pause:
                    time.sleep(pause)  # tests kill the process here, mid-transaction
            real = [change for change in changes if not change.first_seen]
            if real and targets and payload_for is not None:
                payload = scrub(json.dumps(payload_for(real)))  # the webhook body or --on-change's stdin
                for target in targets:
                    db.execute(
                        "INSERT INTO outbox (target, payload, created_at) VALUES (?,?,?)",
                        (target_key(target), payload, at),
                    )
        return changes

    def pending(self, target: str) -> list[Pending]:
        """Notifications for `target` not delivered yet (claimed by a running delivery or not)."""
        with self._readable():
            rows = self._db.execute(
                "SELECT id, payload, attempts FROM outbox WHERE target = ? AND delivered_at IS NULL ORDER BY id",
                (target_key(target),),
            ).fetchall()
        return [Pending(*row) for row in rows]

    def claim(self, target: str, run: str, *, lease: float = CLAIM_LEASE_SECONDS) -> list[Pending]:
        """Take the undelivered notifications for `target` that no live run has taken, in one IMMEDIATE
        transaction: overlapping runs each get a disjoint share, so each change is sent exactly once."""
        now = time.time()
        with self._transaction() as db:
            rows = db.execute(
                "SELECT id, payload, attempts FROM outbox WHERE target = ? AND delivered_at IS NULL"
                " AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY id",
                (target_key(target), now),
            ).fetchall()
            db.executemany(
                "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id = ?",
                [(run, now + lease, row[0]) for row in rows],
            )
        return [Pending(*row) for row in rows]

    def release(self, items: Sequence[Pending]) -> None:
        """Give claimed notifications back unsent (a delivery stopped early): the next run sends them."""
        with self._transaction() as db:
            db.executemany(
                "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE id = ? AND delivered_at IS NULL",
                [(item.id,) for item in items],
            )

    def mark(self, item: Pending, *, delivered: bool, error: str | None = None) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, delivered_at = ?,"
                " claimed_by = NULL, claimed_until = NULL WHERE id = ?",
                (error and scrub(error), now_iso() if delivered else None, item.id),
            )
