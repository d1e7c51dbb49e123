"""Ids in OpenAI's style (`resp_`, `msg_`, `conv_` + random hex) and the ids stored items carry."""

from __future__ import annotations

import secrets
from typing import Any

# The prefix OpenAI gives each item type it lists; anything else reads as a message-like item.
ITEM_PREFIXES = {
    "message": "msg_",
    "function_call": "fc_",
    "function_call_output": "fco_",
    "reasoning": "rs_",
    "compaction": "cmp_",
    "web_search_call": "ws_",
    "file_search_call": "fs_",
    "computer_call": "cu_",
    "computer_call_output": "cuo_",
}
# Item types whose listed form carries a status (OpenAI populates it "when items are returned via API").
WITH_STATUS = {"message", "function_call", "function_call_output", "computer_call_output"}


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(24)


def with_ids(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of the items as they are stored and listed: each with an id, and a status where OpenAI shows one."""
    out = []
    for item in items:
        kind = str(item.get("type", "message"))
        stored = dict(item)
        if kind in WITH_STATUS and not stored.get("status"):
            stored["status"] = "completed"
        if not isinstance(stored.get("id"), str) or not stored["id"]:
            stored.pop("id", None)  # null or empty: the item gets a fresh id, first as OpenAI lists it
            stored = {"id": new_id(ITEM_PREFIXES.get(kind, "msg_")), **stored}
        out.append(stored)
    return out
