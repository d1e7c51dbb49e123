"""What the upstream answered and what the client got, in comparable terms.

The journal keeps what the upstream received, not what it answered. The emulated upstreams answer deterministically
from the request alone (emulators/scripted/), so their answer to a journaled request is recomputed here
with their own request readers and the scripted model: the calls it made (function calls by name, hosted calls by
their Responses item type) and, on the Responses protocol, the keys of its `usage`. An entry that was refused, or
that named a fault model, answered nothing comparable and gives None. (Recomputing holds as long as the scripted
model's rules are the ones the cassette was recorded with; a stored `previous_response_id` chain is not replayed.)
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulators import _anthropic_request, _gemini_request, openai_chat, responses_input, responses_output
from emulators import scripted as scripted_model
from emulators.common import Fault
from emulators.faults import fault_of
from harness.derive.views import generation_protocol
from harness.wire import Exchange


@dataclass(frozen=True)
class Output:
    """One output item the client got: its type, a function call's name, its status."""

    type: str
    name: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class Reply:
    """The upstream's answer to one request: what the scripted model gave, or what a real model was journaled saying."""

    function_calls: tuple[str, ...] = ()
    hosted_calls: tuple[str, ...] = ()  # Responses item types: web_search_call, file_search_call, computer_call
    usage: tuple[str, ...] = ()  # the keys of a Responses answer's `usage`; empty on the other protocols
    text: str | None = None  # the answer's text (before any output limit)


# How each protocol shows a hosted web search in its answer (the client's side is always a Responses item).
SEARCH_ANSWER = {
    "chat": "web search (`url_citation` annotations)",
    "anthropic": "`server_tool_use` / `web_search_tool_result`",
    "gemini": "grounding (`groundingMetadata`)",
}


def client_response(exchange: Exchange) -> Mapping[str, Any] | None:
    """The Response object the client got: the JSON body, or a stream's last `response` snapshot that has output
    (its terminal event), or None for an error or a stream that carried none."""
    if exchange.sse is None:
        body = exchange.response_json
        return body if isinstance(body, Mapping) and isinstance(body.get("output"), list) else None
    snapshots = [
        e.payload["response"]
        for e in exchange.sse.events
        if isinstance(e.payload, Mapping) and isinstance(e.payload.get("response"), Mapping)
    ]
    finished = [s for s in snapshots if s.get("output")]
    return finished[-1] if finished else (snapshots[-1] if snapshots else None)


def client_outputs(exchange: Exchange) -> tuple[Output, ...]:
    """Every output item the client got, from the Response object or, in a stream without one, from the
    `response.output_item.done` events."""
    response = client_response(exchange)
    items: list[Any] = list(response.get("output") or []) if response else []
    if not items and exchange.sse is not None:
        items = [
            e.payload.get("item")
            for e in exchange.sse.events
            if isinstance(e.payload, Mapping) and e.payload.get("type") == "response.output_item.done"
        ]
    return tuple(
        Output(str(item.get("type")), item.get("name"), item.get("status"))
        for item in items
        if isinstance(item, Mapping)
    )


def _scripted(protocol: str, body: dict[str, Any]) -> scripted_model.ScriptedRequest:
    if protocol == "chat":
        return openai_chat.to_scripted(body)
    if protocol == "anthropic":
        _anthropic_request.validate(body)
        return _anthropic_request.to_scripted(body)
    if protocol == "gemini":
        return _gemini_request.to_scripted(_gemini_request.validate(body))
    return responses_input.to_scripted(body, responses_input.input_items(body))


def upstream_reply(entry: Mapping[str, Any]) -> Reply | None:
    """The upstream's answer to a journaled request: as journaled where the upstream kept it (a real model's, whose
    answer cannot be recomputed: real_model/front.py), else recomputed (see the module's docstring)."""
    protocol = generation_protocol(entry)
    body = entry.get("body")
    if protocol is None or not isinstance(body, Mapping) or entry.get("status") != 200:
        return None
    kept = entry.get("reply")
    if isinstance(kept, Mapping):
        calls = tuple(str(name) for name in kept.get("function_calls") or [])
        return Reply(function_calls=calls, text=kept.get("text") if isinstance(kept.get("text"), str) else None)
    model = str(body.get("model") or str(entry.get("path", "")).rpartition("/models/")[2])
    if fault_of(model):
        return None
    try:
        request = _scripted(protocol, copy.deepcopy(dict(body)))
        reply = scripted_model.reply(request)
        usage = tuple(responses_output.usage_for(request, reply)) if protocol == "responses" else ()
    except (Fault, KeyError, TypeError, ValueError, AttributeError):
        return None
    return Reply(
        function_calls=tuple(call.name for call in reply.function_calls),
        hosted_calls=tuple(str(call["type"]) for call in reply.hosted_calls),
        usage=usage,
        text=reply.text,
    )


def client_text(exchange: Exchange) -> str:
    """The text of the message items the client got."""
    response = client_response(exchange)
    items = [i for i in (response.get("output") or []) if isinstance(i, Mapping)] if response else []
    parts = [p for i in items if i.get("type") == "message" for p in i.get("content") or [] if isinstance(p, Mapping)]
    return "\n".join(str(p.get("text")) for p in parts if isinstance(p.get("text"), str))


def agrees(reply: Reply, exchange: Exchange) -> bool:
    """Whether a recomputed answer is the one the client's answer came from: the same text, or no text on either
    side. A scripted rule changed since the recording then cannot invent a cause."""
    ours, theirs = " ".join(client_text(exchange).split()), " ".join((reply.text or "").split())
    return ours == theirs or bool(theirs and ours.startswith(theirs))
