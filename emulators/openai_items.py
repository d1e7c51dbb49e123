"""Items as OpenAI keeps and lists them, for a response's input_items and a conversation's items alike: each item
stored with an id, its content as parts and a status; lists paged by cursor."""

from __future__ import annotations

from typing import Any

from emulators.common import Fault, new_id


def stored_item(item: dict[str, Any]) -> dict[str, Any]:
    """An input item as OpenAI lists it: with an id, content as parts, and a status."""
    stored = {"id": item.get("id") or new_id("msg_"), **item}
    if stored.get("type") == "message" and isinstance(stored.get("content"), str):
        # An assistant's text is output text (as in the output it came from); everyone else's is input text.
        if stored.get("role") == "assistant":
            stored["content"] = [{"type": "output_text", "annotations": [], "logprobs": [], "text": stored["content"]}]
        else:
            stored["content"] = [{"type": "input_text", "text": stored["content"]}]
    if stored.get("type") in ("message", "function_call", "function_call_output"):
        stored.setdefault("status", "completed")
    return stored


def page(items: list[dict[str, Any]], query: Any) -> dict[str, Any]:
    """One page of a cursor list: `order` (default desc), `after` an item id, `limit` 1..100 (default 20)."""
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise Fault(400, f"Invalid value for 'order': expected 'asc' or 'desc', but got {order!r}.", param="order")
    if order == "desc":
        items.reverse()
    after = query.get("after")
    if after:
        ids = [item["id"] for item in items]
        if after not in ids:
            raise Fault(400, f"Invalid value for 'after': no item with id '{after}' in this list.", param="after")
        items = items[ids.index(after) + 1 :]
    raw_limit = query.get("limit", "20")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100:
        message = f"Invalid value for 'limit': expected an integer from 1 to 100, but got {raw_limit!r}."
        raise Fault(400, message, param="limit")
    limit = int(raw_limit)
    return listing(items[:limit], has_more=len(items) > limit)


def listing(data: list[dict[str, Any]], has_more: bool = False) -> dict[str, Any]:
    """OpenAI's list object (an empty one has null first and last ids, as the SDK's cursor pages allow)."""
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": has_more,
    }
