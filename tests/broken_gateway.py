"""A deliberately broken gateway: a proxy in front of a real one that breaks one thing, chosen by URL prefix.

`http://proxy/<breakage>/v1/...` forwards to `<upstream>/v1/...` with that breakage applied. It runs as its own
process (`python -m tests.broken_gateway --upstream URL --port P`) so that vcrpy, which patches HTTP clients inside
the harness's process, records only what the harness itself exchanged.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import uvicorn
import websockets
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

Json = dict[str, Any]
HOSTED = ("web_search_preview", "web_search", "file_search", "computer_use_preview")


def _drop_hosted(body: Json) -> Json:
    body["tools"] = [t for t in body.get("tools") or [] if t.get("type") == "function"] or None
    if isinstance(body.get("tool_choice"), dict) and body["tool_choice"].get("type") in HOSTED:
        body["tool_choice"] = "auto"
    if body.get("tool_choice") == "required" and not body["tools"]:
        body.pop("tool_choice")
    return {k: v for k, v in body.items() if v is not None}


def _keep_last_user(body: Json) -> Json:
    items = body.get("input")
    if isinstance(items, list):
        users = [i for i in items if isinstance(i, dict) and i.get("role") == "user"]
        body["input"] = users[-1:]
    return body


def _map_messages(body: Json, change: Callable[[Json], Json | None]) -> Json:
    """`input` with each message item changed (None drops it); a string input is left alone."""
    items = body.get("input")
    if not isinstance(items, list):
        return body
    changed = [change(i) if isinstance(i, dict) and i.get("type", "message") == "message" else i for i in items]
    return {**body, "input": [i for i in changed if i is not None]}


def _without_images(item: Json) -> Json:
    content = item.get("content")
    if not isinstance(content, list):
        return item
    return {**item, "content": [p for p in content if not (isinstance(p, dict) and p.get("type") == "input_image")]}


# Request breakages: what a careless translation layer does to the request before sending it on.
REQUEST: dict[str, Callable[[Json], Json]] = {
    "drop-hosted-tools": _drop_hosted,
    "drop-previous-response-id": lambda b: {k: v for k, v in b.items() if k != "previous_response_id"},
    "drop-conversation": lambda b: {k: v for k, v in b.items() if k != "conversation"},
    "drop-unknown-items": lambda b: (
        {
            **b,
            "input": [
                i
                for i in b["input"]
                if i.get("type", "message") in ("message", "function_call", "function_call_output")
            ],
        }
        if isinstance(b.get("input"), list)
        else b
    ),
    "drop-instructions": lambda b: {k: v for k, v in b.items() if k != "instructions"},
    "drop-history": _keep_last_user,
    "drop-text-format": lambda b: {**b, "text": {k: v for k, v in (b.get("text") or {}).items() if k != "format"}},
    "drop-verbosity": lambda b: {**b, "text": {k: v for k, v in (b.get("text") or {}).items() if k != "verbosity"}},
    "drop-tool-output": lambda b: (
        {
            **b,
            "input": [i for i in b["input"] if i.get("type") != "function_call_output"],
        }
        if isinstance(b.get("input"), list)
        else b
    ),
    "ignore-store-false": lambda b: {k: v for k, v in b.items() if k != "store"},
    "drop-tools": lambda b: {k: v for k, v in b.items() if k not in ("tools", "tool_choice")},
    "drop-background": lambda b: {k: v for k, v in b.items() if k != "background"},
    "drop-tool-choice": lambda b: {k: v for k, v in b.items() if k != "tool_choice"},
    "drop-parallel-tool-calls": lambda b: {k: v for k, v in b.items() if k != "parallel_tool_calls"},
    "drop-metadata": lambda b: {k: v for k, v in b.items() if k != "metadata"},
    "drop-max-output-tokens": lambda b: {k: v for k, v in b.items() if k != "max_output_tokens"},
    "drop-sampling": lambda b: {k: v for k, v in b.items() if k not in ("temperature", "top_p")},
    "drop-system-messages": lambda b: _map_messages(
        b, lambda m: None if m.get("role") in ("system", "developer") else m
    ),
    "developer-as-user": lambda b: _map_messages(
        b, lambda m: {**m, "role": "user"} if m.get("role") == "developer" else m
    ),
    "drop-images": lambda b: _map_messages(b, _without_images),
    "drop-reasoning": lambda b: {k: v for k, v in b.items() if k != "reasoning"},
    "truncation-disabled": lambda b: {**b, "truncation": "disabled"} if "truncation" in b else b,
}


def _events(text: str) -> list[tuple[str | None, str]]:
    out = []
    for block in re.split(r"\r?\n\r?\n", text):
        name = next((line[7:] for line in block.splitlines() if line.startswith("event: ")), None)
        data = "\n".join(line[6:] for line in block.splitlines() if line.startswith("data: "))
        if data and data != "[DONE]":  # the terminator is put back (or not) by the proxy
            out.append((name, data))
    return out


def _render(events: list[tuple[str | None, str]]) -> str:
    return "".join((f"event: {n}\n" if n else "") + f"data: {d}\n\n" for n, d in events)


def _map_events(fn: Callable[[int, Json], Json | None]) -> Callable[[str], str]:
    def apply(text: str) -> str:
        out = []
        for i, (name, data) in enumerate(_events(text)):
            event = json.loads(data)
            changed = fn(i, event)
            if changed is not None:
                out.append((name, json.dumps(changed)))
        return _render(out)

    return apply


def _duplicate_terminal(text: str) -> str:
    events = _events(text)
    return _render([*events, events[-1]])


def _rename_events(text: str) -> str:
    return _render([("message", data) for _, data in _events(text)])


def _truncate(text: str) -> str:
    return _render(_events(text)[:-1])


def _strip_completed_output(i: int, e: Json) -> Json:
    if e.get("type") == "response.completed":
        e["response"]["output"] = []
    return e


def _corrupt_delta(i: int, e: Json) -> Json:
    if e.get("type") == "response.output_text.delta":
        e["delta"] = e["delta"].upper() + "~"
    if e.get("type") == "response.function_call_arguments.delta":
        e["delta"] = e["delta"] + " "
    return e


def _gap(i: int, e: Json) -> Json:
    if "sequence_number" in e and e["sequence_number"] >= 3:
        e["sequence_number"] += 1
    return e


def _change_id(i: int, e: Json) -> Json:
    if e.get("type") == "response.completed":
        e["response"]["id"] = "resp_changed"
    return e


def _corrupt_text(body: Json) -> Json:
    for item in body.get("output") or []:
        for part in item.get("content") or []:
            if part.get("type") == "output_text":
                part["text"] = "nope"
    return body


def _corrupt_stream_text(i: int, e: Json) -> Json:
    if e.get("type") == "response.output_text.delta":
        e["delta"] = "nope" if e["delta"] else ""
    if e.get("type") == "response.output_text.done":
        e["text"] = "nope"
    if e.get("type") in ("response.completed", "response.output_item.done", "response.content_part.done"):
        _corrupt_text(e.get("response") or {"output": [e.get("item") or {"content": [e.get("part") or {}]}]})
    return e


def _complete_failed(i: int, e: Json) -> Json:
    # What LiteLLM and llama-stack do with an upstream stream cut midway: call the fragment complete.
    if e.get("type") == "response.failed":
        e["type"] = "response.completed"
        e["response"] = {**e["response"], "status": "completed", "error": None}
    return e


def _model_alias(i: int, e: Json) -> Json:
    # The upstream's model name in the stream where the plain answer gives the alias that was asked for.
    if isinstance(e.get("response"), dict) and isinstance(e["response"].get("model"), str):
        e["response"]["model"] = e["response"]["model"].split("/")[-1] + "-upstream"
    return e


# Stream breakages: what a careless SSE translation does to the events.
STREAM: dict[str, Callable[[str], str]] = {
    "strip-sequence-number": _map_events(lambda i, e: {k: v for k, v in e.items() if k != "sequence_number"}),
    "sequence-gap": _map_events(_gap),
    "rename-events": _rename_events,
    "duplicate-terminal": _duplicate_terminal,
    "truncate-stream": _truncate,
    "strip-completed-output": _map_events(_strip_completed_output),
    "corrupt-deltas": _map_events(_corrupt_delta),
    "change-response-id": _map_events(_change_id),
    "drop-item-added": _map_events(lambda i, e: None if e.get("type") == "response.output_item.added" else e),
    "corrupt-text": _map_events(_corrupt_stream_text),
    "complete-failed-streams": _map_events(_complete_failed),
    "stream-model-alias": _map_events(_model_alias),
}


def _strip_usage(body: Json) -> Json:
    if isinstance(body.get("usage"), dict):
        body["usage"]["total_tokens"] = 0
    return body


def _fake_call(body: Json) -> Json:
    for item in body.get("output") or []:
        if item.get("type") == "function_call":
            item["arguments"] = '{"town": 3}'
    return body


def _strip_tool_strict(body: Json) -> Json:
    for tool in body.get("tools") or []:
        if isinstance(tool, dict):
            tool.pop("strict", None)
    return body


# Response breakages on JSON bodies.
RESPONSE: dict[str, Callable[[Json], Json]] = {
    "corrupt-text": _corrupt_text,
    "zero-tokens": lambda b: {**b, "input_tokens": 0} if b.get("object") == "response.input_tokens" else b,
    "compact-forget": lambda b: {**b, "output": []} if b.get("object") == "response.compaction" else b,
    "break-usage": _strip_usage,
    "break-arguments": _fake_call,
    "strip-status": lambda b: {k: v for k, v in b.items() if k != "status"} if b.get("object") == "response" else b,
    "reverse-input-items": lambda b: {**b, "data": list(reversed(b["data"]))} if b.get("object") == "list" else b,
    "strip-tool-strict": _strip_tool_strict,
}


def _envelope(status: int, message: str, code: str | None = None) -> JSONResponse:
    error = {"type": "server_error", "message": message, "param": None, "code": code}
    return JSONResponse({"error": error}, status_code=status)


async def proxy(request: Request) -> Response:
    breakage, path = request.path_params["breakage"], request.path_params["path"]
    upstream: str = request.app.state.upstream
    headers = {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type", "x-api-key")}
    body = await request.body()
    if breakage == "ignore-auth":
        headers["authorization"] = f"Bearer {request.app.state.key}"
    if breakage == "malformed-500" and body:
        try:
            json.loads(body)
        except ValueError:
            return Response("Internal Server Error", status_code=500)
    if breakage == "drop-delete" and request.method == "DELETE":
        return JSONResponse({"id": path.rsplit("/", 1)[-1], "object": "response.deleted", "deleted": True})
    if breakage == "forget-stored" and request.method == "GET" and re.search(r"/responses/[^/]+$", path):
        error = {"type": "not_found_error", "message": "not found", "param": None, "code": None}
        return JSONResponse({"error": error}, status_code=404)
    if breakage == "break-conversations" and "/conversations" in path and request.method == "GET":
        return JSONResponse(
            {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}
            if path.endswith("/items")
            else {"id": "conv_x", "object": "conversation", "created_at": 0, "metadata": {}}
        )
    if breakage in REQUEST and body:
        try:
            body = json.dumps(REQUEST[breakage](json.loads(body))).encode()
        except ValueError:
            pass
    url = f"{upstream}/{path}"
    async with httpx.AsyncClient(timeout=30) as client:
        upstream_response = await client.request(
            request.method, url, content=body, headers=headers, params=request.query_params
        )
    content_type = upstream_response.headers.get("content-type", "")
    text = upstream_response.text
    if content_type.startswith("text/event-stream"):
        if breakage == "stream-as-json":
            events = [json.loads(d) for _, d in _events(text)]
            final = next((e["response"] for e in events if e.get("type") == "response.completed"), {})
            return JSONResponse(final)
        if breakage in STREAM:
            done = "data: [DONE]" in text and breakage != "truncate-stream"
            text = STREAM[breakage](text) + ("data: [DONE]\n\n" if done else "")

        async def gen() -> AsyncIterator[str]:
            yield text

        return StreamingResponse(gen(), media_type="text/event-stream")
    status = upstream_response.status_code
    if breakage == "upstream-errors-500" and status in (429, 502, 503, 504):
        # Every upstream fault flattened into one 500: no 502/504 distinction, no 429, no Retry-After.
        return _envelope(500, "Internal error")
    if breakage == "upstream-auth-401" and status >= 500:
        # The provider's refusal of the gateway's own key passed on as if the caller's key were wrong.
        error = {
            "type": "invalid_request_error",
            "message": "Incorrect API key",
            "param": None,
            "code": "invalid_api_key",
        }
        return JSONResponse({"error": error}, status_code=401)
    if breakage == "corrupt-retrieved" and request.method == "GET" and re.search(r"/responses/[^/]+$", path):
        return JSONResponse(_corrupt_text(upstream_response.json()), status_code=status)
    if status >= 400 and breakage == "errors-as-200":
        return JSONResponse({"object": "response", "status": "completed", "output": []})
    if status >= 400 and breakage == "bare-errors":
        return Response("error", status_code=status)
    if status >= 400 and breakage == "server-errors":
        return Response("Internal Server Error", status_code=500)
    if breakage in RESPONSE and content_type.startswith("application/json"):
        return JSONResponse(RESPONSE[breakage](upstream_response.json()), status_code=status)
    kept = {k: v for k, v in upstream_response.headers.items() if k.lower() == "retry-after"}
    return Response(text, status_code=status, media_type=content_type or None, headers=kept)


# Websocket breakages: on each frame the client sends (before it goes upstream).
FRAME: dict[str, Callable[[Json], Json]] = {
    "ws-drop-previous": lambda f: {k: v for k, v in f.items() if k != "previous_response_id"},
    "ws-store-everything": lambda f: {**f, "store": True},
    "ws-repair-tools": lambda f: {**f, "tools": [t for t in f.get("tools") or [] if t.get("name")]},
    # Only the last input item goes on: what a compaction (or any earlier item) carried is lost.
    "ws-keep-last-input": lambda f: {**f, "input": f["input"][-1:]} if isinstance(f.get("input"), list) else f,
}
TERMINAL = ("response.completed", "response.failed", "response.incomplete", "error")


async def ws_proxy(client: WebSocket) -> None:
    """Relay a websocket turn by turn: a frame up, then the events down to a terminal one or an error."""
    breakage, path = client.path_params["breakage"], client.path_params["path"]
    if breakage == "ws-500":
        await client.send_denial_response(Response("Internal Server Error", status_code=500))
        return
    await client.accept()
    url = client.app.state.upstream.replace("http://", "ws://", 1) + f"/{path}"
    headers = {k: v for k, v in client.headers.items() if k.lower() in ("authorization", "x-api-key")}
    previous: list[str] = []
    try:
        async with websockets.connect(url, additional_headers=headers) as upstream:
            while True:
                frame = await client.receive_text()
                if breakage in FRAME:
                    frame = json.dumps(FRAME[breakage](json.loads(frame)))
                await upstream.send(frame)
                events: list[str] = []
                while not events or json.loads(events[-1]).get("type") not in TERMINAL:
                    events.append(str(await upstream.recv()))
                if breakage == "ws-stale-answer":  # each turn answered with the turn before's events
                    previous, events = events, previous or events
                for event in events:
                    await client.send_text(event)
    except (WebSocketDisconnect, websockets.ConnectionClosed):
        return


def create_app(upstream: str, key: str) -> Starlette:
    app = Starlette(
        routes=[
            Route("/health", lambda r: JSONResponse({"status": "ok"})),
            Route("/{breakage}/{path:path}", proxy, methods=["GET", "POST", "DELETE"]),
            WebSocketRoute("/{breakage}/{path:path}", ws_proxy),
        ]
    )
    app.state.upstream = upstream.rstrip("/")
    app.state.key = key
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True, help="the real gateway's root URL (without /v1)")
    parser.add_argument("--key", default="change-me")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_app(args.upstream, args.key)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", ws="websockets-sansio")


if __name__ == "__main__":
    main()
