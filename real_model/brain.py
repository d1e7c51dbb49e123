"""A real language model as the emulators' brain (emulators/brain.py): every emulated protocol (OpenAI Responses
and Chat Completions, Anthropic Messages, Gemini) keeps its own checks and wire, and the answer comes from the
model's server (server.mjs) instead of the scripted model's rules.

The request each protocol normalized (`ScriptedRequest`) is asked as one OpenAI-style chat completion: the system
text, the turns with their tool calls and results, the function tools and the tool choice, the output schema as a
`response_format`, the sampling settings and the output budget. What the model cannot do is refused as a provider
refuses it (a 400 naming the parameter): OpenAI-hosted tools (web search, file search, computer use), images, and
input items of a type the Responses API does not have (the scripted model lists those, to show they arrived).
"""

from __future__ import annotations

from typing import Any

import httpx

from emulators.common import Fault
from emulators.responses_input import INPUT_ITEM_TYPES
from emulators.scripted import Message, ScriptedReply, ScriptedRequest, ToolCall

TIMEOUT = httpx.Timeout(120.0, connect=5.0)


def _message(msg: Message) -> list[dict[str, Any]]:
    if msg.images:
        raise Fault(400, "This model does not accept images.", param="input")
    if msg.role == "tool" and msg.tool_result is not None:
        return [{"role": "tool", "tool_call_id": msg.tool_result.call_id, "content": msg.tool_result.output}]
    if msg.role == "assistant":
        said: dict[str, Any] = {"role": "assistant", "content": msg.text or None}
        if msg.tool_calls:
            said["tool_calls"] = [
                {"id": c.call_id, "type": "function", "function": {"name": c.name, "arguments": c.arguments or "{}"}}
                for c in msg.tool_calls
            ]
        return [said]
    return [{"role": "user" if msg.role == "user" else "system", "content": msg.text}]


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, dict) and choice.get("type") == "allowed_tools":
        listed = [{"type": "function", "function": {"name": t["name"]}} for t in choice.get("tools") or []]
        return {"type": "allowed_tools", "allowed_tools": {"mode": choice.get("mode", "auto"), "tools": listed}}
    if isinstance(choice, dict) and "name" in choice:
        return {"type": "function", "function": {"name": choice["name"]}}
    return choice if choice in ("auto", "none", "required") else None


def chat_request(model: str, req: ScriptedRequest) -> dict[str, Any]:
    """The chat completion that asks the model what `req` asks."""
    if req.unknown_items:
        known = ", ".join(f"'{t}'" for t in sorted(INPUT_ITEM_TYPES))
        raise Fault(400, f"Invalid value: '{req.unknown_items[0]}'. Supported values are: {known}.", param="input")
    if req.hosted_tools:
        kinds = ", ".join(sorted({str(t.get("type")) for t in req.hosted_tools}))
        raise Fault(400, f"Hosted tools are not supported by this model: {kinds}.", param="tools")
    messages = [{"role": "system", "content": req.system}] if req.system else []
    for msg in req.messages:
        messages += _message(msg)
    body: dict[str, Any] = {"model": model, "messages": messages}
    if req.tools:
        body["tools"] = [
            {"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}
            for t in req.tools
        ]
        choice = _tool_choice(req.tool_choice)
        if choice is not None:
            body["tool_choice"] = choice
        if not req.parallel_tool_calls:
            body["parallel_tool_calls"] = False
    if req.output_schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "output", "schema": req.output_schema},
        }
    for name in ("temperature", "top_p"):
        if isinstance(req.settings.get(name), (int, float)):
            body[name] = req.settings[name]
    if isinstance(req.settings.get("max_output_tokens"), int):
        body["max_tokens"] = req.settings["max_output_tokens"]
    return body


class RealBrain:
    """Asks the model's server at `url` (OpenAI Chat Completions, key `key`) as model `model`."""

    def __init__(self, url: str, key: str, model: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.model = model
        self.client = httpx.AsyncClient(
            base_url=url, timeout=TIMEOUT, headers={"authorization": f"Bearer {key}"}, transport=transport
        )

    async def reply(self, req: ScriptedRequest) -> ScriptedReply:
        answer = await self.client.post("/v1/chat/completions", json=chat_request(self.model, req))
        if answer.status_code != 200:
            raise Fault(502, f"The model's server answered {answer.status_code}: {answer.text[:200]}")
        choice = answer.json()["choices"][0]
        message = choice["message"]
        calls = [
            ToolCall(c["id"], c["function"]["name"], c["function"]["arguments"])
            for c in message.get("tool_calls") or []
        ]
        return ScriptedReply(
            text=None if calls else message.get("content") or "",
            function_calls=calls,
            finish_reason=choice.get("finish_reason"),
        )
