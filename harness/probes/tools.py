"""responses.tools: forced calls, schema-valid arguments, the function_call_output round trip, streamed calls."""

from __future__ import annotations

from typing import Any

from openai.types.responses import Response

from harness import phrases
from harness.context import ProbeContext, require, require_model
from harness.model import Level, Observation, Observed
from harness.probes._checks import (
    TIME_TOOL,
    WEATHER_SCHEMA,
    WEATHER_TOOL,
    function_calls,
    require_text,
    require_valid_arguments,
)
from harness.probes._registry import probe
from harness.probes._request_cases import RequestCase, register

ASK = phrases.call_tool("get_weather", "city=Paris")
# The request (besides the model) that forces a call to get_weather.
FORCED_CALL: dict[str, Any] = {
    "input": ASK,
    "tools": [WEATHER_TOOL],
    "tool_choice": {"type": "function", "name": "get_weather"},
}


def _forced(response: Response) -> None:
    calls = function_calls(response)
    require(
        len(calls) >= 1,
        "no function call although one was forced",
        expected="a function_call item",
        received=[item.type for item in response.output],
    )
    call = calls[0]
    require(call.name == "get_weather", "the call names another tool", expected="get_weather", received=call.name)
    require(bool(call.call_id), "the function call has no call_id", received=call.model_dump())
    require_valid_arguments(call.arguments, WEATHER_SCHEMA, "function_call.arguments")


@probe(
    "responses.tools.roundtrip", "A function_call_output MUST reach the model, which answers from it.", feature="tools"
)
async def roundtrip(ctx: ProbeContext) -> Observation:
    first = await ctx.client.responses.create(model=ctx.model, **FORCED_CALL)
    calls = function_calls(first)
    require(calls, "no function call to answer", received=[item.type for item in first.output])
    call = calls[0]
    second = await ctx.client.responses.create(
        model=ctx.model,
        tools=[WEATHER_TOOL],
        input=[
            {"type": "message", "role": "user", "content": ASK},
            {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
            {"type": "function_call_output", "call_id": call.call_id, "output": "Sunny and 31 degrees"},
        ],
    )
    require_text(second, "31", why="the answer does not use the tool result")
    return Observed.SUPPORTED


@probe(
    "responses.tools.streamed",
    "Streamed function_call_arguments deltas MUST concatenate to the call's arguments.",
    feature="tools",
)
async def streamed(ctx: ProbeContext) -> Observation:
    stream = await ctx.client.responses.create(model=ctx.model, stream=True, **FORCED_CALL)
    events = [e async for e in stream]
    deltas = "".join(e.delta for e in events if e.type == "response.function_call_arguments.delta")
    done = [e.arguments for e in events if e.type == "response.function_call_arguments.done"]
    items = [e.item for e in events if e.type == "response.output_item.done" and e.item.type == "function_call"]
    require(items, "the stream carried no function call item", received=[e.type for e in events][:12])
    require(done == [deltas], "argument deltas must concatenate to .done", expected=repr(deltas), received=done)
    require(
        items[0].arguments == deltas,
        "the item's arguments differ from the deltas",
        expected=deltas,
        received=items[0].arguments,
    )
    require_valid_arguments(items[0].arguments, WEATHER_SCHEMA, "streamed function_call.arguments")
    return Observed.SUPPORTED


def _parallel(response: Response) -> None:
    calls = function_calls(response)
    names = sorted(c.name for c in calls)
    wanted = ["get_time", "get_weather"]
    require_model(names == wanted, "expected one call to each tool", expected=wanted, received=names)
    require(len({c.call_id for c in calls}) == 2, "call_ids must be distinct", received=[c.call_id for c in calls])


register(
    (
        RequestCase(
            "responses.tools.forced",
            "A forced tool_choice MUST yield a function call whose arguments match the tool's schema, with a call_id.",
            "tools",
            FORCED_CALL,
            _forced,
        ),
        RequestCase(
            "responses.tools.parallel",
            "With parallel tool calls allowed, a request for two tools SHOULD yield two calls with distinct call_ids.",
            "tools.parallel",
            {
                "input": phrases.call_tools(["get_weather", "get_time"], "city=Paris"),
                "tools": [WEATHER_TOOL, TIME_TOOL],
                "parallel_tool_calls": True,
            },
            _parallel,
            level=Level.SHOULD,
        ),
    )
)
