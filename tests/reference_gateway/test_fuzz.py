"""Property-based fuzzing of every gateway path: whatever arrives, the answer is never a 500, and every 4xx (and
every 5xx from an upstream fault) is an OpenAI error envelope. Fixed seed (derandomized), bounded budget.

The gateway runs under uvicorn in front of the emulated upstreams, so bodies that pass validation go all the way
through translation and back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulators import create_app as upstreams_app
from harness.servers import serve_in_thread
from reference_gateway.app import create_app
from reference_gateway.config import parse
from reference_gateway.validation import FIELDS
from tests.reference_gateway.emulated import providers

KEY = "fuzz-key"
MODELS = [
    "openai/gpt-5-mini",
    "groq/llama-3.3-70b-versatile",
    "anthropic/claude-sonnet-4-20250514",
    "gemini/gemini-2.0-flash",
    "gpt-5-mini",
    "nowhere/x",
]
TRIED = {"requests": 0, "500s": 0}
FUZZ = settings(
    max_examples=1000,
    derandomize=True,  # the same inputs on every run
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["auto", "none", "required", "function", "message", "user", "json_schema", "text", ""])
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
content_parts = st.fixed_dictionaries(
    {"type": st.sampled_from(["input_text", "output_text", "input_image", "refusal", "bogus"]) | json_values},
    optional={"text": json_values, "image_url": json_values, "refusal": json_values},
)
items = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(
            ["message", "function_call", "function_call_output", "compaction", "reasoning", "item_reference", "x"]
        )
        | json_values,
        "role": st.sampled_from(["user", "assistant", "system", "developer", "tool"]) | json_values,
        "content": st.text(max_size=40) | st.lists(content_parts, max_size=3) | json_values,
        "id": json_values,
        "call_id": json_values,
        "name": json_values,
        "arguments": st.sampled_from(["{}", '{"a": 1}', "[1]", "nope"]) | json_values,
        "output": json_values,
        "encrypted_content": st.sampled_from(["gwc1.", "gwc1.!!", "emc1.eA=="]) | json_values,
    },
)
tools = st.fixed_dictionaries(
    {"type": st.sampled_from(["function", "web_search_preview", "file_search"]) | json_values},
    optional={"name": json_values | st.just("get_weather"), "parameters": json_values, "strict": json_values},
)
bodies = st.fixed_dictionaries(
    {"model": st.sampled_from(MODELS) | json_values},
    optional={
        **{name: json_values for name in FIELDS if name != "model"},
        "input": st.text(max_size=60) | st.lists(items, max_size=4) | json_values,
        "tools": st.lists(tools, max_size=3) | json_values,
        "stream": st.booleans() | json_values,
        "store": st.booleans() | json_values,
        "background": st.just(False) | json_values,
    },
)


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with serve_in_thread(upstreams_app()) as upstream:
        config = parse(
            {
                "keys": [{"name": "fuzz", "key": KEY}],
                "storage": {"path": ":memory:"},
                "default_provider": "openai",
                "providers": providers(upstream.url),
                "timeouts": {"connect": 2, "read": 5},
            },
            env={},
        )
        with (
            serve_in_thread(create_app(config)) as gateway,
            httpx.Client(base_url=gateway.url, headers={"authorization": f"Bearer {KEY}"}, timeout=20) as http,
        ):
            yield http


def _judge(response: httpx.Response) -> None:
    TRIED["requests"] += 1
    if response.status_code == 500:
        TRIED["500s"] += 1
    assert response.status_code != 500, response.text
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"type", "message", "param", "code"}, error
        assert isinstance(error["message"], str) and error["message"]
    elif "text/event-stream" in response.headers.get("content-type", ""):
        assert response.text.rstrip().endswith("data: [DONE]"), response.text[-300:]


@FUZZ
@given(body=bodies, path=st.sampled_from(["/v1/responses", "/v1/responses/input_tokens", "/v1/responses/compact"]))
def test_responses_endpoints_never_answer_500(client: httpx.Client, body: dict[str, Any], path: str) -> None:
    _judge(client.post(path, json=body))


@FUZZ
@given(raw=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_bytes_never_answer_500(client: httpx.Client, raw: bytes) -> None:
    for path in ("/v1/responses", "/v1/conversations"):
        _judge(client.post(path, content=raw, headers={"content-type": "application/json"}))


@FUZZ
@given(
    body=st.fixed_dictionaries(
        {}, optional={"items": st.lists(items, max_size=3) | json_values, "metadata": json_values}
    ),
    follow=st.fixed_dictionaries(
        {"model": st.sampled_from(MODELS[:4]), "input": st.just("What is the code word?")},
        optional={"stream": st.booleans()},
    ),
)
def test_conversations_never_answer_500_nor_break_later_turns(
    client: httpx.Client, body: dict[str, Any], follow: dict[str, Any]
) -> None:
    created = client.post("/v1/conversations", json=body)
    _judge(created)
    if created.status_code != 200:
        return
    conv = created.json()["id"]
    _judge(client.post(f"/v1/conversations/{conv}/items", json=body))
    listed = client.get(f"/v1/conversations/{conv}/items")
    _judge(listed)
    assert listed.status_code == 200, "whatever a write stored, a later read can serve"
    turn = client.post("/v1/responses", json={**follow, "conversation": conv})
    _judge(turn)
    assert turn.status_code < 500 or turn.status_code in (502, 504), turn.text


@FUZZ
@given(
    response_id=st.text(max_size=30),
    query=st.dictionaries(st.sampled_from(["limit", "order", "after", "stream", "include"]), st.text(max_size=8)),
    method=st.sampled_from(["GET", "DELETE", "POST"]),
    suffix=st.sampled_from(["", "/input_items", "/cancel"]),
)
def test_lifecycle_paths_never_answer_500(
    client: httpx.Client, response_id: str, query: dict[str, str], method: str, suffix: str
) -> None:
    path = "/v1/responses/" + (quote(response_id, safe="") or "x")
    _judge(client.request(method, path + suffix, params=query))


def test_the_fuzzing_really_ran() -> None:
    # Runs after the fuzz tests in file order: they sent requests and none came back 500.
    print(f"fuzzed requests: {TRIED['requests']}, 500s: {TRIED['500s']}")
    assert TRIED["requests"] >= 1000 and TRIED["500s"] == 0, TRIED
