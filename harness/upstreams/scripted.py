"""The scripted model: a deterministic stand-in for an LLM that answers only from what it received.

Every emulated protocol normalizes its request into a `ScriptedRequest` and renders the `ScriptedReply` in its own
wire format, so the same rules hold on every route. The rules are listed in docs/ARCHITECTURE.md; their answers are
tell-tales of what a gateway really passed on (history, tools, instructions, schemas).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

HOSTED_TYPES = ("web_search_preview", "web_search", "file_search", "computer_use_preview", "computer")


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


@dataclass
class ScriptedReply:
    text: str | None = None
    function_calls: list[ToolCall] = field(default_factory=list)
    hosted_calls: list[dict[str, Any]] = field(default_factory=list)


_CODE_WORD = re.compile(r"Remember the code word ([^\s.]+)\.")
_EXACT = re.compile(r"Reply with exactly (.+?)\.?\s*$", re.S)
_CALL = re.compile(r"Call the tools? (.+)", re.I)
_KV = re.compile(r"(\w+)=([^\s,]+)")
_HOSTED = re.compile(r"Use the hosted tool (\w+)")


def _all_text(req: ScriptedRequest) -> str:
    parts = [req.system]
    for msg in req.messages:
        parts.append(msg.text)
        parts.extend(call.arguments for call in msg.tool_calls)
        if msg.tool_result:
            parts.append(msg.tool_result.output)
    return "\n".join(p for p in parts if p)


def _last_user_index(req: ScriptedRequest) -> int:
    for i in range(len(req.messages) - 1, -1, -1):
        if req.messages[i].role == "user":
            return i
    return -1


def call_id_for(name: str, arguments: str, position: int) -> str:
    digest = hashlib.sha256(f"{name}\x00{arguments}\x00{position}".encode()).hexdigest()
    return "call_" + digest[:24]


def sample_for_schema(schema: Any, hints: dict[str, str] | None = None, key: str = "", root: Any = None) -> Any:
    """A deterministic JSON instance valid for `schema` (the subset of JSON Schema tool and output schemas use):
    objects with every property, arrays of one item (or minItems), enums their first value, anyOf/oneOf their
    first non-null branch, `$ref` resolved within the root (`#/$defs/...`). `hints` fill properties by name."""
    return _sample(schema, hints or {}, key, schema if root is None else root, 0)


def _resolve(ref: str, root: Any) -> Any:
    target: Any = root
    for part in ref.removeprefix("#").strip("/").split("/"):
        if not part:
            continue
        target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
    return target


def _sample(schema: Any, hints: dict[str, str], key: str, root: Any, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > 12:  # a recursive schema stops here rather than looping
        return None if depth > 12 else "sample"
    if isinstance(schema.get("$ref"), str):
        return _sample(_resolve(schema["$ref"], root), hints, key, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for combo in ("anyOf", "oneOf"):
        if isinstance(schema.get(combo), list) and schema[combo]:
            branches = [b for b in schema[combo] if not (isinstance(b, dict) and b.get("type") == "null")]
            return _sample((branches or schema[combo])[0], hints, key, root, depth + 1)
    if isinstance(schema.get("allOf"), list) and schema["allOf"]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = _resolve(part["$ref"], root) if isinstance(part, dict) and "$ref" in part else part
            if isinstance(part, dict):
                merged_props = {**merged.get("properties", {}), **part.get("properties", {})}
                merged = {**merged, **part, "properties": merged_props}
        return _sample(merged, hints, key, root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    if kind == "object":
        props: dict[str, Any] = schema["properties"] if isinstance(schema.get("properties"), dict) else {}
        return {name: _sample(sub, hints, name, root, depth + 1) for name, sub in props.items()}
    if kind == "array":
        count: int = schema["minItems"] if isinstance(schema.get("minItems"), int) else 1
        return [_sample(schema.get("items", {}), hints, key, root, depth + 1) for _ in range(max(1, count))]
    if kind in ("integer", "number"):
        return _number(schema, hints.get(key), integer=kind == "integer")
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    text = hints.get(key, "sample")
    min_length = schema.get("minLength")
    return text.ljust(min_length, "x") if isinstance(min_length, int) else text


def _number(schema: dict[str, Any], hint: str | None, *, integer: bool) -> int | float:
    try:
        value: int | float = (int(hint) if integer else float(hint)) if hint is not None else 1
    except ValueError:
        value = 1
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, int | float) and value < low:
        value = int(low) if integer and low == int(low) else low
    if isinstance(high, int | float) and value > high:
        value = int(high) if integer and high == int(high) else high
    return value


def _forced_function(req: ScriptedRequest) -> list[str]:
    choice = req.tool_choice
    names = [t.name for t in req.tools]
    if isinstance(choice, dict):
        name = choice.get("name") or (choice.get("function") or {}).get("name")
        if name in names:
            return [name]
        if choice.get("type") == "allowed_tools":
            allowed = [t.get("name") for t in choice.get("tools", []) if t.get("name") in names]
            return allowed[:1] if choice.get("mode") == "required" else []
        return []
    if choice in ("required", "any") and names:
        return names[:1]
    return []


def _requested_functions(req: ScriptedRequest, text: str) -> list[str]:
    match = _CALL.search(text)
    if not match or not req.tools:
        return []
    wanted = re.split(r",\s*|\s+and\s+|\s+", match.group(1))
    names = [t.name for t in req.tools]
    picked = [w.strip(".") for w in wanted if w.strip(".") in names]
    if not req.parallel_tool_calls:
        picked = picked[:1]
    return picked


def _function_calls(req: ScriptedRequest, names: list[str], text: str) -> list[ToolCall]:
    hints = dict(_KV.findall(text))
    calls = []
    for position, name in enumerate(names):
        tool = next(t for t in req.tools if t.name == name)
        args = json.dumps(sample_for_schema(tool.parameters or {"type": "object"}, hints), separators=(",", ":"))
        calls.append(ToolCall(call_id=call_id_for(name, args, position), name=name, arguments=args))
    return calls


def _hosted_call(tool_type: str, text: str) -> dict[str, Any]:
    """The call item OpenAI's model emits for a hosted tool (ids are added by the Responses emulator)."""
    query = text.strip() or "query"
    if tool_type in ("web_search_preview", "web_search"):
        return {
            "type": "web_search_call",
            "status": "completed",
            "action": {"type": "search", "query": query},
        }
    if tool_type == "file_search":
        return {"type": "file_search_call", "status": "completed", "queries": [query], "results": None}
    return {
        "type": "computer_call",
        "status": "completed",
        "action": {"type": "screenshot"},
        "pending_safety_checks": [],
    }


def _hosted(req: ScriptedRequest, text: str) -> str | None:
    # Only the hosted tools whose call items the model knows how to produce; others are merely listed.
    offered = [t.get("type", "") for t in req.hosted_tools if t.get("type") in HOSTED_TYPES]
    choice = req.tool_choice
    if isinstance(choice, dict) and choice.get("type") in offered:
        return str(choice["type"])
    match = _HOSTED.search(text)
    if match and match.group(1) in offered:
        return match.group(1)
    return None


def reply(req: ScriptedRequest) -> ScriptedReply:
    """Apply the rules in order; the first that matches answers."""
    last = _last_user_index(req)
    text = req.messages[last].text if last >= 0 else ""
    results = [m.tool_result for m in req.messages[last + 1 :] if m.tool_result is not None]
    if results:
        return ScriptedReply(text="\n".join(f"The tool returned: {r.output}" for r in results))
    if req.tool_choice != "none":
        names = _forced_function(req) or _requested_functions(req, text)
        if names:
            return ScriptedReply(function_calls=_function_calls(req, names, text))
        hosted = _hosted(req, text)
        if hosted:
            call = _hosted_call(hosted, text)
            return ScriptedReply(
                text=None if call["type"] == "computer_call" else f"Used {hosted}.", hosted_calls=[call]
            )
    if req.output_schema is not None:
        exact = _EXACT.search(text)
        hints = {"answer": exact.group(1).strip()} if exact else {}
        return ScriptedReply(text=json.dumps(sample_for_schema(req.output_schema, hints)))
    return ScriptedReply(text=_text_answer(req, text))


def _text_answer(req: ScriptedRequest, text: str) -> str:
    if "What is the code word?" in text:
        words = _CODE_WORD.findall(_all_text(req))
        return words[-1] if words else "I do not know"
    if "Summarize the conversation" in text:
        sentences = [f"Remember the code word {w}." for w in _CODE_WORD.findall(_all_text(req))]
        return "Summary: " + (" ".join(sentences) if sentences else "nothing to keep.")
    exact = _EXACT.search(text)
    if exact:
        return exact.group(1).strip()
    if "What are your instructions?" in text:
        return f"instructions={req.system or 'none'}"
    if "What is your verbosity?" in text:
        return f"verbosity={req.verbosity or 'none'}"
    if "Which tools do you have?" in text:
        names = [t.name for t in req.tools] + [str(t.get("type")) for t in req.hosted_tools]
        return "tools=" + (",".join(names) or "none")
    if "Which item types did you receive?" in text:
        return "items=" + (",".join(req.item_types) or "none")
    return f"Echo: {text}"


def count_tokens(req: ScriptedRequest) -> int:
    """Whitespace-separated words of everything received: deterministic, and it grows with the input."""
    words = len(_all_text(req).split())
    words += sum(len(t.name.split()) for t in req.tools)
    return max(words, 1)


def output_tokens(rep: ScriptedReply) -> int:
    words = len((rep.text or "").split())
    words += sum(len(c.name.split()) + len(c.arguments.split()) for c in rep.function_calls)
    return max(words + len(rep.hosted_calls), 1)


def reply_text_chunks(text: str, size: int = 3) -> list[str]:
    """Split text into a few deltas (by words, keeping the spaces) as a real stream would."""
    pieces = re.findall(r"\S+\s*|\s+", text)
    chunks = ["".join(pieces[i : i + size]) for i in range(0, len(pieces), size)]
    return chunks or [""]


_TOKEN = re.compile(r"\s*\w+|\s*[^\w\s]+|\s+")


def token_pieces(text: str) -> list[str]:
    """Split text the way OpenAI's deltas arrive: a word or a run of punctuation, with its leading space
    (`Hello, World!` -> `Hello`, `,`, ` World`, `!`, as in the recorded stream)."""
    return _TOKEN.findall(text) or [""]
