"""Incremental server-sent-events parsing over an upstream body as it arrives (never buffers the whole stream)."""

from __future__ import annotations

import codecs
import re
from collections.abc import AsyncIterable, AsyncIterator

# SSE ends a line at CRLF, LF or CR, and nowhere else (str.splitlines would also split at U+2028 inside JSON).
_EOL = re.compile(r"\r\n|\r|\n")


async def lines(chunks: AsyncIterable[bytes]) -> AsyncIterator[str]:
    """The body's lines, decoded as UTF-8, without their line ends. Only the text of each new chunk is searched
    for line ends, so a long line that arrives in many chunks costs its length once, not once per chunk."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending: list[str] = []  # the start of the line still arriving
    after_cr = False  # the last chunk ended in a CR: an LF that starts the next one completes that CRLF
    async for chunk in chunks:
        text = decoder.decode(chunk)
        if after_cr and text:
            after_cr = False
            text = text.removeprefix("\n")
        if not text:
            continue
        after_cr = text.endswith("\r")
        *ended, rest = _EOL.split(text)
        if ended:
            ended[0] = "".join([*pending, ended[0]])
            pending = []
        for line in ended:
            yield line
        if rest:
            pending.append(rest)
    tail = "".join(pending) + decoder.decode(b"", final=True)
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
