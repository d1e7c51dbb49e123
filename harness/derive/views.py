"""Each protocol's request read into a neutral `View`, one table per protocol mapping.

The neutral names are the Responses API's. A table row says where a protocol carries a setting (a dotted path into
the body; the first path present wins) and how its value reads in Responses terms, so that
`parallel_tool_calls: false` and Anthropic's `tool_choice.disable_parallel_tool_use: true` compare equal. What a
protocol cannot carry at all is in `NO_EQUIVALENT`; the value a protocol assumes when a setting is absent in
`DEFAULTS`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.derive.model import Setting, Turn, View

Body = Mapping[str, Any]
Normalize = Callable[[Any, Body], Any]

# The value each setting has when a request leaves it out (on every protocol here).
DEFAULTS: dict[str, Any] = {"tool_choice": "auto", "parallel_tool_calls": True, "stream": False, "text.format": "text"}
# Settings a protocol has no field for: a gateway cannot pass them on, only keep them or refuse them.
NO_EQUIVALENT: dict[str, frozenset[str]] = {
    "anthropic": frozenset({"text.verbosity", "metadata"}),
    "gemini": frozenset({"parallel_tool_calls", "text.verbosity", "metadata"}),
}
# Settings a protocol requires on every request: a gateway must add them when its client left them out.
REQUIRED: dict[str, frozenset[str]] = {"anthropic": frozenset({"max_output_tokens"})}
NAMES = {"responses": "the Responses API", "chat": "Chat Completions", "anthropic": "Anthropic", "gemini": "Gemini"}
# Hosted tools by family, whatever a wire calls them.
_FAMILIES = {
    "web_search": "web_search",
    "web_search_preview": "web_search",
    "web_search_2025_08_26": "web_search",
    "web_search_preview_2025_03_11": "web_search",
    "web_search_options": "web_search",
    "googleSearch": "web_search",
    "googleSearchRetrieval": "web_search",
    "computer_use_preview": "computer",
    "computer": "computer",
    "computerUse": "computer",
    "codeExecution": "code_interpreter",
}


def family(tool_type: str) -> str:
    """web_search_preview, Anthropic's web_search_20250305, Gemini's googleSearch -> web_search; and so on."""
    if tool_type in _FAMILIES:
        return _FAMILIES[tool_type]
    for prefix, name in (
        ("web_search_", "web_search"),
        ("computer_", "computer"),
        ("code_execution", "code_interpreter"),
    ):
        if tool_type.startswith(prefix):
            return name
    return tool_type


def text_of(content: Any) -> str:
    """The text of any protocol's content: a string, or parts/blocks carrying `text` (Responses input_text and
    output_text, chat text parts, Anthropic text blocks, Gemini parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping):
        return str(content["text"]) if isinstance(content.get("text"), str) else ""
    if isinstance(content, list):
        return "\n".join(t for t in (text_of(part) for part in content) if t)
    return ""


def _snake(key: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), key)


def _at(body: Any, path: str) -> tuple[str, Any] | None:
    """The value at a dotted path and the path as the body spells it (lowerCamel or snake_case), or None."""
    spelled = []
    for key in path.split("."):
        if not isinstance(body, Mapping):
            return None
        key = key if key in body else _snake(key)
        if key not in body:
            return None
        spelled.append(key)
        body = body[key]
    return ".".join(spelled), body


def _camel(key: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), key)


def _camelized(obj: Any, depth: int) -> Any:
    """Gemini accepts snake_case and lowerCamel alike: the structural keys, `depth` levels down, in lowerCamel
    (schemas and arguments below are left alone)."""
    if depth <= 0:
        return obj
    if isinstance(obj, Mapping):
        keep = ("parameters", "args", "response", "responseSchema", "responseJsonSchema", "parametersJsonSchema")
        return {_camel(str(k)): (v if _camel(str(k)) in keep else _camelized(v, depth - 1)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_camelized(v, depth) for v in obj]
    return obj


# normalizers: a wire value -> its Responses meaning -----------------------------------------------------------------
def _same(raw: Any, body: Body) -> Any:
    return raw


def _responses_choice(raw: Any, body: Body) -> Any:
    if not isinstance(raw, Mapping):
        return raw
    kind = raw.get("type")
    if kind == "function":
        return f"function {raw.get('name')}"
    if kind == "allowed_tools":
        names = sorted(str(t.get("name") or t.get("type")) for t in raw.get("tools") or [] if isinstance(t, Mapping))
        return f"allowed_tools {raw.get('mode')}: {', '.join(names)}"
    return f"hosted {family(str(kind))}"


def _chat_choice(raw: Any, body: Body) -> Any:
    if not isinstance(raw, Mapping):
        return raw
    if raw.get("type") == "function":
        return f"function {(raw.get('function') or {}).get('name')}"
    if raw.get("type") == "allowed_tools":
        allowed = raw.get("allowed_tools") or {}
        tools = [t for t in allowed.get("tools") or [] if isinstance(t, Mapping)]
        names = sorted(str((t.get("function") or {}).get("name") or t.get("type")) for t in tools)
        return f"allowed_tools {allowed.get('mode')}: {', '.join(names)}"
    return raw


def _anthropic_choice(raw: Any, body: Body) -> Any:
    kind = raw.get("type") if isinstance(raw, Mapping) else raw
    if kind == "tool":
        return f"function {raw.get('name')}"
    return {"any": "required"}.get(str(kind), kind)


def _gemini_mode(raw: Any, body: Body) -> Any:
    config = raw if isinstance(raw, Mapping) else {}
    mode, names = str(config.get("mode", "AUTO")), config.get("allowedFunctionNames") or []
    if mode in ("ANY", "VALIDATED") and len(names) == 1:
        return f"function {names[0]}"
    return {"ANY": "required", "AUTO": "auto", "NONE": "none", "VALIDATED": "auto"}.get(mode, mode)


def _not(raw: Any, body: Body) -> Any:
    return not raw


def _format(raw: Any, body: Body) -> Any:
    return raw.get("type") if isinstance(raw, Mapping) else raw


def _gemini_format(raw: Any, body: Body) -> Any:
    return "json_object" if raw == "application/json" else raw


def _schema(raw: Any, body: Body) -> Any:
    return "json_schema"


def _thinking(raw: Any, body: Body) -> Any:
    if isinstance(raw, Mapping) and raw.get("type") == "disabled":
        return "none"
    if isinstance(raw, Mapping) and "budget_tokens" in raw:
        return f"budget {raw['budget_tokens']}"
    return raw


def _gemini_thinking(raw: Any, body: Body) -> Any:
    raw = _camelized(raw, 1)
    if isinstance(raw, Mapping) and raw.get("thinkingLevel"):
        return str(raw["thinkingLevel"]).lower()
    if isinstance(raw, Mapping) and "thinkingBudget" in raw:
        return "none" if raw["thinkingBudget"] == 0 else f"budget {raw['thinkingBudget']}"
    return raw


def _metadata(raw: Any, body: Body) -> Any:
    return raw or None  # `{}` sets nothing


@dataclass(frozen=True)
class Row:
    name: str  # the Responses name
    paths: tuple[str, ...]  # where this protocol carries it; the first present wins
    normalize: Normalize = _same


RESPONSES: tuple[Row, ...] = (
    Row("stream", ("stream",)),
    Row("tool_choice", ("tool_choice",), _responses_choice),
    Row("parallel_tool_calls", ("parallel_tool_calls",)),
    Row("max_output_tokens", ("max_output_tokens",)),
    Row("temperature", ("temperature",)),
    Row("top_p", ("top_p",)),
    Row("metadata", ("metadata",), _metadata),
    Row("text.format", ("text.format",), _format),
    Row("text.verbosity", ("text.verbosity",)),
    Row("reasoning", ("reasoning.effort",)),
)
CHAT: tuple[Row, ...] = (
    Row("stream", ("stream",)),
    Row("tool_choice", ("tool_choice",), _chat_choice),
    Row("parallel_tool_calls", ("parallel_tool_calls",)),
    Row("max_output_tokens", ("max_completion_tokens", "max_tokens")),
    Row("temperature", ("temperature",)),
    Row("top_p", ("top_p",)),
    Row("metadata", ("metadata",), _metadata),
    Row("text.format", ("response_format",), _format),
    Row("text.verbosity", ("verbosity",)),
    Row("reasoning", ("reasoning_effort",)),
)
ANTHROPIC: tuple[Row, ...] = (
    Row("stream", ("stream",)),
    Row("tool_choice", ("tool_choice",), _anthropic_choice),
    Row("parallel_tool_calls", ("tool_choice.disable_parallel_tool_use",), _not),
    Row("max_output_tokens", ("max_tokens",)),
    Row("temperature", ("temperature",)),
    Row("top_p", ("top_p",)),
    Row("text.format", ("output_format",), _format),
    Row("reasoning", ("thinking",), _thinking),
)
GEMINI: tuple[Row, ...] = (
    Row("tool_choice", ("toolConfig.functionCallingConfig",), _gemini_mode),
    Row("max_output_tokens", ("generationConfig.maxOutputTokens",)),
    Row("temperature", ("generationConfig.temperature",)),
    Row("top_p", ("generationConfig.topP",)),
    Row(
        "text.format",
        ("generationConfig.responseJsonSchema", "generationConfig.responseSchema", "generationConfig.responseMimeType"),
        _gemini_format,
    ),
    Row("reasoning", ("generationConfig.thinkingConfig",), _gemini_thinking),
)
TABLES = {"responses": RESPONSES, "chat": CHAT, "anthropic": ANTHROPIC, "gemini": GEMINI}


def _settings(protocol: str, body: Body) -> dict[str, Setting]:
    found: dict[str, Setting] = {}
    for row in TABLES[protocol]:
        for path in row.paths:
            at = _at(body, path)
            if at is not None and at[1] is not None:
                wire, raw = at
                readable = _camelized(raw, 2) if protocol == "gemini" else raw
                value = _schema(raw, body) if path.endswith("Schema") else row.normalize(readable, body)
                if value is not None:
                    found[row.name] = Setting(row.name, wire, raw, value)
                break
    return found


# requests -> views --------------------------------------------------------------------------------------------------
def responses_view(body: Body) -> View:
    """A Responses request (the client's, or a native route's upstream request)."""
    turns: list[Turn] = []
    raw_input = body.get("input")
    if isinstance(raw_input, str):
        turns.append(Turn("user", raw_input))
    for item in raw_input if isinstance(raw_input, list) else []:
        if not isinstance(item, Mapping):
            continue
        kind = str(item.get("type") or "message")
        if kind == "message":
            turns.append(Turn(str(item.get("role", "user")), text_of(item.get("content"))))
        elif kind == "function_call":
            turns.append(Turn("assistant", calls=(str(item.get("name")),), kind=kind))
        elif kind in ("function_call_output", "custom_tool_call_output", "computer_call_output"):
            output = item.get("output")
            turns.append(Turn("tool", output if isinstance(output, str) else text_of(output), kind=kind))
        else:
            turns.append(Turn("", kind=kind))
    raw_tools = body.get("tools")
    tools = [t for t in raw_tools if isinstance(t, Mapping)] if isinstance(raw_tools, list) else []
    functions = [t for t in tools if t.get("type") in ("function", "custom")]
    instructions, previous = body.get("instructions"), body.get("previous_response_id")
    return View(
        protocol="responses",
        model=_string(body.get("model")),
        settings=_settings("responses", body),
        system=(instructions,) if isinstance(instructions, str) and instructions else (),
        turns=tuple(turns),
        functions=tuple(str(t.get("name")) for t in functions),
        hosted={family(str(t.get("type"))): str(t.get("type")) for t in tools if t not in functions},
        previous_response_id=_string(previous),
    )


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def chat_view(body: Body) -> View:
    system: list[str] = []
    turns: list[Turn] = []
    for msg in body.get("messages") or []:
        if not isinstance(msg, Mapping):
            continue
        role, text = str(msg.get("role")), text_of(msg.get("content"))
        if role in ("system", "developer"):
            system.append(text)
        elif role == "assistant":
            tool_calls = [c for c in msg.get("tool_calls") or [] if isinstance(c, Mapping)]
            calls = tuple(str((c.get("function") or {}).get("name")) for c in tool_calls)
            turns.append(Turn("assistant", text, calls))
        else:
            turns.append(Turn("tool" if role in ("tool", "function") else role, text))
    tools = [t for t in body.get("tools") or [] if isinstance(t, Mapping)]
    hosted = {family(str(t.get("type"))): str(t.get("type")) for t in tools if t.get("type") != "function"}
    if body.get("web_search_options") is not None:
        hosted["web_search"] = "web_search_options"
    return View(
        protocol="chat",
        model=_string(body.get("model")),
        settings=_settings("chat", body),
        system=tuple(system),
        turns=tuple(turns),
        functions=tuple(str((t.get("function") or {}).get("name")) for t in tools if t.get("type") == "function"),
        hosted=hosted,
    )


def anthropic_view(body: Body) -> View:
    turns: list[Turn] = []
    for msg in body.get("messages") or []:
        if not isinstance(msg, Mapping):
            continue
        content = msg.get("content")
        blocks = [b for b in content if isinstance(b, Mapping)] if isinstance(content, list) else []
        for block in blocks:
            if block.get("type") == "tool_result":
                turns.append(Turn("tool", text_of(block.get("content"))))
        calls = tuple(str(b.get("name")) for b in blocks if b.get("type") in ("tool_use", "server_tool_use"))
        text = text_of(content) if isinstance(content, str) else text_of([b for b in blocks if b.get("type") == "text"])
        if text or calls or not blocks:
            turns.append(Turn(str(msg.get("role")), text, calls))
    tools = [t for t in body.get("tools") or [] if isinstance(t, Mapping)]
    system = text_of(body.get("system"))
    return View(
        protocol="anthropic",
        model=_string(body.get("model")),
        settings=_settings("anthropic", body),
        system=(system,) if system else (),
        turns=tuple(turns),
        functions=tuple(str(t.get("name")) for t in tools if t.get("type") in (None, "custom")),
        hosted={family(str(t["type"])): str(t["type"]) for t in tools if t.get("type") not in (None, "custom")},
    )


def _response_text(response: Any) -> str:
    """A functionResponse's `response`: its string values (`content`, `result`, ...), else the JSON of it."""
    if isinstance(response, Mapping):
        strings = [v for v in response.values() if isinstance(v, str)]
        if strings:
            return "\n".join(strings)
    return response if isinstance(response, str) else json.dumps(response)


def gemini_view(raw_body: Body, path: str) -> View:
    body = _camelized(raw_body, 6)
    turns: list[Turn] = []
    for content in body.get("contents") or []:
        if not isinstance(content, Mapping):
            continue
        parts = [p for p in content.get("parts") or [] if isinstance(p, Mapping)]
        for part in parts:
            if "functionResponse" in part:
                turns.append(Turn("tool", _response_text((part["functionResponse"] or {}).get("response"))))
        calls = tuple(str((p["functionCall"] or {}).get("name")) for p in parts if "functionCall" in p)
        text = text_of([p for p in parts if "text" in p and not p.get("thought")])
        if text or calls:
            turns.append(Turn("assistant" if content.get("role") == "model" else "user", text, calls))
    tools = [t for t in body.get("tools") or [] if isinstance(t, Mapping)]
    raw_tools = raw_body.get("tools")
    spelled = [t for t in raw_tools if isinstance(t, Mapping)] if isinstance(raw_tools, list) else []
    hosted = {family(_camel(key)): key for tool in spelled for key in tool if _camel(key) != "functionDeclarations"}
    functions = tuple(
        str(d.get("name")) for tool in tools for d in tool.get("functionDeclarations") or [] if isinstance(d, Mapping)
    )
    settings = _settings("gemini", raw_body)
    model, _, action = path.rpartition("/models/")[2].partition(":")
    if action == "streamGenerateContent":
        settings["stream"] = Setting("stream", "path", f":{action}", True)
    system = text_of((body.get("systemInstruction") or {}).get("parts"))
    return View(
        protocol="gemini",
        model=model or None,
        settings=settings,
        system=(system,) if system else (),
        turns=tuple(turns),
        functions=functions,
        hosted=hosted,
    )


def generation_protocol(entry: Mapping[str, Any]) -> str | None:
    """The protocol of a journal entry that asks a model for an answer (responses, chat, anthropic, gemini), or None
    for any other request (count_tokens, compact, lifecycle reads, unknown paths)."""
    if entry.get("method") != "POST" or not isinstance(entry.get("body"), Mapping):
        return None
    path = str(entry.get("path") or "")
    if entry.get("protocol") == "anthropic" and path.endswith("/messages"):
        return "anthropic"
    if entry.get("protocol") == "gemini" and path.endswith((":generateContent", ":streamGenerateContent")):
        return "gemini"
    if entry.get("protocol") == "openai" and path.endswith("/chat/completions"):
        return "chat"
    if entry.get("protocol") == "openai" and path.endswith("/responses"):
        return "responses"
    return None


def upstream_view(entry: Mapping[str, Any]) -> View | None:
    """A journal entry read through its protocol's table (None if it is no generation request)."""
    protocol = generation_protocol(entry)
    body = entry.get("body")
    if protocol is None or not isinstance(body, Mapping):
        return None
    if protocol == "gemini":
        return gemini_view(body, str(entry.get("path")))
    return {"responses": responses_view, "chat": chat_view, "anthropic": anthropic_view}[protocol](body)
