"""In-memory storage: the whole state in dicts behind one lock, gone with the process. For tests (they build a
real Gateway on it) and for a gateway that keeps nothing; the same contract as SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from reference_gateway.ids import new_id, with_ids
from reference_gateway.storage.base import Chain, Item, Order, conversation_resource, walk_chain, window
from reference_gateway.storage.sql import InputItemPages


@dataclass
class _State:
    responses: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # (owner, id) -> JSON texts
    claims: dict[str, tuple[str, str, bool]] = field(default_factory=dict)  # id -> (owner, provider, deleted)
    conversations: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)  # -> (created, metadata)
    items: dict[str, list[str]] = field(default_factory=dict)  # conversation -> items as JSON, in order


class MemoryStorage(InputItemPages):
    inline = True
    failures: tuple[type[Exception], ...] = ()

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._state = _State()

    def busy(self, exc: BaseException) -> bool:
        return False

    def close(self) -> None:
        return None

    def try_now(self, write: Callable[[], None]) -> bool:
        if not self._lock.acquire(blocking=False):
            return False
        try:
            write()
        finally:
            self._lock.release()
        return True

    @contextmanager
    def _transaction(self) -> Iterator[_State]:
        """The state, restored as it was if the block fails (nested blocks are part of the outer one)."""
        with self._lock:
            saved = copy.deepcopy(self._state)
            try:
                yield self._state
            except BaseException:
                self._state = saved
                raise

    def atomic(self) -> AbstractContextManager[object]:
        return self._transaction()

    # responses ---------------------------------------------------------------------------------------------------
    def save_response(self, owner: str, response: dict[str, Any], input_items: list[Item]) -> None:
        with self._lock:
            self._state.responses[owner, response["id"]] = (json.dumps(response), json.dumps(with_ids(input_items)))
            self._state.claims.setdefault(response["id"], (owner, "", False))

    def _response(self, owner: str, response_id: str) -> tuple[dict[str, Any], list[Item]] | None:
        with self._lock:
            found = self._state.responses.get((owner, response_id))
        return None if found is None else (json.loads(found[0]), json.loads(found[1]))

    def get_response(self, owner: str, response_id: str) -> dict[str, Any] | None:
        found = self._response(owner, response_id)
        return None if found is None else found[0]

    def get_input_items(self, owner: str, response_id: str) -> list[Item] | None:
        found = self._response(owner, response_id)
        return None if found is None else found[1]

    def delete_response(self, owner: str, response_id: str) -> bool:
        with self._lock:
            claim = self._state.claims.get(response_id)
            if claim is not None and claim[0] == owner:
                self._state.claims[response_id] = (claim[0], claim[1], True)
            return self._state.responses.pop((owner, response_id), None) is not None

    def response_chain(self, owner: str, response_id: str) -> Chain | None:
        return walk_chain(lambda current: self._response(owner, current), response_id)

    def claim(self, owner: str, response_id: str, provider: str) -> None:
        with self._lock:
            self._state.claims.setdefault(response_id, (owner, provider, False))

    def owns(self, owner: str, response_id: str) -> bool:
        return self.provider_of(owner, response_id) is not None

    def provider_of(self, owner: str, response_id: str) -> str | None:
        with self._lock:
            found = self._state.claims.get(response_id)
        return found[1] if found and found[0] == owner and not found[2] else None

    # conversations -----------------------------------------------------------------------------------------------
    def create_conversation(
        self, owner: str, metadata: dict[str, Any], items: list[Item] | None = None
    ) -> dict[str, Any]:
        conversation_id, created = new_id("conv_"), int(time.time())
        with self._lock:
            self._state.conversations[owner, conversation_id] = (created, json.dumps(metadata))
            self._state.items[conversation_id] = [json.dumps(item) for item in with_ids(items or [])]
        return conversation_resource(conversation_id, created, metadata)

    def get_conversation(self, owner: str, conversation_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._state.conversations.get((owner, conversation_id))
        return None if found is None else conversation_resource(conversation_id, found[0], json.loads(found[1]))

    def update_conversation(self, owner: str, conversation_id: str, metadata: dict[str, Any]) -> dict[str, Any] | None:
        with self._lock:
            found = self._state.conversations.get((owner, conversation_id))
            if found is not None:
                self._state.conversations[owner, conversation_id] = (found[0], json.dumps(metadata))
        return self.get_conversation(owner, conversation_id)

    def delete_conversation(self, owner: str, conversation_id: str) -> bool:
        with self._lock:
            if self._state.conversations.pop((owner, conversation_id), None) is None:
                return False
            self._state.items.pop(conversation_id, None)
        return True

    def _items(self, owner: str, conversation_id: str) -> list[str] | None:
        """The conversation's stored items (the lock held by the caller), or None if not this owner's."""
        if (owner, conversation_id) not in self._state.conversations:
            return None
        return self._state.items.setdefault(conversation_id, [])

    def add_items(self, owner: str, conversation_id: str, items: list[Item]) -> list[Item] | None:
        stored = with_ids(items)
        with self._lock:
            existing = self._items(owner, conversation_id)
            if existing is None:
                return None
            existing.extend(json.dumps(item) for item in stored)
        return stored

    def all_items(self, owner: str, conversation_id: str) -> list[Item] | None:
        with self._lock:
            existing = self._items(owner, conversation_id)
            return None if existing is None else [json.loads(text) for text in existing]

    def list_items(
        self, owner: str, conversation_id: str, *, after: str | None = None, limit: int = 20, order: Order = "desc"
    ) -> tuple[list[Item], bool] | None:
        items = self.all_items(owner, conversation_id)
        return None if items is None else window(items, after=after, limit=limit, order=order)

    def get_item(self, owner: str, conversation_id: str, item_id: str) -> Item | None:
        items = self.all_items(owner, conversation_id) or []
        return next((item for item in items if item.get("id") == item_id), None)

    def delete_item(self, owner: str, conversation_id: str, item_id: str) -> bool:
        with self._lock:
            existing = self._items(owner, conversation_id)
            if existing is None:
                return False
            kept = [text for text in existing if json.loads(text).get("id") != item_id]
            self._state.items[conversation_id] = kept
            return len(kept) < len(existing)
