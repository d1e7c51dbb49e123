"""Responses request -> ScriptedRequest: input items, tools, tool_choice, text format, compaction tokens.

Input items of types this emulator does not know are accepted as opaque (OpenAI itself would reject most of them):
a deliberate leniency, so that `Which item types did you receive?` shows whether a gateway passed them on intact
instead of dropping or rewriting them.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from emulators import scripted
from emulators.common import Fault, check_effort, check_function_name, get_dict, get_list, get_str, objects
from harness import phrases

# A compaction item's `encrypted_content` is this prefix + base64 of the summary text: opaque to clients, and the
# emulator can expand it again on a later request, so a code word survives compaction.
COMPACTION_PREFIX = "emc1."


def compaction_token(summary: str) -> str:
    return COMPACTION_PREFIX + base64.urlsafe_b64encode(summary.encode()).decode()


def expand_compaction(item: dict[str, Any], index: int) -> str:
    token = item.get("encrypted_content")
    param = f"input[{index}].encrypted_content"
    if not isinstance(token, str) or not token.startswith(COMPACTION_PREFIX):
        raise Fault(400, "Invalid 'encrypted_content': this compaction item was not produced here.", param=param)
    try:
        return base64.b64decode(token[len(COMPACTION_PREFIX) :], altchars=b"-_", validate=True).decode()
    except (binascii.Error, ValueError) as exc:
        raise Fault(400, "Invalid 'encrypted_content': the compaction item is corrupt.", param=param) from exc


def input_items(payload: dict[str, Any], key: str = "input") -> list[dict[str, Any]]:
    """`input` (or a conversation's `items`) as a list of items: a string is one user message; an item without
    `type` is a message."""
    raw = payload.get(key)
    if raw is None:
        return []
    if isinstance(raw, str):
        return [{"type": "message", "role": "user", "content": raw}]
    if not isinstance(raw, list):
        raise Fault(400, f"Invalid type for '{key}': expected a string or an array of items.", param=key)
    items = []
    for index, item in enumerate(objects(raw, key)):
        if item.get("type", "message") == "message":
            _check_message(item, f"{key}[{index}]")
        items.append(item if "type" in item else {"type": "message", **item})
    return items


def _check_message(item: dict[str, Any], where: str) -> None:
    role = item.get("role")
    if role not in ("user", "assistant", "system", "developer"):
        raise Fault(
            400,
            f"Invalid value for '{where}.role': expected one of 'user', 'assistant', 'system' or "
            f"'developer', but got {role!r}.",
            param=f"{where}.role",
        )
    content = item.get("content")
    if not isinstance(content, str | list):
        raise Fault(
            400,
            f"Invalid type for '{where}.content': expected a string or an array of content parts.",
            param=f"{where}.content",
        )


def content_text(content: Any) -> str:
    """The text of a message's content: a string, or the `text` of every part that has one."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    return "\n".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))


def content_images(content: Any) -> list[str]:
    """The fingerprint of every `input_image` part: its data URL's type and size, its URL, or its file id."""
    if not isinstance(content, list):
        return []
    images = []
    for part in content:
        if isinstance(part, dict) and part.get("type") == "input_image":
            url, file_id = part.get("image_url"), part.get("file_id")
            images.append(scripted.image_fingerprint(url) if isinstance(url, str) else f"file_id {file_id}")
    return images


def _output_text(output: Any) -> str:
    return output if isinstance(output, str) else content_text(output)


def check_call_outputs(items: list[dict[str, Any]]) -> None:
    """Every `function_call_output` answers a `function_call` that came before it (in this input, or in the stored
    chain in front of it), or the request is a 400 in OpenAI's words: a gateway that lost the call, or rewrote its
    id, is refused here as at OpenAI."""
    called: set[Any] = set()
    for item in items:
        if item.get("type") == "function_call":
            called.add(item.get("call_id"))
        elif item.get("type") == "function_call_output" and item.get("call_id") not in called:
            message = f"No tool call found for function call output with call_id {item.get('call_id')}."
            raise Fault(400, message, param="input")


# The input item types of OpenAI's Responses API (schemas/openai/InputItem.json, and `item_reference`;
# tests/emulators/test_input_item_types.py keeps the two alike).
INPUT_ITEM_TYPES = frozenset(
    {
        "additional_tools", "apply_patch_call", "apply_patch_call_output", "code_interpreter_call", "compaction",
        "compaction_trigger", "computer_call", "computer_call_output", "custom_tool_call", "custom_tool_call_output",
        "file_search_call", "function_call", "function_call_output", "image_generation_call", "item_reference",
        "local_shell_call", "local_shell_call_output", "mcp_approval_request", "mcp_approval_response", "mcp_call",
        "mcp_list_tools", "message", "program", "program_output", "reasoning", "shell_call", "shell_call_output",
        "tool_search_call", "tool_search_output", "web_search_call",
    }
)  # fmt: skip


def to_scripted(payload: dict[str, Any], items: list[dict[str, Any]]) -> scripted.ScriptedRequest:
    """The conversation the scripted model sees: `instructions` and system/developer messages are the system text;
    compaction items are expanded back into their summary; unknown items are recorded by type only."""
    req = scripted.ScriptedRequest(system=get_str(payload, "instructions"))
    req.item_types = [str(item.get("type")) for item in items]
    req.unknown_items = [kind for kind in req.item_types if kind not in INPUT_ITEM_TYPES]
    check_call_outputs(items)
    for index, item in enumerate(items):
        kind = item.get("type")
        if kind == "compaction":
            req.messages.append(scripted.Message(role="system", text=expand_compaction(item, index)))
        elif kind == "message":
            role, text = str(item.get("role", "user")), content_text(item.get("content"))
            if role in ("system", "developer"):
                req.system = f"{req.system}\n{text}".strip()
            else:
                phase = item.get("phase") if role == "assistant" and isinstance(item.get("phase"), str) else None
                images = content_images(item.get("content"))
                req.messages.append(scripted.Message(role=role, text=text, images=images, phase=phase))
        elif kind == "function_call":
            call = scripted.ToolCall(str(item.get("call_id")), str(item.get("name")), str(item.get("arguments", "")))
            req.messages.append(scripted.Message(role="assistant", tool_calls=[call]))
        elif kind in ("function_call_output", "custom_tool_call_output", "computer_call_output"):
            result = scripted.ToolResult(str(item.get("call_id")), _output_text(item.get("output")))
            req.messages.append(scripted.Message(role="tool", tool_result=result))
    _tools(payload, req)
    text_param = get_dict(payload, "text")
    fmt = get_dict(text_param, "format", "text.format")
    if fmt.get("type") == "json_schema":
        req.output_schema = get_dict(fmt, "schema", "text.format.schema")
    elif fmt.get("type") == "json_object":
        req.output_schema = {"type": "object"}
    req.verbosity = get_str(text_param, "verbosity", "text.verbosity") or None
    req.settings = {name: payload.get(name) for name in phrases.SETTING_NAMES}
    reasoning = get_dict(payload, "reasoning")
    received = {
        "effort": check_effort(reasoning.get("effort"), "reasoning.effort"),
        "summary": get_str(reasoning, "summary", "reasoning.summary") or None,
    }
    req.reasoning = {name: value for name, value in received.items() if value is not None}
    return req


def _tools(payload: dict[str, Any], req: scripted.ScriptedRequest) -> None:
    for index, tool in enumerate(objects(get_list(payload, "tools"), "tools")):
        if tool.get("type") == "function":
            name = get_str(tool, "name", f"tools[{index}].name")
            if not name:
                raise Fault(400, f"Missing required parameter: 'tools[{index}].name'.", param=f"tools[{index}].name")
            check_function_name(name, f"tools[{index}].name")
            parameters = get_dict(tool, "parameters", f"tools[{index}].parameters") or {"type": "object"}
            description = get_str(tool, "description", f"tools[{index}].description")
            req.tools.append(scripted.FunctionTool(name, description, parameters))
        else:
            req.hosted_tools.append(tool)
    names = {t.name for t in req.tools}
    choice = payload.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function" and choice.get("name") not in names:
        raise Fault(400, f"Tool choice '{choice.get('name')}' not found in 'tools' parameter.", param="tool_choice")
    if choice is not None and not isinstance(choice, str | dict):
        raise Fault(400, "Invalid type for 'tool_choice': expected a string or an object.", param="tool_choice")
    req.tool_choice = choice
    req.parallel_tool_calls = payload.get("parallel_tool_calls") is not False
