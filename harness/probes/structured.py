"""responses.structured: text.format json_schema and text.verbosity, honoured or rejected, never ignored."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from openai.types.responses import Response

from harness import phrases
from harness.context import require
from harness.model import ProbeFailure
from harness.probes._checks import text_of
from harness.probes._registry import E
from harness.probes._request_cases import RequestCase, register

CITY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
    "required": ["city", "population"],
    "additionalProperties": False,
}


def _json_schema(response: Response) -> None:
    raw = text_of(response)
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        raise ProbeFailure(
            "the output is not JSON: the schema was ignored", expected="JSON valid for the schema", received=raw[:300]
        ) from exc
    try:
        jsonschema.validate(parsed, CITY_SCHEMA)
    except jsonschema.ValidationError as exc:
        raise ProbeFailure(
            "the output does not match the schema", expected=json.dumps(CITY_SCHEMA), received=raw[:300]
        ) from exc


def _verbosity(response: Response) -> None:
    answer = text_of(response)
    # The scripted upstream reports what it received; a real model just answers.
    if answer.startswith(phrases.VERBOSITY_KEY):
        require(
            answer == phrases.verbosity("low"),
            "text.verbosity did not reach the model",
            expected=phrases.verbosity("low"),
            received=answer,
        )
    require(
        response.text is None or response.text.verbosity in (None, "low"),
        "the response reports another verbosity",
        expected="low",
        received=response.text.verbosity if response.text else None,
    )


register(
    (
        RequestCase(
            "responses.structured.json_schema",
            "text.format json_schema MUST yield output valid for the schema, or a "
            "clean rejection where the target declares it; it is never ignored.",
            "structured.json_schema",
            {
                "input": "Describe Paris as JSON with its city name and population.",
                "text": {"format": {"type": "json_schema", "name": "city", "schema": CITY_SCHEMA, "strict": True}},
            },
            _json_schema,
            refusable=True,
            mentions="format",
            chat=E,
        ),
        RequestCase(
            "responses.structured.verbosity",
            "text.verbosity MUST reach the model, or be rejected cleanly; it is never dropped.",
            "structured.verbosity",
            {"input": phrases.ASK_VERBOSITY, "text": {"verbosity": "low"}},
            _verbosity,
            mentions="verbosity",
            refusable=True,
            chat=E,
        ),
    )
)
