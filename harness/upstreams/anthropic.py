"""Anthropic Messages, emulated: `/v1/messages` JSON and SSE, `/v1/messages/count_tokens`.

Event sequence and fields follow Anthropic's recorded stream: message_start, content_block_start, ping,
content_block_delta (text_delta / input_json_delta), content_block_stop, message_delta, message_stop.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from harness.upstreams import scripted
from harness.upstreams.common import Fault, answer, apply_fault, json_response, new_id, read_json, sse_event


def _blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list):
        raise Fault(400, "messages: content must be a string or an array of content blocks")
    return content


def to_scripted(body: dict[str, Any]) -> scripted.ScriptedRequest:
    if not isinstance(body.get("max_tokens"), int):
        raise Fault(400, "max_tokens: Field required")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise Fault(400, "messages: Field required")
    system = body.get("system") or ""
    if isinstance(system, list):
        system = "\n".join(b.get("text", "") for b in system if isinstance(b, dict))
    req = scripted.ScriptedRequest(system=str(system))
    for msg in messages:
        role = msg.get("role")
        if role not in ("user", "assistant"):
            raise Fault(400, f"messages: Input tag '{role}' found using 'role' does not match any of the expected tags")
        texts, calls = [], []
        for block in _blocks(msg.get("content")):
            kind = block.get("type")
            req.item_types.append(str(kind))
            if kind == "text":
                texts.append(str(block.get("text", "")))
            elif kind == "tool_use":
                calls.append(
                    scripted.ToolCall(
                        str(block.get("id")),
                        str(block.get("name")),
                        json.dumps(block.get("input") or {}, separators=(",", ":")),
                    )
                )
            elif kind == "tool_result":
                content = block.get("content")
                output = (
                    content
                    if isinstance(content, str)
                    else "\n".join(b.get("text", "") for b in content or [] if isinstance(b, dict))
                )
                req.messages.append(
                    scripted.Message(
                        role="tool", tool_result=scripted.ToolResult(str(block.get("tool_use_id")), output)
                    )
                )
        if texts or calls:
            req.messages.append(scripted.Message(role=role, text="\n".join(texts), tool_calls=calls))
    for tool in body.get("tools") or []:
        req.tools.append(
            scripted.FunctionTool(tool["name"], tool.get("description") or "", tool.get("input_schema") or {})
        )
    choice = body.get("tool_choice") or {}
    kind = choice.get("type")
    req.tool_choice = {"tool": {"name": choice.get("name")}, "any": "required", "none": "none"}.get(str(kind), "auto")
    req.parallel_tool_calls = not choice.get("disable_parallel_tool_use", False)
    return req


def _content(rep: scripted.ScriptedReply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if rep.text is not None and not rep.function_calls:
        blocks.append({"type": "text", "text": rep.text})
    for call in rep.function_calls:
        blocks.append(
            {
                "type": "tool_use",
                "id": "toolu_" + call.call_id[5:],
                "name": call.name,
                "input": json.loads(call.arguments),
            }
        )
    return blocks


def message(body: dict[str, Any], req: scripted.ScriptedRequest, rep: scripted.ScriptedReply) -> dict[str, Any]:
    return {
        "model": body["model"],
        "id": new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "content": _content(rep),
        "stop_reason": "tool_use" if rep.function_calls else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": scripted.count_tokens(req),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": scripted.output_tokens(rep),
            "service_tier": "standard",
        },
    }


def events(body: dict[str, Any], req: scripted.ScriptedRequest, rep: scripted.ScriptedReply) -> Iterator[str]:
    final = message(body, req, rep)
    start = {**final, "content": [], "stop_reason": None, "usage": {**final["usage"], "output_tokens": 1}}

    def ev(data: dict[str, Any]) -> str:
        return sse_event(data, event=data["type"])

    yield ev({"type": "message_start", "message": start})
    for index, block in enumerate(final["content"]):
        if block["type"] == "text":
            yield ev({"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}})
            if index == 0:
                yield ev({"type": "ping"})
            for piece in scripted.reply_text_chunks(block["text"]):
                yield ev(
                    {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": piece}}
                )
        else:
            yield ev({"type": "content_block_start", "index": index, "content_block": {**block, "input": {}}})
            if index == 0:
                yield ev({"type": "ping"})
            for piece in scripted.reply_text_chunks(json.dumps(block["input"], separators=(",", ":")), 2):
                yield ev(
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": piece},
                    }
                )
        yield ev({"type": "content_block_stop", "index": index})
    usage = {k: v for k, v in final["usage"].items() if k != "service_tier"}
    yield ev(
        {"type": "message_delta", "delta": {"stop_reason": final["stop_reason"], "stop_sequence": None}, "usage": usage}
    )
    yield ev({"type": "message_stop"})


async def create(request: Request) -> Response:
    body = await read_json(request)
    if not body.get("model"):
        raise Fault(400, "model: Field required")
    await apply_fault(str(body["model"]))
    req = to_scripted(body)
    rep = scripted.reply(req)
    return answer(
        body["model"], bool(body.get("stream")), lambda: events(body, req, rep), lambda: message(body, req, rep)
    )


async def count_tokens(request: Request) -> Response:
    body = await read_json(request)
    body.setdefault("max_tokens", 1)
    return json_response({"input_tokens": scripted.count_tokens(to_scripted(body))})


def routes() -> list[BaseRoute]:
    return [
        Route("/v1/messages", create, methods=["POST"]),
        Route("/v1/messages/count_tokens", count_tokens, methods=["POST"]),
    ]
