"""Where the pipeline's storage writes run: a small one on the event loop when the storage is free, anything else
in a worker thread, so that the loop never waits on SQLite."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from reference_gateway.flows import record
from reference_gateway.storage import SQLiteStorage as Storage
from reference_gateway.storage.sqlite import CLAIM_BATCH


async def _thread_of_write(storage: Storage, request_bytes: int | None) -> threading.Thread:
    ran: list[threading.Thread] = []
    gateway: Any = SimpleNamespace(storage=storage)
    turn: Any = SimpleNamespace(request_bytes=request_bytes)
    await record.write(gateway, turn, lambda: ran.append(threading.current_thread()))
    assert len(ran) == 1, "the write ran exactly once"
    return ran[0]


async def test_a_small_write_runs_on_the_loop_and_a_large_or_unsized_one_in_a_worker(tmp_path: Path) -> None:
    storage = Storage(str(tmp_path / "g.sqlite"))
    here = threading.current_thread()
    assert await _thread_of_write(storage, 2_000) is here
    assert await _thread_of_write(storage, record.INLINE_WRITE_BYTES + 1) is not here
    assert await _thread_of_write(storage, None) is not here
    storage.close()


async def test_a_small_write_goes_to_a_worker_while_another_thread_holds_the_storage(tmp_path: Path) -> None:
    storage = Storage(str(tmp_path / "g.sqlite"))
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with storage._transaction():
            holding.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(5)
    assert not storage.try_now(lambda: None)
    write = asyncio.create_task(_thread_of_write(storage, 2_000))
    await asyncio.sleep(0.05)  # the write has been handed to a worker, which waits for the holder (the loop does not)
    release.set()
    assert await write is not threading.current_thread()
    holder.join()
    assert storage.try_now(lambda: None)
    storage.close()


def test_checkpoints_run_off_the_writers_and_closing_empties_the_wal(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    storage = Storage(str(path))
    for n in range(50):
        storage.claim("alice", f"resp_{n}", "openai")
    storage.save_response("alice", {"id": "resp_x", "status": "completed", "output": []}, [])
    assert Path(f"{path}-wal").stat().st_size > 0
    storage.close()
    storage.close()  # a second close does nothing
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    again = Storage(str(path))
    assert again.get_response("alice", "resp_x") is not None and again.owns("alice", "resp_49")
    again.close()


def test_with_sqlites_lock_held_elsewhere_nothing_on_the_loop_waits_for_it(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    storage = Storage(str(path), busy_timeout=2.0)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # as another process holding the write lock
    started = time.monotonic()
    assert not storage.try_now(lambda: storage.save_response("alice", {"id": "resp_a", "output": []}, []))
    for n in range(CLAIM_BATCH + 1):  # a full batch: due, and tried at once
        storage.claim("alice", f"resp_{n}", "openai")
    assert time.monotonic() - started < 0.5, "a write on the loop waited for the lock"
    assert storage.owns("alice", "resp_0") and storage.get_response("alice", "resp_a") is None
    other.execute("COMMIT")
    assert storage.try_now(lambda: storage.save_response("alice", {"id": "resp_a", "output": []}, []))
    claims = storage._rows("SELECT COUNT(*) FROM claims")[0][0]
    assert claims == CLAIM_BATCH + 2  # the pending claims went with the write
    other.close()
    storage.close()
