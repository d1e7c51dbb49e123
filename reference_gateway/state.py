"""Stateful Responses features: previous_response_id chains and conversations, honoured or rejected per route."""

from __future__ import annotations

import secrets
from typing import Any

from reference_gateway.errors import GatewayError, not_found
from reference_gateway.storage import Storage
from reference_gateway.translate.request import normalize_input


def with_ids(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored items carry ids, as OpenAI's input_items lists show them."""
    out = []
    for item in items:
        if item.get("type") in ("message", "function_call", "function_call_output"):
            item = {**item, "status": item.get("status") or "completed"}
        if item.get("id"):
            out.append(item)
            continue
        prefix = {"function_call": "fc_", "function_call_output": "fco_"}.get(str(item.get("type")), "msg_")
        out.append({"id": prefix + secrets.token_hex(24), **item})
    return out


def previous_not_found(response_id: str) -> GatewayError:
    return GatewayError(
        400,
        f"Previous response with id '{response_id}' not found.",
        code="previous_response_not_found",
        param="previous_response_id",
    )


def chain(storage: Storage, owner: str, response_id: str) -> list[dict[str, Any]]:
    """Every earlier turn, oldest first: each response's input items, then its output items."""
    turns: list[list[dict[str, Any]]] = []
    seen: set[str] = set()
    current: str | None = response_id
    while current:
        response = storage.get_response(owner, current)
        inputs = storage.get_input_items(owner, current)
        if response is None or inputs is None or current in seen:
            raise previous_not_found(response_id)
        seen.add(current)
        turns.append(inputs + list(response.get("output") or []))
        current = response.get("previous_response_id")
    return [item for turn in reversed(turns) for item in turn]


def conversation_id(payload: dict[str, Any]) -> str | None:
    conv = payload.get("conversation")
    if isinstance(conv, dict):
        conv = conv.get("id")
    return str(conv) if conv else None


def expand_input(storage: Storage, owner: str, payload: dict[str, Any], *, mode: str) -> list[dict[str, Any]]:
    """The input items to send upstream.

    forward: native route; the upstream resolves previous_response_id, but never one this gateway stored for
    another key. replay: the gateway rebuilds the history itself. Conversations are the gateway's own resource, so
    they are expanded here on every route that accepts them.
    """
    items = normalize_input(payload)
    previous = payload.get("previous_response_id")
    conv = conversation_id(payload)
    if previous and conv:
        raise GatewayError(400, "previous_response_id and conversation cannot be used together.", param="conversation")
    history: list[dict[str, Any]] = []
    if previous:
        if mode == "replay":
            history = chain(storage, owner, str(previous))
        elif storage.owned_elsewhere(owner, str(previous)):
            raise previous_not_found(str(previous))
    if conv:
        if storage.get_conversation(owner, conv) is None:
            raise not_found(f"Conversation with id '{conv}' not found.", param="conversation")
        history = storage.list_items(conv)
    return history + items


def record(
    storage: Storage, owner: str, payload: dict[str, Any], input_items: list[dict[str, Any]], response: dict[str, Any]
) -> None:
    """Keep a completed response (unless store is false) and append the turn to its conversation."""
    if response.get("status") != "completed":
        return
    new_items = with_ids(input_items)
    if payload.get("store", True) is not False:
        storage.save_response(owner, response, new_items)
    conv = conversation_id(payload)
    if conv and storage.get_conversation(owner, conv) is not None:
        storage.add_items(conv, new_items + list(response.get("output") or []))
