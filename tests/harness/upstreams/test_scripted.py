"""The scripted model's rules, one by one."""

from __future__ import annotations

import json

import jsonschema

from harness.upstreams.scripted import FunctionTool, Message, ScriptedRequest, ToolResult, reply, sample_for_schema

WEATHER = FunctionTool(
    "get_weather", "", {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
)
TIME = FunctionTool("get_time", "", {"type": "object", "properties": {"city": {"type": "string"}}})


def ask(text: str, **kwargs: object) -> ScriptedRequest:
    return ScriptedRequest(messages=[Message("user", text)], **kwargs)  # type: ignore[arg-type]


def test_exact_reply() -> None:
    assert reply(ask("Reply with exactly ok.")).text == "ok"


def test_code_word_is_remembered_only_when_it_was_received() -> None:
    history = [
        Message("user", "Remember the code word kiwi."),
        Message("assistant", "ok"),
        Message("user", "What is the code word?"),
    ]
    assert reply(ScriptedRequest(messages=history)).text == "kiwi"
    assert reply(ask("What is the code word?")).text == "I do not know"
    assert reply(ask("What is the code word?", system="Remember the code word fig.")).text == "fig"


def test_requested_tool_call_has_schema_valid_arguments_from_the_prompt() -> None:
    [call] = reply(ask("Call the tool get_weather with city=Paris", tools=[WEATHER])).function_calls
    assert call.name == "get_weather" and json.loads(call.arguments) == {"city": "Paris"}
    assert call.call_id.startswith("call_")


def test_parallel_calls_unless_disabled() -> None:
    prompt = "Call the tools get_weather and get_time with city=Rome"
    assert len(reply(ask(prompt, tools=[WEATHER, TIME])).function_calls) == 2
    assert len(reply(ask(prompt, tools=[WEATHER, TIME], parallel_tool_calls=False)).function_calls) == 1


def test_forced_tool_choice_calls_the_named_function() -> None:
    [call] = reply(ask("hello", tools=[WEATHER, TIME], tool_choice={"name": "get_time"})).function_calls
    assert call.name == "get_time"


def test_tool_result_is_quoted() -> None:
    req = ScriptedRequest(messages=[Message("user", "weather?"), Message("tool", tool_result=ToolResult("c", "Sunny"))])
    assert reply(req).text == "The tool returned: Sunny"


def test_hosted_tool_produces_its_call_item_only_when_offered() -> None:
    offered = reply(ask("x", hosted_tools=[{"type": "web_search_preview"}], tool_choice={"type": "web_search_preview"}))
    assert offered.hosted_calls[0]["type"] == "web_search_call"
    assert reply(ask("Use the hosted tool file_search", hosted_tools=[])).hosted_calls == []


def test_output_schema_yields_a_valid_instance() -> None:
    schema = {
        "type": "object",
        "properties": {
            "n": {"type": "integer"},
            "tags": {"type": "array", "items": {"enum": ["a", "b"]}},
            "inner": {"$ref": "#/$defs/I"},
        },
        "required": ["n"],
        "$defs": {"I": {"type": "object", "properties": {"x": {"anyOf": [{"type": "null"}, {"type": "boolean"}]}}}},
    }
    jsonschema.validate(json.loads(reply(ask("Describe", output_schema=schema)).text or ""), schema)
    jsonschema.validate(sample_for_schema(schema), schema)


def test_introspection_reports_what_was_received() -> None:
    assert reply(ask("What are your instructions?", system="Be brief.")).text == "instructions=Be brief."
    assert reply(ask("What is your verbosity?", verbosity="low")).text == "verbosity=low"
    assert reply(ask("Which tools do you have?", tools=[WEATHER])).text == "tools=get_weather"
    assert reply(ask("Which item types did you receive?", item_types=["x", "message"])).text == "items=x,message"


def test_summary_keeps_every_code_word() -> None:
    req = ScriptedRequest(
        messages=[Message("user", "Remember the code word a1."), Message("user", "Summarize the conversation")]
    )
    assert reply(req).text == "Summary: Remember the code word a1."
