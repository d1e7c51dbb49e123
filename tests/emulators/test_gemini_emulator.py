"""The Gemini emulator, mounted alone: generateContent, both stream framings, countTokens, Google's checks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from emulators import gemini
from harness.wire import parse_sse
from tests.emulators.served import CITY, mounted

HEADERS = {"x-goog-api-key": "gemini-upstream"}
WEATHER = {"name": "get_weather", "parametersJsonSchema": CITY}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with mounted(gemini.routes()) as c:
        yield c


def _post(
    client: TestClient, body: dict[str, Any], action: str = "generateContent", model: str = "gemini-2.0-flash"
) -> Any:
    return client.post(f"/v1beta/models/{model}:{action}", headers=HEADERS, json=body)


def _user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "parts": [{"text": text}]}]


def test_generate_content_answers_with_googles_fields(client: TestClient) -> None:
    result = _post(client, {"contents": _user("Reply with exactly ok.")}).json()
    assert list(result) == ["candidates", "usageMetadata", "modelVersion", "responseId"]
    candidate = result["candidates"][0]
    assert candidate == {"content": {"parts": [{"text": "ok"}], "role": "model"}, "finishReason": "STOP", "index": 0}
    usage = result["usageMetadata"]
    assert usage["totalTokenCount"] == usage["promptTokenCount"] + usage["candidatesTokenCount"]
    assert result["modelVersion"] == "gemini-2.0-flash"


def test_sse_stream_sends_crlf_framed_chunks_ending_with_the_finish_reason(client: TestClient) -> None:
    body = {"contents": _user("Reply with exactly one two three four five six seven.")}
    text = client.post("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", headers=HEADERS, json=body).text
    assert text.startswith("data: {") and "\r\n\r\n" in text and "event:" not in text
    chunks = [e.payload for e in parse_sse(text).events]
    assert len(chunks) > 1 and len({c["responseId"] for c in chunks}) == 1
    assert (
        "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks)
        == "one two three four five six seven"
    )
    assert [c["candidates"][0].get("finishReason") for c in chunks][-2:] == [None, "STOP"]
    assert "candidatesTokenCount" in chunks[-1]["usageMetadata"]
    assert "candidatesTokenCount" not in chunks[0]["usageMetadata"]


def test_stream_without_alt_sse_is_one_json_array(client: TestClient) -> None:
    body = {"contents": _user("Reply with exactly one two three four five six seven.")}
    chunks = json.loads(_post(client, body, "streamGenerateContent").text)
    assert isinstance(chunks, list) and chunks[-1]["candidates"][0]["finishReason"] == "STOP"


def test_function_call_round_trip_answers_from_the_response(client: TestClient) -> None:
    tools = [{"functionDeclarations": [WEATHER]}]
    first = _post(client, {"contents": _user("Call the tool get_weather with city=Rome"), "tools": tools}).json()
    parts = first["candidates"][0]["content"]["parts"]
    assert parts == [{"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}}]
    contents = [
        *_user("Call the tool get_weather with city=Rome"),
        {"role": "model", "parts": parts},
        {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"result": "Hot"}}}]},
    ]
    second = _post(client, {"contents": contents, "tools": tools}).json()
    assert second["candidates"][0]["content"]["parts"] == [{"text": "The tool returned: Hot"}]


def test_tool_config_modes_and_allowed_names_are_honoured(client: TestClient) -> None:
    other = {**WEATHER, "name": "get_time"}
    tools = [{"functionDeclarations": [WEATHER, other]}]

    def parts(mode: str, allowed: list[str] | None = None) -> list[dict[str, Any]]:
        config: dict[str, Any] = {"mode": mode, **({"allowedFunctionNames": allowed} if allowed else {})}
        body = {"contents": _user("Hello"), "tools": tools, "toolConfig": {"functionCallingConfig": config}}
        return list(_post(client, body).json()["candidates"][0]["content"]["parts"])

    assert parts("ANY", ["get_time"])[0]["functionCall"]["name"] == "get_time"
    assert parts("ANY")[0]["functionCall"]["name"] == "get_weather"
    assert parts("NONE") == [{"text": "Echo: Hello"}]


def test_system_instruction_and_json_schema_output(client: TestClient) -> None:
    body = {
        "systemInstruction": {"parts": [{"text": "Be kind."}]},
        "contents": _user("What are your instructions?"),
    }
    assert _post(client, body).json()["candidates"][0]["content"]["parts"][0]["text"] == "instructions=Be kind."
    schema = {"type": "OBJECT", "properties": {"answer": {"type": "STRING"}}}
    body = {
        "contents": _user("Reply with exactly yes."),
        "generation_config": {"response_mime_type": "application/json", "response_schema": schema},
    }
    text = _post(client, body).json()["candidates"][0]["content"]["parts"][0]["text"]
    assert json.loads(text) == {"answer": "yes"}


def test_max_output_tokens_and_stop_sequences(client: TestClient) -> None:
    contents = _user("Reply with exactly one two three four five.")
    cut = _post(client, {"contents": contents, "generationConfig": {"maxOutputTokens": 2}}).json()["candidates"][0]
    assert cut["content"]["parts"] == [{"text": "one two"}] and cut["finishReason"] == "MAX_TOKENS"
    stopped = _post(client, {"contents": contents, "generationConfig": {"stopSequences": ["three"]}}).json()
    assert stopped["candidates"][0]["content"]["parts"] == [{"text": "one two "}]
    assert stopped["candidates"][0]["finishReason"] == "STOP"


def test_count_tokens_takes_contents_or_a_whole_request(client: TestClient) -> None:
    short = _post(client, {"contents": _user("a b")}, "countTokens").json()["totalTokens"]
    whole = {
        "model": "models/gemini-2.0-flash",
        "contents": _user("a b"),
        "systemInstruction": {"parts": [{"text": "c d e"}]},
    }
    longer = _post(client, {"generateContentRequest": whole}, "countTokens").json()["totalTokens"]
    assert 0 < short < longer
    refused = _post(client, {"contents": _user("a"), "systemInstruction": {"parts": [{"text": "x"}]}}, "countTokens")
    assert refused.status_code == 400 and 'Unknown name "systemInstruction"' in refused.json()["error"]["message"]


def test_key_is_required_in_the_header_or_the_query(client: TestClient) -> None:
    body = {"contents": _user("hi")}
    missing = client.post("/v1beta/models/gemini-2.0-flash:generateContent", json=body)
    assert missing.status_code == 403
    assert missing.json()["error"]["code"] == 403 and missing.json()["error"]["status"] == "PERMISSION_DENIED"
    assert (
        client.post("/v1beta/models/gemini-2.0-flash:generateContent?key=gemini-upstream", json=body).status_code == 200
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"contents": []}, "* GenerateContentRequest.contents: contents is not specified"),
        ({"contents": _user("x"), "temperature": 1}, 'Unknown name "temperature": Cannot find field.'),
        ({"contents": _user("x"), "generationConfig": {"max_tokens": 5}}, "at 'generation_config'"),
        ({"contents": [{"role": "assistant", "parts": [{"text": "x"}]}]}, "Please use a valid role"),
    ],
)
def test_requests_google_refuses_are_refused(client: TestClient, body: dict[str, Any], message: str) -> None:
    answer = _post(client, body)
    assert answer.status_code == 400 and answer.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert message in answer.json()["error"]["message"]


def test_function_responses_must_match_the_calls_of_the_turn_before(client: TestClient) -> None:
    call = {"functionCall": {"name": "get_weather", "args": {}}}
    answer = {"functionResponse": {"name": "get_weather", "response": {"result": "x"}}}
    contents = [*_user("go"), {"role": "model", "parts": [call, call]}, {"role": "user", "parts": [answer]}]
    refused = _post(client, {"contents": contents, "tools": [{"functionDeclarations": [WEATHER]}]})
    assert refused.status_code == 400 and "number of function response parts" in refused.text


def test_fault_injection_by_model_name(client: TestClient) -> None:
    failed = _post(client, {"contents": _user("x")}, model="fail-500")
    assert failed.status_code == 500 and failed.json()["error"]["status"] == "INTERNAL"
    body = {"contents": _user("Reply with exactly a b c d e f g h i j k l.")}
    text = client.post("/v1beta/models/fail-midstream:streamGenerateContent?alt=sse", headers=HEADERS, json=body).text
    chunks = [e.payload for e in parse_sse(text).events]
    assert chunks and all("finishReason" not in c["candidates"][0] for c in chunks)
    assert _post(client, {"contents": _user("x")}, "bogusAction").status_code == 404
