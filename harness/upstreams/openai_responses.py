"""OpenAI Responses API, emulated: `/v1/responses` JSON and SSE, stored responses, input_tokens and compact.

Shapes follow OpenAI's recorded wire (field order of the Response object, the event sequence, `sequence_number`,
no `[DONE]` line). One deliberate leniency: input items of types this emulator does not know are accepted as
opaque, so the harness can see (through `Which item types did you receive?`) whether a gateway preserved them.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from harness.upstreams import scripted
from harness.upstreams.common import Fault, answer, apply_fault, json_response, new_id, now, read_json, sse_event

COMPACTION_PREFIX = "emc1."


class Store:
    """Responses kept in memory for previous_response_id and retrieval."""

    def __init__(self) -> None:
        self.responses: dict[str, dict[str, Any]] = {}
        self.inputs: dict[str, list[dict[str, Any]]] = {}


STORE = Store()


# request -> scripted ---------------------------------------------------------------------------------------------
def input_items(payload: dict[str, Any]) -> list[dict[str, Any]]:
    raw = payload.get("input", [])
    if isinstance(raw, str):
        return [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": raw}]}]
    if not isinstance(raw, list):
        raise Fault(400, "Invalid type for 'input': expected a string or an array of items.", param="input")
    items = []
    for item in raw:
        if not isinstance(item, dict):
            raise Fault(400, "Invalid input item: expected an object.", param="input")
        items.append(item if "type" in item else {"type": "message", **item})
    return items


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = []
    for part in content or []:
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            parts.append(part["text"])
    return "\n".join(parts)


def _chain(previous_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    seen = set()
    current: str | None = previous_id
    while current:
        if current in seen or current not in STORE.responses:
            raise Fault(
                400,
                f"Previous response with id '{previous_id}' not found.",
                param="previous_response_id",
                kind="invalid_request_error",
                code="previous_response_not_found",
            )
        seen.add(current)
        stored = STORE.responses[current]
        items = STORE.inputs[current] + stored["output"] + items
        current = stored.get("previous_response_id")
    return items


def _expand_compaction(item: dict[str, Any]) -> dict[str, Any]:
    token = str(item.get("encrypted_content", ""))
    if not token.startswith(COMPACTION_PREFIX):
        raise Fault(400, "Invalid compaction item: unknown encrypted_content.", param="input")
    summary = base64.urlsafe_b64decode(token[len(COMPACTION_PREFIX) :].encode()).decode()
    return {"type": "message", "role": "system", "content": summary}


def to_scripted(payload: dict[str, Any], items: list[dict[str, Any]]) -> scripted.ScriptedRequest:
    req = scripted.ScriptedRequest(system=str(payload.get("instructions") or ""))
    req.item_types = [str(item.get("type")) for item in items]
    names: dict[str, str] = {}
    for item in items:
        kind = item.get("type")
        if kind == "compaction":
            item = _expand_compaction(item)
            kind = "message"
        if kind == "message":
            role = item.get("role", "user")
            text = _content_text(item.get("content"))
            if role in ("system", "developer"):
                req.system = f"{req.system}\n{text}".strip()
            else:
                req.messages.append(scripted.Message(role=role, text=text))
        elif kind == "function_call":
            call = scripted.ToolCall(str(item.get("call_id")), str(item.get("name")), str(item.get("arguments")))
            names[call.call_id] = call.name
            req.messages.append(scripted.Message(role="assistant", tool_calls=[call]))
        elif kind == "function_call_output":
            output = item.get("output")
            text = output if isinstance(output, str) else _content_text(output)
            result = scripted.ToolResult(str(item.get("call_id")), text)
            req.messages.append(scripted.Message(role="tool", tool_result=result))
    for tool in payload.get("tools") or []:
        if tool.get("type") == "function":
            req.tools.append(
                scripted.FunctionTool(tool.get("name", ""), tool.get("description") or "", tool.get("parameters") or {})
            )
        else:
            req.hosted_tools.append(tool)
    req.tool_choice = payload.get("tool_choice")
    req.parallel_tool_calls = payload.get("parallel_tool_calls") is not False
    fmt = (payload.get("text") or {}).get("format") or {}
    if fmt.get("type") == "json_schema":
        req.output_schema = fmt.get("schema") or {}
    elif fmt.get("type") == "json_object":
        req.output_schema = {"type": "object"}
    req.verbosity = (payload.get("text") or {}).get("verbosity")
    return req


def validate(payload: dict[str, Any]) -> None:
    if not payload.get("model"):
        raise Fault(400, "Missing required parameter: 'model'.", param="model")
    if payload.get("conversation"):
        raise Fault(404, "Conversation not found.", kind="not_found_error", param="conversation")
    choice = payload.get("tool_choice")
    names = {t.get("name") for t in payload.get("tools") or [] if t.get("type") == "function"}
    if isinstance(choice, dict) and choice.get("type") == "function" and choice.get("name") not in names:
        raise Fault(400, f"Tool choice '{choice.get('name')}' not found in 'tools' parameter.", param="tool_choice")


# scripted -> response --------------------------------------------------------------------------------------------
def _message_item(text: str, status: str = "completed") -> dict[str, Any]:
    return {
        "id": new_id("msg_"),
        "type": "message",
        "status": status,
        "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}],
        "role": "assistant",
    }


def output_items(rep: scripted.ScriptedReply) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for hosted in rep.hosted_calls:
        prefix = {"web_search_call": "ws_", "file_search_call": "fs_", "computer_call": "cu_"}[hosted["type"]]
        item = {"id": new_id(prefix), **hosted}
        if hosted["type"] == "computer_call":
            item["call_id"] = new_id("call_")
        items.append(item)
    for call in rep.function_calls:
        items.append(
            {
                "id": new_id("fc_"),
                "type": "function_call",
                "status": "completed",
                "arguments": call.arguments,
                "call_id": call.call_id,
                "name": call.name,
            }
        )
    if rep.text is not None:
        items.append(_message_item(rep.text))
    return items


def response_object(payload: dict[str, Any], status: str, output: list[dict[str, Any]], usage: Any) -> dict[str, Any]:
    text = dict(payload.get("text") or {})
    text.setdefault("format", {"type": "text"})
    text.setdefault("verbosity", "medium")
    created = now()
    return {
        "id": new_id("resp_"),
        "object": "response",
        "created_at": created,
        "status": status,
        "background": bool(payload.get("background", False)),
        "completed_at": created if status == "completed" else None,
        "error": None,
        "frequency_penalty": payload.get("frequency_penalty", 0.0),
        "incomplete_details": None,
        "instructions": payload.get("instructions"),
        "max_output_tokens": payload.get("max_output_tokens"),
        "max_tool_calls": payload.get("max_tool_calls"),
        "model": payload["model"],
        "output": output,
        "parallel_tool_calls": payload.get("parallel_tool_calls", True),
        "presence_penalty": payload.get("presence_penalty", 0.0),
        "previous_response_id": payload.get("previous_response_id"),
        "prompt_cache_key": payload.get("prompt_cache_key"),
        "prompt_cache_retention": payload.get("prompt_cache_retention"),
        "reasoning": payload.get("reasoning") or {"effort": None, "summary": None},
        "safety_identifier": payload.get("safety_identifier"),
        "service_tier": "default",
        "store": payload.get("store", True),
        "temperature": payload.get("temperature", 1.0),
        "text": text,
        "tool_choice": payload.get("tool_choice", "auto"),
        "tools": payload.get("tools") or [],
        "top_logprobs": payload.get("top_logprobs", 0),
        "top_p": payload.get("top_p", 1.0),
        "truncation": payload.get("truncation", "disabled"),
        "usage": usage,
        "user": payload.get("user"),
        "metadata": payload.get("metadata") or {},
    }


def usage_for(req: scripted.ScriptedRequest, rep: scripted.ScriptedReply) -> dict[str, Any]:
    inp, out = scripted.count_tokens(req), scripted.output_tokens(rep)
    return {
        "input_tokens": inp,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": out,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": inp + out,
    }


def stream_events(final: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The event sequence OpenAI sends for a finished response, without sequence numbers."""
    start = {**final, "status": "in_progress", "completed_at": None, "output": [], "usage": None}
    yield {"type": "response.created", "response": start}
    yield {"type": "response.in_progress", "response": start}
    for index, item in enumerate(final["output"]):
        kind = item["type"]
        if kind == "message":
            yield from _message_events(item, index)
        elif kind == "function_call":
            added = {**item, "status": "in_progress", "arguments": ""}
            yield {"type": "response.output_item.added", "item": added, "output_index": index}
            for piece in scripted.reply_text_chunks(item["arguments"], 2):
                yield {
                    "type": "response.function_call_arguments.delta",
                    "delta": piece,
                    "item_id": item["id"],
                    "output_index": index,
                }
            yield {
                "type": "response.function_call_arguments.done",
                "arguments": item["arguments"],
                "name": item["name"],
                "item_id": item["id"],
                "output_index": index,
            }
            yield {"type": "response.output_item.done", "item": item, "output_index": index}
        else:
            yield {
                "type": "response.output_item.added",
                "item": {**item, "status": "in_progress"},
                "output_index": index,
            }
            stem = kind.removesuffix("_call")
            if kind in ("web_search_call", "file_search_call"):
                phases = ["in_progress", "searching", "completed"]
                for phase in phases:
                    yield {
                        "type": f"response.{stem}_call.{phase}",
                        "item_id": item["id"],
                        "output_index": index,
                    }
            yield {"type": "response.output_item.done", "item": item, "output_index": index}
    yield {"type": "response.completed", "response": final}


def _message_events(item: dict[str, Any], index: int) -> Iterator[dict[str, Any]]:
    text = item["content"][0]["text"]
    empty_part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
    common = {"content_index": 0, "item_id": item["id"], "output_index": index}
    yield {
        "type": "response.output_item.added",
        "item": {**item, "status": "in_progress", "content": []},
        "output_index": index,
    }
    yield {"type": "response.content_part.added", **common, "part": empty_part}
    for piece in scripted.reply_text_chunks(text):
        yield {"type": "response.output_text.delta", **common, "delta": piece, "logprobs": []}
    yield {"type": "response.output_text.done", **common, "logprobs": [], "text": text}
    yield {"type": "response.content_part.done", **common, "part": item["content"][0]}
    yield {"type": "response.output_item.done", "item": item, "output_index": index}


def render_stream(final: dict[str, Any]) -> Iterator[str]:
    for seq, event in enumerate(stream_events(final)):
        event["sequence_number"] = seq
        yield sse_event(event, event=event["type"])


# endpoints -------------------------------------------------------------------------------------------------------
async def create(request: Request) -> Response:
    payload = await read_json(request)
    validate(payload)
    await apply_fault(str(payload["model"]))
    items = input_items(payload)
    history = _chain(payload["previous_response_id"]) if payload.get("previous_response_id") else []
    req = to_scripted(payload, history + items)
    rep = scripted.reply(req)
    final = response_object(payload, "completed", output_items(rep), usage_for(req, rep))
    if final["store"]:
        STORE.responses[final["id"]] = final
        STORE.inputs[final["id"]] = [_stored_item(item) for item in items]
    return answer(payload["model"], bool(payload.get("stream")), lambda: render_stream(final), lambda: final)


def _stored_item(item: dict[str, Any]) -> dict[str, Any]:
    """Input items as OpenAI lists them: with an id and a status."""
    stored = {"id": item.get("id") or new_id("msg_"), **item}
    if stored.get("type") == "message" and isinstance(stored.get("content"), str):
        stored["content"] = [{"type": "input_text", "text": stored["content"]}]
    if stored.get("type") in ("message", "function_call", "function_call_output"):
        stored.setdefault("status", "completed")
    return stored


def _stored(request: Request) -> dict[str, Any]:
    response_id = request.path_params["response_id"]
    if response_id not in STORE.responses:
        raise Fault(404, f"No response found with id '{response_id}'.", kind="invalid_request_error")
    return STORE.responses[response_id]


async def retrieve(request: Request) -> Response:
    return json_response(_stored(request))


async def delete(request: Request) -> Response:
    found = _stored(request)
    STORE.responses.pop(found["id"])
    STORE.inputs.pop(found["id"], None)
    return json_response({"id": found["id"], "object": "response.deleted", "deleted": True})


async def list_input_items(request: Request) -> Response:
    found = _stored(request)
    items = list(STORE.inputs[found["id"]])
    order = request.query_params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise Fault(400, "Invalid value for 'order': expected 'asc' or 'desc'.", param="order")
    if order == "desc":
        items.reverse()
    after = request.query_params.get("after")
    if after:
        ids = [item["id"] for item in items]
        items = items[ids.index(after) + 1 :] if after in ids else []
    try:
        limit = int(request.query_params.get("limit", "20"))
    except ValueError as exc:
        raise Fault(400, "Invalid value for 'limit': expected an integer.", param="limit") from exc
    page = items[:limit]
    return json_response(
        {
            "object": "list",
            "data": page,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
            "has_more": len(items) > limit,
        }
    )


async def input_tokens(request: Request) -> Response:
    payload = await read_json(request)
    validate(payload)
    items = input_items(payload)
    history = _chain(payload["previous_response_id"]) if payload.get("previous_response_id") else []
    count = scripted.count_tokens(to_scripted(payload, history + items))
    return json_response({"object": "response.input_tokens", "input_tokens": count})


async def compact(request: Request) -> Response:
    payload = await read_json(request)
    validate(payload)
    items = input_items(payload)
    history = _chain(payload["previous_response_id"]) if payload.get("previous_response_id") else []
    req = to_scripted(payload, history + items)
    req.messages.append(scripted.Message(role="user", text="Summarize the conversation so far."))
    summary = scripted.reply(req).text or ""
    token = COMPACTION_PREFIX + base64.urlsafe_b64encode(summary.encode()).decode()
    users = [i for i in history + items if i.get("type") == "message" and i.get("role") == "user"]
    output = [
        {
            "id": item.get("id") or new_id("msg_"),
            "type": "message",
            "role": "user",
            "status": "completed",
            "content": [{"type": "input_text", "text": _content_text(item.get("content"))}],
        }
        for item in users
    ]
    output.append({"id": new_id("cmp_"), "type": "compaction", "encrypted_content": token})
    inp = scripted.count_tokens(req)
    return json_response(
        {
            "id": new_id("resp_"),
            "object": "response.compaction",
            "created_at": now(),
            "output": output,
            "usage": {
                "input_tokens": inp,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": len(summary.split()),
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": inp + len(summary.split()),
            },
        }
    )


async def models(request: Request) -> Response:
    data = [
        {"id": name, "object": "model", "created": 1700000000, "owned_by": "scripted"}
        for name in ("gpt-5-mini", "gpt-4o-mini", "llama-3.3-70b-versatile")
    ]
    return json_response({"object": "list", "data": data})


def routes() -> list[BaseRoute]:
    return [
        Route("/v1/responses", create, methods=["POST"]),
        Route("/v1/responses/input_tokens", input_tokens, methods=["POST"]),
        Route("/v1/responses/compact", compact, methods=["POST"]),
        Route("/v1/responses/{response_id}", retrieve, methods=["GET"]),
        Route("/v1/responses/{response_id}", delete, methods=["DELETE"]),
        Route("/v1/responses/{response_id}/input_items", list_input_items, methods=["GET"]),
        Route("/v1/models", models, methods=["GET"]),
    ]
