"""Compaction on chat-translated routes, as pure functions: the summary request, and the compaction response built
from its answer. The gateway's own `compaction` item carries the summary, and expands again on later turns."""

from __future__ import annotations

import time
from typing import Any

from reference_gateway.ids import new_id, with_ids
from reference_gateway.translate.request import compaction_token

SUMMARY_PROMPT = "Summarize the conversation so far, keeping every fact needed to continue."

Item = dict[str, Any]


def summary_request(payload: dict[str, Any], items: list[Item]) -> tuple[dict[str, Any], list[Item]]:
    """The Responses payload and input to ask the model for a summary of `items` (no tools, plain text)."""
    ask = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": SUMMARY_PROMPT}]}
    return {**payload, "tools": None, "text": None, "tool_choice": None}, [*items, ask]


def compaction_response(items: list[Item], summary: dict[str, Any]) -> dict[str, Any]:
    """The `response.compaction` object: the user's messages kept, then one compaction item holding the summary."""
    text = "".join(
        part.get("text", "") for item in summary["output"] if item["type"] == "message" for part in item["content"]
    )
    kept = with_ids([item for item in items if item.get("type") == "message" and item.get("role") == "user"])
    return {
        "id": new_id("resp_"),
        "object": "response.compaction",
        "created_at": int(time.time()),
        "output": [*kept, {"id": new_id("cmp_"), "type": "compaction", "encrypted_content": compaction_token(text)}],
        "usage": summary["usage"],
    }
