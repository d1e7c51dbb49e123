"""Bad input is a 4xx envelope naming its param, checked before any upstream call; limits answer 408/413/415."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from reference_gateway.app import create_app
from reference_gateway.config import parse

KEY = "validation-key"
DEAD = "http://127.0.0.1:9"  # nothing listens: any request that got past validation would answer 502


@pytest.fixture
async def gateway() -> AsyncIterator[httpx.AsyncClient]:
    config = parse(
        {
            "keys": [{"name": "alice", "key": KEY}],
            "storage": {"path": ":memory:"},
            "providers": {
                "openai": {"type": "openai_responses", "base_url": f"{DEAD}/v1", "api_key": "k"},
                "groq": {"type": "openai_chat", "base_url": f"{DEAD}/v1", "api_key": "k", "stateful": "replay"},
                "anthropic": {"type": "anthropic", "base_url": DEAD, "api_key": "k"},
                "gemini": {"type": "gemini", "base_url": f"{DEAD}/v1beta", "api_key": "k"},
            },
            "limits": {"max_body_bytes": 65536, "max_json_depth": 32, "body_timeout": 0.3},
        },
        env={},
    )
    app = create_app(config)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://gw",
        headers={"authorization": f"Bearer {KEY}"},
    ) as client:
        yield client
    await app.state.gateway.aclose()


def _envelope(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"type", "message", "param", "code"} and error["message"]
    return dict(error)


MESSAGE = {"type": "message", "role": "user"}
BAD_FIELDS: list[tuple[dict[str, Any], str]] = [
    ({"tools": 5}, "tools"),
    ({"tools": [5]}, "tools[0]"),
    ({"tools": [{"type": "function"}]}, "tools[0].name"),
    ({"tools": [{"type": "function", "name": "f", "strict": "yes"}]}, "tools[0].strict"),
    ({"text": "abc"}, "text"),
    ({"text": {"format": "json"}}, "text.format"),
    ({"text": {"format": {"type": "xml"}}}, "text.format.type"),
    ({"text": {"format": {"type": "json_schema", "name": "x"}}}, "text.format.schema"),
    ({"text": {"verbosity": 3}}, "text.verbosity"),
    ({"instructions": 5}, "instructions"),
    ({"input": 5}, "input"),
    ({"input": [5]}, "input[0]"),
    ({"input": [{**MESSAGE, "content": 5}]}, "input[0].content"),
    ({"input": [{**MESSAGE, "content": [5]}]}, "input[0].content[0]"),
    ({"input": [{**MESSAGE, "content": [{"type": "input_text", "text": 5}]}]}, "input[0].content[0].text"),
    ({"input": [{"type": "message", "role": "robot", "content": "hi"}]}, "input[0].role"),
    ({"input": [{"type": "function_call_output", "call_id": "c", "output": 5}]}, "input[0].output"),
    ({"input": [{"type": "function_call", "call_id": "c", "name": "f", "arguments": {}}]}, "input[0].arguments"),
    ({"input": [{"type": "compaction", "encrypted_content": 7}]}, "input[0].encrypted_content"),
    ({"input": [{**MESSAGE, "id": {}, "content": "hi"}]}, "input[0].id"),
    ({"stream": "false"}, "stream"),
    ({"stream": "yes"}, "stream"),
    ({"store": "false"}, "store"),
    ({"parallel_tool_calls": 1}, "parallel_tool_calls"),
    ({"tool_choice": "sometimes"}, "tool_choice"),
    ({"tool_choice": {"type": "function"}}, "tool_choice.name"),
    ({"metadata": {"k": 5}}, "metadata.k"),
    ({"metadata": []}, "metadata"),
    ({"temperature": "hot"}, "temperature"),
    ({"temperature": True}, "temperature"),
    ({"max_output_tokens": 1.5}, "max_output_tokens"),
    ({"include": "x"}, "include"),
    ({"truncation": "sometimes"}, "truncation"),
    ({"previous_response_id": 5}, "previous_response_id"),
    ({"conversation": 5}, "conversation"),
    ({"conversation": {"id": None}}, "conversation.id"),
    ({"model": 5}, "model"),
]


@pytest.mark.parametrize("model", ["openai/gpt-5-mini", "groq/m", "anthropic/claude", "gemini/gemini-2.0-flash"])
@pytest.mark.parametrize(("fields", "param"), BAD_FIELDS, ids=[p for _, p in BAD_FIELDS])
async def test_a_wrong_type_is_a_400_naming_its_param_on_every_route(
    gateway: httpx.AsyncClient, model: str, fields: dict[str, Any], param: str
) -> None:
    body = {"model": model, "input": "hi", **fields}
    for path in ("/v1/responses", "/v1/responses/input_tokens", "/v1/responses/compact"):
        error = _envelope(await gateway.post(path, json=body), 400)
        assert error["param"] == param, error


async def test_null_means_absent_as_in_openais_api(gateway: httpx.AsyncClient) -> None:
    body = {"model": "groq/m", "input": "hi", "tools": None, "text": None, "instructions": None, "stream": None}
    # Valid: it reaches the (dead) upstream, which is a 502, not a 400.
    assert (await gateway.post("/v1/responses", json=body)).status_code == 502


async def test_a_damaged_compaction_token_is_a_400(gateway: httpx.AsyncClient) -> None:
    for token in ("gwc1.!!!not-base64", "gwc1.//79", "gwc1." + "A" * 5):
        item = {"type": "compaction", "encrypted_content": token}
        response = await gateway.post("/v1/responses", json={"model": "groq/m", "input": [item]})
        assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 10_000 + b"]" * 10_000,
        b'{"model": "groq/m", "input": ' + b"[" * 40 + b"]" * 40 + b"}",
        b'{"model": "groq/m", "input": "hi", "temperature": NaN}',
        b'{"model": "groq/m", "input": "hi", "temperature": Infinity}',
        b'{"model": "groq/m", "input": "hi", "top_p": -Infinity}',
        b'{"model": "groq/m", "input": "\\ud800"}',
        b'{"model": "groq/m", "input": "hi", "metadata": {"\\udfff": "x"}}',
        b'{"model": "groq/m", "input": "\xff\xfe"}',
        b'{"model": ',
        b"",
    ],
    ids=[
        "deep-10000",
        "deep-40",
        "nan",
        "infinity",
        "minus-infinity",
        "surrogate",
        "surrogate-key",
        "latin1",
        "cut",
        "empty",
    ],
)
async def test_json_that_is_not_plain_finite_utf8_is_a_400(gateway: httpx.AsyncClient, raw: bytes) -> None:
    response = await gateway.post("/v1/responses", content=raw, headers={"content-type": "application/json"})
    _envelope(response, 400)


async def test_a_body_over_the_limit_is_a_413(gateway: httpx.AsyncClient) -> None:
    big = {"model": "groq/m", "input": "x" * 70_000}
    _envelope(await gateway.post("/v1/responses", json=big), 413)

    async def chunks() -> AsyncIterator[bytes]:  # no content-length: counted while it arrives
        yield b'{"model": "groq/m", "input": "'
        for _ in range(70):
            yield b"x" * 1000
        yield b'"}'

    _envelope(await gateway.post("/v1/responses", content=chunks()), 413)
    _envelope(await gateway.post("/v1/conversations", json={"metadata": {"k": "v" * 70_000}}), 413)


async def test_a_body_that_does_not_arrive_in_time_is_a_408(gateway: httpx.AsyncClient) -> None:
    async def stalls() -> AsyncIterator[bytes]:
        yield b'{"model": "groq/m",'
        await asyncio.sleep(1.0)
        yield b'"input": "hi"}'

    _envelope(await gateway.post("/v1/responses", content=stalls()), 408)


async def test_a_body_that_is_not_json_by_its_content_type_is_a_415(gateway: httpx.AsyncClient) -> None:
    body = json.dumps({"model": "groq/m", "input": "hi"})
    for media in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        _envelope(await gateway.post("/v1/responses", content=body, headers={"content-type": media}), 415)


@pytest.mark.parametrize(
    "item",
    [
        {"type": "message", "role": "user", "content": 5},
        {"type": "message", "role": "user", "content": [5]},
        {"type": "message", "role": "user", "content": "hi", "id": {}},
        {"type": "function_call_output", "call_id": "c", "output": 5},
    ],
)
async def test_conversation_writes_are_checked_and_all_or_nothing(gateway: httpx.AsyncClient, item: Any) -> None:
    conv = (await gateway.post("/v1/conversations", json={})).json()
    good = {"type": "message", "role": "user", "content": "Remember the code word fig."}
    _envelope(await gateway.post(f"/v1/conversations/{conv['id']}/items", json={"items": [good, item]}), 400)
    _envelope(await gateway.post("/v1/conversations", json={"items": [good, item]}), 400)
    listed = (await gateway.get(f"/v1/conversations/{conv['id']}/items")).json()
    assert listed["data"] == [], "a refused write stored part of its items"


async def test_a_null_item_id_gets_a_fresh_one(gateway: httpx.AsyncClient) -> None:
    conv = (await gateway.post("/v1/conversations", json={})).json()
    item = {"type": "message", "role": "user", "content": "hi", "id": None}
    added = (await gateway.post(f"/v1/conversations/{conv['id']}/items", json={"items": [item]})).json()
    assert added["data"][0]["id"].startswith("msg_")
    listed = (await gateway.get(f"/v1/conversations/{conv['id']}/items")).json()
    assert [i["id"] for i in listed["data"]] == [added["data"][0]["id"]]


async def test_background_is_refused_cleanly_on_every_route(gateway: httpx.AsyncClient) -> None:
    for model in ("openai/gpt-5-mini", "groq/m"):
        body = {"model": model, "input": "hi", "background": True}
        error = _envelope(await gateway.post("/v1/responses", json=body), 400)
        assert error["param"] == "background" and "background" in error["message"]


async def test_a_trailing_slash_is_not_redirected_to_a_host_from_the_request(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/v1/responses/", json={}, headers={"host": "evil.example"})
    assert response.status_code == 404 and "location" not in response.headers
    _envelope(response, 404)


async def test_an_unknown_route_is_a_404_envelope(gateway: httpx.AsyncClient) -> None:
    _envelope(await gateway.get("/v1/nothing-here"), 404)
    _envelope(await gateway.post("/v1/models"), 405)


async def test_an_unexpected_error_is_a_500_envelope_and_one_line_in_the_log(
    gateway: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    app = gateway._transport.app  # type: ignore[attr-defined]

    async def broken(request: Any) -> Any:
        raise RuntimeError("boom")

    app.router.add_route("/v1/broken", broken, methods=["POST"])
    with caplog.at_level("INFO", logger="reference_gateway"):
        response = await gateway.post("/v1/broken", json={"secret": KEY})
    assert _envelope(response, 500)["type"] == "server_error"
    assert [(r.levelname, r.getMessage(), r.exc_info) for r in caplog.records] == [
        ("ERROR", "unexpected RuntimeError on POST /v1/broken: boom", None)
    ]
    assert KEY not in caplog.text


NOT_FINITE = [
    ('"temperature": 1e400', "temperature"),
    ('"top_p": -1e400', "top_p"),
    ('"input": [{"type": "message", "role": "user", "content": "hi", "x": [0, 2e308]}]', "input[0].x[1]"),
    ('"text": {"format": {"type": "json_schema", "name": "n", "schema": {"m": 1E999}}}', "text.format.schema.m"),
]


@pytest.mark.parametrize(("fields", "param"), NOT_FINITE, ids=[p for _, p in NOT_FINITE])
async def test_a_number_beyond_a_double_is_a_400_naming_its_param_on_every_route(
    gateway: httpx.AsyncClient, fields: str, param: str
) -> None:
    for model in ("openai/gpt-5-mini", "groq/m"):
        raw = f'{{"model": "{model}", "input": "hi", {fields}}}'
        for path in ("/v1/responses", "/v1/responses/input_tokens", "/v1/responses/compact"):
            response = await gateway.post(path, content=raw, headers={"content-type": "application/json"})
            error = _envelope(response, 400)
            assert error["param"] == param and "finite" in error["message"], error


async def test_a_conversation_write_with_a_number_beyond_a_double_is_a_400_and_stores_nothing(
    gateway: httpx.AsyncClient,
) -> None:
    item = '{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi", "n": 1e400}]}'
    headers = {"content-type": "application/json"}
    created = await gateway.post("/v1/conversations", content=f'{{"items": [{item}]}}', headers=headers)
    assert _envelope(created, 400)["param"] == "items[0].content[0].n"
    conv = (await gateway.post("/v1/conversations", json={})).json()
    added = await gateway.post(
        f"/v1/conversations/{conv['id']}/items", content=f'{{"items": [{item}]}}', headers=headers
    )
    assert _envelope(added, 400)["param"] == "items[0].content[0].n"
    listed = await gateway.get(f"/v1/conversations/{conv['id']}/items")
    assert listed.status_code == 200 and listed.json()["data"] == []


async def test_big_integers_within_python_s_limit_are_still_read(gateway: httpx.AsyncClient) -> None:
    body = {"model": "groq/m", "input": "hi", "max_output_tokens": 10**30}
    assert (await gateway.post("/v1/responses", json=body)).status_code == 502  # past validation: the dead upstream
