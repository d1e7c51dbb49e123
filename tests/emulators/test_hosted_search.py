"""Issue 20, point 3: every spelling of a provider's hosted web search runs as that provider's server tool, with
that provider's search result shape, also when the tool choice forces a tool (where the provider allows it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulators.access import DEFAULT_MODELS
from harness.wire import parse_sse
from tests.emulators.served import emulator_client

OPENAI = {"authorization": "Bearer sk-upstream-openai"}
ANTHROPIC = {"x-api-key": "sk-ant-upstream", "anthropic-version": "2023-06-01"}
GEMINI = {"x-goog-api-key": "gemini-upstream"}
SEARCH = "Search the web for the weather in Paris."
RESPONSES_SEARCH_TYPES = ["web_search", "web_search_2025_08_26", "web_search_preview", "web_search_preview_2025_03_11"]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    models = {"gemini": [*DEFAULT_MODELS["gemini"], "gemini-1.5-flash"]}
    async with emulator_client(models=models) as http:
        yield http


async def _responses(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/v1/responses", headers=OPENAI, json={"model": "gpt-5-mini", **body})


def _searched(body: dict[str, Any], query: str) -> None:
    """OpenAI's shape: the web_search_call item, then the answer citing a result with a `url_citation`."""
    call, message = body["output"]
    assert call["type"] == "web_search_call" and call["id"].startswith("ws_")
    assert call["action"] == {"type": "search", "query": query}
    part = message["content"][0]
    [citation] = part["annotations"]
    assert list(citation) == ["type", "end_index", "start_index", "title", "url"]
    assert citation["type"] == "url_citation" and citation["url"].startswith("https://")
    assert part["text"][citation["start_index"] : citation["end_index"]] == part["text"]


@pytest.mark.parametrize("kind", RESPONSES_SEARCH_TYPES)
async def test_every_responses_web_search_type_runs_the_search(client: httpx.AsyncClient, kind: str) -> None:
    asked = await _responses(client, input=SEARCH, tools=[{"type": kind}])
    assert asked.status_code == 200, asked.text
    _searched(asked.json(), "the weather in Paris")
    required = await _responses(client, input="news", tools=[{"type": kind}], tool_choice="required")
    _searched(required.json(), "news")


@pytest.mark.parametrize(
    ("tool", "choice"),
    [("web_search_preview_2025_03_11", "web_search_preview"), ("web_search_preview", "web_search_preview_2025_03_11")],
)
async def test_a_dated_tool_choice_forces_its_undated_tool_and_back(
    client: httpx.AsyncClient, tool: str, choice: str
) -> None:
    forced = await _responses(client, input="news", tools=[{"type": tool}], tool_choice={"type": choice})
    _searched(forced.json(), "news")


async def test_responses_stream_adds_the_citation_before_the_text_is_done(client: httpx.AsyncClient) -> None:
    streamed = await _responses(client, input=SEARCH, tools=[{"type": "web_search_preview_2025_03_11"}], stream=True)
    events = [e.payload for e in parse_sse(streamed.text).events]
    types = [e["type"] for e in events]
    [added] = [e for e in events if e["type"] == "response.output_text.annotation.added"]
    assert types.index("response.output_text.annotation.added") < types.index("response.output_text.done")
    final = events[-1]["response"]
    _searched(final, "the weather in Paris")
    assert added["annotation"] == final["output"][1]["content"][0]["annotations"][0]
    assert (added["annotation_index"], added["content_index"], added["output_index"]) == (0, 0, 1)
    assert added["item_id"] == final["output"][1]["id"]


async def test_anthropic_web_search_runs_when_any_tool_is_required(client: httpx.AsyncClient) -> None:
    body = {
        "model": "claude-sonnet-4-20250514",
        "max_tokens": 256,
        "tools": [{"type": "web_search_20250305", "name": "web_search"}],
        "tool_choice": {"type": "any"},
        "messages": [{"role": "user", "content": "news"}],
    }
    answer = (await client.post("/v1/messages", headers=ANTHROPIC, json=body)).json()
    assert [b["type"] for b in answer["content"]] == ["server_tool_use", "web_search_tool_result", "text"]


async def _gemini(client: httpx.AsyncClient, model: str, **body: Any) -> httpx.Response:
    return await client.post(f"/v1beta/models/{model}:generateContent", headers=GEMINI, json=body)


@pytest.mark.parametrize("tool", [{"google_search": {}}, {"googleSearch": {}}])
async def test_gemini_google_search_runs_in_mode_any(client: httpx.AsyncClient, tool: dict[str, Any]) -> None:
    contents = [{"role": "user", "parts": [{"text": "news"}]}]
    config = {"functionCallingConfig": {"mode": "ANY"}}
    answer = await _gemini(client, "gemini-2.5-flash", contents=contents, tools=[tool], toolConfig=config)
    assert answer.json()["candidates"][0]["groundingMetadata"]["webSearchQueries"] == ["news"]


@pytest.mark.parametrize(
    "tool",
    [
        {"google_search_retrieval": {}},
        {"googleSearchRetrieval": {"dynamicRetrievalConfig": {"mode": "MODE_DYNAMIC", "dynamicThreshold": 0.3}}},
    ],
)
async def test_gemini_search_retrieval_grounds_on_15_models_and_is_refused_after(
    client: httpx.AsyncClient, tool: dict[str, Any]
) -> None:
    contents = [{"role": "user", "parts": [{"text": SEARCH}]}]
    old = await _gemini(client, "gemini-1.5-flash", contents=contents, tools=[tool])
    assert old.status_code == 200, old.text
    grounding = old.json()["candidates"][0]["groundingMetadata"]
    assert grounding["webSearchQueries"] == ["the weather in Paris"] and grounding["groundingChunks"]
    new = await _gemini(client, "gemini-2.5-flash", contents=contents, tools=[tool])
    assert new.status_code == 400 and new.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert "Please use google_search field instead of google_search_retrieval field." in new.json()["error"]["message"]
