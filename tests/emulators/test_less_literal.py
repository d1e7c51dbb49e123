"""Issue 9, points 3 and 5, through the whole server: hosted web search as each provider runs it, tools picked by
what the user asked, images, phases, settings and background responses."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulators import create_app
from harness import phrases
from harness.wire import parse_sse

OPENAI = {"authorization": "Bearer sk-upstream-openai"}
ANTHROPIC = {"x-api-key": "sk-ant-upstream", "anthropic-version": "2023-06-01"}
GEMINI = {"x-goog-api-key": "gemini-upstream"}
PNG = base64.b64encode(b"\x89PNG" + b"\x00" * 64).decode()  # 68 bytes
SEARCH = "Search the web for the weather in Paris."
WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
ASK_WEATHER = "What's the weather like in San Francisco?"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://upstream") as http:
        yield http


async def responses(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    answer = await client.post("/v1/responses", headers=OPENAI, json={"model": "gpt-5-mini", **body})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def responses_text(body: dict[str, Any]) -> str:
    return "".join(p["text"] for item in body["output"] if item["type"] == "message" for p in item["content"])


async def chat(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/v1/chat/completions", headers=OPENAI, json={"model": "gpt-4o", **body})


async def messages(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    full = {"model": "claude-sonnet-4-20250514", "max_tokens": 256, **body}
    return await client.post("/v1/messages", headers=ANTHROPIC, json=full)


async def gemini(client: httpx.AsyncClient, action: str = "generateContent", **body: Any) -> httpx.Response:
    path = f"/v1beta/models/gemini-2.5-flash:{action}"
    return await client.post(path, headers=GEMINI, json=body)


def gemini_user(*parts: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"role": "user", "parts": list(parts)}]


# 3. hosted tools --------------------------------------------------------------------------------------------------
ANTHROPIC_SEARCH = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}


async def test_anthropic_web_search_gives_server_tool_use_results_and_cited_text(client: httpx.AsyncClient) -> None:
    body = (await messages(client, tools=[ANTHROPIC_SEARCH], messages=[{"role": "user", "content": SEARCH}])).json()
    use, result, text = body["content"]
    assert use["type"] == "server_tool_use" and use["name"] == "web_search" and use["id"].startswith("srvtoolu_")
    assert use["input"] == {"query": "the weather in Paris"}
    assert result["type"] == "web_search_tool_result" and result["tool_use_id"] == use["id"]
    for found in result["content"]:
        assert found["type"] == "web_search_result"
        assert {"url", "title", "encrypted_content", "page_age"} <= set(found)
    assert text["type"] == "text" and text["citations"][0]["type"] == "web_search_result_location"
    assert text["citations"][0]["url"] == result["content"][0]["url"]
    assert body["usage"]["server_tool_use"] == {"web_search_requests": 1}
    assert body["stop_reason"] == "end_turn"


async def test_anthropic_web_search_streams_each_block(client: httpx.AsyncClient) -> None:
    ask = [{"role": "user", "content": "Use the hosted tool web_search to look up the weather in Paris."}]
    whole = (await messages(client, tools=[ANTHROPIC_SEARCH], messages=ask)).json()
    streamed = await messages(client, tools=[ANTHROPIC_SEARCH], messages=ask, stream=True)
    events = [e.payload for e in parse_sse(streamed.text).events]
    starts = [e["content_block"] for e in events if e["type"] == "content_block_start"]
    assert [b["type"] for b in starts] == ["server_tool_use", "web_search_tool_result", "text"]
    assert starts[0]["input"] == {} and starts[1] == whole["content"][1] and starts[2]["citations"] == []
    deltas = [e for e in events if e["type"] == "content_block_delta"]
    query = "".join(d["delta"]["partial_json"] for d in deltas if d["index"] == 0)
    assert json.loads(query) == whole["content"][0]["input"]
    citations = [d["delta"]["citation"] for d in deltas if d["delta"]["type"] == "citations_delta"]
    assert citations == whole["content"][2]["citations"]
    assert sum(1 for e in events if e["type"] == "content_block_stop") == 3
    [final] = [e for e in events if e["type"] == "message_delta"]
    assert final["usage"]["server_tool_use"] == {"web_search_requests": 1}


async def test_anthropic_web_search_is_not_run_unless_asked_or_forced(client: httpx.AsyncClient) -> None:
    ask = [{"role": "user", "content": "Reply with exactly ok."}]
    plain = (await messages(client, tools=[ANTHROPIC_SEARCH], messages=ask)).json()
    assert plain["content"] == [{"type": "text", "text": "ok"}] and "server_tool_use" not in plain["usage"]
    forced = await messages(
        client, tools=[ANTHROPIC_SEARCH], tool_choice={"type": "tool", "name": "web_search"}, messages=ask
    )
    assert forced.json()["content"][0]["type"] == "server_tool_use"
    # the search blocks may come back in the history of a later turn
    later = [*ask, {"role": "assistant", "content": forced.json()["content"]}, {"role": "user", "content": "thanks"}]
    assert (await messages(client, tools=[ANTHROPIC_SEARCH], messages=later)).status_code == 200


async def test_chat_web_search_options_give_url_citations(client: httpx.AsyncClient) -> None:
    ask = [{"role": "user", "content": SEARCH}]
    message = (await chat(client, web_search_options={}, messages=ask)).json()["choices"][0]["message"]
    [annotation] = message["annotations"]
    assert annotation["type"] == "url_citation"
    span = annotation["url_citation"]
    assert set(span) == {"start_index", "end_index", "url", "title"} and span["url"].startswith("https://")
    assert message["content"][span["start_index"] : span["end_index"]] == message["content"]
    streamed = await chat(client, web_search_options={}, messages=ask, stream=True)
    chunks = [e.payload for e in parse_sse(streamed.text).events if isinstance(e.payload, dict)]
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    assert [d["annotations"] for d in deltas if "annotations" in d] == [message["annotations"]]
    plain = (await chat(client, messages=ask)).json()["choices"][0]["message"]
    assert plain["annotations"] == [] and plain["content"] == phrases.echo(SEARCH)


@pytest.mark.parametrize("tool", [{"google_search": {}}, {"googleSearch": {}}])
async def test_gemini_google_search_grounds_the_answer(client: httpx.AsyncClient, tool: dict[str, Any]) -> None:
    result = (await gemini(client, tools=[tool], contents=gemini_user({"text": SEARCH}))).json()
    [candidate] = result["candidates"]
    grounding = candidate["groundingMetadata"]
    assert grounding["webSearchQueries"] == ["the weather in Paris"]
    assert all(set(chunk["web"]) == {"uri", "title"} for chunk in grounding["groundingChunks"])
    [support] = grounding["groundingSupports"]
    assert support["segment"]["text"] == candidate["content"]["parts"][0]["text"]
    assert support["groundingChunkIndices"] == [0]
    streamed = await gemini(
        client, "streamGenerateContent?alt=sse", tools=[tool], contents=gemini_user({"text": SEARCH})
    )
    chunks = [e.payload for e in parse_sse(streamed.text).events]
    assert chunks[-1]["candidates"][0]["groundingMetadata"] == grounding
    plain = (await gemini(client, contents=gemini_user({"text": SEARCH}))).json()
    assert "groundingMetadata" not in plain["candidates"][0]


async def test_responses_web_search_answers_to_search_the_web_too(client: httpx.AsyncClient) -> None:
    body = await responses(client, input=SEARCH, tools=[{"type": "web_search"}])
    assert body["output"][0]["type"] == "web_search_call"
    assert body["output"][0]["action"]["query"] == "the weather in Paris"


# 5. the less literal model ----------------------------------------------------------------------------------------
async def test_auto_calls_the_tool_a_question_is_about_on_every_protocol(client: httpx.AsyncClient) -> None:
    description = "Get the weather for a city"
    tool = {"type": "function", "name": "get_weather", "description": description, "parameters": WEATHER_SCHEMA}
    body = await responses(client, input=ASK_WEATHER, tools=[tool])
    assert [item["type"] for item in body["output"]] == ["function_call"]
    none = await responses(client, input=ASK_WEATHER, tools=[tool], tool_choice="none")
    assert [item["type"] for item in none["output"]] == ["message"]

    fn = {"name": "get_weather", "description": description, "parameters": WEATHER_SCHEMA}
    choice = (await chat(client, tools=[{"type": "function", "function": fn}], messages=[user(ASK_WEATHER)])).json()
    assert choice["choices"][0]["finish_reason"] == "tool_calls"

    custom = {"name": "get_weather", "description": description, "input_schema": WEATHER_SCHEMA}
    anthropic = (await messages(client, tools=[custom], messages=[user(ASK_WEATHER)])).json()
    assert anthropic["stop_reason"] == "tool_use"

    decl = {"functionDeclarations": [{"name": "get_weather", "description": description}]}
    google = (await gemini(client, tools=[decl], contents=gemini_user({"text": ASK_WEATHER}))).json()
    assert "functionCall" in google["candidates"][0]["content"]["parts"][0]


def user(text: str | list[dict[str, Any]]) -> dict[str, Any]:
    return {"role": "user", "content": text}


async def test_images_are_fingerprinted_on_every_protocol(client: httpx.AsyncClient) -> None:
    data_url = f"data:image/png;base64,{PNG}"
    link = "https://example.com/cat.jpg"
    parts: list[dict[str, Any]] = [
        {"type": "input_text", "text": phrases.ASK_IMAGE},
        {"type": "input_image", "image_url": data_url},
        {"type": "input_image", "image_url": link},
    ]
    body = await responses(client, input=[{"role": "user", "content": parts}])
    assert responses_text(body) == f"image/png 68 bytes; {link}"
    assert responses_text(await responses(client, input=phrases.ASK_IMAGE)) == phrases.NO_IMAGE

    content: list[dict[str, Any]] = [
        {"type": "text", "text": phrases.ASK_IMAGE},
        {"type": "image_url", "image_url": {"url": data_url}},
        {"type": "image_url", "image_url": {"url": link}},
    ]
    answer = (await chat(client, messages=[user(content)])).json()["choices"][0]["message"]["content"]
    assert answer == f"image/png 68 bytes; {link}"

    blocks: list[dict[str, Any]] = [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        {"type": "image", "source": {"type": "url", "url": link}},
        {"type": "text", "text": phrases.ASK_IMAGE},
    ]
    anthropic = (await messages(client, messages=[user(blocks)])).json()
    assert anthropic["content"][0]["text"] == f"image/png 68 bytes; {link}"

    google_parts: list[dict[str, Any]] = [
        {"inlineData": {"mimeType": "image/png", "data": PNG}},
        {"file_data": {"mime_type": "image/jpeg", "file_uri": link}},
        {"text": phrases.ASK_IMAGE},
    ]
    google = (await gemini(client, contents=gemini_user(*google_parts))).json()
    assert google["candidates"][0]["content"]["parts"][0]["text"] == f"image/png 68 bytes; {link}"


async def test_system_and_developer_items_are_instructions_and_phases_are_kept(client: httpx.AsyncClient) -> None:
    items = [
        {"role": "system", "content": "Be brief."},
        {"role": "developer", "content": [{"type": "input_text", "text": "Use French."}]},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "thinking aloud", "phase": "commentary"},
        {"role": "assistant", "content": "Bonjour", "phase": "final_answer"},
    ]
    told = await responses(client, instructions="Top.", input=[*items, user(phrases.ASK_INSTRUCTIONS)])
    assert responses_text(told) == "instructions=Top.\nBe brief.\nUse French."
    phased = await responses(client, input=[*items, user(phrases.ASK_PHASES)])
    assert responses_text(phased) == "phases=commentary,final_answer"
    assert responses_text(await responses(client, input=phrases.ASK_PHASES)) == "phases=none"


async def test_settings_are_reported_as_received_on_every_protocol(client: httpx.AsyncClient) -> None:
    expected = "settings=temperature:0.2,top_p:0.5,max_output_tokens:100,parallel_tool_calls:false"
    body = await responses(
        client,
        input=phrases.ASK_SETTINGS,
        temperature=0.2,
        top_p=0.5,
        max_output_tokens=100,
        parallel_tool_calls=False,
    )
    assert responses_text(body) == expected
    assert responses_text(await responses(client, input=phrases.ASK_SETTINGS)) == phrases.settings({})
    assert (
        phrases.settings({}) == "settings=temperature:none,top_p:none,max_output_tokens:none,parallel_tool_calls:none"
    )

    reply = await chat(client, messages=[user(phrases.ASK_SETTINGS)], temperature=0.2, top_p=0.5, max_tokens=100)
    assert reply.json()["choices"][0]["message"]["content"] == expected.replace("false", "none")

    fn = {"name": "f", "input_schema": {"type": "object"}}
    anthropic = await messages(
        client,
        messages=[user(phrases.ASK_SETTINGS)],
        temperature=0.2,
        top_p=0.5,
        max_tokens=100,
        tools=[fn],
        tool_choice={"type": "auto", "disable_parallel_tool_use": True},
    )
    assert anthropic.json()["content"][0]["text"] == expected

    config = {"temperature": 0.2, "topP": 0.5, "maxOutputTokens": 100}
    google = await gemini(client, contents=gemini_user({"text": phrases.ASK_SETTINGS}), generationConfig=config)
    assert google.json()["candidates"][0]["content"]["parts"][0]["text"] == expected.replace("false", "none")


async def test_background_is_queued_then_in_progress_then_completed(client: httpx.AsyncClient) -> None:
    created = await responses(client, input="Reply with exactly later.", background=True, metadata={"k": "v"})
    assert created["status"] == "queued" and created["background"] is True and created["output"] == []
    assert created["metadata"] == {"k": "v"}
    path = f"/v1/responses/{created['id']}"
    seen = [(await client.get(path, headers=OPENAI)).json() for _ in range(3)]
    assert [r["status"] for r in seen] == ["in_progress", "completed", "completed"]
    assert responses_text(seen[1]) == "later" and seen[1]["id"] == created["id"]
    refused = await client.post(f"{path}/cancel", headers=OPENAI)
    assert refused.status_code == 400 and refused.json()["error"]["type"] == "invalid_request_error"


async def test_background_can_be_cancelled_while_running(client: httpx.AsyncClient) -> None:
    created = await responses(client, input="Reply with exactly later.", background=True)
    path = f"/v1/responses/{created['id']}"
    cancelled = await client.post(f"{path}/cancel", headers=OPENAI)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert (await client.get(path, headers=OPENAI)).json()["status"] == "cancelled"
    assert (await client.post(f"{path}/cancel", headers=OPENAI)).json()["status"] == "cancelled"
    foreground = await responses(client, input="Reply with exactly now.")
    refused = await client.post(f"/v1/responses/{foreground['id']}/cancel", headers=OPENAI)
    assert refused.status_code == 400
    missing = await client.post("/v1/responses/resp_nope/cancel", headers=OPENAI)
    assert missing.status_code == 404


async def test_background_needs_store_and_is_not_streamed(client: httpx.AsyncClient) -> None:
    for extra in ({"store": False}, {"stream": True}):
        body = {"model": "gpt-5-mini", "input": "x", "background": True, **extra}
        refused = await client.post("/v1/responses", headers=OPENAI, json=body)
        assert refused.status_code == 400, extra
