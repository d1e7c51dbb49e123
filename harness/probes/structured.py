"""responses.structured: text.format json_schema and text.verbosity, honoured or rejected, never ignored."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import openai

from harness import phrases
from harness.context import ProbeContext, require
from harness.model import Observation, Observed, ProbeFailure
from harness.probes._checks import text_of
from harness.probes._registry import E, probe

CITY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
    "required": ["city", "population"],
    "additionalProperties": False,
}


@probe(
    "responses.structured.json_schema",
    "text.format json_schema MUST yield output valid for the schema, or a "
    "clean rejection where the target declares it; it is never ignored.",
    feature="structured.json_schema",
    chat=E,
)
async def json_schema(ctx: ProbeContext) -> Observation:
    try:
        response = await ctx.client.responses.create(
            model=ctx.model,
            input="Describe Paris as JSON with its city name and population.",
            text={"format": {"type": "json_schema", "name": "city", "schema": CITY_SCHEMA, "strict": True}},
        )
    except openai.BadRequestError as err:
        return ctx.rejected(err, mentions="format")
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
    return Observed.SUPPORTED


@probe(
    "responses.structured.verbosity",
    "text.verbosity MUST reach the model, or be rejected cleanly; it is never dropped.",
    feature="structured.verbosity",
    chat=E,
)
async def verbosity(ctx: ProbeContext) -> Observation:
    try:
        response = await ctx.client.responses.create(
            model=ctx.model, input=phrases.ASK_VERBOSITY, text={"verbosity": "low"}
        )
    except openai.BadRequestError as err:
        return ctx.rejected(err, mentions="verbosity")
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
    return Observed.SUPPORTED
