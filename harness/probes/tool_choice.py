"""responses.tools (choice): a tool sent without `strict`, `tool_choice` auto / none / allowed_tools, and
`parallel_tool_calls: false`. Each prompt is one that a dropped setting would answer differently."""

from __future__ import annotations

from typing import Any

from openai.types.responses import Response

from harness.context import require, require_model
from harness.probes._checks import TIME_TOOL, WEATHER_SCHEMA, WEATHER_TOOL, function_calls, require_valid_arguments
from harness.probes._registry import E
from harness.probes._request_cases import RequestCase, register

ASK = "Call the tool get_weather with city=Paris"
ASK_BOTH = "Call the tools get_weather and get_time with city=Paris"
# A plain question: no tool named, no instruction to call one. A model with the weather tool calls it.
PLAIN_QUESTION = "What's the weather like in Paris?"
LOOSE_TOOL: dict[str, Any] = {k: v for k, v in WEATHER_TOOL.items() if k != "strict"}
ALLOWED_TIME = {"type": "allowed_tools", "mode": "auto", "tools": [{"type": "function", "name": "get_time"}]}


def _strict_omitted(response: Response) -> None:
    calls = function_calls(response)
    require(calls, "no function call although one was forced", received=[item.type for item in response.output])
    require_valid_arguments(calls[0].arguments, WEATHER_SCHEMA, "function_call.arguments")
    echoed = [t for t in response.tools if getattr(t, "name", None) == "get_weather"]
    require(
        echoed, "the tool is not echoed in the response", expected="tools[0].name get_weather", received=response.tools
    )
    tool = echoed[0]
    require(
        isinstance(getattr(tool, "strict", None), bool),
        "the echoed tool has no `strict` (the Response schema requires it)",
        expected="strict: true or false",
        received=tool.model_dump(),
    )
    require(
        getattr(tool, "parameters", None) == WEATHER_SCHEMA,
        "the echoed tool's parameters differ from what was sent",
        expected=WEATHER_SCHEMA,
        received=getattr(tool, "parameters", None),
    )


def _choice_auto(response: Response) -> None:
    calls = function_calls(response)
    require_model(
        [c.name for c in calls][:1] == ["get_weather"],
        "the question needs the weather tool, but it was not called (were the tools dropped?)",
        expected="a get_weather function call",
        received=[item.type for item in response.output],
    )
    require_valid_arguments(calls[0].arguments, WEATHER_SCHEMA, "function_call.arguments")


def _choice_none(response: Response) -> None:
    calls = function_calls(response)
    require(
        not calls,
        "a tool was called although tool_choice was none",
        expected="no function_call item",
        received=[c.name for c in calls],
    )


def _allowed_tools(response: Response) -> None:
    names = [c.name for c in function_calls(response)]
    require(
        "get_weather" not in names,
        "a tool outside allowed_tools was called: allowed_tools was ignored",
        expected="no call to get_weather (only get_time is allowed)",
        received=names,
    )


def _parallel_false(response: Response) -> None:
    names = [c.name for c in function_calls(response)]
    require_model(
        len(names) == 1,
        "parallel_tool_calls false must give exactly one call to a request for two tools",
        expected="one function call",
        received=names,
    )


register(
    (
        RequestCase(
            "responses.tools.strict_omitted",
            "A function tool sent without `strict` MUST be called with schema-valid arguments and echoed with its "
            "name and parameters as sent and `strict` as a boolean.",
            "tools",
            {"input": ASK, "tools": [LOOSE_TOOL], "tool_choice": {"type": "function", "name": "get_weather"}},
            _strict_omitted,
        ),
        RequestCase(
            "responses.tools.choice_auto",
            "With tool_choice auto, a plain question that needs a tool MUST be answered with a call to it.",
            "tools",
            {"input": PLAIN_QUESTION, "tools": [WEATHER_TOOL], "tool_choice": "auto"},
            _choice_auto,
        ),
        RequestCase(
            "responses.tools.choice_none",
            "tool_choice none MUST yield no tool call, even when the input asks for one.",
            "tools",
            {"input": ASK, "tools": [WEATHER_TOOL], "tool_choice": "none"},
            _choice_none,
        ),
        RequestCase(
            "responses.tools.allowed_tools",
            "tool_choice allowed_tools MUST keep the model to the allowed tools, or be rejected with a 400 naming "
            "tool_choice; it is never ignored.",
            "tools.allowed_tools",
            {"input": ASK, "tools": [WEATHER_TOOL, TIME_TOOL], "tool_choice": ALLOWED_TIME},
            _allowed_tools,
            native=E,
            chat=E,
            mentions="tool_choice",
            refusable=True,
        ),
        RequestCase(
            "responses.tools.parallel_false",
            "parallel_tool_calls false MUST yield at most one tool call, even when two are asked for, or be rejected "
            "with a 400 naming parallel_tool_calls (a provider with no such switch).",
            "tools.parallel",
            {"input": ASK_BOTH, "tools": [WEATHER_TOOL, TIME_TOOL], "parallel_tool_calls": False},
            _parallel_false,
            mentions="parallel_tool_calls",
            refusable=True,
            chat=E,
        ),
    )
)
