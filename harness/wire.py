"""A cassette parsed back into exchanges: requests, responses, and for SSE the list of events."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml


@dataclass
class SSEEvent:
    index: int
    event: str | None
    data: str
    payload: Any = None
    id: str | None = None


@dataclass
class SSEParse:
    events: list[SSEEvent] = field(default_factory=list)
    done: bool = False
    errors: list[str] = field(default_factory=list)


@dataclass
class Exchange:
    index: int
    method: str
    url: str
    path: str
    query: str
    request_headers: dict[str, list[str]]
    request_body: str | None
    request_json: Any
    status: int
    response_headers: dict[str, list[str]]
    content_type: str
    body: str
    response_json: Any
    sse: SSEParse | None

    def describe(self) -> str:
        return f"exchange {self.index}: {self.method} {self.path} -> {self.status}"


def parse_sse(text: str) -> SSEParse:
    """WHATWG event-stream parsing: `event:`, multi-line `data:`, `id:`, comments, any line ending."""
    result = SSEParse()
    name: str | None = None
    event_id: str | None = None
    data: list[str] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for line in [*lines, ""]:
        if line == "":
            if data:
                joined = "\n".join(data)
                if joined.strip() == "[DONE]":
                    result.done = True
                else:
                    if result.done:
                        result.errors.append("data after [DONE]")
                    try:
                        payload = json.loads(joined)
                    except ValueError:
                        payload = None
                        result.errors.append(f"event {len(result.events)}: data is not JSON: {joined[:80]!r}")
                    result.events.append(SSEEvent(len(result.events), name, joined, payload, event_id))
            name, data = None, []
            continue
        if line.startswith(":"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            value = ""
        value = value[1:] if value.startswith(" ") else value
        if key == "event":
            name = value
        elif key == "data":
            data.append(value)
        elif key == "id":
            event_id = value
        elif key != "retry":
            result.errors.append(f"unknown field {key!r} in the event stream")
    return result


def _text(body: Any) -> str:
    if isinstance(body, dict):
        body = body.get("string", "")
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return "" if body is None else str(body)


def _header(headers: dict[str, list[str]], name: str) -> str:
    for key, values in headers.items():
        if key.lower() == name:
            return values[0] if isinstance(values, list) and values else str(values)
    return ""


def exchange_from(index: int, request: dict[str, Any], response: dict[str, Any]) -> Exchange:
    url = str(request.get("uri", ""))
    parts = urlsplit(url)
    request_body = _text(request.get("body")) or None
    body = _text(response.get("body"))
    headers = {k: list(v) if isinstance(v, list) else [str(v)] for k, v in (response.get("headers") or {}).items()}
    content_type = _header(headers, "content-type")
    sse = parse_sse(body) if content_type.startswith("text/event-stream") else None
    try:
        request_json = json.loads(request_body) if request_body else None
    except ValueError:
        request_json = None
    try:
        response_json = json.loads(body) if body and sse is None else None
    except ValueError:
        response_json = None
    return Exchange(
        index=index,
        method=str(request.get("method", "")).upper(),
        url=url,
        path=parts.path,
        query=parts.query,
        request_headers={k: list(v) for k, v in (request.get("headers") or {}).items()},
        request_body=request_body,
        request_json=request_json,
        status=int((response.get("status") or {}).get("code", 0)),
        response_headers=headers,
        content_type=content_type,
        body=body,
        response_json=response_json,
        sse=sse,
    )


def load_exchanges(path: Path) -> list[Exchange]:
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text()) or {}
    return [exchange_from(i, it["request"], it["response"]) for i, it in enumerate(data.get("interactions") or [])]
