"""The scripted model's contract with the emulated protocols: each normalizes its request into a `ScriptedRequest`
and renders the `ScriptedReply` in its own wire format, so the same rules hold on every route. What the requests
say and what the replies answer is worded in harness/phrases.py, which the probes import too."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ToolCall:
    call_id: str
    name: str
    arguments: str


@dataclass
class ToolResult:
    call_id: str
    output: str


@dataclass
class Message:
    role: str  # system | user | assistant | tool
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_result: ToolResult | None = None
    images: list[str] = field(default_factory=list)  # fingerprints: `image/png 68 bytes`, or the URL
    phase: str | None = None  # a Responses assistant message's `phase`, as received


@dataclass
class FunctionTool:
    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass
class ScriptedRequest:
    system: str = ""
    messages: list[Message] = field(default_factory=list)
    tools: list[FunctionTool] = field(default_factory=list)
    hosted_tools: list[dict[str, Any]] = field(default_factory=list)
    tool_choice: Any = None  # "auto" | "none" | "required" | {"name": ...} | {"type": hosted}
    parallel_tool_calls: bool = True
    output_schema: dict[str, Any] | None = None
    verbosity: str | None = None
    item_types: list[str] = field(default_factory=list)
    # Input items of a type the API does not have (Responses): the scripted model lists them among `item_types`; a
    # real model's provider refuses them (real_model/brain.py).
    unknown_items: list[str] = field(default_factory=list)
    # Sampling settings as received, under the Responses names (phrases.SETTING_NAMES); absent ones are left out.
    settings: dict[str, Any] = field(default_factory=dict)
    # Reasoning settings as received, in the provider's own terms (phrases.REASONING_NAMES); absent ones left out.
    reasoning: dict[str, Any] = field(default_factory=dict)


@dataclass
class ScriptedReply:
    text: str | None = None
    function_calls: list[ToolCall] = field(default_factory=list)
    hosted_calls: list[dict[str, Any]] = field(default_factory=list)
    # Why the answer ended, where the brain says (a real model: `stop`, `length`, `tool_calls`); the scripted model
    # never runs out, and the protocols' own limits cut its answers.
    finish_reason: str | None = None


def all_text(req: ScriptedRequest) -> str:
    parts = [req.system]
    for msg in req.messages:
        parts.append(msg.text)
        parts.extend(call.arguments for call in msg.tool_calls)
        if msg.tool_result:
            parts.append(msg.tool_result.output)
    return "\n".join(p for p in parts if p)


def last_user_index(req: ScriptedRequest) -> int:
    for i in range(len(req.messages) - 1, -1, -1):
        if req.messages[i].role == "user":
            return i
    return -1
