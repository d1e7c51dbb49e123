"""The Responses emulator, in process: the recorded wire, stored responses, chains, compaction, clean 400s."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from harness.wire import parse_sse
from tests.emulators.openai_errors import assert_openai_400
from tests.emulators.served import CITY, OPENAI_BEARER, emulator_client

WIRE = Path(__file__).parent.parent / "fixtures" / "provider-wire"
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": CITY,
}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with emulator_client(OPENAI_BEARER) as http:
        yield http


async def create(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/responses", json={"model": "gpt-5-mini", **body})
    assert response.status_code == 200, response.text
    return dict(response.json())


def events(text: str) -> list[dict[str, Any]]:
    return [e.payload for e in parse_sse(text).events]


def recorded_events(provider: str) -> list[dict[str, Any]]:
    return events((WIRE / provider / "responses_stream.txt").read_text())


async def test_response_fields_come_in_the_recorded_order(client: httpx.AsyncClient) -> None:
    recorded = json.loads((WIRE / "openai" / "responses.json").read_text())
    body = await create(client, input="Reply with exactly Hello, World!")
    assert list(body) == [key for key in recorded if key != "billing"]  # billing is account data, not the API
    assert list(body["output"][0]) == list(recorded["output"][0])
    assert list(body["output"][0]["content"][0]) == list(recorded["output"][0]["content"][0])
    assert list(body["usage"]) == list(recorded["usage"])
    assert body["id"].startswith("resp_") and body["output"][0]["id"].startswith("msg_")
    assert body["output"][0]["content"][0]["text"] == "Hello, World!"


async def test_xai_response_keys_are_all_present(client: httpx.AsyncClient) -> None:
    recorded = json.loads((WIRE / "xai" / "responses.json").read_text())
    body = await create(client, input="hi")
    assert set(recorded) <= set(body)


async def test_stream_events_have_the_recorded_sequence_and_keys(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/responses", json={"model": "gpt-5-mini", "input": "Reply with exactly Hello, World!", "stream": True}
    )
    ours, recorded = events(response.text), recorded_events("openai")
    squash = lambda types: [t for i, t in enumerate(types) if i == 0 or t != types[i - 1]]  # noqa: E731
    assert squash([e["type"] for e in ours]) == squash([e["type"] for e in recorded])
    assert sum(e["type"] == "response.output_text.delta" for e in ours) > 1
    keys_by_type = {e["type"]: list(e) for e in recorded}
    for event in ours:
        assert list(event) == keys_by_type[event["type"]], event["type"]
    assert [e["sequence_number"] for e in ours] == list(range(len(ours)))
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "[DONE]" not in response.text
    assert all(e.event == e.payload["type"] for e in parse_sse(response.text).events)


async def test_streamed_response_matches_the_stored_one(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/responses", json={"model": "gpt-5-mini", "input": "Reply with exactly ok.", "stream": True}
    )
    completed = events(response.text)[-1]["response"]
    stored = (await client.get(f"/v1/responses/{completed['id']}")).json()
    assert stored == completed and stored["output"][0]["content"][0]["text"] == "ok"


async def test_function_call_streams_its_arguments_and_names_the_function(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/responses",
        json={
            "model": "gpt-5-mini",
            "input": "Call the tool get_weather with city=Paris",
            "tools": [WEATHER],
            "stream": True,
        },
    )
    ours = events(response.text)
    deltas = "".join(e["delta"] for e in ours if e["type"] == "response.function_call_arguments.delta")
    [done] = [e for e in ours if e["type"] == "response.function_call_arguments.done"]
    assert json.loads(deltas) == {"city": "Paris"} and done["arguments"] == deltas and done["name"] == "get_weather"
    [item] = ours[-1]["response"]["output"]
    assert list(item) == ["id", "type", "status", "arguments", "call_id", "name"]
    assert item["id"].startswith("fc_") and item["call_id"].startswith("call_")


async def test_hosted_web_search_streams_its_progress_events(client: httpx.AsyncClient) -> None:
    body = {"model": "gpt-5-mini", "input": "news", "tools": [{"type": "web_search_preview"}], "stream": True}
    ours = events(
        (await client.post("/v1/responses", json={**body, "tool_choice": {"type": "web_search_preview"}})).text
    )
    types = [e["type"] for e in ours]
    progress = [t for t in types if t.startswith("response.web_search_call.")]
    assert progress == [f"response.web_search_call.{p}" for p in ("in_progress", "searching", "completed")]
    search, message = ours[-1]["response"]["output"]
    assert search["type"] == "web_search_call" and search["action"] == {"type": "search", "query": "news"}
    assert message["content"][0]["text"] == "Used web_search_preview."


async def test_hosted_file_search_and_computer_calls_have_openais_fields(client: httpx.AsyncClient) -> None:
    files = await create(client, input="Use the hosted tool file_search", tools=[{"type": "file_search"}])
    assert files["output"][0]["type"] == "file_search_call" and files["output"][0]["results"] is None
    assert files["output"][0]["queries"] == ["Use the hosted tool file_search"]
    computer = await create(
        client, input="Use the hosted tool computer_use_preview", tools=[{"type": "computer_use_preview"}]
    )
    [call] = computer["output"]  # the model waits for the screenshot: no message yet
    assert list(call) == ["id", "type", "status", "action", "call_id", "pending_safety_checks"]


async def test_previous_response_id_replays_the_chain(client: httpx.AsyncClient) -> None:
    first = await create(client, input="Remember the code word kiwi.")
    second = await create(client, input="Reply with exactly ok.", previous_response_id=first["id"])
    third = await create(client, input="What is the code word?", previous_response_id=second["id"])
    assert third["output"][0]["content"][0]["text"] == "kiwi"
    assert third["previous_response_id"] == second["id"]


async def test_unstored_previous_response_is_rejected_with_openais_code(client: httpx.AsyncClient) -> None:
    unstored = await create(client, input="Remember the code word fig.", store=False)
    response = await client.post(
        "/v1/responses", json={"model": "gpt-5-mini", "input": "x", "previous_response_id": unstored["id"]}
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "message": f"Previous response with id '{unstored['id']}' not found.",
        "type": "invalid_request_error",
        "param": "previous_response_id",
        "code": "previous_response_not_found",
    }
    assert (await client.get(f"/v1/responses/{unstored['id']}")).status_code == 404


async def test_a_conversation_is_not_found_here(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/responses", json={"model": "gpt-5-mini", "input": "x", "conversation": "conv_1"})
    assert response.status_code == 404 and response.json()["error"]["param"] == "conversation"


async def test_retrieve_delete_and_list_input_items(client: httpx.AsyncClient) -> None:
    inputs = [{"type": "message", "role": "user", "content": f"line {n}"} for n in range(5)]
    created = await create(client, input=inputs)
    path = f"/v1/responses/{created['id']}"
    first = (await client.get(f"{path}/input_items", params={"order": "asc", "limit": 2})).json()
    assert [i["content"][0]["text"] for i in first["data"]] == ["line 0", "line 1"] and first["has_more"]
    rest = (await client.get(f"{path}/input_items", params={"order": "asc", "after": first["last_id"]})).json()
    assert [i["content"][0]["text"] for i in rest["data"]] == ["line 2", "line 3", "line 4"]
    assert rest["has_more"] is False and rest["first_id"] == rest["data"][0]["id"]
    newest = (await client.get(f"{path}/input_items", params={"limit": 1})).json()
    assert newest["data"][0]["content"][0]["text"] == "line 4"
    deleted = (await client.delete(path)).json()
    assert deleted == {"id": created["id"], "object": "response.deleted", "deleted": True}
    assert (await client.get(path)).status_code == 404
    assert (await client.delete(path)).json()["error"]["type"] == "invalid_request_error"


async def test_input_tokens_count_what_a_response_would_use(client: httpx.AsyncClient) -> None:
    body = {"input": "one two three", "instructions": "Be brief.", "tools": [WEATHER]}
    counted = (await client.post("/v1/responses/input_tokens", json={"model": "gpt-5-mini", **body})).json()
    used = (await create(client, **body))["usage"]["input_tokens"]
    assert counted == {"object": "response.input_tokens", "input_tokens": used} and used == 3 + 2 + 1


async def test_compaction_keeps_the_code_word(client: httpx.AsyncClient) -> None:
    history = [
        {"role": "user", "content": "Remember the code word plum."},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "Reply with exactly fine."},
    ]
    compacted = (await client.post("/v1/responses/compact", json={"model": "gpt-5-mini", "input": history})).json()
    assert compacted["object"] == "response.compaction" and compacted["id"].startswith("resp_")
    *kept, compaction = compacted["output"]
    assert [k["content"][0]["text"] for k in kept] == ["Remember the code word plum.", "Reply with exactly fine."]
    assert compaction["type"] == "compaction" and "plum" not in compaction["encrypted_content"]
    later = await create(client, input=[compaction, {"role": "user", "content": "What is the code word?"}])
    assert later["output"][0]["content"][0]["text"] == "plum"


async def test_structured_output_is_valid_for_the_schema_and_verbosity_is_seen(client: httpx.AsyncClient) -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}, "score": {"type": "integer", "minimum": 3}},
        "required": ["answer", "score"],
        "additionalProperties": False,
    }
    fmt = {"format": {"type": "json_schema", "name": "out", "schema": schema, "strict": True}}
    body = await create(client, input="Reply with exactly yes.", text=fmt)
    parsed = json.loads(body["output"][0]["content"][0]["text"])
    jsonschema.validate(parsed, schema)
    assert parsed["answer"] == "yes" and body["text"]["format"]["name"] == "out"
    verbose = await create(client, input="What is your verbosity?", text={"verbosity": "low"})
    assert verbose["output"][0]["content"][0]["text"] == "verbosity=low" and verbose["text"]["verbosity"] == "low"


async def test_unknown_input_items_are_passed_to_the_model_by_type(client: httpx.AsyncClient) -> None:
    items = [
        {"type": "item_reference", "id": "msg_1"},
        {"type": "message", "role": "user", "content": "Which item types did you receive?"},
    ]
    body = await create(client, input=items)
    assert body["output"][0]["content"][0]["text"] == "items=item_reference,message"


async def test_request_parameters_are_echoed(client: httpx.AsyncClient) -> None:
    body = await create(
        client,
        input="hi",
        instructions="Be brief.",
        temperature=0.2,
        top_p=0.5,
        truncation="auto",
        user="u1",
        metadata={"k": "v"},
        reasoning={"effort": "low"},
        max_output_tokens=50,
    )
    assert (body["instructions"], body["temperature"], body["top_p"]) == ("Be brief.", 0.2, 0.5)
    assert (body["truncation"], body["user"], body["metadata"]) == ("auto", "u1", {"k": "v"})
    assert body["reasoning"] == {"effort": "low", "summary": None} and body["max_output_tokens"] == 50


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"input": "x"}, "model"),
        ({"model": 5, "input": "x"}, "model"),
        ({"model": "gpt-5-mini", "input": 5}, "input"),
        ({"model": "gpt-5-mini", "input": [5]}, "input[0]"),
        ({"model": "gpt-5-mini", "input": [{"role": "robot", "content": "x"}]}, "input[0].role"),
        ({"model": "gpt-5-mini", "input": [{"role": "user", "content": {"a": 1}}]}, "input[0].content"),
        ({"model": "gpt-5-mini", "input": "x", "tools": 5}, "tools"),
        ({"model": "gpt-5-mini", "input": "x", "tools": [{"type": "function"}]}, "tools[0].name"),
        (
            {
                "model": "gpt-5-mini",
                "input": "x",
                "tools": [WEATHER],
                "tool_choice": {"type": "function", "name": "nope"},
            },
            None,
        ),
        ({"model": "gpt-5-mini", "input": "x", "text": {"format": 5}}, "text.format"),
        ({"model": "gpt-5-mini", "input": "x", "stream": "yes"}, "stream"),
        ({"model": "gpt-5-mini", "input": "x", "metadata": 5}, "metadata"),
        ({"model": "gpt-5-mini", "input": [{"type": "compaction", "encrypted_content": "forged"}]}, None),
    ],
)
async def test_bad_requests_get_a_400_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], param: str | None
) -> None:
    assert_openai_400(await client.post("/v1/responses", json=body), param)


async def test_malformed_json_and_bad_pagination_are_400(client: httpx.AsyncClient) -> None:
    broken = await client.post("/v1/responses", content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 400 and "JSON" in broken.json()["error"]["message"]
    created = await create(client, input="x")
    for query in ({"limit": "0"}, {"limit": "abc"}, {"order": "sideways"}, {"after": "msg_nope"}):
        page = await client.get(f"/v1/responses/{created['id']}/input_items", params=query)
        assert page.status_code == 400 and page.json()["error"]["param"] == next(iter(query))


async def test_models_are_listed(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/models")).json()
    assert body["object"] == "list" and {m["object"] for m in body["data"]} == {"model"}


async def test_max_output_tokens_makes_the_response_incomplete(client: httpx.AsyncClient) -> None:
    words = " ".join(f"w{n}" for n in range(20))
    body = await create(client, input=f"Reply with exactly {words}.", max_output_tokens=16)
    assert body["status"] == "incomplete" and body["incomplete_details"] == {"reason": "max_output_tokens"}
    assert body["output"][0]["status"] == "incomplete" and body["completed_at"] is None
    assert len(body["output"][0]["content"][0]["text"].split()) == 16 and body["usage"]["output_tokens"] == 16
    streamed = await client.post(
        "/v1/responses",
        json={"model": "gpt-5-mini", "input": f"Reply with exactly {words}.", "max_output_tokens": 16, "stream": True},
    )
    assert events(streamed.text)[-1]["type"] == "response.incomplete"
    short = await create(client, input="Reply with exactly ok.", max_output_tokens=16)
    assert short["status"] == "completed"
    too_small = await client.post("/v1/responses", json={"model": "gpt-5-mini", "input": "x", "max_output_tokens": 5})
    assert too_small.status_code == 400 and too_small.json()["error"]["param"] == "max_output_tokens"
