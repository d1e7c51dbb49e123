"""Reasoning settings through the whole server: each protocol's own setting (Responses `reasoning`, Chat
`reasoning_effort`, Anthropic `thinking`, Gemini `thinkingConfig`) is checked as that provider checks it, and the
scripted model reports what arrived (`What is your reasoning effort?`), so a gateway that drops it shows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulators import create_app, scripted
from harness import phrases
from tests.emulators.openai_errors import assert_openai_400

OPENAI = {"authorization": "Bearer sk-upstream-openai"}
ANTHROPIC = {"x-api-key": "sk-ant-upstream", "anthropic-version": "2023-06-01"}
GEMINI = {"x-goog-api-key": "gemini-upstream"}
ASK = phrases.ASK_REASONING


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://upstream") as http:
        yield http


async def _responses(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/v1/responses", headers=OPENAI, json={"model": "gpt-5-mini", "input": ASK, **body})


async def _chat(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    messages = [{"role": "user", "content": ASK}]
    return await client.post(
        "/v1/chat/completions", headers=OPENAI, json={"model": "o4-mini", "messages": messages, **body}
    )


async def _messages(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    full = {"model": "claude-sonnet-4-20250514", "max_tokens": 4096, "messages": [{"role": "user", "content": ASK}]}
    return await client.post("/v1/messages", headers=ANTHROPIC, json={**full, **body})


async def _gemini(client: httpx.AsyncClient, **generation: Any) -> httpx.Response:
    body: dict[str, Any] = {"contents": [{"role": "user", "parts": [{"text": ASK}]}]}
    if generation:
        body["generationConfig"] = generation
    return await client.post("/v1beta/models/gemini-2.5-flash:generateContent", headers=GEMINI, json=body)


def _responses_text(answer: httpx.Response) -> str:
    assert answer.status_code == 200, answer.text
    return "".join(p["text"] for item in answer.json()["output"] if item["type"] == "message" for p in item["content"])


def test_the_model_reports_what_arrived_in_the_providers_own_terms() -> None:
    asked = [scripted.Message("user", ASK)]
    assert scripted.reply(scripted.ScriptedRequest(messages=asked)).text == "reasoning=none"
    told = scripted.ScriptedRequest(messages=asked, reasoning={"budget_tokens": 2048, "effort": "low"})
    assert scripted.reply(told).text == "reasoning=effort:low,budget_tokens:2048" == phrases.reasoning(told.reasoning)


async def test_responses_reasoning_is_reported_and_an_unknown_effort_refused(client: httpx.AsyncClient) -> None:
    told = await _responses(client, reasoning={"effort": "low", "summary": "auto"})
    assert _responses_text(told) == "reasoning=effort:low,summary:auto"
    assert told.json()["reasoning"] == {"effort": "low", "summary": "auto"}
    assert _responses_text(await _responses(client)) == "reasoning=none"
    assert_openai_400(await _responses(client, reasoning={"effort": "extreme"}), "reasoning.effort")
    assert_openai_400(await _responses(client, reasoning="low"), "reasoning")


async def test_chat_reasoning_effort_is_reported_and_an_unknown_one_refused(client: httpx.AsyncClient) -> None:
    told = await _chat(client, reasoning_effort="low")
    assert told.json()["choices"][0]["message"]["content"] == "reasoning=effort:low"
    assert (await _chat(client)).json()["choices"][0]["message"]["content"] == "reasoning=none"
    assert_openai_400(await _chat(client, reasoning_effort="extreme"), "reasoning_effort")


async def test_anthropic_thinking_is_reported_and_checked_as_anthropic_checks_it(client: httpx.AsyncClient) -> None:
    told = await _messages(client, thinking={"type": "enabled", "budget_tokens": 2048})
    assert told.status_code == 200, told.text
    assert told.json()["content"][0]["text"] == "reasoning=budget_tokens:2048"
    off = await _messages(client, thinking={"type": "disabled"})
    assert off.json()["content"][0]["text"] == "reasoning=none"
    refusals = {
        "greater than or equal to 1024": {"thinking": {"type": "enabled", "budget_tokens": 512}},
        "`max_tokens` must be greater than `thinking.budget_tokens`": {
            "thinking": {"type": "enabled", "budget_tokens": 4096}
        },
        "thinking.enabled.budget_tokens: Field required": {"thinking": {"type": "enabled"}},
        "thinking.enabled.effort: Extra inputs are not permitted": {
            "thinking": {"type": "enabled", "budget_tokens": 2048, "effort": "low"}
        },
        "does not match any of the expected tags: 'enabled', 'disabled'": {"thinking": {"type": "low"}},
    }
    for message, body in refusals.items():
        refused = await _messages(client, **body)
        assert refused.status_code == 400 and message in refused.json()["error"]["message"], refused.text


async def test_gemini_thinking_config_is_reported_and_its_fields_checked(client: httpx.AsyncClient) -> None:
    told = await _gemini(client, thinkingConfig={"thinkingBudget": 1024, "includeThoughts": False})
    assert told.json()["candidates"][0]["content"]["parts"][0]["text"] == "reasoning=thinking_budget:1024"
    level = await _gemini(client, thinking_config={"thinking_level": "low"})
    assert level.json()["candidates"][0]["content"]["parts"][0]["text"] == "reasoning=thinking_level:low"
    refused = await _gemini(client, thinkingConfig={"effort": "low"})
    assert refused.status_code == 400 and 'Unknown name "effort"' in refused.json()["error"]["message"]
