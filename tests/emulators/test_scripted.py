"""The scripted model's rules, one by one."""

from __future__ import annotations

import json

import jsonschema

from emulators.scripted import (
    FunctionTool,
    Message,
    ScriptedRequest,
    ToolResult,
    count_tokens,
    output_tokens,
    reply,
    sample_for_schema,
)

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


def test_every_tool_result_after_the_last_user_message_gets_a_line_and_wins_over_a_call_request() -> None:
    req = ScriptedRequest(
        messages=[
            Message("user", "Call the tools get_weather and get_time"),
            Message("tool", tool_result=ToolResult("a", "Sunny")),
            Message("tool", tool_result=ToolResult("b", '{"t": 9}')),
        ],
        tools=[WEATHER, TIME],
    )
    assert reply(req).text == 'The tool returned: Sunny\nThe tool returned: {"t": 9}'


def test_required_or_any_forces_the_first_tool_and_none_forbids_calls() -> None:
    for choice in ("required", "any"):
        [call] = reply(ask("hello", tools=[WEATHER, TIME], tool_choice=choice)).function_calls
        assert call.name == "get_weather" and json.loads(call.arguments) == {"city": "sample"}
    assert reply(ask("Call the tool get_weather", tools=[WEATHER], tool_choice="none")).text == (
        "Echo: Call the tool get_weather"
    )
    assert reply(ask("Call the tool get_weather")).function_calls == []  # not offered: nothing to call


def test_call_arguments_follow_the_schema_types_and_ids_are_deterministic() -> None:
    schema = {
        "type": "object",
        "properties": {
            "n": {"type": "integer"},
            "x": {"type": "number"},
            "ok": {"type": "boolean"},
            "unit": {"enum": ["c", "f"]},
            "name": {"type": "string"},
        },
    }
    tool = FunctionTool("f", "", schema)
    first = reply(ask("Call the tool f with n=7 name=Ann", tools=[tool])).function_calls[0]
    assert json.loads(first.arguments) == {"n": 7, "x": 1, "ok": True, "unit": "c", "name": "Ann"}
    again = reply(ask("Call the tool f with n=7 name=Ann", tools=[tool])).function_calls[0]
    assert again.call_id == first.call_id
    other = reply(ask("Call the tool f with n=8 name=Ann", tools=[tool])).function_calls[0]
    assert other.call_id != first.call_id


def test_hosted_tools_by_text_and_the_computer_call_comes_alone() -> None:
    searched = reply(ask("Use the hosted tool file_search", hosted_tools=[{"type": "file_search"}]))
    assert searched.hosted_calls[0]["queries"] == ["Use the hosted tool file_search"]
    assert searched.text == "Used file_search."
    computer = reply(ask("Use the hosted tool computer_use_preview", hosted_tools=[{"type": "computer_use_preview"}]))
    assert computer.text is None and computer.hosted_calls[0]["action"] == {"type": "screenshot"}
    listed_only = reply(ask("Use the hosted tool code_interpreter", hosted_tools=[{"type": "code_interpreter"}]))
    assert listed_only.hosted_calls == []


def test_the_answer_property_takes_the_exact_reply_text() -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}, "n": {"type": "integer"}}}
    assert json.loads(reply(ask("Reply with exactly Paris.", output_schema=schema)).text or "") == {
        "answer": "Paris",
        "n": 1,
    }


def test_a_code_word_survives_in_a_compaction_summary() -> None:
    req = ScriptedRequest(
        messages=[Message("system", "Summary: Remember the code word lime."), Message("user", "What is the code word?")]
    )
    assert reply(req).text == "lime"


def test_only_the_last_user_text_is_answered_and_anything_else_is_echoed() -> None:
    req = ScriptedRequest(messages=[Message("user", "Reply with exactly no."), Message("user", "Hello there")])
    assert reply(req).text == "Echo: Hello there"
    assert reply(ScriptedRequest()).text == "Echo: "
    assert reply(ask("Which tools do you have?")).text == "tools=none"
    assert reply(ask("What are your instructions?")).text == "instructions=none"
    assert reply(ask("Which tools do you have?", hosted_tools=[{"type": "web_search"}])).text == "tools=web_search"


def test_token_counts_are_words_received_and_replied() -> None:
    req = ScriptedRequest(system="Be brief.", messages=[Message("user", "one two three")], tools=[WEATHER])
    assert count_tokens(req) == 2 + 3 + 1
    assert output_tokens(reply(ask("Reply with exactly a b c."))) == 3


def test_sample_for_schema_handles_refs_combinators_bounds_and_recursion() -> None:
    schema = {
        "$defs": {"Node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}}}},
        "type": "object",
        "properties": {
            "node": {"$ref": "#/$defs/Node"},
            "pick": {"oneOf": [{"type": "string", "minLength": 8}, {"type": "integer"}]},
            "both": {"allOf": [{"properties": {"a": {"type": "integer", "minimum": 5}}}, {"properties": {"b": {}}}]},
            "many": {"type": "array", "items": {"type": "boolean"}, "minItems": 2},
            "low": {"type": "number", "maximum": 0.5},
            "maybe": {"type": ["null", "string"]},
        },
    }
    sample = sample_for_schema(schema)
    assert sample["pick"] == "samplexx" and sample["both"] == {"a": 5, "b": "sample"}
    assert sample["many"] == [True, True] and sample["low"] == 0.5 and sample["maybe"] == "sample"
    non_recursive = {**schema, "properties": {k: v for k, v in schema["properties"].items() if k != "node"}}
    jsonschema.validate(sample_for_schema(non_recursive), non_recursive)


def test_auto_calls_a_tool_the_text_mentions_by_name_or_description_word() -> None:
    weather = FunctionTool("get_weather", "Get the weather for a city", WEATHER.parameters)
    clock = FunctionTool("get_time", "Current local time", TIME.parameters)
    [call] = reply(ask("What's the WEATHER like in San Francisco?", tools=[weather, clock])).function_calls
    assert call.name == "get_weather"
    assert [c.name for c in reply(ask("use get_time please", tools=[weather, clock])).function_calls] == ["get_time"]
    both = ask("weather and local time", tools=[weather, clock])
    assert len(reply(both).function_calls) == 2
    assert (
        len(reply(ask("weather and local time", tools=[weather, clock], parallel_tool_calls=False)).function_calls) == 1
    )
    # stop words, short words, tool_choice none, a phrase of the model's own, or an earlier tool result: no call
    assert not reply(ask("What is the time for a get?", tools=[weather])).function_calls
    assert not reply(ask("weather?", tools=[weather], tool_choice="none")).function_calls
    assert not reply(ask("Reply with exactly weather.", tools=[weather])).function_calls
    answered = [Message("tool", tool_result=ToolResult("c1", "sunny")), Message("user", "and the weather tomorrow?")]
    assert not reply(ScriptedRequest(messages=answered, tools=[weather])).function_calls


def test_image_phase_and_settings_introspection() -> None:
    from emulators.scripted import image_fingerprint

    assert image_fingerprint("data:image/png;base64,AAAA") == "image/png 3 bytes"
    assert image_fingerprint("data:text/plain,hello") == "text/plain 5 bytes"
    assert image_fingerprint("https://x/y.png") == "https://x/y.png"
    assert image_fingerprint("AAAAAA==", "image/gif") == "image/gif 4 bytes"
    seen = ScriptedRequest(messages=[Message("user", "What is in the image?", images=["image/png 3 bytes", "u"])])
    assert reply(seen).text == "image/png 3 bytes; u"
    assert reply(ask("What is in the image?")).text == "no image arrived"
    history = [Message("assistant", "a", phase="commentary"), Message("user", "Which phases did you receive?")]
    assert reply(ScriptedRequest(messages=history)).text == "phases=commentary"
    settings: dict[str, object] = {
        "temperature": 0.0,
        "top_p": None,
        "max_output_tokens": 16,
        "parallel_tool_calls": True,
    }
    expected = "settings=temperature:0.0,top_p:none,max_output_tokens:16,parallel_tool_calls:true"
    assert reply(ask("What are your settings?", settings=settings)).text == expected


def test_allowed_tools_keep_requested_and_mentioned_calls_to_the_allowed_ones() -> None:
    only_time = {"type": "allowed_tools", "mode": "auto", "tools": [{"name": "get_time"}]}
    assert not reply(
        ask("Call the tool get_weather with city=Paris", tools=[WEATHER, TIME], tool_choice=only_time)
    ).function_calls
    both = reply(ask("Call the tools get_weather and get_time", tools=[WEATHER, TIME], tool_choice=only_time))
    assert [c.name for c in both.function_calls] == ["get_time"]
    clock = FunctionTool("get_time", "Current local time", TIME.parameters)
    mentioned = reply(ask("local time and get_weather?", tools=[WEATHER, clock], tool_choice=only_time))
    assert [c.name for c in mentioned.function_calls] == ["get_time"]
