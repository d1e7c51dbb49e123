"""An Anthropic Messages request: checked the way Anthropic checks it, then read into a ScriptedRequest.

The messages are Pydantic-validated at Anthropic, so an unknown field is "<path>: Extra inputs are not
permitted"; every `tool_use` needs its `tool_result` in the very next turn and every `tool_result` its `tool_use`
in the turn before (consecutive same-role messages count as one turn, as Anthropic merges them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from emulators import scripted
from emulators.common import Fault

MESSAGE_FIELDS = {
    "model",
    "messages",
    "max_tokens",
    "system",
    "metadata",
    "stop_sequences",
    "stream",
    "temperature",
    "top_p",
    "top_k",
    "tools",
    "tool_choice",
    "thinking",
    "service_tier",
    "container",
    "mcp_servers",
    "context_management",
}
BLOCK_TYPES = {
    "text",
    "image",
    "document",
    "tool_use",
    "tool_result",
    "thinking",
    "redacted_thinking",
    "server_tool_use",
    "web_search_tool_result",
}
TOOL_FIELDS = {"type", "name", "description", "input_schema", "cache_control", "strict"}
TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,128}")
CHOICE_FIELDS = {
    "auto": {"type", "disable_parallel_tool_use"},
    "any": {"type", "disable_parallel_tool_use"},
    "tool": {"type", "name", "disable_parallel_tool_use"},
    "none": {"type"},
}


THINKING_FIELDS = {"enabled": {"type", "budget_tokens"}, "disabled": {"type"}}
MIN_THINKING_BUDGET = 1024


def _extra(path: str) -> Fault:
    return Fault(400, f"{path}: Extra inputs are not permitted")


def _tagged(value: Any, where: str, fields: dict[str, set[str]]) -> str:
    """The `type` tag of a tagged union (`fields`: each tag's fields), as Anthropic checks it: a known tag, and no
    field that tag does not have."""
    kind = value.get("type") if isinstance(value, dict) else None
    if not isinstance(value, dict) or kind not in fields:
        tags = ", ".join(f"'{tag}'" for tag in fields)
        raise Fault(
            400, f"{where}: Input tag '{kind}' found using 'type' does not match any of the expected tags: {tags}"
        )
    for key in value:
        if key not in fields[kind]:
            raise _extra(f"{where}.{kind}.{key}")
    return str(kind)


def _blocks(content: Any, path: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list):
        raise Fault(400, f"{path}: Input should be a valid string or a valid list")
    for j, block in enumerate(content):
        kind = block.get("type") if isinstance(block, dict) else None
        if kind not in BLOCK_TYPES:
            expected = ", ".join(f"'{t}'" for t in sorted(BLOCK_TYPES))
            raise Fault(
                400,
                f"{path}.{j}: Input tag '{kind}' found using 'type' does not match any of the expected tags: "
                + expected,
            )
        if kind == "text" and not block.get("text"):
            raise Fault(400, "messages: text content blocks must be non-empty")
    return content


@dataclass
class Turn:
    """Consecutive messages of one role, as Anthropic merges them; `where` is each block's (message, block) index,
    for the paths Anthropic's errors name."""

    role: str
    first: int  # the index of its first message
    blocks: list[dict[str, Any]] = field(default_factory=list)
    where: list[tuple[int, int]] = field(default_factory=list)


def _turns(messages: Any) -> list[Turn]:
    if not isinstance(messages, list) or not messages:
        raise Fault(
            400, "messages: Field required" if messages is None else "messages: at least one message is required"
        )
    turns: list[Turn] = []
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise Fault(400, f"messages.{i}: Input should be a valid dictionary")
        for key in msg:
            if key not in ("role", "content"):
                raise _extra(f"messages.{i}.{key}")
        role = msg.get("role")
        if role not in ("user", "assistant"):
            raise Fault(400, f"messages.{i}.role: Input should be 'user' or 'assistant'")
        blocks = _blocks(msg.get("content"), f"messages.{i}.content")
        if not turns or turns[-1].role != role:
            turns.append(Turn(str(role), i))
        turns[-1].blocks.extend(blocks)
        turns[-1].where.extend((i, j) for j in range(len(blocks)))
    return turns


def _check_pairing(turns: list[Turn]) -> None:
    for i, turn in enumerate(turns):
        uses = [str(b.get("id")) for b in turn.blocks if b["type"] == "tool_use"]
        blocks = zip(turn.blocks, turn.where, strict=True)
        results = [(str(b.get("tool_use_id")), at) for b, at in blocks if b["type"] == "tool_result"]
        if turn.role == "user" and uses:
            raise Fault(400, f"messages.{turn.first}: tool_use blocks may only appear in assistant messages")
        if turn.role == "assistant" and results:
            raise Fault(400, f"messages.{turn.first}: tool_result blocks may only appear in user messages")
        before = {str(b.get("id")) for b in turns[i - 1].blocks if b["type"] == "tool_use"} if i else set()
        unexpected = [(r, at) for r, at in results if r not in before]
        if unexpected:
            message, block = unexpected[0][1]
            raise Fault(
                400,
                f"messages.{message}.content.{block}: unexpected `tool_use_id` found in `tool_result` blocks: "
                f"{', '.join(r for r, _ in unexpected)}. Each `tool_result` block must have a corresponding "
                "`tool_use` block in the previous message.",
            )
        if i + 1 == len(turns):
            continue
        after = turns[i + 1]
        answered = {str(b.get("tool_use_id")) for b in after.blocks if b["type"] == "tool_result"}
        missing = [u for u in uses if u not in answered]
        if missing:
            raise Fault(
                400,
                f"messages.{after.first}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                f"{', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` block in the "
                "next message.",
            )


def _check_thinking(body: dict[str, Any]) -> None:
    """Extended thinking as Anthropic checks it: `enabled` with a `budget_tokens` of at least 1024 and below
    `max_tokens`, or `disabled`."""
    thinking = body.get("thinking")
    if thinking is None:
        return
    if _tagged(thinking, "thinking", THINKING_FIELDS) != "enabled":
        return
    if "budget_tokens" not in thinking:
        raise Fault(400, "thinking.enabled.budget_tokens: Field required")
    budget = thinking["budget_tokens"]
    if not isinstance(budget, int) or isinstance(budget, bool) or budget < MIN_THINKING_BUDGET:
        raise Fault(
            400, f"thinking.enabled.budget_tokens: Input should be greater than or equal to {MIN_THINKING_BUDGET}"
        )
    max_tokens = body.get("max_tokens")
    if isinstance(max_tokens, int) and max_tokens <= budget:
        raise Fault(400, "`max_tokens` must be greater than `thinking.budget_tokens`.")


def _check_tools(body: dict[str, Any]) -> None:
    tools = body.get("tools") or []
    if not isinstance(tools, list):
        raise Fault(400, "tools: Input should be a valid list")
    for i, tool in enumerate(tools):
        if tool.get("type") not in (None, "custom"):
            continue  # Anthropic's own server tools: accepted, never called by the scripted model
        for key in tool:
            if key not in TOOL_FIELDS:
                raise _extra(f"tools.{i}.custom.{key}")
        for key in ("name", "input_schema"):
            if key not in tool:
                raise Fault(400, f"tools.{i}.custom.{key}: Field required")
        if not isinstance(tool["name"], str) or not TOOL_NAME.fullmatch(tool["name"]):
            raise Fault(400, f"tools.{i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'")
    choice = body.get("tool_choice")
    if choice is None:
        return
    kind = _tagged(choice, "tool_choice", CHOICE_FIELDS)
    if not tools and kind != "none":
        raise Fault(400, "tool_choice may only be specified while providing tools")
    if kind == "tool" and choice.get("name") not in {t.get("name") for t in tools}:
        raise Fault(400, f"tool_choice.tool.name: Tool '{choice.get('name')}' not found in provided tools")


def validate(body: dict[str, Any], allowed: set[str] = MESSAGE_FIELDS, needs_max_tokens: bool = True) -> None:
    for key in body:
        if key not in allowed:
            raise _extra(key)
    if not body.get("model"):
        raise Fault(400, "model: Field required")
    if needs_max_tokens:
        if "max_tokens" not in body:
            raise Fault(400, "max_tokens: Field required")
        if not isinstance(body["max_tokens"], int) or isinstance(body["max_tokens"], bool) or body["max_tokens"] < 1:
            raise Fault(400, "max_tokens: Input should be a valid integer greater than or equal to 1")
    temperature = body.get("temperature")
    if temperature is not None and not (isinstance(temperature, int | float) and 0 <= temperature <= 1):
        raise Fault(400, "temperature: Input should be less than or equal to 1")
    _check_thinking(body)
    stops = body.get("stop_sequences")
    if stops is not None and not (isinstance(stops, list) and all(isinstance(s, str) for s in stops)):
        raise Fault(400, "stop_sequences: Input should be a valid list of strings")
    system = body.get("system")
    if system is not None and not isinstance(system, str):
        _blocks(system, "system")
    _check_pairing(_turns(body.get("messages")))
    _check_tools(body)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(str(b.get("text", "")) for b in content or [] if isinstance(b, dict) and b.get("type") == "text")


def _image(block: dict[str, Any]) -> str:
    raw = block.get("source")
    source: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if source.get("type") == "base64":
        return scripted.image_fingerprint(str(source.get("data", "")), str(source.get("media_type")))
    if source.get("type") == "url":
        return str(source.get("url"))
    return f"{source.get('type')} {source.get('file_id', '')}".strip()


def to_scripted(body: dict[str, Any]) -> scripted.ScriptedRequest:
    """The request as the scripted model sees it (call validate first)."""
    req = scripted.ScriptedRequest(system=_text(body.get("system") or ""))
    for msg in body["messages"]:
        texts, calls, images = [], [], []
        for block in _blocks(msg.get("content"), "messages"):
            kind = block["type"]
            req.item_types.append(kind)
            if kind == "text":
                texts.append(str(block.get("text", "")))
            elif kind == "image":
                images.append(_image(block))
            elif kind == "tool_use":
                args = json.dumps(block.get("input") or {}, separators=(",", ":"))
                calls.append(scripted.ToolCall(str(block.get("id")), str(block.get("name")), args))
            elif kind == "tool_result":
                result = scripted.ToolResult(str(block.get("tool_use_id")), _text(block.get("content")))
                req.messages.append(scripted.Message(role="tool", tool_result=result))
        if texts or calls or images:
            message = scripted.Message(role=msg["role"], text="\n".join(texts), tool_calls=calls, images=images)
            req.messages.append(message)
    for tool in body.get("tools") or []:
        if tool.get("type") in (None, "custom"):
            req.tools.append(
                scripted.FunctionTool(tool["name"], tool.get("description") or "", tool.get("input_schema") or {})
            )
        else:
            req.hosted_tools.append(tool)  # a server tool: web_search_20250305 runs, others are merely listed
    choice = body.get("tool_choice") or {}
    kind = choice.get("type")
    req.tool_choice = {"tool": {"name": choice.get("name")}, "any": "required", "none": "none"}.get(str(kind), "auto")
    req.parallel_tool_calls = not choice.get("disable_parallel_tool_use", False)
    disabled = choice.get("disable_parallel_tool_use")
    req.settings = {
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "max_output_tokens": body.get("max_tokens"),
        "parallel_tool_calls": None if disabled is None else not disabled,
    }
    thinking = body.get("thinking") or {}
    if thinking.get("type") == "enabled":
        req.reasoning = {"budget_tokens": thinking["budget_tokens"]}
    return req
