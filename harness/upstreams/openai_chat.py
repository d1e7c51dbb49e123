"""OpenAI Chat Completions, emulated: `/v1/chat/completions` JSON and SSE (`data:` chunks, then `data: [DONE]`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from harness.upstreams import scripted
from harness.upstreams.common import Fault, answer, apply_fault, new_id, now, read_json, sse_event

FINGERPRINT = "fp_scripted01"


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(p.get("text", "") for p in content or [] if isinstance(p, dict) and p.get("type") == "text")


def to_scripted(body: dict[str, Any]) -> scripted.ScriptedRequest:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise Fault(400, "Missing required parameter: 'messages'.", param="messages")
    req = scripted.ScriptedRequest()
    for msg in messages:
        role = msg.get("role")
        req.item_types.append(str(role))
        if role in ("system", "developer"):
            req.system = f"{req.system}\n{_text(msg.get('content'))}".strip()
        elif role == "user":
            req.messages.append(scripted.Message(role="user", text=_text(msg.get("content"))))
        elif role == "assistant":
            calls = [
                scripted.ToolCall(c.get("id", ""), c["function"]["name"], c["function"].get("arguments", ""))
                for c in msg.get("tool_calls") or []
            ]
            req.messages.append(scripted.Message(role="assistant", text=_text(msg.get("content")), tool_calls=calls))
        elif role == "tool":
            result = scripted.ToolResult(str(msg.get("tool_call_id")), _text(msg.get("content")))
            req.messages.append(scripted.Message(role="tool", tool_result=result))
        else:
            raise Fault(400, f"Invalid value for 'messages[].role': {role!r}.", param="messages")
    for tool in body.get("tools") or []:
        fn = tool.get("function") or {}
        if tool.get("type") != "function" or not fn.get("name"):
            raise Fault(400, "Invalid tool: only function tools are supported.", param="tools")
        req.tools.append(scripted.FunctionTool(fn["name"], fn.get("description") or "", fn.get("parameters") or {}))
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        if name not in {t.name for t in req.tools}:
            raise Fault(400, f"Invalid tool_choice: function {name!r} is not in tools.", param="tool_choice")
        choice = {"name": name}
    req.tool_choice = choice
    req.parallel_tool_calls = body.get("parallel_tool_calls") is not False
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        req.output_schema = (fmt.get("json_schema") or {}).get("schema") or {}
    elif fmt.get("type") == "json_object":
        req.output_schema = {"type": "object"}
    req.verbosity = body.get("verbosity")
    return req


def _usage(req: scripted.ScriptedRequest, rep: scripted.ScriptedReply) -> dict[str, Any]:
    inp, out = scripted.count_tokens(req), scripted.output_tokens(rep)
    return {
        "prompt_tokens": inp,
        "completion_tokens": out,
        "total_tokens": inp + out,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _tool_calls(rep: scripted.ScriptedReply) -> list[dict[str, Any]]:
    return [
        {"id": c.call_id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
        for c in rep.function_calls
    ]


def completion(body: dict[str, Any], req: scripted.ScriptedRequest, rep: scripted.ScriptedReply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": rep.text, "refusal": None, "annotations": []}
    if rep.function_calls:
        message = {**message, "content": None, "tool_calls": _tool_calls(rep)}
    return {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": now(),
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if rep.function_calls else "stop",
            }
        ],
        "usage": _usage(req, rep),
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    }


def chunks(body: dict[str, Any], req: scripted.ScriptedRequest, rep: scripted.ScriptedReply) -> Iterator[str]:
    base = {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion.chunk",
        "created": now(),
        "model": body["model"],
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return sse_event({**base, "choices": [choice]})

    if rep.function_calls:
        yield chunk({"role": "assistant", "content": None})
        for index, call in enumerate(rep.function_calls):
            head = {"index": index, "id": call.call_id, "type": "function"}
            yield chunk({"tool_calls": [{**head, "function": {"name": call.name, "arguments": ""}}]})
            for piece in scripted.reply_text_chunks(call.arguments, 2):
                yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        yield chunk({}, "tool_calls")
    else:
        yield chunk({"role": "assistant", "content": "", "refusal": None})
        for piece in scripted.reply_text_chunks(rep.text or ""):
            yield chunk({"content": piece})
        yield chunk({}, "stop")
    if (body.get("stream_options") or {}).get("include_usage"):
        yield sse_event({**base, "choices": [], "usage": _usage(req, rep)})
    yield sse_event("[DONE]")


async def create(request: Request) -> Response:
    body = await read_json(request)
    if not body.get("model"):
        raise Fault(400, "Missing required parameter: 'model'.", param="model")
    await apply_fault(str(body["model"]))
    req = to_scripted(body)
    rep = scripted.reply(req)
    return answer(
        body["model"], bool(body.get("stream")), lambda: chunks(body, req, rep), lambda: completion(body, req, rep)
    )


def routes() -> list[BaseRoute]:
    return [Route("/v1/chat/completions", create, methods=["POST"])]
