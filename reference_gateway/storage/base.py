"""The storage interface every implementation provides (SQLite, in memory, PostgreSQL), and what they share.

Every read and write names the owner (the caller's key name): another key's response or conversation is simply
not there, so no caller can learn that it exists. The calls are synchronous: the pipeline makes them in worker
threads, or on the event loop when the storage says that is cheap (`inline`) and `try_now` needs no waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol

Order = Literal["asc", "desc"]
Item = dict[str, Any]
Chain = list[tuple[dict[str, Any], list[Item]]]


class UnknownCursor(LookupError):
    """`after` names no item of the list being paged."""

    def __init__(self, after: str) -> None:
        super().__init__(after)
        self.after = after


def window(items: list[Item], *, after: str | None, limit: int, order: Order) -> tuple[list[Item], bool]:
    """One page of an in-order list: (items, has_more)."""
    ordered = items if order == "asc" else items[::-1]
    if after is not None:
        ids = [item.get("id") for item in ordered]
        if after not in ids:
            raise UnknownCursor(after)
        ordered = ordered[ids.index(after) + 1 :]
    return ordered[:limit], len(ordered) > limit


def walk_chain(fetch: Callable[[str], tuple[dict[str, Any], list[Item]] | None], response_id: str) -> Chain | None:
    """A response and every one it continues, oldest first, read link by link with `fetch` (None: missing);
    None when a link is missing or the links loop."""
    chain: Chain = []
    seen: set[str] = set()
    current: str | None = response_id
    while current:
        found = fetch(current)
        if found is None or current in seen:
            return None
        seen.add(current)
        chain.append(found)
        previous = found[0].get("previous_response_id")
        current = str(previous) if previous else None
    return chain[::-1]


def conversation_resource(conversation_id: str, created_at: int, metadata: dict[str, Any]) -> dict[str, Any]:
    return {"id": conversation_id, "object": "conversation", "created_at": created_at, "metadata": metadata}


class Storage(Protocol):
    """Responses with their input items, response-id claims, conversations with their items; all per key."""

    # True when a call costs no network round trip and never waits long (it may be made on the event loop).
    inline: bool
    # The exceptions a call raises when the storage cannot serve it (locked, unreachable): a 503, nothing kept.
    failures: tuple[type[Exception], ...]

    def busy(self, exc: BaseException) -> bool:
        """True when `exc` says another writer held the storage past the wait allowed (not a lasting fault)."""
        ...

    def close(self) -> None:
        """Write what is pending and close (a second close does nothing)."""
        ...

    def try_now(self, write: Callable[[], None]) -> bool:
        """Run `write` (one transaction) in the calling thread if it needs no waiting (True), else run nothing
        (False), so that the caller hands it to a worker thread."""
        ...

    def atomic(self) -> AbstractContextManager[object]:
        """Several writes as one transaction: all of them are stored, or none."""
        ...

    # responses
    def save_response(self, owner: str, response: dict[str, Any], input_items: list[Item]) -> None: ...

    def get_response(self, owner: str, response_id: str) -> dict[str, Any] | None: ...

    def get_input_items(self, owner: str, response_id: str) -> list[Item] | None: ...

    def list_input_items(
        self, owner: str, response_id: str, *, after: str | None = None, limit: int = 20, order: Order = "desc"
    ) -> tuple[list[Item], bool] | None:
        """A page of a response's input items, or None when this owner has no such response."""
        ...

    def delete_response(self, owner: str, response_id: str) -> bool: ...

    def response_chain(self, owner: str, response_id: str) -> Chain | None:
        """(response, input items) for the response and every one it continues, oldest first; None when any link
        is missing for this owner or the links loop (a partial history would change what the model is told)."""
        ...

    # Every response id handed out is claimed by its key, stored or not, and the claim outlives deletion.
    def claim(self, owner: str, response_id: str, provider: str) -> None:
        """Claim an id for `owner` (the first claim of an id holds)."""
        ...

    def owns(self, owner: str, response_id: str) -> bool:
        """True when this key made the response and has not deleted it."""
        ...

    def provider_of(self, owner: str, response_id: str) -> str | None:
        """The provider that made this key's live response ('' when unknown), or None when it is not theirs."""
        ...

    # conversations
    def create_conversation(
        self, owner: str, metadata: dict[str, Any], items: list[Item] | None = None
    ) -> dict[str, Any]: ...

    def get_conversation(self, owner: str, conversation_id: str) -> dict[str, Any] | None: ...

    def update_conversation(
        self, owner: str, conversation_id: str, metadata: dict[str, Any]
    ) -> dict[str, Any] | None: ...

    def delete_conversation(self, owner: str, conversation_id: str) -> bool: ...

    def add_items(self, owner: str, conversation_id: str, items: list[Item]) -> list[Item] | None:
        """Append items (given ids where they lack one); the stored items, or None if not this owner's."""
        ...

    def all_items(self, owner: str, conversation_id: str) -> list[Item] | None:
        """Every item, oldest first (what a response in this conversation is given)."""
        ...

    def list_items(
        self, owner: str, conversation_id: str, *, after: str | None = None, limit: int = 20, order: Order = "desc"
    ) -> tuple[list[Item], bool] | None:
        """A page of a conversation's items: (items, has_more), or None if not this owner's."""
        ...

    def get_item(self, owner: str, conversation_id: str, item_id: str) -> Item | None: ...

    def delete_item(self, owner: str, conversation_id: str, item_id: str) -> bool: ...
