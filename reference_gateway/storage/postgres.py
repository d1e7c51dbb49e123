"""PostgreSQL storage, for several gateway replicas sharing one database (psycopg 3 and its connection pool).

Every call takes a pooled connection (waiting at most `busy_timeout` for one: past it PoolTimeout, a 503), so the
calls are made in worker threads (`inline` is False). A claim is written at once, so another replica sees it for
the next request. Appends to a conversation lock its row, so two replicas appending at once keep their order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from reference_gateway.storage.migrations import migrate
from reference_gateway.storage.sql import SQLStorage

Connection = psycopg.Connection[tuple[Any, ...]]
_current: ContextVar[Connection | None] = ContextVar("postgres_transaction", default=None)


class PostgresStorage(SQLStorage):
    LOCK_ROW = " FOR UPDATE"  # two replicas appending to one conversation keep their order
    inline = False
    failures: tuple[type[Exception], ...] = (psycopg.OperationalError,)

    def __init__(self, url: str, *, busy_timeout: float = 5.0, max_connections: int = 10) -> None:
        self._pool: ConnectionPool[Connection] = ConnectionPool(
            url, min_size=1, max_size=max_connections, timeout=busy_timeout, open=False, kwargs={"autocommit": True}
        )
        self._pool.open(wait=True, timeout=busy_timeout)
        with self._pool.connection() as connection:
            migrate(connection)

    def busy(self, exc: BaseException) -> bool:
        return isinstance(exc, psycopg.errors.LockNotAvailable | psycopg.errors.QueryCanceled) or (
            type(exc).__name__ == "PoolTimeout"
        )

    def close(self) -> None:
        self._pool.close()

    def try_now(self, write: Callable[[], None]) -> bool:
        return False  # every call is a round trip to the server: never on the event loop

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """One transaction; inside `atomic()`, part of the one already open."""
        open_one = _current.get()
        if open_one is not None:
            yield open_one
            return
        with self._pool.connection() as connection, connection.transaction():
            token = _current.set(connection)
            try:
                yield connection
            finally:
                _current.reset(token)

    def atomic(self) -> AbstractContextManager[object]:
        return self._transaction()

    def _reading(self) -> AbstractContextManager[Any]:
        return self._transaction()  # one connection, one snapshot

    def _rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        open_one = _current.get()
        if open_one is not None:
            rows: list[tuple[Any, ...]] = self._execute(open_one, sql, *args).fetchall()
            return rows
        with self._pool.connection() as connection:
            rows = self._execute(connection, sql, *args).fetchall()
            return rows

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    def _execute(self, db: Any, sql: str, *args: Any) -> Any:
        # A statement that returns no rows still has a cursor whose fetchall raises: callers read rows only of
        # SELECTs, and rowcount of the rest.
        return db.execute(self._sql(sql), args)

    def _execute_many(self, db: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
        with db.cursor() as cursor:
            cursor.executemany(self._sql(sql), rows)
