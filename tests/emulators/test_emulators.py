"""The emulated upstreams against the providers' recorded wire, and through the official clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from emulators import create_app
from harness.servers import serve_in_thread
from harness.wire import parse_sse

WIRE = Path(__file__).parent.parent / "fixtures" / "provider-wire"


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(create_app()) as running:
        yield running.url


def _types(text: str) -> list[str]:
    return [e.payload["type"] for e in parse_sse(text).events]


def test_anthropic_stream_has_the_recorded_event_sequence(url: str) -> None:
    recorded = (WIRE / "anthropic" / "messages_stream.txt").read_text()
    text = httpx.post(
        f"{url}/v1/messages",
        headers={"x-api-key": "sk-ant-upstream", "anthropic-version": "2023-06-01"},
        json={
            "model": "claude-sonnet-4-20250514",
            "max_tokens": 50,
            "stream": True,
            "messages": [{"role": "user", "content": "Reply with exactly Hello World"}],
        },
    ).text
    assert _types(text) == _types(recorded)


def test_anthropic_requires_max_tokens_and_its_headers(url: str) -> None:
    body = {"model": "claude-sonnet-4-20250514", "messages": [{"role": "user", "content": "hi"}]}
    no_key = httpx.post(f"{url}/v1/messages", json={**body, "max_tokens": 5})
    assert no_key.status_code == 401 and no_key.json()["type"] == "error"
    no_max = httpx.post(
        f"{url}/v1/messages", json=body, headers={"x-api-key": "sk-ant-upstream", "anthropic-version": "2023-06-01"}
    )
    assert no_max.status_code == 400 and "max_tokens" in no_max.json()["error"]["message"]


def test_gemini_generate_and_stream(url: str) -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "Reply with exactly ok."}]}]}
    headers = {"x-goog-api-key": "gemini-upstream"}
    result = httpx.post(f"{url}/v1beta/models/gemini-2.0-flash:generateContent", json=body, headers=headers).json()
    assert result["candidates"][0]["content"]["parts"] == [{"text": "ok"}]
    assert result["usageMetadata"]["totalTokenCount"] > 0
    streamed = httpx.post(
        f"{url}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", json=body, headers=headers
    )
    chunks = [e.payload for e in parse_sse(streamed.text).events]
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    unauthenticated = httpx.post(f"{url}/v1beta/models/gemini-2.0-flash:generateContent", json=body)
    assert unauthenticated.json()["error"]["status"] == "PERMISSION_DENIED"


async def test_the_official_client_parses_every_openai_answer(url: str) -> None:
    client = openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="sk-upstream-openai", max_retries=0)
    first = await client.responses.create(model="gpt-5-mini", input="Remember the code word kiwi.")
    second = await client.responses.create(
        model="gpt-5-mini", input="What is the code word?", previous_response_id=first.id
    )
    assert second.output_text == "kiwi"
    compacted = await client.responses.compact(
        model="gpt-5-mini", input=[{"role": "user", "content": "Remember the code word fig."}]
    )
    carried = [item.model_dump(exclude_none=True, warnings=False) for item in compacted.output]
    after = await client.responses.create(
        model="gpt-5-mini", input=[*carried, {"role": "user", "content": "What is the code word?"}]
    )  # type: ignore[list-item]
    assert after.output_text == "fig"
    chat = await client.chat.completions.create(
        model="gpt-5-mini", messages=[{"role": "user", "content": "Reply with exactly ok."}]
    )
    assert chat.choices[0].message.content == "ok"
    with pytest.raises(openai.BadRequestError) as err:
        await client.responses.create(model="gpt-5-mini", input="x", previous_response_id="resp_unknown")
    assert err.value.code == "previous_response_not_found"
    await client.close()
