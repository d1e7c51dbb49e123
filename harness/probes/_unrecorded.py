"""A request kept out of the cassette: a body too large to commit (the oversized-body probes send ~20 MB).

vcrpy patches every HTTP client it knows (httpx, http.client, urllib3, aiohttp ...), so the request is written on a
plain asyncio connection (HTTP/1.1, `Connection: close`). What came back (status, a few headers, the first 4 KB of
the body, the seconds it took) is kept in `ctx.evidence` (harness/evidence.py), saved beside the cassette and
answered from on replay, as websocket frames are.

The answer is read as HTTP allows it to come: chunked framing removed, then any Content-Encoding undone (gzip,
deflate, and br or zstd where a decoder is installed; harness/content_encoding.py), since a server may compress any
answer. The request offers only the encodings that can be decoded; an answer in another one is kept as that fact,
and reading it raises httpx2.DecodingError naming the encoding, live and on replay alike."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

import httpx2

from harness import content_encoding
from harness.context import ProbeContext

KEPT_HEADERS = ("content-type", "retry-after")
KEPT_BODY = 4096


def _headers(ctx: ProbeContext) -> dict[str, str]:
    headers = dict(ctx.target.headers)
    key = ctx.target.key()
    if key:
        if ctx.target.auth_header:
            headers[ctx.target.auth_header] = key
        else:
            headers["Authorization"] = f"Bearer {key}"
    return headers


def _dechunk(body: bytes) -> bytes:
    out, rest = b"", body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2 :]
    return out


async def _read_all(reader: asyncio.StreamReader, into: bytearray) -> None:
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(65536):
            into.extend(chunk)


async def _post(ctx: ProbeContext, path: str, content: bytes) -> dict[str, Any]:
    url = urlsplit(ctx.target.base_url.rstrip("/") + path)
    secure = url.scheme == "https"
    port = url.port or (443 if secure else 80)
    reader, writer = await asyncio.open_connection(
        url.hostname, port, ssl=ssl.create_default_context() if secure else None
    )
    try:
        target = url.path + (f"?{url.query}" if url.query else "")
        lines = [
            f"POST {target} HTTP/1.1",
            f"Host: {url.netloc}",
            "Content-Type: application/json",
            f"Content-Length: {len(content)}",
            f"Accept-Encoding: {content_encoding.accept_encoding()}",
            "Connection: close",
            *(f"{k}: {v}" for k, v in _headers(ctx).items()),
        ]
        # Read while writing: a server may answer 413 and close before it has read the whole body, and the answer
        # must be caught before the connection is reset.
        received = bytearray()
        reading = asyncio.create_task(_read_all(reader, received))
        with contextlib.suppress(ConnectionError):
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
            for start in range(0, len(content), 1 << 20):
                if reading.done():
                    break
                writer.write(content[start : start + (1 << 20)])
                await writer.drain()
        await reading
        raw = bytes(received)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise httpx2.RemoteProtocolError(f"no HTTP answer: {raw[:80]!r}")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    if "chunked" in headers.get("transfer-encoding", ""):
        body = _dechunk(body)
    kept: dict[str, Any] = {"status": int(parts[1]), "headers": {k: v for k, v in headers.items() if k in KEPT_HEADERS}}
    encoding = headers.get("content-encoding", "")
    if content_encoding.codings(encoding):
        kept["content_encoding"] = encoding
        try:
            body = content_encoding.decode(body, encoding)
        except content_encoding.UnsupportedEncoding as exc:
            return {**kept, "body": "", "undecodable": str(exc)}
    return {**kept, "body": body[:KEPT_BODY].decode("utf-8", "replace")}


async def unrecorded_post(ctx: ProbeContext, path: str, content: bytes, *, key: str) -> tuple[httpx2.Response, float]:
    """POST `content` to `path` without recording it; the answer and the seconds it took, live or from evidence.
    Raises httpx2.TimeoutException when no answer came within the target's timeout, httpx2.DecodingError when the
    answer is in a Content-Encoding that cannot be decoded here (the message names it)."""
    slot = f"unrecorded {key}"
    kept: dict[str, Any] | None = ctx.evidence.answer(slot)
    if kept is None:
        started = time.monotonic()
        try:
            kept = await asyncio.wait_for(_post(ctx, path, content), ctx.target.timeout)
        except TimeoutError as exc:
            raise httpx2.TimeoutException(f"no answer within {ctx.target.timeout:.0f}s") from exc
        except OSError as exc:
            raise httpx2.ConnectError(str(exc)) from exc
        kept = {**kept, "seconds": round(time.monotonic() - started, 3), "sent_bytes": len(content)}
        ctx.evidence.keep(slot, kept)
    if kept.get("undecodable"):
        raise httpx2.DecodingError(f"HTTP {kept['status']}: {kept['undecodable']}")
    rebuilt = httpx2.Response(int(kept["status"]), headers=kept["headers"], content=str(kept["body"]).encode())
    return rebuilt, float(kept["seconds"])
