"""Stateful Responses features: previous_response_id chains and conversations, honoured or rejected per route.

Modes (chosen by the route):
- forward: the native upstream resolves previous_response_id itself; the gateway only refuses an id that it
  stored for another key, without saying that it exists.
- replay: a chat-translated provider has no memory, so the gateway rebuilds the history from what it stored.
- reject: a chat-translated provider configured `stateful: reject` refuses both fields outright.
Conversations are the gateway's own resource, so forward and replay both expand them here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference_gateway.errors import GatewayError, not_found
from reference_gateway.ids import with_ids
from reference_gateway.storage import Storage
from reference_gateway.translate.request import normalize_input

__all__ = ["chain", "conversation_id", "expand_input", "previous_not_found", "record", "with_ids"]

MODES = ("forward", "replay", "reject")


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


def expand_input(
    storage: Storage, owner: str, payload: dict[str, Any], *, mode: str, local: Local | None = None
) -> list[dict[str, Any]]:
    """The input items to send upstream: the history the request names (if the mode resolves it), then its input.
    `local` holds a websocket connection's own `store: false` responses, continued from there on any route."""
    if mode not in MODES:
        raise ValueError(f"unknown state mode {mode!r}")
    items = normalize_input(payload)
    previous, conv = previous_id(payload), conversation_id(payload)
    if mode == "reject":
        if previous is not None and local is not None and previous not in local:
            # Over a websocket: a response this connection does not hold is not available here (Open Responses).
            raise previous_not_found(previous)
        for field, value in (("previous_response_id", previous), ("conversation", conv)):
            if value is not None:
                raise GatewayError(
                    400,
                    f"'{field}' is not supported on this model: its provider is reached through chat translation, "
                    "which cannot reconstruct stored conversation state (stateful: reject).",
                    param=field,
                    code="unsupported_parameter",
                )
        return items
    if previous and conv:
        # OpenAI: previous_response_id "cannot be used in conjunction with `conversation`".
        raise GatewayError(
            400, "'previous_response_id' and 'conversation' cannot be used together.", param="conversation"
        )
    if previous:
        if local is not None and previous in local:
            return local_chain(storage, owner, previous, local) + items
        if mode == "replay":
            return chain(storage, owner, previous) + items
        # Forwarded: the upstream would resolve any id it holds, whoever made it, deleted or not. Only this key's
        # live responses may be continued, and every other id gets the same answer as one that never existed.
        if not storage.owns(owner, previous):
            raise previous_not_found(previous)
    if conv:
        history = storage.all_items(owner, conv)
        if history is None:
            raise conversation_not_found(conv)
        return history + items
    return items


def record(
    storage: Storage, owner: str, payload: dict[str, Any], input_items: list[dict[str, Any]], response: dict[str, Any]
) -> None:
    """Keep a completed response (unless `store` is false) and append the turn to its conversation.

    A failed or incomplete response is never kept: continuing from it would replay a half-written turn."""
    if response.get("status") != "completed":
        return
    new_items = with_ids(input_items)
    conv = conversation_id(payload)
    with storage.atomic():  # the response and its conversation's items: both stored, or neither
        if payload.get("store", True) is not False:
            snapshot = response
            if not response.get("previous_response_id") and payload.get("previous_response_id"):
                # The chain is followed through the snapshot, so it must name its predecessor.
                snapshot = {**response, "previous_response_id": payload["previous_response_id"]}
            storage.save_response(owner, snapshot, new_items)
        if conv:
            storage.add_items(owner, conv, new_items + list(response.get("output") or []))
