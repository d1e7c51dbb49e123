"""The official `openai` client parses every emulator answer, streamed or not, over a real loopback server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import openai
import pytest

from emulators import create_app
from harness.servers import serve_in_thread
from tests.emulators.served import CITY

TOOL = {"type": "function", "name": "get_weather", "parameters": CITY}


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(create_app()) as running:
        yield running.url


@pytest.fixture
async def client(url: str) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="sk-upstream-openai", max_retries=0) as sdk:
        yield sdk


async def test_responses_stream_parses_into_typed_events(client: openai.AsyncOpenAI) -> None:
    stream = await client.responses.create(model="gpt-5-mini", input="Reply with exactly Hello, World!", stream=True)
    seen = [event async for event in stream]
    text = "".join(e.delta for e in seen if e.type == "response.output_text.delta")
    assert text == "Hello, World!" and seen[-1].type == "response.completed"
    assert seen[-1].response.output_text == "Hello, World!"


async def test_responses_stream_helper_collects_a_function_call(client: openai.AsyncOpenAI) -> None:
    async with client.responses.stream(
        model="gpt-5-mini", input="Call the tool get_weather with city=Oslo", tools=[TOOL]
    ) as stream:
        final = await stream.get_final_response()
    [call] = final.output
    assert call.type == "function_call" and json.loads(call.arguments) == {"city": "Oslo"}


async def test_hosted_calls_parse_as_their_typed_items(client: openai.AsyncOpenAI) -> None:
    searched = await client.responses.create(
        model="gpt-5-mini",
        input="news",
        tools=[{"type": "web_search_preview"}],
        tool_choice={"type": "web_search_preview"},
    )
    assert [item.type for item in searched.output] == ["web_search_call", "message"]
    computer = await client.responses.create(
        model="gpt-5-mini",
        input="Use the hosted tool computer_use_preview",
        tools=[{"type": "computer_use_preview", "display_width": 800, "display_height": 600, "environment": "linux"}],
        truncation="auto",
    )
    assert computer.output[0].type == "computer_call" and computer.output[0].action.type == "screenshot"


async def test_retrieve_input_items_and_delete_through_the_client(client: openai.AsyncOpenAI) -> None:
    created = await client.responses.create(model="gpt-5-mini", input="Remember the code word fig.")
    assert (await client.responses.retrieve(created.id)).output_text == "Echo: Remember the code word fig."
    items = [item async for item in client.responses.input_items.list(created.id)]
    assert len(items) == 1 and items[0].type == "message"
    counted = await client.responses.input_tokens.count(model="gpt-5-mini", input="one two three")
    assert counted.input_tokens == 3
    await client.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError):
        await client.responses.retrieve(created.id)


async def test_chat_stream_with_tool_calls_parses(client: openai.AsyncOpenAI) -> None:
    stream = await client.chat.completions.create(
        model="gpt-5-mini",
        messages=[{"role": "user", "content": "Call the tool get_weather with city=Lima"}],
        tools=[{"type": "function", "function": {"name": TOOL["name"], "parameters": TOOL["parameters"]}}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]
    arguments = "".join(
        call.function.arguments or ""
        for chunk in chunks
        for choice in chunk.choices
        for call in choice.delta.tool_calls or []
        if call.function
    )
    assert json.loads(arguments) == {"city": "Lima"}
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0


async def test_errors_parse_as_the_clients_exceptions(client: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        await client.responses.create(
            model="gpt-5-mini", input="x", tools=[TOOL], tool_choice={"type": "function", "name": "other"}
        )
    assert err.value.param == "tool_choice"
    with pytest.raises(openai.InternalServerError):
        await client.chat.completions.create(model="fail-500", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.NotFoundError):
        await client.responses.input_items.list("resp_missing")


async def test_conversations_parse_with_the_sdk_and_carry_a_response_turn(client: openai.AsyncOpenAI) -> None:
    conv = await client.conversations.create(
        metadata={"k": "v"}, items=[{"type": "message", "role": "user", "content": "Remember the code word fig."}]
    )
    answer = await client.responses.create(model="gpt-5-mini", input="What is the code word?", conversation=conv.id)
    assert answer.output_text == "fig" and answer.conversation is not None and answer.conversation.id == conv.id
    items = [item async for item in client.conversations.items.list(conv.id, order="asc", limit=1)]
    assert [item.type for item in items] == ["message", "message", "message"]  # paged one by one
    await client.conversations.items.delete(items[0].id, conversation_id=conv.id)
    assert (await client.conversations.update(conv.id, metadata={"k": "w"})).metadata == {"k": "w"}
    assert (await client.conversations.delete(conv.id)).deleted
    with pytest.raises(openai.NotFoundError):
        await client.conversations.retrieve(conv.id)
