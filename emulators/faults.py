"""Upstream faults injected by model name: the one table of their names, and how each protocol produces them.

A model name that contains a fault name injects that fault (the first in `FAULTS` order that it contains). Such a
name is in the catalogue when what remains after removing the fault name and its joining `-` is empty or a
catalogued model: `fail-429` and `gpt-5-mini-fail-429` are accepted, `nonsense-fail-429` is not (see access.py).

Errors are raised as `Fault`s, which every protocol renders in its own error format; the stream faults rewrite
the frames a stream would have sent (see `shape_stream`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from contextvars import ContextVar
from typing import Any, Final

from emulators.errors import Fault

FAIL_500: Final = "fail-500"
FAIL_429: Final = "fail-429"
FAIL_401: Final = "fail-401"
FAIL_MIDSTREAM: Final = "fail-midstream"
FAIL_MALFORMED: Final = "fail-malformed"
FAIL_SHAPE: Final = "fail-shape"
HANG: Final = "hang"
DRIP: Final = "drip"

# name -> what the upstream does; the order is the order of precedence when a name holds several.
FAULTS: Final[dict[str, str]] = {
    FAIL_500: "a 500 in the provider's error format",
    FAIL_429: "a 429 rate-limit error in the provider's format, with a `retry-after` header",
    FAIL_401: "the provider rejecting the gateway's own key as revoked (Gemini: 403 PERMISSION_DENIED)",
    FAIL_MIDSTREAM: "a stream cut half way with no terminal event (not streamed: a 500)",  # 1 frame: none sent
    FAIL_MALFORMED: "a stream chunk whose data is not valid JSON half way (not streamed: a 200 that is not JSON)",
    FAIL_SHAPE: 'a 200 of the wrong shape, `{"unexpected": true}` (streamed: every chunk of that shape)',
    HANG: "a 30 s sleep before answering",
    DRIP: "the answer one byte every 2 s for at most 30 bytes (about 60 s), then the rest at once",
}

HANG_SECONDS = 30.0
DRIP_INTERVAL = 2.0
DRIP_BYTES = 30
RETRY_AFTER = "1"
WRONG_SHAPE: Final = {"unexpected": True}


def fault_of(model: str) -> str | None:
    """The fault a model name asks for, if any."""
    return next((name for name in FAULTS if name in model), None)


def base_model(model: str) -> str:
    """The model name without its fault name and the `-` that joined them (`gpt-5-mini-fail-429` -> `gpt-5-mini`)."""
    fault = fault_of(model)
    if fault is None:
        return model
    head, _, tail = model.partition(fault)
    return "-".join(part for part in (head.removesuffix("-"), tail.removeprefix("-")) if part)


def _error(fault: str, protocol: str) -> Fault | None:
    if fault == FAIL_500:
        return Fault(500, "The scripted upstream was told to fail.", kind="server_error")
    if fault == FAIL_429:
        return _rate_limited(protocol)
    if fault == FAIL_401:
        return _revoked(protocol)
    return None


def _rate_limited(protocol: str) -> Fault:
    headers = {"retry-after": RETRY_AFTER}
    if protocol == "anthropic":
        message = "Number of request tokens has exceeded your per-minute rate limit."
        return Fault(
            429, message, kind="rate_limit_error", headers={**headers, "anthropic-ratelimit-requests-remaining": "0"}
        )
    if protocol == "gemini":
        return Fault(429, "Resource has been exhausted (e.g. check quota).", headers=headers)
    headers |= {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": f"{RETRY_AFTER}s"}
    message = f"Rate limit reached for requests. Please try again in {RETRY_AFTER}s."
    return Fault(429, message, kind="requests", code="rate_limit_exceeded", headers=headers)


def _revoked(protocol: str) -> Fault:
    if protocol == "anthropic":
        return Fault(401, "invalid x-api-key", kind="authentication_error")
    if protocol == "gemini":
        # Google answers a key it has disabled (reported as leaked) with 403 PERMISSION_DENIED.
        return Fault(403, "Your API key was reported as leaked. Please use another API key.")
    message = (
        "Incorrect API key provided: the key has been revoked. "
        "You can find your API key at https://platform.openai.com/account/api-keys."
    )
    return Fault(401, message, code="invalid_api_key")


async def before_answer(model: str, protocol: str) -> None:
    """The faults that come before any answer: an error in `protocol`'s format, or a hang."""
    fault = fault_of(model)
    if fault is None:
        return
    error = _error(fault, protocol)
    if error is not None:
        raise error
    if fault == HANG:
        await _hang()


# The request's ASGI `receive` (set by gate.Gate once the body is read): a hang ends when its caller hangs up, so a
# server stopping is not held up by requests nobody waits for.
CLIENT_RECEIVE: ContextVar[Callable[[], Awaitable[MutableMapping[str, Any]]]] = ContextVar("client_receive")


async def _hang() -> None:
    receive = CLIENT_RECEIVE.get(None)
    try:
        async with asyncio.timeout(HANG_SECONDS):
            if receive is None:
                await asyncio.sleep(HANG_SECONDS)
            while receive is not None and (await receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        pass


# faults inside an answer -------------------------------------------------------------------------------------------
def json_body(model: str, body: bytes) -> bytes:
    """A JSON answer's bytes as the fault leaves them: wrong shape, or cut so that it is no longer JSON."""
    fault = fault_of(model)
    if fault == FAIL_SHAPE:
        return json.dumps(WRONG_SHAPE).encode()
    if fault == FAIL_MALFORMED:
        return body[: max(1, len(body) // 2)]
    return body


def _wrong_shape(frame: str) -> str:
    """A frame whose JSON data is replaced by `WRONG_SHAPE`; non-JSON data (`[DONE]`) and framing are kept."""
    lines = frame.split("\n")
    replaced = False
    for i, line in enumerate(lines):
        if line.startswith("data: ") and line[6:].strip().startswith("{"):
            lines[i] = "data: " + json.dumps(WRONG_SHAPE, separators=(",", ":")) + ("\r" if line.endswith("\r") else "")
            replaced = True
    if replaced:
        return "\n".join(lines)
    start = frame.find("{")  # a JSON-array stream: `[` or `,` then one element
    return frame if start < 0 else frame[:start] + json.dumps(WRONG_SHAPE)


def _malformed(frame: str) -> str:
    """The frame with its JSON cut in half, the framing after it kept, so that only the data is broken."""
    start, end = frame.find("{"), frame.rfind("}")
    if start < 0 or end < start:
        return frame
    return frame[: start + max(1, (end - start) // 2)] + frame[end + 1 :]


def shape_stream(model: str, frames: list[str]) -> list[str]:
    """The frames of a stream as the fault leaves them."""
    fault = fault_of(model)
    if fault == FAIL_MIDSTREAM:
        # The first half; a one-frame stream (a short Gemini answer carries its finishReason in its only chunk) is
        # dropped before that frame, since anything sent would be complete.
        return frames[: len(frames) // 2]
    if fault == FAIL_SHAPE:
        return [_wrong_shape(frame) for frame in frames]
    if fault == FAIL_MALFORMED:
        carrying = [i for i, frame in enumerate(frames) if "{" in frame]  # not `[DONE]`, not a closing `]`
        middle = carrying[len(carrying) // 2] if carrying else -1
        return [_malformed(frame) if i == middle else frame for i, frame in enumerate(frames)]
    return frames


async def deliver(model: str, pieces: Iterator[bytes]) -> AsyncIterator[bytes]:
    """The bytes of an answer as they go out: at once, or for `drip` one byte every DRIP_INTERVAL seconds for the
    first DRIP_BYTES bytes, then the rest at once (so the answer still ends by itself)."""
    if fault_of(model) != DRIP:
        for piece in pieces:
            yield piece
        return
    data = b"".join(pieces)
    for i in range(min(DRIP_BYTES, len(data))):
        yield data[i : i + 1]
        await asyncio.sleep(DRIP_INTERVAL)
    if len(data) > DRIP_BYTES:
        yield data[DRIP_BYTES:]
