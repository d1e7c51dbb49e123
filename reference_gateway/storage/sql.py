"""What SQLite and PostgreSQL share: every resource written in one SQL (`?` placeholders, `ON CONFLICT`), over
the hooks each implementation provides (its transactions, its reads, its connection's spelling)."""

from __future__ import annotations

import json
import time
from contextlib import AbstractContextManager
from typing import Any

from reference_gateway.ids import new_id, with_ids
from reference_gateway.storage.base import Chain, Item, Order, UnknownCursor, conversation_resource, walk_chain, window

Row = tuple[Any, ...]


class InputItemPages:
    """`list_input_items` over `get_input_items`: the items are stored whole with their response."""

    def get_input_items(self, owner: str, response_id: str) -> list[Item] | None:
        raise NotImplementedError

    def list_input_items(
        self, owner: str, response_id: str, *, after: str | None = None, limit: int = 20, order: Order = "desc"
    ) -> tuple[list[Item], bool] | None:
        items = self.get_input_items(owner, response_id)
        return None if items is None else window(items, after=after, limit=limit, order=order)


class SQLStorage(InputItemPages):
    LOCK_ROW = ""  # appended to the SELECT that checks a conversation's owner before a change (PostgreSQL: FOR UPDATE)

    # hooks ---------------------------------------------------------------------------------------------------------
    def _transaction(self) -> AbstractContextManager[Any]:
        """One write transaction, yielding the connection (inside `atomic()`, the one already open)."""
        raise NotImplementedError

    def _reading(self) -> AbstractContextManager[Any]:
        """Several reads that must see one state (a response chain, a conversation's page)."""
        raise NotImplementedError

    def _rows(self, sql: str, *args: Any) -> list[Row]:
        """One statement's rows (in the open transaction, if any)."""
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        """The statement in the driver's placeholder style (written with `?`)."""
        return sql

    def _execute(self, db: Any, sql: str, *args: Any) -> Any:
        return db.execute(self._sql(sql), args)

    def _execute_many(self, db: Any, sql: str, rows: list[Row]) -> None:
        db.executemany(self._sql(sql), rows)

    # responses ---------------------------------------------------------------------------------------------------
    def save_response(self, owner: str, response: dict[str, Any], input_items: list[Item]) -> None:
        body, inputs = json.dumps(response), json.dumps(with_ids(input_items))
        with self._transaction() as db:
            self._execute(
                db,
                "INSERT INTO responses VALUES (?, ?, ?, ?, ?) ON CONFLICT (owner, id) DO UPDATE "
                "SET body = excluded.body, input = excluded.input, created = excluded.created",
                owner,
                response["id"],
                body,
                inputs,
                time.time(),
            )
            self._execute(
                db,
                "INSERT INTO claims (id, owner, provider) VALUES (?, ?, '') ON CONFLICT DO NOTHING",
                response["id"],
                owner,
            )

    def _response(self, owner: str, response_id: str) -> tuple[dict[str, Any], list[Item]] | None:
        rows = self._rows("SELECT body, input FROM responses WHERE owner = ? AND id = ?", owner, response_id)
        return (json.loads(rows[0][0]), json.loads(rows[0][1])) if rows else None

    def get_response(self, owner: str, response_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT body FROM responses WHERE owner = ? AND id = ?", owner, response_id)
        return json.loads(rows[0][0]) if rows else None

    def get_input_items(self, owner: str, response_id: str) -> list[Item] | None:
        rows = self._rows("SELECT input FROM responses WHERE owner = ? AND id = ?", owner, response_id)
        return json.loads(rows[0][0]) if rows else None

    def delete_response(self, owner: str, response_id: str) -> bool:
        with self._transaction() as db:
            deleted = self._execute(db, "DELETE FROM responses WHERE owner = ? AND id = ?", owner, response_id)
            self._execute(db, "UPDATE claims SET deleted = ? WHERE id = ? AND owner = ?", True, response_id, owner)
        return int(deleted.rowcount) > 0

    def response_chain(self, owner: str, response_id: str) -> Chain | None:
        with self._reading():
            return walk_chain(lambda current: self._response(owner, current), response_id)

    def claim(self, owner: str, response_id: str, provider: str) -> None:
        with self._transaction() as db:
            self._execute(
                db,
                "INSERT INTO claims (id, owner, provider) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                response_id,
                owner,
                provider,
            )

    def _claim_of(self, response_id: str) -> tuple[str, str, bool] | None:
        rows = self._rows("SELECT owner, provider, deleted FROM claims WHERE id = ?", response_id)
        return (str(rows[0][0]), str(rows[0][1]), bool(rows[0][2])) if rows else None

    def owns(self, owner: str, response_id: str) -> bool:
        return self.provider_of(owner, response_id) is not None

    def provider_of(self, owner: str, response_id: str) -> str | None:
        found = self._claim_of(response_id)
        return found[1] if found and found[0] == owner and not found[2] else None

    # conversations -----------------------------------------------------------------------------------------------
    def create_conversation(
        self, owner: str, metadata: dict[str, Any], items: list[Item] | None = None
    ) -> dict[str, Any]:
        conversation_id, created = new_id("conv_"), int(time.time())
        with self._transaction() as db:
            self._execute(
                db,
                "INSERT INTO conversations VALUES (?, ?, ?, ?)",
                owner,
                conversation_id,
                created,
                json.dumps(metadata),
            )
            self._append(db, conversation_id, with_ids(items or []))
        return conversation_resource(conversation_id, created, metadata)

    def get_conversation(self, owner: str, conversation_id: str) -> dict[str, Any] | None:
        rows = self._rows(
            "SELECT created_at, metadata FROM conversations WHERE owner = ? AND id = ?", owner, conversation_id
        )
        return conversation_resource(conversation_id, int(rows[0][0]), json.loads(rows[0][1])) if rows else None

    def update_conversation(self, owner: str, conversation_id: str, metadata: dict[str, Any]) -> dict[str, Any] | None:
        with self._transaction() as db:
            self._execute(
                db,
                "UPDATE conversations SET metadata = ? WHERE owner = ? AND id = ?",
                json.dumps(metadata),
                owner,
                conversation_id,
            )
            return self.get_conversation(owner, conversation_id)

    def delete_conversation(self, owner: str, conversation_id: str) -> bool:
        with self._transaction() as db:
            deleted = self._execute(db, "DELETE FROM conversations WHERE owner = ? AND id = ?", owner, conversation_id)
            if deleted.rowcount:
                self._execute(db, "DELETE FROM conversation_items WHERE conversation = ?", conversation_id)
        return int(deleted.rowcount) > 0

    def _owned(self, owner: str, conversation_id: str, *, lock: bool = False) -> bool:
        """True when the conversation is this owner's (`lock`: its row held until the transaction ends)."""
        sql = "SELECT 1 FROM conversations WHERE owner = ? AND id = ?" + (self.LOCK_ROW if lock else "")
        return bool(self._rows(sql, owner, conversation_id))

    def _append(self, db: Any, conversation_id: str, items: list[Item]) -> None:
        row = self._execute(
            db, "SELECT COALESCE(MAX(seq), -1) FROM conversation_items WHERE conversation = ?", conversation_id
        ).fetchone()
        start = int(row[0]) + 1
        rows = [(conversation_id, start + n, item["id"], json.dumps(item)) for n, item in enumerate(items)]
        if rows:
            self._execute_many(db, "INSERT INTO conversation_items VALUES (?, ?, ?, ?)", rows)

    def add_items(self, owner: str, conversation_id: str, items: list[Item]) -> list[Item] | None:
        stored = with_ids(items)
        with self._transaction() as db:
            if not self._owned(owner, conversation_id, lock=True):
                return None
            self._append(db, conversation_id, stored)
        return stored

    def all_items(self, owner: str, conversation_id: str) -> list[Item] | None:
        with self._reading():
            if not self._owned(owner, conversation_id):
                return None
            rows = self._rows(
                "SELECT body FROM conversation_items WHERE conversation = ? ORDER BY seq", conversation_id
            )
        return [json.loads(r[0]) for r in rows]

    def list_items(
        self, owner: str, conversation_id: str, *, after: str | None = None, limit: int = 20, order: Order = "desc"
    ) -> tuple[list[Item], bool] | None:
        direction, compare = ("ASC", ">") if order == "asc" else ("DESC", "<")
        with self._reading():
            if not self._owned(owner, conversation_id):
                return None
            where, args = "conversation = ?", [conversation_id]
            if after is not None:
                cursor = self._rows(
                    "SELECT MIN(seq) FROM conversation_items WHERE conversation = ? AND id = ?", conversation_id, after
                )[0][0]
                if cursor is None:
                    raise UnknownCursor(after)
                where, args = f"{where} AND seq {compare} ?", [conversation_id, cursor]
            rows = self._rows(
                f"SELECT body FROM conversation_items WHERE {where} ORDER BY seq {direction} LIMIT ?", *args, limit + 1
            )
        return [json.loads(r[0]) for r in rows[:limit]], len(rows) > limit

    def get_item(self, owner: str, conversation_id: str, item_id: str) -> Item | None:
        with self._reading():
            if not self._owned(owner, conversation_id):
                return None
            rows = self._rows(
                "SELECT body FROM conversation_items WHERE conversation = ? AND id = ? ORDER BY seq LIMIT 1",
                conversation_id,
                item_id,
            )
        return json.loads(rows[0][0]) if rows else None

    def delete_item(self, owner: str, conversation_id: str, item_id: str) -> bool:
        with self._transaction() as db:
            if not self._owned(owner, conversation_id, lock=True):
                return False
            deleted = self._execute(
                db, "DELETE FROM conversation_items WHERE conversation = ? AND id = ?", conversation_id, item_id
            )
        return int(deleted.rowcount) > 0
