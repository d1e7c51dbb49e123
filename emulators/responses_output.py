"""ScriptedReply -> Responses wire: output items, the Response object, and the streaming event sequence.

Field order, ids and event sequence follow OpenAI's recorded wire (tests/fixtures/provider-wire/openai).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from emulators import scripted
from emulators._limits import limit
from emulators.common import Fault, new_id, now
from emulators.sse import obfuscation, openai_event, sse_event

_HOSTED_PREFIX = {"web_search_call": "ws_", "file_search_call": "fs_", "computer_call": "cu_"}
# Hosted calls that report progress while they run, as OpenAI streams them.
_PROGRESS = {"web_search_call": "web_search_call", "file_search_call": "file_search_call"}


def message_item(
    text: str, status: str = "completed", annotations: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "id": new_id("msg_"),
        "type": "message",
        "status": status,
        "content": [{"type": "output_text", "annotations": annotations or [], "logprobs": [], "text": text}],
        "role": "assistant",
    }


def citations(rep: scripted.ScriptedReply, text: str) -> list[dict[str, Any]]:
    """A web search's answer as OpenAI's model writes it: the text cites the first result found with a
    `url_citation` over the span it supports (here the whole text)."""
    found = [
        scripted.search_results(c["action"]["query"])[0] for c in rep.hosted_calls if c["type"] == "web_search_call"
    ]
    return [
        {"type": "url_citation", "end_index": len(text), "start_index": 0, "title": r["title"], "url": r["url"]}
        for r in found
    ]


def _hosted_item(call: dict[str, Any]) -> dict[str, Any]:
    kind = call["type"]
    item: dict[str, Any] = {"id": new_id(_HOSTED_PREFIX.get(kind, "tc_")), "type": kind, "status": call["status"]}
    if kind == "computer_call":
        item["action"] = call.get("action", {"type": "screenshot"})
        item["call_id"] = new_id("call_")
        item["pending_safety_checks"] = call.get("pending_safety_checks", [])
        return item
    return {**item, **{k: v for k, v in call.items() if k not in item}}


def output_items(rep: scripted.ScriptedReply, *, incomplete: bool = False) -> list[dict[str, Any]]:
    items = [_hosted_item(call) for call in rep.hosted_calls]
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
        items.append(message_item(rep.text, "incomplete" if incomplete else "completed", citations(rep, rep.text)))
    return items


def usage_for(req: scripted.ScriptedRequest, rep: scripted.ScriptedReply) -> dict[str, Any]:
    inp, out = scripted.count_tokens(req), scripted.output_tokens(rep)
    return {
        "input_tokens": inp,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": out,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": inp + out,
    }


def apply_limit(payload: dict[str, Any], rep: scripted.ScriptedReply) -> tuple[scripted.ScriptedReply, bool]:
    """`max_output_tokens` cuts a text reply (OpenAI's minimum is 16); True when it did, and the response is then
    `incomplete` as OpenAI reports it, so a gateway that dropped the limit on the way shows."""
    budget = payload.get("max_output_tokens")
    ran_out = rep.finish_reason == "length"  # a real model's own output limit (emulators/brain.py)
    if budget is None:
        return rep, ran_out
    if not isinstance(budget, int) or isinstance(budget, bool) or budget < 16:
        raise Fault(
            400,
            f"Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got {budget!r}.",
            param="max_output_tokens",
            code="integer_below_min_value",
        )
    if rep.text is None:
        return rep, False
    cut = limit(rep.text, [], budget)
    if cut.reason != "max_tokens":
        return rep, ran_out
    return scripted.ScriptedReply(text=cut.text, function_calls=rep.function_calls, hosted_calls=rep.hosted_calls), True


def response_object(
    payload: dict[str, Any],
    output: list[dict[str, Any]],
    usage: Any,
    *,
    incomplete: bool = False,
    conversation: str | None = None,
) -> dict[str, Any]:
    """A finished Response with OpenAI's fields in OpenAI's order; request parameters are echoed back, and the
    conversation it joined (if any) follows `completed_at`."""
    text = dict(payload.get("text") or {})
    text.setdefault("format", {"type": "text"})
    text.setdefault("verbosity", "medium")
    reasoning = {"effort": None, "summary": None, **(payload.get("reasoning") or {})}
    created = now()
    return {
        "id": new_id("resp_"),
        "object": "response",
        "created_at": created,
        "status": "incomplete" if incomplete else "completed",
        "background": bool(payload.get("background", False)),
        "completed_at": None if incomplete else created,
        **({"conversation": {"id": conversation}} if conversation else {}),
        "error": None,
        "frequency_penalty": payload.get("frequency_penalty", 0.0),
        "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
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
        "reasoning": reasoning,
        "safety_identifier": payload.get("safety_identifier"),
        "service_tier": "default",
        "store": payload.get("store", True),
        "temperature": payload.get("temperature", 1.0),
        "text": text,
        "tool_choice": payload.get("tool_choice", "auto"),
        "tools": [echoed_tool(tool) for tool in payload.get("tools") or []],
        "top_logprobs": payload.get("top_logprobs", 0),
        "top_p": payload.get("top_p", 1.0),
        "truncation": payload.get("truncation", "disabled"),
        "usage": usage,
        "user": payload.get("user"),
        "metadata": payload.get("metadata") or {},
    }


def echoed_tool(tool: Any) -> Any:
    """A tool as OpenAI echoes it: exactly as sent, `strict` included; a function tool that left out `strict` or
    `parameters` shows OpenAI's defaults (Responses function tools are strict unless told otherwise)."""
    if not isinstance(tool, dict) or tool.get("type") != "function":
        return tool
    return {**tool, "parameters": tool.get("parameters"), "strict": tool.get("strict", True)}


def stream_events(final: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The events OpenAI sends for `final`, in order, without sequence numbers."""
    # OpenAI reports the requested tier ("auto") until the response completes, then the tier that served it.
    start = {**final, "status": "in_progress", "completed_at": None, "output": [], "usage": None}
    start["service_tier"] = "auto"
    yield {"type": "response.created", "response": start}
    yield {"type": "response.in_progress", "response": start}
    for index, item in enumerate(final["output"]):
        if item["type"] == "message":
            yield from _message_events(item, index)
        elif item["type"] == "function_call":
            yield from _function_call_events(item, index)
        else:
            yield from _hosted_events(item, index)
    yield {"type": f"response.{final['status']}", "response": final}


def _message_events(item: dict[str, Any], index: int) -> Iterator[dict[str, Any]]:
    text = item["content"][0]["text"]
    empty_part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
    where = {"content_index": 0, "item_id": item["id"], "output_index": index}
    added = {**item, "status": "in_progress", "content": []}
    yield {"type": "response.output_item.added", "item": added, "output_index": index}
    yield {"type": "response.content_part.added", **where, "part": empty_part}
    for piece in scripted.token_pieces(text):
        delta = {"delta": piece, "logprobs": [], "obfuscation": obfuscation(item["id"], piece)}
        yield {"type": "response.output_text.delta", **where, **delta}
    for n, annotation in enumerate(item["content"][0]["annotations"]):
        yield {
            "type": "response.output_text.annotation.added",
            **where,
            "annotation_index": n,
            "annotation": annotation,
        }
    yield {"type": "response.output_text.done", **where, "logprobs": [], "text": text}
    yield {"type": "response.content_part.done", **where, "part": item["content"][0]}
    yield {"type": "response.output_item.done", "item": item, "output_index": index}


def _function_call_events(item: dict[str, Any], index: int) -> Iterator[dict[str, Any]]:
    added = {**item, "status": "in_progress", "arguments": ""}
    where = {"item_id": item["id"], "output_index": index}
    yield {"type": "response.output_item.added", "item": added, "output_index": index}
    for piece in scripted.reply_text_chunks(item["arguments"], 2):
        delta = {"delta": piece, "obfuscation": obfuscation(item["id"], piece)}
        yield {"type": "response.function_call_arguments.delta", **where, **delta}
    done = {"arguments": item["arguments"], "name": item["name"]}
    yield {"type": "response.function_call_arguments.done", **where, **done}
    yield {"type": "response.output_item.done", "item": item, "output_index": index}


def _hosted_events(item: dict[str, Any], index: int) -> Iterator[dict[str, Any]]:
    yield {"type": "response.output_item.added", "item": {**item, "status": "in_progress"}, "output_index": index}
    stem = _PROGRESS.get(item["type"])
    if stem:
        for phase in ("in_progress", "searching", "completed"):
            yield {"type": f"response.{stem}.{phase}", "item_id": item["id"], "output_index": index}
    yield {"type": "response.output_item.done", "item": item, "output_index": index}


def render_stream(final: dict[str, Any]) -> Iterator[str]:
    """SSE frames: `event: <type>` naming each event, `sequence_number` 0, 1, 2 ..., no `[DONE]` line."""
    for seq, event in enumerate(stream_events(final)):
        framed = openai_event({**event, "sequence_number": seq})
        yield sse_event(framed, event=framed["type"])
