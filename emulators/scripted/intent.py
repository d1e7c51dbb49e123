"""What the scripted model answers: the rules applied in order to the last user message (a tool result is reported,
a function is called when asked or mentioned, a hosted tool when offered and asked for, structured output when a
schema is given, else a text answer that tells what the gateway passed on). The rules are listed in
docs/ARCHITECTURE.md."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from emulators.scripted.contract import (
    FunctionTool,
    ScriptedReply,
    ScriptedRequest,
    ToolCall,
    all_text,
    last_user_index,
)
from emulators.scripted.hosted import hosted, hosted_call
from emulators.scripted.schema_sampler import sample_for_schema
from harness import phrases

_CODE_WORD = re.compile(re.escape(phrases.REMEMBER) + r" ([^\s.]+)\.")
_EXACT = re.compile(re.escape(phrases.REPLY_EXACTLY) + r" (.+?)\.?\s*$", re.S)
_CALL = re.compile(re.escape(phrases.CALL_TOOL) + r"s? (.+)", re.I)
_KV = re.compile(r"(\w+)=([^\s,]+)")
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


def call_id_for(name: str, arguments: str, position: int) -> str:
    digest = hashlib.sha256(f"{name}\x00{arguments}\x00{position}".encode()).hexdigest()
    return "call_" + digest[:24]


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


def reply(req: ScriptedRequest) -> ScriptedReply:
    """Apply the rules in order; the first that matches answers."""
    last = last_user_index(req)
    text = req.messages[last].text if last >= 0 else ""
    results = [m.tool_result for m in req.messages[last + 1 :] if m.tool_result is not None]
    if results:
        return ScriptedReply(text="\n".join(phrases.tool_returned(r.output) for r in results))
    if req.tool_choice != "none":
        names = _forced_function(req) or _requested_functions(req, text)
        if names:
            return ScriptedReply(function_calls=_function_calls(req, names, text))
        chosen = hosted(req, text)
        if chosen:
            tool, query = chosen
            call = hosted_call(tool["type"], query)
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
        words = _CODE_WORD.findall(all_text(req))
        return words[-1] if words else phrases.UNKNOWN
    if phrases.SUMMARIZE in text:
        return phrases.summary([phrases.remember(w) for w in _CODE_WORD.findall(all_text(req))])
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
