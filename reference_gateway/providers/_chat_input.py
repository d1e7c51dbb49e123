"""Reading a chat request on its way to a non-OpenAI wire (Anthropic, Gemini): what both adapters share.

A chat parameter the target wire cannot express is refused with a 400 that names it, never dropped: the adapter
lists what it honours and everything else is an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from reference_gateway.providers.base import UpstreamError

# Parameters that only steer the transport (how the answer is delivered), not what the model is asked.
TRANSPORT = frozenset({"model", "messages", "stream", "stream_options"})


def refuse(provider: str, param: str, why: str = "") -> UpstreamError:
    detail = f": {why}" if why else ""
    return UpstreamError(
        400, f"{provider} cannot honour the chat parameter '{param}'{detail}", code="unsupported_parameter"
    )


def check_params(chat: dict[str, Any], honoured: Iterable[str], provider: str) -> None:
    """Refuse the first parameter (with a value) that the adapter does not translate."""
    allowed = TRANSPORT | set(honoured)
    for key, value in chat.items():
        if key not in allowed and value is not None:
            raise refuse(provider, key, "the gateway has no translation for it")
    if chat.get("n") not in (None, 1):
        raise refuse(provider, "n", "only one choice per request")
    if not isinstance(chat.get("messages"), list) or not chat["messages"]:
        raise UpstreamError(400, "messages must be a non-empty array")


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
        raise UpstreamError(400, "image and file data URLs must be base64 encoded (data:<type>;base64,...)")
    return head[: -len(";base64")], data


def arguments(call: dict[str, Any]) -> Any:
    """A chat tool call's arguments string as JSON (native wires carry them as objects)."""
    raw = (call.get("function") or {}).get("arguments") or "{}"
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise UpstreamError(400, f"tool call {call.get('id')} has arguments that are not JSON") from exc
    if not isinstance(value, dict):
        raise UpstreamError(400, f"tool call {call.get('id')} has arguments that are not a JSON object")
    return value


def function_name(call: dict[str, Any]) -> str:
    name = (call.get("function") or {}).get("name")
    if not isinstance(name, str) or not name:
        raise UpstreamError(400, f"tool call {call.get('id')} has no function name")
    return name


def forced_function(choice: Any) -> str | None:
    """The function a chat tool_choice forces, or None for the string modes."""
    if choice is None or isinstance(choice, str):
        return None
    if isinstance(choice, dict) and choice.get("type") == "function":
        name = (choice.get("function") or {}).get("name")
        if isinstance(name, str) and name:
            return name
    raise UpstreamError(400, f"tool_choice {json.dumps(choice)} is not a function tool choice")


def stop_list(stop: Any) -> list[str]:
    return [stop] if isinstance(stop, str) else [str(s) for s in stop]
