"""Stateful Responses features: previous_response_id chains and conversations, honoured or rejected per route.

Modes (chosen by the route's flow):
- forward: the native upstream resolves previous_response_id itself; the gateway only refuses an id that it
  stored for another key, without saying that it exists.
- replay: a chat-translated provider has no memory, so the gateway rebuilds the history from what it stored.
Conversations are the gateway's own resource, so forward and replay both expand them here. A provider configured
`stateful: reject` never gets here: the capability table refuses both fields first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reference_gateway.errors import GatewayError, not_found
from reference_gateway.ids import with_ids
from reference_gateway.storage import Storage

if TYPE_CHECKING:
    from reference_gateway.turn import Turn

__all__ = ["chain", "conversation_id", "history", "previous_id", "previous_not_found", "record", "with_ids"]

MODES = ("forward", "replay")


def previous_not_found(response_id: str) -> GatewayError:
    return GatewayError(
        400,
        f"Previous response with id '{response_id}' not found.",
        code="previous_response_not_found",
        param="previous_response_id",
    )


def conversation_not_found(conv: str) -> GatewayError:
    return not_found(f"Conversation with id '{conv}' not found.", param="conversation")


def previous_id(payload: dict[str, Any]) -> str | None:
    previous = payload.get("previous_response_id")
    if previous is None:
        return None
    if not isinstance(previous, str) or not previous:
        raise GatewayError(
            400, "Invalid 'previous_response_id': expected a response id string.", param="previous_response_id"
        )
    return previous


def conversation_id(payload: dict[str, Any]) -> str | None:
    """The conversation named by `conversation` (an id string or `{"id": ...}`), if any."""
    conv = payload.get("conversation")
    if conv is None:
        return None
    if isinstance(conv, dict):
        conv = conv.get("id")
    if not isinstance(conv, str) or not conv:
        raise GatewayError(
            400, "Invalid 'conversation': expected a conversation id or an object with an 'id'.", param="conversation"
        )
    return conv


def chain(storage: Storage, owner: str, response_id: str) -> list[dict[str, Any]]:
    """Every earlier turn, oldest first: each response's input items, then its output items."""
    turns = storage.response_chain(owner, response_id)
    if turns is None:
        raise previous_not_found(response_id)
    return [item for response, inputs in turns for item in [*inputs, *(response.get("output") or [])]]


Local = Mapping[str, tuple[dict[str, Any], list[dict[str, Any]]]]


def local_chain(storage: Storage, owner: str, response_id: str, local: Local) -> list[dict[str, Any]]:
    """The history of a response kept on one websocket connection (`store: false`): its own turns from `local`,
    then, where the chain reaches a stored response, the stored chain."""
    turns: list[dict[str, Any]] = []
    current: str | None = response_id
    seen: set[str] = set()
    while current is not None and current in local and current not in seen:
        seen.add(current)
        response, inputs = local[current]
        turns = [*inputs, *(response.get("output") or []), *turns]
        previous = response.get("previous_response_id")
        current = str(previous) if previous else None
    return (chain(storage, owner, current) if current else []) + turns


def history(storage: Storage, turn: Turn, *, mode: str) -> list[dict[str, Any]]:
    """The earlier items a turn names, oldest first, to be sent upstream before its input: the stored chain of its
    `previous_response_id` (replay; forward only checks that this key owns it), or its conversation's items. A
    websocket connection's own `store: false` responses (`turn.session`) are continued from there on any route."""
    if mode not in MODES:
        raise ValueError(f"unknown state mode {mode!r}")
    previous, conv = turn.previous, turn.conversation
    local = turn.session.responses if turn.session is not None else None
    if previous and conv:
        # OpenAI: previous_response_id "cannot be used in conjunction with `conversation`".
        raise GatewayError(
            400, "'previous_response_id' and 'conversation' cannot be used together.", param="conversation"
        )
    if previous:
        if local is not None and previous in local:
            return local_chain(storage, turn.owner, previous, local)
        if mode == "replay":
            return chain(storage, turn.owner, previous)
        # Forwarded: the upstream would resolve any id it holds, whoever made it, deleted or not. Only this key's
        # live responses may be continued, and every other id gets the same answer as one that never existed.
        if not storage.owns(turn.owner, previous):
            raise previous_not_found(previous)
    if conv:
        items = storage.all_items(turn.owner, conv)
        if items is None:
            raise conversation_not_found(conv)
        return items
    return []


FINISHED = ("completed", "incomplete")


def record(storage: Storage, turn: Turn, response: dict[str, Any]) -> None:
    """Keep a finished response (unless `store` is false) and append the turn to its conversation.

    Finished: `completed`, or `incomplete` (cut where the caller's `max_output_tokens` or the model's own output
    limit ended it; kept under that status, as OpenAI keeps it, and continued from as it stands). A failed or
    unfinished response is never kept: continuing from it would replay a half-written turn."""
    if response.get("status") not in FINISHED:
        return
    new_items = with_ids(turn.input)
    with storage.atomic():  # the response and its conversation's items: both stored, or neither
        if turn.store:
            snapshot = response
            if not response.get("previous_response_id") and turn.previous:
                # The chain is followed through the snapshot, so it must name its predecessor.
                snapshot = {**response, "previous_response_id": turn.previous}
            storage.save_response(turn.owner, snapshot, new_items)
        if turn.conversation:
            storage.add_items(turn.owner, turn.conversation, new_items + list(response.get("output") or []))
