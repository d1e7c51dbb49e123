"""OpenAI Chat Completions, emulated: `/v1/chat/completions` JSON and SSE (`data:` chunks, then `data: [DONE]`).

Shapes follow the recorded wire (tests/fixtures/provider-wire/openai/chat_*.json, chat_completion_stream.txt).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from emulators import brain, scripted
from emulators._limits import limit
from emulators.common import (
    Fault,
    answer,
    apply_fault,
    check_effort,
    check_function_name,
    get_bool,
    get_dict,
    get_list,
    get_str,
    new_id,
    now,
    objects,
    read_json,
)
from emulators.sse import DONE, obfuscation, sse_event

FINGERPRINT = "fp_scripted01"
_ROLES = ("system", "developer", "user", "assistant", "tool")


def _text(content: Any, param: str) -> str:
    """A message's content: a string, an array of parts (the text parts count), or null."""
    if content is None or isinstance(content, str):
        return content or ""
    if not isinstance(content, list):
        raise Fault(400, f"Invalid type for '{param}': expected a string or an array of content parts.", param=param)
    parts = objects(content, param)
    return "\n".join(p["text"] for p in parts if p.get("type") == "text" and isinstance(p.get("text"), str))


def _images(content: Any) -> list[str]:
    """The fingerprint of every `image_url` part (checked by `_text` first)."""
    if not isinstance(content, list):
        return []
    urls = [get_dict(p, "image_url").get("url") for p in content if p.get("type") == "image_url"]
    return [scripted.image_fingerprint(url) for url in urls if isinstance(url, str)]


def _calls(msg: dict[str, Any], index: int) -> list[scripted.ToolCall]:
    calls = []
    for n, call in enumerate(objects(get_list(msg, "tool_calls", f"messages[{index}].tool_calls"), "tool_calls")):
        where = f"messages[{index}].tool_calls[{n}]"
        fn = get_dict(call, "function", f"{where}.function")
        name = get_str(fn, "name", f"{where}.function.name")
        if not name:
            raise Fault(400, f"Missing required parameter: '{where}.function.name'.", param=f"{where}.function.name")
        calls.append(scripted.ToolCall(get_str(call, "id", f"{where}.id"), name, get_str(fn, "arguments")))
    return calls


def _check_answers_a_call(messages: list[dict[str, Any]], index: int, call_id: str) -> None:
    """A `tool` message answers one of the `tool_calls` of the assistant message before it (other tool messages may
    come between), or the request is a 400 in OpenAI's words (Groq words the first one alike)."""
    before = next((m for m in reversed(messages[:index]) if m.get("role") != "tool"), None)
    calls = before.get("tool_calls") if before is not None and before.get("role") == "assistant" else None
    if not calls:
        raise Fault(
            400,
            "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with "
            "'tool_calls'.",  # sic: OpenAI's spelling
            param=f"messages.[{index}].role",
        )
    if call_id not in {call.get("id") for call in calls if isinstance(call, dict)}:
        # OpenAI's message; its `param` here is this emulator's guess (the recorded refusals seen name no param).
        raise Fault(
            400,
            f"Invalid parameter: 'tool_call_id' of '{call_id}' not found in 'tool_calls' of previous message.",
            param=f"messages.[{index}].tool_call_id",
        )


def to_scripted(body: dict[str, Any]) -> scripted.ScriptedRequest:
    messages = objects(get_list(body, "messages"), "messages")
    if not messages:
        raise Fault(400, "Missing required parameter: 'messages'.", param="messages")
    req = scripted.ScriptedRequest()
    for index, msg in enumerate(messages):
        role = msg.get("role")
        if role not in _ROLES:
            raise Fault(
                400,
                f"Invalid value for 'messages[{index}].role': expected one of {', '.join(_ROLES)}, but got {role!r}.",
                param=f"messages[{index}].role",
            )
        req.item_types.append(str(role))
        text = _text(msg.get("content"), f"messages[{index}].content")
        if role in ("system", "developer"):
            req.system = f"{req.system}\n{text}".strip()
        elif role == "user":
            req.messages.append(scripted.Message(role="user", text=text, images=_images(msg.get("content"))))
        elif role == "assistant":
            req.messages.append(scripted.Message(role="assistant", text=text, tool_calls=_calls(msg, index)))
        else:
            call_id = get_str(msg, "tool_call_id", f"messages[{index}].tool_call_id")
            _check_answers_a_call(messages, index, call_id)
            req.messages.append(scripted.Message(role="tool", tool_result=scripted.ToolResult(call_id, text)))
    _tools(body, req)
    fmt = get_dict(body, "response_format")
    if fmt.get("type") == "json_schema":
        req.output_schema = get_dict(get_dict(fmt, "json_schema", "response_format.json_schema"), "schema")
    elif fmt.get("type") == "json_object":
        req.output_schema = {"type": "object"}
    req.verbosity = get_str(body, "verbosity") or None
    budget = body.get("max_completion_tokens", body.get("max_tokens"))
    req.settings = {
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "max_output_tokens": budget,
        "parallel_tool_calls": body.get("parallel_tool_calls"),
    }
    effort = check_effort(body.get("reasoning_effort"), "reasoning_effort")
    req.reasoning = {"effort": effort} if effort is not None else {}
    if body.get("web_search_options") is not None:
        options = get_dict(body, "web_search_options")
        req.hosted_tools.append({"type": "web_search_options", "name": "web_search", **options})
    return req


def _tools(body: dict[str, Any], req: scripted.ScriptedRequest) -> None:
    for index, tool in enumerate(objects(get_list(body, "tools"), "tools")):
        fn = get_dict(tool, "function", f"tools[{index}].function")
        if tool.get("type") != "function" or not isinstance(fn.get("name"), str) or not fn["name"]:
            raise Fault(400, f"Invalid 'tools[{index}]': only function tools with a name are supported.", param="tools")
        check_function_name(fn["name"], f"tools[{index}].function.name")
        parameters = get_dict(fn, "parameters", f"tools[{index}].function.parameters") or {"type": "object"}
        req.tools.append(scripted.FunctionTool(fn["name"], get_str(fn, "description"), parameters))
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "allowed_tools":
        allowed = get_dict(choice, "allowed_tools", "tool_choice.allowed_tools")
        listed = objects(
            get_list(allowed, "tools", "tool_choice.allowed_tools.tools"), "tool_choice.allowed_tools.tools"
        )
        names = [get_dict(t, "function").get("name") for t in listed]
        choice = {"type": "allowed_tools", "mode": allowed.get("mode", "auto"), "tools": [{"name": n} for n in names]}
    elif isinstance(choice, dict):
        name = get_dict(choice, "function", "tool_choice.function").get("name")
        if name not in {t.name for t in req.tools}:
            raise Fault(400, f"Invalid 'tool_choice': function {name!r} is not in 'tools'.", param="tool_choice")
        choice = {"name": name}
    elif choice is not None and choice not in ("none", "auto", "required"):
        raise Fault(400, f"Invalid value for 'tool_choice': {choice!r}.", param="tool_choice")
    req.tool_choice = choice
    req.parallel_tool_calls = body.get("parallel_tool_calls") is not False


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


def limits(body: dict[str, Any]) -> tuple[list[str], int | None]:
    """`stop` and the token budget (`max_completion_tokens`, else `max_tokens`), refused as OpenAI refuses them
    before any model answers."""
    stop = body.get("stop")
    stops = [stop] if isinstance(stop, str) else stop if stop is not None else []
    if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops) or len(stops) > 4:
        raise Fault(400, "Invalid 'stop': expected a string or an array of up to 4 strings.", param="stop")
    key = "max_completion_tokens" if body.get("max_completion_tokens") is not None else "max_tokens"
    budget = body.get(key)
    if budget is not None and (not isinstance(budget, int) or isinstance(budget, bool) or budget < 1):
        raise Fault(400, f"Invalid '{key}': expected an integer of at least 1, but got {budget!r}.", param=key)
    return stops, budget


def apply_limits(
    rep: scripted.ScriptedReply, stops: list[str], budget: int | None
) -> tuple[scripted.ScriptedReply, str]:
    """`stop` and the token budget (`limits`) cut a text reply as OpenAI's model would; the finish reason says why it
    ended (`length` only when the token budget cut it), so a gateway dropping them shows."""
    if rep.function_calls:
        return rep, "tool_calls"
    cut = limit(rep.text or "", stops, budget)
    limited = scripted.ScriptedReply(text=cut.text, hosted_calls=rep.hosted_calls)
    # A real model (emulators/brain.py) may have run to its own output limit: it says so.
    ran_out = cut.reason == "max_tokens" or rep.finish_reason == "length"
    return limited, "length" if ran_out else "stop"


def _annotations(rep: scripted.ScriptedReply) -> list[dict[str, Any]]:
    """A web search (`web_search_options`) answers as OpenAI's search models do: the text cites its source with a
    `url_citation` annotation over the span it supports (here the whole text)."""
    annotations = []
    for call in rep.hosted_calls:
        first = scripted.search_results(call["action"]["query"])[0]
        span = {"end_index": len(rep.text or ""), "start_index": 0, "title": first["title"], "url": first["url"]}
        annotations.append({"type": "url_citation", "url_citation": span})
    return annotations


def completion(
    body: dict[str, Any], req: scripted.ScriptedRequest, rep: scripted.ScriptedReply, finish: str = "stop"
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": rep.text}
    if rep.function_calls:
        message["content"] = None
        message["tool_calls"] = [
            {"id": c.call_id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in rep.function_calls
        ]
    message.update({"refusal": None, "annotations": _annotations(rep)})
    return {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": now(),
        "model": body["model"],
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": _usage(req, rep),
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    }


def chunks(
    body: dict[str, Any], req: scripted.ScriptedRequest, rep: scripted.ScriptedReply, finish: str = "stop"
) -> Iterator[str]:
    """The chunk sequence OpenAI streams: role first, content or tool-call deltas, the finish reason, then (with
    `stream_options.include_usage`) a usage chunk with no choices, then `data: [DONE]`."""
    include_usage = bool(get_dict(body, "stream_options").get("include_usage"))
    base = {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion.chunk",
        "created": now(),
        "model": body["model"],
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    }

    def frame(choices: list[dict[str, Any]], usage: Any = None) -> str:
        chunk: dict[str, Any] = {**base, "choices": choices}
        if include_usage:  # with include_usage every chunk carries `usage`, null until the last one
            chunk["usage"] = usage
        chunk["obfuscation"] = obfuscation(base["id"], str(choices))
        return sse_event(chunk)

    def delta(content: dict[str, Any], finish: str | None = None) -> str:
        return frame([{"index": 0, "delta": content, "logprobs": None, "finish_reason": finish}])

    if rep.function_calls:
        for index, call in enumerate(rep.function_calls):
            function = {"name": call.name, "arguments": ""}
            head = {"index": index, "id": call.call_id, "type": "function", "function": function}
            first = {"role": "assistant", "content": None, "tool_calls": [head], "refusal": None}
            yield delta(first if index == 0 else {"tool_calls": [head]})
            for piece in scripted.reply_text_chunks(call.arguments, 2):
                yield delta({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        yield delta({}, finish)
    else:
        yield delta({"role": "assistant", "content": "", "refusal": None})
        for piece in scripted.token_pieces(rep.text or ""):
            yield delta({"content": piece})
        if rep.hosted_calls:  # the citations come in a delta of their own once the text is out
            yield delta({"annotations": _annotations(rep)})
        yield delta({}, finish)
    if include_usage:
        yield frame([], _usage(req, rep))
    yield sse_event(DONE)


def check_envelope(body: dict[str, Any]) -> tuple[str, bool]:
    """The request's model and whether it streams, refused as OpenAI refuses them (400 naming the parameter)."""
    model = get_str(body, "model")
    if not model:
        raise Fault(400, "Missing required parameter: 'model'.", param="model")
    stream = get_bool(body, "stream")
    if not stream and body.get("stream_options") is not None:
        message = "The 'stream_options' parameter is only allowed when 'stream' is enabled."
        raise Fault(400, message, param="stream_options")
    get_dict(body, "stream_options")
    return model, stream


async def create(request: Request) -> Response:
    body = await read_json(request)
    model, stream = check_envelope(body)
    await apply_fault(model, "openai")
    req = to_scripted(body)
    stops, budget = limits(body)  # refused before the model is asked
    rep, finish = apply_limits(await brain.answer(request, req), stops, budget)
    return answer(model, stream, lambda: chunks(body, req, rep, finish), lambda: completion(body, req, rep, finish))


def routes() -> list[BaseRoute]:
    return [Route("/v1/chat/completions", create, methods=["POST"])]
