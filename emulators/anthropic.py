"""Anthropic Messages, emulated: `/v1/messages` JSON and SSE, `/v1/messages/count_tokens`.

Field order and the event sequence follow Anthropic's recorded wire: message_start, content_block_start, ping,
content_block_delta (text_delta / input_json_delta), content_block_stop, message_delta, message_stop. Requests are
checked as strictly as Anthropic checks them (unknown fields, max_tokens, tool_use/tool_result pairing), so a
gateway that sends something Anthropic would refuse is refused here too. The routes carry their own credential
check and error format, so they work mounted alone as well as inside `create_app()`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from emulators import brain, scripted
from emulators._anthropic_request import to_scripted, validate
from emulators._limits import limit
from emulators.common import Fault, answer, apply_fault, new_id, read_json, sse_event

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
COUNT_FIELDS = {"model", "messages", "system", "tools", "tool_choice", "thinking", "mcp_servers"}


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"type": "error", "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message}}
    request_id = "req_" + secrets.token_hex(12)
    headers = {**(headers or {}), "request-id": request_id}
    return JSONResponse({**body, "request_id": request_id}, status_code=status, headers=headers)


def _guarded(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if not request.headers.get("x-api-key"):
            return error(401, "x-api-key header is required")
        if not request.headers.get("anthropic-version"):
            return error(400, "anthropic-version: header is required")
        try:
            return await handler(request)
        except Fault as fault:
            return error(fault.status, fault.message, fault.headers)

    return endpoint


def _search_blocks(rep: scripted.ScriptedReply, text: str) -> list[dict[str, Any]]:
    """A server-side web search as Anthropic returns it: `server_tool_use`, its `web_search_tool_result`, then the
    answer as a text block citing the first result (`web_search_result_location`)."""
    blocks: list[dict[str, Any]] = []
    for position, call in enumerate(rep.hosted_calls):
        query = call["action"]["query"]
        tool_id = "srvtoolu_01" + scripted.call_id_for("web_search", query, position)[5:]
        results = scripted.search_results(query)
        blocks.append({"type": "server_tool_use", "id": tool_id, "name": "web_search", "input": {"query": query}})
        content = [
            {
                "type": "web_search_result",
                "title": r["title"],
                "url": r["url"],
                "encrypted_content": _opaque(r["url"], r["snippet"]),
                "page_age": "January 1, 2025",
            }
            for r in results
        ]
        blocks.append({"type": "web_search_tool_result", "tool_use_id": tool_id, "content": content})
        first = results[0]
        citation = {
            "type": "web_search_result_location",
            "cited_text": first["snippet"],
            "url": first["url"],
            "title": first["title"],
            "encrypted_index": _opaque(first["url"], "0"),
        }
        blocks.append({"citations": [citation], "type": "text", "text": text})
    return blocks


def _opaque(*parts: str) -> str:
    """Anthropic's encrypted_content / encrypted_index: opaque base64, here derived from what it stands for."""
    return base64.b64encode(hashlib.sha256("\x00".join(parts).encode()).digest() * 2).decode()


def _content(rep: scripted.ScriptedReply, text: str) -> list[dict[str, Any]]:
    if rep.hosted_calls and not rep.function_calls:
        return _search_blocks(rep, text)
    if not rep.function_calls:
        return [{"type": "text", "text": text}]
    return [
        {"type": "tool_use", "id": "toolu_" + call.call_id[5:], "name": call.name, "input": json.loads(call.arguments)}
        for call in rep.function_calls
    ]


def message(body: dict[str, Any], req: scripted.ScriptedRequest, rep: scripted.ScriptedReply) -> dict[str, Any]:
    limited = limit(rep.text or "", body.get("stop_sequences") or [], body["max_tokens"])
    stop_reason = "tool_use" if rep.function_calls else {"stop": "end_turn"}.get(limited.reason, limited.reason)
    out = scripted.output_tokens(rep if rep.function_calls else scripted.ScriptedReply(text=limited.text))
    usage: dict[str, Any] = {
        "input_tokens": scripted.count_tokens(req),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "output_tokens": out,
    }
    if rep.hosted_calls and not rep.function_calls:
        usage["server_tool_use"] = {"web_search_requests": len(rep.hosted_calls)}
    usage["service_tier"] = "standard"
    return {
        "model": body["model"],
        "id": new_id("msg_01")[:30],
        "type": "message",
        "role": "assistant",
        "content": _content(rep, limited.text),
        "stop_reason": stop_reason,
        "stop_sequence": limited.sequence,
        "usage": usage,
    }


def _block_events(index: int, block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if block["type"] == "text":
        # A cited text block opens with an empty citation list; each citation arrives as a citations_delta.
        opened = {"citations": [], "type": "text", "text": ""} if "citations" in block else {"type": "text", "text": ""}
        yield {"type": "content_block_start", "index": index, "content_block": opened}
        for citation in block.get("citations") or []:
            delta = {"type": "citations_delta", "citation": citation}
            yield {"type": "content_block_delta", "index": index, "delta": delta}
        for piece in scripted.reply_text_chunks(block["text"]):
            yield {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": piece}}
    elif block["type"] == "web_search_tool_result":
        yield {"type": "content_block_start", "index": index, "content_block": block}  # whole, no deltas
    else:
        yield {"type": "content_block_start", "index": index, "content_block": {**block, "input": {}}}
        # Anthropic opens the input with an empty fragment, then sends the JSON in small arbitrary pieces.
        raw = json.dumps(block["input"], separators=(",", ":"))
        for piece in ["", *(raw[i : i + 8] for i in range(0, len(raw), 8))]:
            delta = {"type": "input_json_delta", "partial_json": piece}
            yield {"type": "content_block_delta", "index": index, "delta": delta}
    yield {"type": "content_block_stop", "index": index}


def events(body: dict[str, Any], req: scripted.ScriptedRequest, rep: scripted.ScriptedReply) -> Iterator[str]:
    final = message(body, req, rep)
    # message_start holds the message with no content yet and the usage counted so far.
    start = {**final, "content": [], "stop_reason": None, "stop_sequence": None}
    start["usage"] = {k: v for k, v in final["usage"].items() if k != "server_tool_use"} | {"output_tokens": 1}
    yield sse_event({"type": "message_start", "message": start}, "message_start")
    for index, block in enumerate(final["content"]):
        for i, event in enumerate(_block_events(index, block)):
            yield sse_event(event, event["type"])
            if index == 0 and i == 0:
                # Anthropic pings once, right after the first block opens; its ping keeps json.dumps' spacing.
                yield sse_event(json.dumps({"type": "ping"}), "ping")
    usage = {k: v for k, v in final["usage"].items() if k not in ("cache_creation", "service_tier")}
    delta = {"stop_reason": final["stop_reason"], "stop_sequence": final["stop_sequence"]}
    yield sse_event({"type": "message_delta", "delta": delta, "usage": usage}, "message_delta")
    yield sse_event({"type": "message_stop"}, "message_stop")


async def create(request: Request) -> Response:
    body = await read_json(request)
    validate(body)
    model = str(body["model"])
    await apply_fault(model, "anthropic")
    req = to_scripted(body)
    rep = await brain.answer(request, req)
    return answer(model, bool(body.get("stream")), lambda: events(body, req, rep), lambda: message(body, req, rep))


async def count_tokens(request: Request) -> Response:
    body = await read_json(request)
    validate(body, allowed=COUNT_FIELDS, needs_max_tokens=False)
    return JSONResponse({"input_tokens": scripted.count_tokens(to_scripted(body))})


def routes() -> list[BaseRoute]:
    return [
        Route("/v1/messages", _guarded(create), methods=["POST"]),
        Route("/v1/messages/count_tokens", _guarded(count_tokens), methods=["POST"]),
    ]
