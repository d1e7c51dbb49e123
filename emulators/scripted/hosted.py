"""Hosted tools as the scripted model knows them: which offered tool a request asks for, the call item it emits, and
what the emulated web search finds."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from emulators.scripted.contract import ScriptedRequest
from harness import phrases

# Hosted web search as each protocol offers it: Responses `web_search(_preview)` and their dated snapshots,
# Anthropic's server tool `web_search_20250305`, Chat Completions `web_search_options` (normalized to this type),
# Gemini `google_search` / `googleSearch` (normalized to `google_search`) and `google_search_retrieval`.
SEARCH_TYPES = (
    "web_search_preview",
    "web_search_preview_2025_03_11",
    "web_search",
    "web_search_2025_08_26",
    "web_search_20250305",
    "web_search_options",
    "google_search",
    "google_search_retrieval",
)
HOSTED_TYPES = (*SEARCH_TYPES, "file_search", "computer_use_preview", "computer")


_HOSTED = re.compile(re.escape(phrases.USE_HOSTED) + r" (\w+)")
_SEARCH = re.compile(re.escape(phrases.SEARCH_WEB) + r" (.+?)\.?\s*$", re.S)


def hosted_call(tool_type: str, query: str) -> dict[str, Any]:
    """The call item OpenAI's model emits for a hosted tool (ids are added by the Responses emulator); the other
    protocols render a web search call in their own shape (server_tool_use, annotations, groundingMetadata)."""
    query = query.strip() or "query"
    if tool_type in SEARCH_TYPES:
        return {
            "type": "web_search_call",
            "status": "completed",
            "action": {"type": "search", "query": query},
        }
    if tool_type == "file_search":
        return {"type": "file_search_call", "status": "completed", "queries": [query], "results": None}
    return {
        "type": "computer_call",
        "status": "completed",
        "action": {"type": "screenshot"},
        "pending_safety_checks": [],
    }


def search_results(query: str) -> list[dict[str, str]]:
    """What the emulated web search finds for `query`: two results derived from it, the same every time."""
    slug = "-".join(re.findall(r"\w+", query.lower())[:8]) or "query"
    return [
        {
            "url": f"https://example.com/{slug}",
            "title": f"{query} - Example",
            "snippet": f"Example results for {query}.",
        },
        {
            "url": f"https://example.org/search?q={quote(query)}",
            "title": f"{query} - Example Search",
            "snippet": f"More about {query}.",
        },
    ]


def _same_type(asked: Any, offered: str) -> bool:
    """A hosted tool choice names the offered tool's type, or the same tool dated or undated
    (`web_search_preview` and `web_search_preview_2025_03_11`), as OpenAI takes either."""
    if not isinstance(asked, str):
        return False
    return asked == offered or offered.startswith(asked + "_20") or asked.startswith(offered + "_20")


def hosted(req: ScriptedRequest, text: str) -> tuple[dict[str, Any], str] | None:
    """The offered hosted tool the request asks for, with the query: forced by `tool_choice` (its type, its name,
    or `required` with no function to call), or `Use the hosted tool TYPE` (a web search also answers to its
    name and to `web_search`), or `Search the web for X` with a web search offered."""
    # Only the hosted tools whose call items the model knows how to produce; others are merely listed.
    offered = [t for t in req.hosted_tools if t.get("type") in HOSTED_TYPES]
    choice = req.tool_choice
    for tool in offered:
        if isinstance(choice, dict) and _same_type(choice.get("type"), tool["type"]):
            return tool, text
        if isinstance(choice, dict) and choice.get("name") and choice.get("name") == tool.get("name"):
            return tool, text
    match = _HOSTED.search(text)
    for tool in offered if match else []:
        aliases = {tool["type"], tool.get("name")} | ({"web_search"} if tool["type"] in SEARCH_TYPES else set())
        if match and match.group(1) in aliases:
            return tool, text
    search = _SEARCH.search(text)
    for tool in offered if search else []:
        if search and tool["type"] in SEARCH_TYPES:
            return tool, search.group(1)
    if choice in ("required", "any") and not req.tools and offered:
        return offered[0], text
    return None
