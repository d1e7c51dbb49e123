"""A cassette parsed back into exchanges: requests, responses, and for an event stream the list of its events."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vcr.request import Request as VcrRequest
from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

from harness import content_encoding


@dataclass
class SSEEvent:
    """One dispatched event: `event` is its `event:` line (None without one), `payload` its data read as JSON."""

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
    # The data of an event the stream ended inside (no blank line after it): a client never sees that event.
    unterminated: str | None = None


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
    # Why the body could not be read (a Content-Encoding with no decoder here, or a corrupt one): then `body` is ""
    # and the judge says so once instead of judging the bytes.
    body_error: str | None = None

    def describe(self) -> str:
        return f"exchange {self.index}: {self.method} {self.path} -> {self.status}"


def _lines(text: str) -> list[str]:
    # CRLF, lone CR and lone LF all end a line; CRLF is replaced first so it is not read as two line ends.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse_sse(text: str) -> SSEParse:
    """Parse an event stream by the WHATWG rules (HTML Living Standard, "Server-sent events", 9.2.6).

    `data:` lines join with "\\n"; an event is dispatched at a blank line, and not at all if its data buffer is
    empty; `id:` sets the last event id, which later events keep; a line starting with ":" is a comment; unknown
    fields are ignored. Beyond the standard, for the OpenAI wire: `data: [DONE]` ends the stream (it is not an
    event), each event's data must be JSON, and nothing may follow `[DONE]`. An event the stream ends inside is
    kept but flagged `unterminated` (see SSEParse).
    """
    result = SSEParse()
    if text.startswith("\ufeff"):
        text = text[1:]
    name: str | None = None
    last_id: str | None = None
    data: list[str] = []
    lines = _lines(text)
    # What follows the last line break is a line the stream never ended: read it, but it cannot end an event.
    tail = lines.pop()
    for line in [*lines, *([tail] if tail else [])]:
        if line == "":
            if data:
                _dispatch(result, name, "\n".join(data), last_id)
            name, data = None, []
            continue
        if line.startswith(":"):
            continue
        key, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if key == "event":
            name = value
        elif key == "data":
            data.append(value)
        elif key == "id" and "\0" not in value:
            last_id = value
    if data:
        # The stream ended inside an event (no blank line after it). A client discards it, as the standard says;
        # it is kept here, flagged, so the judge can say what the client lost.
        result.unterminated = "\n".join(data)
        _dispatch(result, name, "\n".join(data), last_id)
    return result


def _dispatch(result: SSEParse, name: str | None, data: str, last_id: str | None) -> None:
    if data.strip() == "[DONE]":
        if result.done:
            result.errors.append("a second data: [DONE]")
        result.done = True
        return
    if result.done:
        result.errors.append(f"event {len(result.events)} arrives after data: [DONE]")
    try:
        payload = json.loads(data)
    except ValueError:
        payload = None
        result.errors.append(f"event {len(result.events)}: data is not JSON: {data[:80]!r}")
    result.events.append(SSEEvent(len(result.events), name, data, payload, last_id))


def _raw(body: Any) -> Any:
    if isinstance(body, Mapping):
        body = body.get("string", "")
    if hasattr(body, "getvalue"):
        body = body.getvalue()
    return body


def _text(body: Any) -> str:
    body = _raw(body)
    if isinstance(body, bytes | bytearray):
        return bytes(body).decode("utf-8", "replace")
    return "" if body is None else str(body)


def _decoded(body: Any, headers: dict[str, list[str]]) -> tuple[str, str | None]:
    """A response body as text, its Content-Encoding undone: vcrpy decodes gzip and deflate when it records, but a
    cassette may hold a body it kept as it came (br, zstd, a cassette recorded otherwise). Text that is already text
    is left alone. (text, None), or ("", why it cannot be read)."""
    raw = _raw(body)
    encoding = headers.get("content-encoding")
    if not isinstance(raw, bytes | bytearray) or not content_encoding.codings(encoding):
        return _text(raw), None
    try:
        return content_encoding.decode(bytes(raw), encoding).decode("utf-8", "replace"), None
    except content_encoding.UnsupportedEncoding as exc:
        return "", str(exc)


def _headers(headers: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in (headers or {}).items():
        values = value if isinstance(value, list | tuple) else [value]
        out.setdefault(str(key).lower(), []).extend(str(v) for v in values)
    return out


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def exchange_from(index: int, request: VcrRequest | Mapping[str, Any], response: Mapping[str, Any]) -> Exchange:
    """An Exchange from a vcrpy request (object, or its dict form) and vcrpy's response dict."""
    if isinstance(request, VcrRequest):
        method, url, request_headers, raw_body = request.method, request.uri, request.headers, request.body
    else:
        method, url = str(request.get("method", "")), str(request.get("uri", ""))
        request_headers, raw_body = request.get("headers"), request.get("body")
    parts = urlsplit(url)
    request_body = _text(raw_body) or None
    headers = _headers(response.get("headers"))
    body, body_error = _decoded(response.get("body"), headers)
    content_type = (headers.get("content-type") or [""])[0]
    sse = parse_sse(body) if content_type.lower().startswith("text/event-stream") else None
    return Exchange(
        index=index,
        method=method.upper(),
        url=url,
        path=parts.path,
        query=parts.query,
        request_headers=_headers(request_headers),
        request_body=request_body,
        request_json=_json(request_body),
        status=int((response.get("status") or {}).get("code", 0)),
        response_headers=headers,
        content_type=content_type,
        body=body,
        response_json=None if sse is not None else _json(body),
        sse=sse,
        body_error=body_error,
    )


def _pairs(requests: Iterable[Any], responses: Iterable[Any]) -> list[Exchange]:
    return [exchange_from(i, rq, rs) for i, (rq, rs) in enumerate(zip(requests, responses, strict=True))]


def load_exchanges(path: Path | str) -> list[Exchange]:
    """Every interaction of a vcrpy YAML cassette, in recorded order (none for a cassette never written).

    Parsed once per version of the file in a run: the judge and the HTML report both read every cassette."""
    try:
        stat = Path(path).stat()
    except FileNotFoundError:
        return []
    return list(_parsed(str(path), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=4096)
def _parsed(path: str, mtime_ns: int, size: int) -> tuple[Exchange, ...]:
    text = Path(path).read_text(encoding="utf-8")
    if not text.strip():
        return ()
    requests, responses, *_ = deserialize(text, yamlserializer)
    return tuple(_pairs(requests, responses))


def exchanges_from_cassette(cassette: Any) -> list[Exchange]:
    """The exchanges of an in-memory vcr Cassette (recorded or loaded), e.g. inside `with vcr.use_cassette(...)`."""
    return _pairs(cassette.requests, cassette.responses)
