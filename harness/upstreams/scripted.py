"""The scripted model: a deterministic stand-in for an LLM that answers only from what it received.

Every emulated protocol normalizes its request into a `ScriptedRequest` and renders the `ScriptedReply` in its own
wire format, so the same rules hold on every route. The rules are listed in docs/ARCHITECTURE.md; their answers are
tell-tales of what a gateway really passed on (history, tools, instructions, schemas).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from harness import phrases

# Hosted web search as each protocol offers it: Responses `web_search(_preview)` and their dated snapshots,
# Anthropic's server tool `web_search_20250305`, Chat Completions `web_search_options` (normalized to this type),
# Gemini `google_search` / `googleSearch` (normalized to `google_search`) and `google_search_retrieval`.
SEARCH_TYPES = (
    "web_search_preview",
    "web_search_preview_2025_03_11",
    "web_search",
    "web_search_2025_08_26",
    "web_search_20250305",
    "web_search_options",
    "google_search",
    "google_search_retrieval",
)
HOSTED_TYPES = (*SEARCH_TYPES, "file_search", "computer_use_preview", "computer")


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
    # Sampling settings as received, under the Responses names (phrases.SETTING_NAMES); absent ones are left out.
    settings: dict[str, Any] = field(default_factory=dict)
    # Reasoning settings as received, in the provider's own terms (phrases.REASONING_NAMES); absent ones left out.
    reasoning: dict[str, Any] = field(default_factory=dict)


@dataclass
class ScriptedReply:
    text: str | None = None
    function_calls: list[ToolCall] = field(default_factory=list)
    hosted_calls: list[dict[str, Any]] = field(default_factory=list)


_CODE_WORD = re.compile(re.escape(phrases.REMEMBER) + r" ([^\s.]+)\.")
_EXACT = re.compile(re.escape(phrases.REPLY_EXACTLY) + r" (.+?)\.?\s*$", re.S)
_CALL = re.compile(re.escape(phrases.CALL_TOOL) + r"s? (.+)", re.I)
_KV = re.compile(r"(\w+)=([^\s,]+)")
_HOSTED = re.compile(re.escape(phrases.USE_HOSTED) + r" (\w+)")
_SEARCH = re.compile(re.escape(phrases.SEARCH_WEB) + r" (.+?)\.?\s*$", re.S)
# Phrases that ask for something else: a text holding one never calls a tool merely for mentioning it.
_ASKS = (
    phrases.REPLY_EXACTLY,
    phrases.REMEMBER,
    phrases.CODE_WORD_QUESTION,
    phrases.SUMMARIZE,
    phrases.ASK_INSTRUCTIONS,
    phrases.ASK_VERBOSITY,
    phrases.ASK_TOOLS,
    phrases.ASK_ITEM_TYPES,
    phrases.ASK_PHASES,
    phrases.ASK_IMAGE,
    phrases.ASK_SETTINGS,
    phrases.ASK_REASONING,
    phrases.USE_HOSTED,
    phrases.SEARCH_WEB,
)
# Words too common to tie a request to a tool's description.
_STOP_TEXT = """about above after again also because been before being below between both call calls could does
    doing down during each even every from function further have having here into just like made make many more
    most much must need only other over please same should some such than that their them then there these they
    this those through tool tools under until upon used uses using very want what when where which while will
    with would your yours"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


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


def _callable(req: ScriptedRequest) -> list[FunctionTool]:
    """The function tools the model may call: all of them, or those `allowed_tools` lists."""
    choice = req.tool_choice
    if isinstance(choice, dict) and choice.get("type") == "allowed_tools":
        allowed = {t.get("name") for t in choice.get("tools", []) if isinstance(t, dict)}
        return [t for t in req.tools if t.name in allowed]
    return req.tools


def _is_auto(choice: Any) -> bool:
    return choice in (None, "auto") or (
        isinstance(choice, dict) and choice.get("type") == "allowed_tools" and choice.get("mode", "auto") == "auto"
    )


def _requested_functions(req: ScriptedRequest, text: str) -> list[str]:
    match = _CALL.search(text)
    if not match or not req.tools:
        return []
    wanted = re.split(r",\s*|\s+and\s+|\s+", match.group(1))
    names = [t.name for t in _callable(req)]
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


def _mentioned_functions(req: ScriptedRequest, text: str) -> list[str]:
    """Under `tool_choice: auto` (or none given), before any tool result: the tools the text mentions by name or by
    a word (4 letters or more, not a stop word) of their description, as a real model would pick them."""
    if not _is_auto(req.tool_choice) or not req.tools or any(ask in text for ask in _ASKS):
        return []
    if any(m.tool_result is not None for m in req.messages):
        return []
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
    picked = []
    for tool in _callable(req):
        described = {w.lower() for w in re.findall(r"[A-Za-z]+", tool.description) if len(w) >= 4}
        named = re.search(rf"(?<!\w){re.escape(tool.name)}(?!\w)", text, re.I) is not None
        if named or (described - STOP_WORDS) & words:
            picked.append(tool.name)
    return picked[:1] if not req.parallel_tool_calls else picked


def _hosted_call(tool_type: str, query: str) -> dict[str, Any]:
    """The call item OpenAI's model emits for a hosted tool (ids are added by the Responses emulator); the other
    protocols render a web search call in their own shape (server_tool_use, annotations, groundingMetadata)."""
    query = query.strip() or "query"
    if tool_type in SEARCH_TYPES:
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


def search_results(query: str) -> list[dict[str, str]]:
    """What the emulated web search finds for `query`: two results derived from it, the same every time."""
    slug = "-".join(re.findall(r"\w+", query.lower())[:8]) or "query"
    return [
        {
            "url": f"https://example.com/{slug}",
            "title": f"{query} - Example",
            "snippet": f"Example results for {query}.",
        },
        {
            "url": f"https://example.org/search?q={quote(query)}",
            "title": f"{query} - Example Search",
            "snippet": f"More about {query}.",
        },
    ]


def _same_type(asked: Any, offered: str) -> bool:
    """A hosted tool choice names the offered tool's type, or the same tool dated or undated
    (`web_search_preview` and `web_search_preview_2025_03_11`), as OpenAI takes either."""
    if not isinstance(asked, str):
        return False
    return asked == offered or offered.startswith(asked + "_20") or asked.startswith(offered + "_20")


def _hosted(req: ScriptedRequest, text: str) -> tuple[dict[str, Any], str] | None:
    """The offered hosted tool the request asks for, with the query: forced by `tool_choice` (its type, its name,
    or `required` with no function to call), or `Use the hosted tool TYPE` (a web search also answers to its
    name and to `web_search`), or `Search the web for X` with a web search offered."""
    # Only the hosted tools whose call items the model knows how to produce; others are merely listed.
    offered = [t for t in req.hosted_tools if t.get("type") in HOSTED_TYPES]
    choice = req.tool_choice
    for tool in offered:
        if isinstance(choice, dict) and _same_type(choice.get("type"), tool["type"]):
            return tool, text
        if isinstance(choice, dict) and choice.get("name") and choice.get("name") == tool.get("name"):
            return tool, text
    match = _HOSTED.search(text)
    for tool in offered if match else []:
        aliases = {tool["type"], tool.get("name")} | ({"web_search"} if tool["type"] in SEARCH_TYPES else set())
        if match and match.group(1) in aliases:
            return tool, text
    search = _SEARCH.search(text)
    for tool in offered if search else []:
        if search and tool["type"] in SEARCH_TYPES:
            return tool, search.group(1)
    if choice in ("required", "any") and not req.tools and offered:
        return offered[0], text
    return None


def reply(req: ScriptedRequest) -> ScriptedReply:
    """Apply the rules in order; the first that matches answers."""
    last = _last_user_index(req)
    text = req.messages[last].text if last >= 0 else ""
    results = [m.tool_result for m in req.messages[last + 1 :] if m.tool_result is not None]
    if results:
        return ScriptedReply(text="\n".join(phrases.tool_returned(r.output) for r in results))
    if req.tool_choice != "none":
        names = _forced_function(req) or _requested_functions(req, text)
        if names:
            return ScriptedReply(function_calls=_function_calls(req, names, text))
        hosted = _hosted(req, text)
        if hosted:
            tool, query = hosted
            call = _hosted_call(tool["type"], query)
            label = str(tool.get("name") or tool["type"])
            return ScriptedReply(
                text=None if call["type"] == "computer_call" else phrases.used(label), hosted_calls=[call]
            )
        names = _mentioned_functions(req, text)
        if names:
            return ScriptedReply(function_calls=_function_calls(req, names, text))
    if req.output_schema is not None:
        exact = _EXACT.search(text)
        hints = {"answer": exact.group(1).strip()} if exact else {}
        return ScriptedReply(text=json.dumps(sample_for_schema(req.output_schema, hints)))
    return ScriptedReply(text=_text_answer(req, text))


def _text_answer(req: ScriptedRequest, text: str) -> str:
    if phrases.CODE_WORD_QUESTION in text:
        words = _CODE_WORD.findall(_all_text(req))
        return words[-1] if words else phrases.UNKNOWN
    if phrases.SUMMARIZE in text:
        return phrases.summary([phrases.remember(w) for w in _CODE_WORD.findall(_all_text(req))])
    exact = _EXACT.search(text)
    if exact:
        return exact.group(1).strip()
    if phrases.ASK_INSTRUCTIONS in text:
        return phrases.instructions(req.system)
    if phrases.ASK_VERBOSITY in text:
        return phrases.verbosity(req.verbosity)
    if phrases.ASK_TOOLS in text:
        names = [t.name for t in req.tools] + [str(t.get("type")) for t in req.hosted_tools]
        return phrases.listing(phrases.TOOLS_KEY, names)
    if phrases.ASK_ITEM_TYPES in text:
        return phrases.listing(phrases.ITEMS_KEY, req.item_types)
    if phrases.ASK_PHASES in text:
        return phrases.listing(phrases.PHASES_KEY, [m.phase for m in req.messages if m.phase])
    if phrases.ASK_IMAGE in text:
        return phrases.image_answer([image for m in req.messages for image in m.images])
    if phrases.ASK_SETTINGS in text:
        return phrases.settings(req.settings)
    if phrases.ASK_REASONING in text:
        return phrases.reasoning(req.reasoning)
    return phrases.echo(text)


def image_fingerprint(url: str, media_type: str | None = None) -> str:
    """`image/png 68 bytes` for inline data (a `data:` URL, or base64 `url` with its `media_type`), else the URL."""
    data = url
    if media_type is None:
        match = re.match(r"data:([^;,]+)?(;base64)?,(.*)", url, re.S)
        if not match:
            return url
        media_type, data = match.group(1) or "application/octet-stream", match.group(3)
        if not match.group(2):
            return phrases.inline_image(media_type, len(data.encode()))
    return phrases.inline_image(media_type, _decoded_length(data))


def _decoded_length(data: str) -> int:
    try:
        return len(base64.b64decode(data + "=" * (-len(data) % 4)))
    except (binascii.Error, ValueError):
        return len(data.encode())


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
