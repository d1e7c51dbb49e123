"""load_exchanges / exchanges_from_cassette: a cassette vcrpy really recorded, read back exchange by exchange."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from harness.cassettes import recorder
from harness.judge import judge_exchanges
from harness.model import Strictness
from harness.servers import serve_in_thread
from harness.wire import exchanges_from_cassette, load_exchanges

WIRE = Path(__file__).parent.parent / "fixtures" / "provider-wire" / "openai"
HAND_MADE = Path(__file__).parent.parent / "fixtures" / "cassettes"
# Stored with its final blank line trimmed; on the wire every event ends with one.
STREAM = (WIRE / "responses_stream.txt").read_text() + "\n"
RESPONSE = json.loads((WIRE / "responses.json").read_text())


async def _create(request: Request) -> Response:
    if (await request.json()).get("stream"):
        return Response(STREAM, media_type="text/event-stream")
    return JSONResponse(RESPONSE)


async def _retrieve(request: Request) -> Response:
    error = {"message": "No such response", "type": "invalid_request_error", "param": None, "code": "not_found"}
    return JSONResponse({"error": error}, status_code=404)


APP = Starlette(routes=[Route("/v1/responses", _create, methods=["POST"]), Route("/v1/responses/{rid}", _retrieve)])


def test_a_recorded_cassette_reads_back_as_exchanges(tmp_path: Path) -> None:
    path = tmp_path / "recorded.yaml"
    with serve_in_thread(APP) as running, recorder("all").use_cassette(str(path)) as cassette:
        with httpx2.Client(base_url=running.url + "/v1", headers={"Authorization": "Bearer sk-test-123456789"}) as c:
            c.post("/responses", json={"model": "gpt-4o-mini", "input": "hi"})
            c.post("/responses", json={"model": "gpt-4o-mini", "input": "hi", "stream": True})
            c.get("/responses/resp_1", params={"include": "usage"})
        live = exchanges_from_cassette(cassette)
    loaded = load_exchanges(path)
    assert [(e.index, e.method, e.path, e.status) for e in loaded] == [
        (0, "POST", "/v1/responses", 200),
        (1, "POST", "/v1/responses", 200),
        (2, "GET", "/v1/responses/resp_1", 404),
    ]
    first, stream, missing = loaded
    assert first.request_json == {"model": "gpt-4o-mini", "input": "hi"}
    assert first.content_type == "application/json" and first.response_json == RESPONSE and first.sse is None
    assert "authorization" not in first.request_headers and first.response_headers["content-type"]
    assert stream.sse is not None and stream.response_json is None
    assert stream.content_type.startswith("text/event-stream")
    assert stream.sse.events[0].payload["type"] == "response.created"
    assert stream.sse.events[-1].payload["type"] == "response.completed" and stream.sse.unterminated is None
    assert missing.query == "include=usage" and missing.response_json["error"]["code"] == "not_found"
    assert [(e.path, e.status, e.body) for e in live] == [(e.path, e.status, e.body) for e in loaded]
    assert judge_exchanges(loaded, Strictness.OPENAI) == []


def test_a_missing_or_empty_cassette_has_no_exchanges(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("")
    assert load_exchanges(tmp_path / "absent.yaml") == []
    assert load_exchanges(tmp_path / "empty.yaml") == []


def test_hand_made_cassettes_read_back_with_binary_and_text_bodies() -> None:
    exchanges = load_exchanges(HAND_MADE / "mixed_bodies.yaml")
    assert [e.path for e in exchanges] == ["/v1/responses", "/v1/chat/completions"]
    assert exchanges[0].request_json == {"model": "m", "input": "hi"}
    assert exchanges[0].response_json["object"] == "response"
    assert exchanges[1].sse is not None and exchanges[1].sse.done
    assert [e.payload["object"] for e in exchanges[1].sse.events] == ["chat.completion.chunk"] * 2


def test_a_cassette_is_parsed_once_per_version_of_its_file(tmp_path: Path) -> None:
    first, second = sorted(Path(__file__).parents[2].glob("cassettes/reference-native/responses.*.yaml"))[:2]
    path = tmp_path / "c.yaml"
    path.write_text(first.read_text())
    loaded = load_exchanges(path)
    again = load_exchanges(path)
    assert again == loaded and again is not loaded and again[0] is loaded[0]  # the same parse, a fresh list
    again.clear()
    assert load_exchanges(path) == loaded
    path.write_text(second.read_text())  # re-recorded: the new version is read
    assert load_exchanges(path) == load_exchanges(second) != loaded
    path.unlink()
    assert load_exchanges(path) == []
