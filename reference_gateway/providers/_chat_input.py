"""Reading a chat request on its way to a non-OpenAI wire (Anthropic, Gemini): what both adapters share.

A chat parameter the target wire cannot express is refused with a 400 that names it, never dropped: the adapter
lists what it honours and everything else is an error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reference_gateway.errors import TranslationError
from reference_gateway.translate.types import ChatMessage, ChatToolCall

# Parameters that only steer the transport (how the answer is delivered), not what the model is asked.
TRANSPORT = frozenset({"model", "messages", "stream", "stream_options"})


# A chat parameter as the client named it in its Responses request.
RESPONSES_PARAM = {
    "messages": "input",
    "response_format": "text.format",
    "verbosity": "text.verbosity",
    "max_completion_tokens": "max_output_tokens",
    "max_tokens": "max_output_tokens",
}


def refuse(provider: str, param: str, why: str = "") -> TranslationError:
    """A parameter this wire cannot express: a 400 naming it as the Responses request did (nothing went upstream)."""
    detail = f": {why}" if why else ""
    return TranslationError(
        f"{provider} cannot honour the chat parameter '{param}'{detail}",
        RESPONSES_PARAM.get(param, param),
        code="unsupported_parameter",
    )


def invalid(message: str, param: str = "input") -> TranslationError:
    """A request that cannot be written on this wire as it stands (a malformed tool call, an orphan result)."""
    return TranslationError(message, param)


def check_params(chat: Mapping[str, Any], honoured: Iterable[str], provider: str) -> None:
    """Refuse the first parameter (with a value) that the adapter does not translate."""
    allowed = TRANSPORT | set(honoured)
    for key, value in chat.items():
        if key not in allowed and value is not None:
            raise refuse(provider, key, "the gateway has no translation for it")
    if chat.get("n") not in (None, 1):
        raise refuse(provider, "n", "only one choice per request")
    if not isinstance(chat.get("messages"), list) or not chat["messages"]:
        raise invalid("messages must be a non-empty array")


def text_of(content: Any, provider: str) -> str:
    """The text of a message whose role carries only text (system, assistant, tool)."""
    if content is None or isinstance(content, str):
        return content or ""
    texts = []
    for part in content if isinstance(content, list) else [content]:
        if not isinstance(part, dict) or part.get("type") not in ("text", "refusal"):
            kind = part.get("type") if isinstance(part, dict) else type(part).__name__
            raise refuse(provider, "messages", f"content part type {kind!r} is only carried in user messages")
        texts.append(str(part.get("text", part.get("refusal", ""))))
    return "\n".join(texts)


def data_url(url: str) -> tuple[str, str] | None:
    """(media type, base64 data) of a `data:` URL, or None for any other URL."""
    if not url.startswith("data:"):
        return None
    head, sep, data = url[5:].partition(",")
    if not sep or not head.endswith(";base64"):
        raise invalid("image and file data URLs must be base64 encoded (data:<type>;base64,...)")
    return head[: -len(";base64")], data


def arguments(call: ChatToolCall) -> Any:
    """A chat tool call's arguments string as JSON (native wires carry them as objects)."""
    raw = (call.get("function") or {}).get("arguments") or "{}"
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise invalid(f"tool call {call.get('id')} has arguments that are not JSON") from exc
    if not isinstance(value, dict):
        raise invalid(f"tool call {call.get('id')} has arguments that are not a JSON object")
    return value


def function_name(call: ChatToolCall) -> str:
    name = (call.get("function") or {}).get("name")
    if not isinstance(name, str) or not name:
        raise invalid(f"tool call {call.get('id')} has no function name")
    return name


def forced_function(choice: Any) -> str | None:
    """The function a chat tool_choice forces, or None for the string modes."""
    if choice is None or isinstance(choice, str):
        return None
    if isinstance(choice, dict) and choice.get("type") == "function":
        name = (choice.get("function") or {}).get("name")
        if isinstance(name, str) and name:
            return name
    raise invalid(f"tool_choice {json.dumps(choice)} is not a function tool choice", "tool_choice")


def stop_list(stop: Any) -> list[str]:
    return [stop] if isinstance(stop, str) else [str(s) for s in stop]


@dataclass(frozen=True)
class Wire:
    """How one non-OpenAI wire spells the pieces of a conversation; `walk` does the rest, the same for every wire."""

    provider: str  # the name in error messages
    key: str  # where a turn keeps its pieces: Anthropic "content", Gemini "parts"
    assistant: str  # the assistant's role on this wire: "assistant", "model"
    text: Callable[[str], dict[str, Any]]
    image: Callable[[str], dict[str, Any]]  # an image URL or data URL
    document: Callable[[str], dict[str, Any]]  # a file's data URL
    call: Callable[[str, str, dict[str, Any]], dict[str, Any]]  # (call id, name, arguments)
    result: Callable[[str, str | None, str], dict[str, Any]]  # (call id, the call's name if known, output text)


def _user_pieces(content: Any, wire: Wire) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [wire.text(content)]
    pieces: list[dict[str, Any]] = []
    for part in content or []:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            pieces.append(wire.text(str(part.get("text", ""))))
        elif kind == "image_url":
            pieces.append(wire.image(str(part["image_url"]["url"])))
        elif kind == "file" and str((part.get("file") or {}).get("file_data", "")).startswith("data:"):
            pieces.append(wire.document(part["file"]["file_data"]))
        else:
            raise refuse(wire.provider, "messages", f"user content part {kind!r} has no equivalent here")
    return pieces


def walk(chat_messages: list[ChatMessage], wire: Wire) -> tuple[list[str], list[dict[str, Any]]]:
    """(system texts, turns) of a chat conversation on `wire`. Consecutive pieces of one role share a turn: that
    is where Anthropic and Gemini both look for the results of the previous turn's calls."""
    names: dict[str, str] = {}
    system: list[str] = []
    turns: list[dict[str, Any]] = []

    def append(role: str, pieces: list[dict[str, Any]]) -> None:
        if not pieces:
            return
        if turns and turns[-1]["role"] == role:
            turns[-1][wire.key].extend(pieces)
        else:
            turns.append({"role": role, wire.key: pieces})

    for msg in chat_messages:
        role = msg.get("role")
        if role in ("system", "developer"):
            system.append(text_of(msg.get("content"), wire.provider))
        elif role == "user":
            append("user", _user_pieces(msg.get("content"), wire))
        elif role == "assistant":
            text = text_of(msg.get("content"), wire.provider)
            pieces = [wire.text(text)] if text else []
            for call in msg.get("tool_calls") or []:
                call_id, name = str(call.get("id")), function_name(call)
                names[call_id] = name
                pieces.append(wire.call(call_id, name, arguments(call)))
            append(wire.assistant, pieces)
        elif role == "tool":
            call_id = str(msg.get("tool_call_id"))
            append("user", [wire.result(call_id, names.get(call_id), text_of(msg.get("content"), wire.provider))])
        else:
            raise invalid(f"message role {role!r} cannot be sent to {wire.provider}")
    return system, turns
