"""Server-sent events as the providers frame them, and the streaming answer every emulator returns.

OpenAI Responses sends `event: <type>` + `data: <json>` and no terminator; Chat Completions sends bare `data:`
lines ending in `data: [DONE]`; Anthropic names its events; Gemini sends bare `data:` lines. The framing is the
same `field: value` lines ended by a blank line, so one encoder serves them all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from starlette.responses import StreamingResponse

from emulators import faults

DONE = "[DONE]"


def encode_json(data: Any) -> str:
    """Compact JSON, as the providers put it on a `data:` line (no spaces, unicode kept)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def sse_event(data: Any, event: str | None = None, sep: str = "\n") -> str:
    """One SSE frame: optional `event:` line, one `data:` line (a string is sent as is), blank line."""
    body = data if isinstance(data, str) else encode_json(data)
    head = f"event: {event}{sep}" if event else ""
    return f"{head}data: {body}{sep}{sep}"


def openai_event(payload: dict[str, Any]) -> dict[str, Any]:
    """A Responses stream event with its keys in OpenAI's order: `type` first, then the rest alphabetically
    (as in the recorded stream), so the emulator's bytes look like OpenAI's."""
    rest = {key: payload[key] for key in sorted(payload) if key != "type"}
    return {"type": payload["type"], **rest}


def obfuscation(seed: str, delta: str) -> str:
    """OpenAI pads each delta event with a random-length `obfuscation` string so that event sizes do not reveal
    the token lengths; here it is derived from the content, so a stream is reproducible."""
    digest = hashlib.sha256(f"{seed}\x00{delta}".encode()).hexdigest()
    return digest[: 16 - min(len(delta), 12)]


def stream_response(chunks: Iterable[str], model: str, *, media_type: str = "text/event-stream") -> StreamingResponse:
    """Stream pre-rendered frames with the model's fault applied (faults.py): `fail-midstream` stops half way with
    no terminal event, `fail-malformed` breaks the JSON of the middle frame, `fail-shape` sends frames of the
    wrong shape, `drip` sends the bytes slowly."""
    frames = faults.shape_stream(model, list(chunks))
    body = faults.deliver(model, (frame.encode() for frame in frames))
    return StreamingResponse(body, media_type=media_type, headers={"cache-control": "no-cache"})
