"""What an upstream answer must look like before the gateway uses it. A 200 of the wrong shape is the upstream's
fault (502, never stored), not something to translate into an empty completed response."""

from __future__ import annotations

from typing import Any, cast

from reference_gateway.providers.base import UpstreamError
from reference_gateway.translate.types import ChatChunk, ChatCompletion


def _wrong(what: str, why: str) -> UpstreamError:
    return UpstreamError(502, f"upstream answered with {what} of the wrong shape: {why}", code="upstream_error")


def response_object(value: Any) -> dict[str, Any]:
    """A Responses `response` object: an id, a status and an output list."""
    if not isinstance(value, dict):
        raise _wrong("a response", "not a JSON object")
    for name, kind in (("id", str), ("status", str), ("output", list)):
        if not isinstance(value.get(name), kind):
            raise _wrong("a response", f"'{name}' is missing or not a {kind.__name__}")
    return value


def response_event(value: Any) -> dict[str, Any]:
    """A Responses stream event: an object with a string `type` and, where present, an integer sequence_number."""
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise _wrong("a stream event", "not an object with a string 'type'")
    seq = value.get("sequence_number")
    if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool)):
        raise _wrong("a stream event", "'sequence_number' is not an integer")
    if "response" in value and not isinstance(value["response"], dict):
        raise _wrong("a stream event", "'response' is not an object")
    return value


def _choices(value: Any, what: str) -> tuple[dict[str, Any], list[Any]]:
    """A chat object and its `choices` list."""
    if not isinstance(value, dict):
        raise _wrong(what, "not a JSON object")
    choices = value.get("choices")
    if not isinstance(choices, list):
        raise _wrong(what, "no 'choices' list")
    return value, choices


def chat_completion(value: Any) -> ChatCompletion:
    """A `chat.completion`: at least one choice carrying a message object."""
    completion, choices = _choices(value, "a chat completion")
    if not choices:
        raise _wrong("a chat completion", "no 'choices'")
    first = choices[0]
    if not isinstance(first, dict) or not isinstance(first.get("message"), dict):
        raise _wrong("a chat completion", "its first choice has no 'message' object")
    return cast(ChatCompletion, completion)  # checked above, as far as the gateway reads it


def chat_chunk(value: Any) -> ChatChunk:
    """A `chat.completion.chunk`: an object whose `choices` is a list of objects with a `delta` object."""
    chunk, choices = _choices(value, "a chat chunk")
    for choice in choices:
        if not isinstance(choice, dict) or not isinstance(choice.get("delta", {}), dict):
            raise _wrong("a chat chunk", "a choice without a 'delta' object")
    return cast(ChatChunk, chunk)  # checked above, as far as the gateway reads it


def anthropic_message(value: Any) -> dict[str, Any]:
    """A Messages API answer: `type: message` with a list of content blocks, each an object with a type."""
    if not isinstance(value, dict) or value.get("type") != "message":
        raise _wrong("an Anthropic message", "not an object of type 'message'")
    blocks = value.get("content")
    if not isinstance(blocks, list) or not all(isinstance(b, dict) and isinstance(b.get("type"), str) for b in blocks):
        raise _wrong("an Anthropic message", "'content' is not a list of typed blocks")
    return value


def gemini_result(value: Any) -> dict[str, Any]:
    """A generateContent result (or one streamed chunk): candidates, a prompt block, or usage alone."""
    if not isinstance(value, dict):
        raise _wrong("a Gemini result", "not a JSON object")
    candidates = value.get("candidates")
    if candidates is None:
        if not isinstance(value.get("promptFeedback"), dict) and not isinstance(value.get("usageMetadata"), dict):
            raise _wrong("a Gemini result", "no 'candidates', 'promptFeedback' or 'usageMetadata'")
        return value
    if not isinstance(candidates, list) or not all(isinstance(c, dict) for c in candidates):
        raise _wrong("a Gemini result", "'candidates' is not a list of objects")
    for c in candidates:
        content = c.get("content", {})
        if not isinstance(content, dict) or not isinstance(content.get("parts", []), list):
            raise _wrong("a Gemini result", "a candidate's 'content.parts' is not a list")
    return value
