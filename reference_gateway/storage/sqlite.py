"""SQLite storage, the embedded default: response snapshots with their input items, conversations and their
items; all per key (see base.Storage). One connection is shared behind a lock, because the gateway calls in from
the event loop and from worker threads alike.

Another connection (another process) may hold SQLite's write lock. A write in a worker thread then waits up to
`busy_timeout` seconds for it and raises sqlite3.OperationalError past that; a write tried on the event loop
(`try_now`, the claims' flush) never waits: it does nothing and says so.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from reference_gateway.storage.sql import SQLStorage

log = logging.getLogger("reference_gateway")
CLAIM_BATCH = 64  # claims written together, at the latest ...
CLAIM_DELAY = 1.0  # ... once the oldest has waited this many seconds (checked at the next claim)

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    owner TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, input TEXT NOT NULL,
    created REAL NOT NULL, PRIMARY KEY (owner, id));
CREATE TABLE IF NOT EXISTS conversations (
    owner TEXT NOT NULL, id TEXT NOT NULL, created_at INTEGER NOT NULL, metadata TEXT NOT NULL,
    PRIMARY KEY (owner, id));
CREATE TABLE IF NOT EXISTS conversation_items (
    conversation TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (conversation, seq));
CREATE INDEX IF NOT EXISTS conversation_item_ids ON conversation_items (conversation, id);
CREATE TABLE IF NOT EXISTS claims (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, provider TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0);
INSERT OR IGNORE INTO claims (id, owner, provider) SELECT id, owner, '' FROM responses;
"""


class Checkpointer:
    """Copies the WAL back into the database file every `interval` seconds, on its own connection and thread
    (PASSIVE: it never blocks the gateway's reads or writes), and once more when stopped."""

    def __init__(self, path: str, interval: float = 1.0) -> None:
        self._path = path
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        db = sqlite3.connect(self._path, isolation_level=None)
        try:
            while not self._stopped.wait(self._interval):
                self._checkpoint(db, "PASSIVE")
            self._checkpoint(db, "TRUNCATE")
        finally:
            db.close()

    @staticmethod
    def _checkpoint(db: sqlite3.Connection, mode: str) -> None:
        try:
            db.execute(f"PRAGMA wal_checkpoint({mode})")
        except sqlite3.Error as exc:  # busy or locked: the next round copies what this one could not
            log.debug("checkpoint skipped: %s", exc)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()


def is_busy(exc: sqlite3.Error) -> bool:
    """True when SQLite refused because another connection holds a lock (SQLITE_BUSY / SQLITE_LOCKED)."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    return isinstance(exc, sqlite3.OperationalError) and code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class SQLiteStorage(SQLStorage):
    inline = True  # claims are batched in memory; a write tried on the loop never waits (try_now)
    failures: tuple[type[Exception], ...] = (sqlite3.OperationalError,)

    def __init__(self, path: str, *, busy_timeout: float = 5.0) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()  # reentrant: see try_now and atomic
        self._busy_ms = int(busy_timeout * 1000)
        # Autocommit; multi-statement writes open their own transaction (see _transaction).
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=busy_timeout)
        self._checkpoints: Checkpointer | None = None
        if path != ":memory:":
            # WAL lets a second process (a CLI, a test) read while the gateway writes.
            self._db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL loses nothing when the process dies (SIGKILL), only on power loss, and spares a
            # fsync per response. The fsyncs that remain come with checkpoints, which run in a thread of their own
            # instead of in whichever commit fills the WAL (that commit may be on the event loop: see try_now).
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA wal_autocheckpoint=0")
            self._checkpoints = Checkpointer(path)
        self._db.executescript(SCHEMA)
        self._claims_lock = threading.Lock()
        self._pending: dict[str, tuple[str, str]] = {}  # claims not yet written: id -> (owner, provider)
        self._pending_since = 0.0
        self._in_transaction = False
        self._closed = False

    def busy(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.Error) and is_busy(exc)

    def close(self) -> None:
        """Write what is pending and close (a second close does nothing)."""
        with self._lock:
            if self._closed:
                return
            with self._locked_transaction():
                pass  # writes the pending claims
            self._db.close()
            self._closed = True
        if self._checkpoints is not None:
            self._checkpoints.stop()

    def try_now(self, write: Callable[[], None]) -> bool:
        """Run `write` in the calling thread if it can run without waiting (True): if another thread is using the
        storage, or another connection holds SQLite's write lock, run nothing (False), so that the caller can hand
        the write to a worker thread instead of waiting. `write` must be one transaction (see atomic)."""
        if not self._lock.acquire(blocking=False):
            return False
        try:
            with self._no_wait():
                write()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            return False  # its transaction never began: nothing was written
        finally:
            self._lock.release()
        return True

    @contextmanager
    def _no_wait(self) -> Iterator[None]:
        """SQLite's busy timeout off for the block (the lock held): a locked database fails at once."""
        self._db.execute("PRAGMA busy_timeout = 0")
        try:
            yield
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {self._busy_ms}")

    def _rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _reading(self) -> AbstractContextManager[Any]:
        return self._lock

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; inside `atomic()`, part of the transaction already open."""
        with self._lock:
            if self._in_transaction:
                yield self._db
                return
            with self._locked_transaction() as db:
                self._in_transaction = True
                try:
                    yield db
                finally:
                    self._in_transaction = False

    def atomic(self) -> AbstractContextManager[sqlite3.Connection]:
        """Several writes as one transaction: all of them are stored, or none."""
        return self._transaction()

    @contextmanager
    def _locked_transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (the lock held), which first writes the claims still pending, so that they precede
        any write that reads or changes them."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            written = self._write_pending_claims()
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        with self._claims_lock:
            for response_id in written:
                del self._pending[response_id]

    def _write_pending_claims(self) -> list[str]:
        with self._claims_lock:
            batch = [(response_id, *claim) for response_id, claim in self._pending.items()]
        if batch:
            self._db.executemany(
                "INSERT INTO claims (id, owner, provider) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", batch
            )
        return [row[0] for row in batch]

    # Every response the gateway hands out is claimed by the key that made it, stored or not, and the claim outlives
    # deletion: a native upstream may still hold the response, so an id is usable only by its owner, while live.
    def claim(self, owner: str, response_id: str, provider: str) -> None:
        """Claim an id for `owner` (the first claim of an id holds). Kept in memory and written in batches, off the
        request's path: with the next write, or once CLAIM_BATCH wait or the oldest has waited CLAIM_DELAY. Reads
        see a pending claim at once; one lost to a crash leaves the id nobody's, which refuses it to everyone."""
        with self._claims_lock:
            if not self._pending:
                self._pending_since = time.monotonic()
            self._pending.setdefault(response_id, (owner, provider))
            due = len(self._pending) >= CLAIM_BATCH or time.monotonic() - self._pending_since >= CLAIM_DELAY
        if due and self._lock.acquire(blocking=False):  # a writer busy elsewhere writes them with its own
            try:
                with self._no_wait(), self._locked_transaction():
                    pass
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    raise  # locked by another connection: they stay pending for the next write
            finally:
                self._lock.release()

    def _claim_of(self, response_id: str) -> tuple[str, str, bool] | None:
        """(owner, provider, deleted) of an id's claim, written or pending. The pending claims are read first: one
        leaves them only after its commit, so it is in one place or the other, never between the two reads."""
        with self._claims_lock:
            pending = self._pending.get(response_id)
        rows = self._rows("SELECT owner, provider, deleted FROM claims WHERE id = ?", response_id)
        if rows:  # a written claim outranks a later one still pending (the first claim of an id holds)
            return str(rows[0][0]), str(rows[0][1]), bool(rows[0][2])
        return (*pending, False) if pending else None
