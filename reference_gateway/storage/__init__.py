"""The gateway's storage: one interface (base.Storage), three implementations, chosen by the config.

- SQLite (`storage: {path: FILE}`, the embedded default; `:memory:` for a throwaway database)
- in memory (`storage: {url: "memory:"}`): tests build a real Gateway on it
- PostgreSQL (`storage: {url: postgresql://...}`, the `postgres` extra): several replicas share one database
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from reference_gateway.storage.base import Item, Order, Storage, UnknownCursor
from reference_gateway.storage.memory import MemoryStorage
from reference_gateway.storage.sqlite import SQLiteStorage, is_busy

T = TypeVar("T")
__all__ = [
    "Item",
    "MemoryStorage",
    "Order",
    "SQLiteStorage",
    "Storage",
    "UnknownCursor",
    "call",
    "is_busy",
    "open_storage",
]


def open_storage(url: str, path: str, *, busy_timeout: float = 5.0) -> Storage:
    """The storage a config names: `url` (postgresql://..., memory:, sqlite:///PATH) if set, else SQLite at path."""
    if url.startswith(("postgresql://", "postgres://")):
        from reference_gateway.storage.postgres import PostgresStorage  # the optional `postgres` extra

        return PostgresStorage(url, busy_timeout=busy_timeout)
    if url == "memory:":
        return MemoryStorage()
    if url.startswith("sqlite://"):
        return SQLiteStorage(url.removeprefix("sqlite://").removeprefix("/") or ":memory:", busy_timeout=busy_timeout)
    if url:
        raise ValueError(f"unknown storage url {url!r}: postgresql://..., memory: or sqlite:///PATH")
    return SQLiteStorage(path, busy_timeout=busy_timeout)


async def call(storage: Storage, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A storage call from the event loop: made right here when the storage is `inline`, else in a worker thread
    (a network round trip, or a wait for a pooled connection, never stalls the loop)."""
    if storage.inline:
        return method(*args, **kwargs)
    return await run_in_threadpool(method, *args, **kwargs)
