"""Incremental server-sent-events parsing over an upstream body as it arrives (never buffers the whole stream)."""

from __future__ import annotations

import codecs
import re
from collections.abc import AsyncIterable, AsyncIterator

# SSE ends a line at CRLF, LF or CR, and nowhere else (str.splitlines would also split at U+2028 inside JSON).
_EOL = re.compile(r"\r\n|\r|\n")


async def lines(chunks: AsyncIterable[bytes]) -> AsyncIterator[str]:
    """The body's lines, decoded as UTF-8, without their line ends."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending = ""
    async for chunk in chunks:
        pending += decoder.decode(chunk)
        parts = _EOL.split(pending)
        pending = parts.pop()
        if pending == "" and parts and chunk.endswith(b"\r"):
            # A CR at the chunk's end may be the first half of a CRLF: hold the line end back until more arrives.
            pending = parts.pop() + "\r"
        for line in parts:
            yield line
    tail = (pending + decoder.decode(b"", final=True)).removesuffix("\r")
    if tail:
        yield tail


async def events(chunks: AsyncIterable[bytes]) -> AsyncIterator[tuple[str | None, str]]:
    """(event name, data) for each event, as the bytes arrive."""
    name: str | None = None
    data: list[str] = []
    async for line in lines(chunks):
        if line == "":
            if data:
                yield name, "\n".join(data)
            name, data = None, []
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
    if data:
        yield name, "\n".join(data)
