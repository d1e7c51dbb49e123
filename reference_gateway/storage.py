"""SQLite storage: response snapshots with their input items, conversations and their items; all per key."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

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
"""


class Storage:
    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def _all(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _run(self, sql: str, *args: Any) -> int:
        with self._lock:
            return self._db.execute(sql, args).rowcount

    # responses ---------------------------------------------------------------------------------------------------
    def save_response(self, owner: str, response: dict[str, Any], input_items: list[dict[str, Any]]) -> None:
        self._run(
            "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?)",
            owner,
            response["id"],
            json.dumps(response),
            json.dumps(input_items),
            time.time(),
        )

    def get_response(self, owner: str, response_id: str) -> dict[str, Any] | None:
        rows = self._all("SELECT body FROM responses WHERE owner = ? AND id = ?", owner, response_id)
        return json.loads(rows[0][0]) if rows else None

    def get_input_items(self, owner: str, response_id: str) -> list[dict[str, Any]] | None:
        rows = self._all("SELECT input FROM responses WHERE owner = ? AND id = ?", owner, response_id)
        return json.loads(rows[0][0]) if rows else None

    def owned_elsewhere(self, owner: str, response_id: str) -> bool:
        """True when another key stored this response (so this key must not learn it exists)."""
        return bool(self._all("SELECT 1 FROM responses WHERE owner != ? AND id = ?", owner, response_id))

    def delete_response(self, owner: str, response_id: str) -> bool:
        return self._run("DELETE FROM responses WHERE owner = ? AND id = ?", owner, response_id) > 0

    # conversations -----------------------------------------------------------------------------------------------
    def create_conversation(self, owner: str, conversation_id: str, metadata: dict[str, Any]) -> dict[str, Any]:
        created = int(time.time())
        self._run(
            "INSERT INTO conversations VALUES (?, ?, ?, ?)", owner, conversation_id, created, json.dumps(metadata)
        )
        return conversation_resource(conversation_id, created, metadata)

    def get_conversation(self, owner: str, conversation_id: str) -> dict[str, Any] | None:
        rows = self._all(
            "SELECT created_at, metadata FROM conversations WHERE owner = ? AND id = ?", owner, conversation_id
        )
        return conversation_resource(conversation_id, rows[0][0], json.loads(rows[0][1])) if rows else None

    def update_conversation(self, owner: str, conversation_id: str, metadata: dict[str, Any]) -> dict[str, Any] | None:
        self._run(
            "UPDATE conversations SET metadata = ? WHERE owner = ? AND id = ?",
            json.dumps(metadata),
            owner,
            conversation_id,
        )
        return self.get_conversation(owner, conversation_id)

    def delete_conversation(self, owner: str, conversation_id: str) -> bool:
        deleted = self._run("DELETE FROM conversations WHERE owner = ? AND id = ?", owner, conversation_id) > 0
        if deleted:
            self._run("DELETE FROM conversation_items WHERE conversation = ?", conversation_id)
        return deleted

    def add_items(self, conversation_id: str, items: list[dict[str, Any]]) -> None:
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(MAX(seq), -1) FROM conversation_items WHERE conversation = ?", (conversation_id,)
            ).fetchone()
            seq = int(row[0]) + 1
            for offset, item in enumerate(items):
                self._db.execute(
                    "INSERT INTO conversation_items VALUES (?, ?, ?, ?)",
                    (conversation_id, seq + offset, item["id"], json.dumps(item)),
                )

    def list_items(self, conversation_id: str) -> list[dict[str, Any]]:
        rows = self._all("SELECT body FROM conversation_items WHERE conversation = ? ORDER BY seq", conversation_id)
        return [json.loads(r[0]) for r in rows]

    def get_item(self, conversation_id: str, item_id: str) -> dict[str, Any] | None:
        rows = self._all(
            "SELECT body FROM conversation_items WHERE conversation = ? AND id = ?", conversation_id, item_id
        )
        return json.loads(rows[0][0]) if rows else None

    def delete_item(self, conversation_id: str, item_id: str) -> bool:
        return (
            self._run("DELETE FROM conversation_items WHERE conversation = ? AND id = ?", conversation_id, item_id) > 0
        )


def conversation_resource(conversation_id: str, created_at: int, metadata: dict[str, Any]) -> dict[str, Any]:
    return {"id": conversation_id, "object": "conversation", "created_at": created_at, "metadata": metadata}
