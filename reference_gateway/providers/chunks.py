"""The one interface a non-OpenAI wire's stream writer implements (Anthropic's events, Gemini's results ->
`chat.completion.chunk` dicts), and `relay`, which drives any of them over an upstream SSE stream.

A writer is fed one upstream SSE event at a time and answers the chunks it makes of it (nothing is buffered);
`done` says the upstream has declared its answer whole (Anthropic's message_stop; Gemini never does), and
`finish`, called once the stream has ended, writes the closing chunks (finish reason, usage) or raises an
UpstreamError when the stream ended before the answer was whole.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from reference_gateway.providers import sse
from reference_gateway.providers.http import open_stream
from reference_gateway.providers.upstream import UpstreamClient
from reference_gateway.translate.types import ChatChunk as Chunk
from reference_gateway.translate.types import ChatDelta, ChatUsage


@dataclass
class ChunkWriter(ABC):
    model: str
    chunk_id: str = ""
    created: int = field(default_factory=lambda: int(time.time()))
    done: bool = False

    def chunk(self, delta: ChatDelta, finish: str | None = None) -> Chunk:
        return {
            "id": self.chunk_id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    def usage_chunk(self, usage: ChatUsage) -> Chunk:
        """The last chunk, as with stream_options.include_usage: no choices, the whole usage."""
        return {**self.chunk({}), "choices": [], "usage": usage}

    @abstractmethod
    def feed(self, name: str | None, data: str) -> list[Chunk]:
        """The chunks one upstream SSE event (its name, its data) makes."""

    @abstractmethod
    def finish(self) -> list[Chunk]:
        """The closing chunks once the upstream stream has ended; UpstreamError if the answer is not whole."""


async def relay(
    client: UpstreamClient, url: str, body: dict[str, Any], headers: dict[str, str], writer: ChunkWriter
) -> AsyncIterator[Chunk]:
    """POST `body` as a streamed request and yield the writer's chunks, the closing ones last."""
    async with open_stream(client, "POST", url, body, headers) as response:
        async for name, data in sse.events(response.chunks()):
            for chunk in writer.feed(name, data):
                yield chunk
            if writer.done:
                break
    for chunk in writer.finish():
        yield chunk
