"""Shared checks for probes: text of a response, the weather tool, JSON arguments against a schema."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from openai.types.responses import Response

from harness.context import require, require_model
from harness.model import ProbeFailure

WEATHER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the weather for a city.",
    "parameters": WEATHER_SCHEMA,
    "strict": True,
}
TIME_TOOL: dict[str, Any] = {
    "type": "function",
    "name": "get_time",
    "description": "Get the local time in a city.",
    "parameters": WEATHER_SCHEMA,
    "strict": True,
}


# Ids that exist nowhere but have the real format (prefix + 48 hex digits): servers validate the format first
# (llama-stack refuses a malformed `conv_` id with a 400), which would read as a rejection of the whole feature.
UNKNOWN_RESPONSE = "resp_" + "0c0f" * 12
UNKNOWN_CONVERSATION = "conv_" + "0c0f" * 12


def user(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": text}


def assistant(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "assistant", "content": text}


def text_of(response: Response) -> str:
    return response.output_text or ""


def require_text(response: Response, expected: str, *, why: str) -> None:
    """The answer must contain `expected` (case-insensitive): a real model and the scripted one both satisfy it."""
    got = text_of(response)
    require_model(
        expected.lower() in got.lower(), why, expected=f"an answer containing {expected!r}", received=repr(got)
    )


def require_completed(response: Response) -> None:
    details = response.incomplete_details
    require_model(  # cut at the model's own output limit: a real model may ramble; the scripted one never does
        response.status != "incomplete" or (details is not None and details.reason != "max_output_tokens"),
        "the response is incomplete: the model ran to its output limit",
        expected="status completed",
        received=f"status incomplete ({details.reason if details else 'no reason'})",
    )
    require(
        response.status == "completed",
        "the response must be completed",
        expected="status completed",
        received=response.status,
    )


def function_calls(response: Response) -> list[Any]:
    return [item for item in response.output if item.type == "function_call"]


def require_valid_arguments(arguments: str, schema: dict[str, Any], where: str) -> dict[str, Any]:
    try:
        parsed = json.loads(arguments)
    except ValueError as exc:
        raise ProbeFailure(
            "tool arguments are not JSON", expected="JSON arguments", received=arguments, where=where
        ) from exc
    try:
        jsonschema.validate(parsed, schema)
    except jsonschema.ValidationError as exc:
        raise ProbeFailure(
            "tool arguments do not match the tool's schema",
            expected=json.dumps(schema),
            received=arguments,
            where=where,
        ) from exc
    return dict(parsed)


def listed_texts(items: Any, what: str) -> list[str]:
    """The texts of listed message items, in order. A listed message's `content` is a list of parts; a plain string
    there is named for what it is, rather than read as missing text."""
    texts = []
    for n, item in enumerate(items):
        content = getattr(item, "content", None)
        if isinstance(content, str):
            raise ProbeFailure(
                f"{what}: a listed message's content is a plain string, not a list of content parts",
                expected="content: [{type: input_text | output_text, text}]",
                received=f"data[{n}].content = {content[:60]!r}",
            )
        texts += [part.text for part in content or [] if hasattr(part, "text")]
    return texts
