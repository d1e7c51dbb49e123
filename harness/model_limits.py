"""Whether a failed check was the model's doing: the proof, from a probe's evidence, that the gateway passed every
request on intact and brought the model's answer back.

With a real model behind the gateway, a check that needs the model to follow the prompt (a `ModelDeviation`: the
word asked for, the tool under `tool_choice: "auto"`, the code word recalled) may fail with a correct gateway. The
verdict blames the model (`model-limited`) only when the evidence says the gateway did its part:
- every request the client sent to `/responses` (websocket turns included) reached the upstream, answered 200;
- nothing was dropped, changed or added on the way (harness/derive, translations into the provider's terms aside,
  and `stream` added: how the answer travels, not what it says);
- the answer the upstream journaled (`reply`: what the model said, which functions it called) reached the client:
  no function call and no text of the model's went missing.
Otherwise the failure stays the gateway's, with the derived causes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from types import CodeType
from typing import Any

from harness.derive import Cause, Derivation, Kind, derivation, significant
from harness.derive.answers import client_outputs, client_text
from harness.model import Probe
from harness.wire import Exchange

# What disproves "intact": any of these, in the gateway's own doing (translations are the route's job)...
BLOCKING = frozenset({Kind.DROPPED, Kind.CHANGED, Kind.ADDED, Kind.NOT_RETURNED, Kind.NO_UPSTREAM_CALL})
# ... except a setting added that only says how the answer travels, not what it says: llama-stack streams every
# upstream request (`stream: true` added) and hands a plain request its answer whole.
TRANSPORT = frozenset({"stream", "stream_options"})


def _disproves(cause: Cause) -> bool:
    return cause.kind in BLOCKING and not (cause.kind == Kind.ADDED and cause.field.split(".")[0] in TRANSPORT)


def _reply_reached(reply: Mapping[str, Any], exchange: Exchange, later: Sequence[Exchange] = ()) -> bool:
    """The model's journaled answer is what the client got: its function calls by name, else its text, in the
    answer to the request or in a response the client read later (a background response, polled)."""
    if any(_reply_in(reply, x) for x in later):
        return True
    return _reply_in(reply, exchange)


def _reply_in(reply: Mapping[str, Any], exchange: Exchange) -> bool:
    called = [str(name) for name in reply.get("function_calls") or []]
    got_calls = [o.name for o in client_outputs(exchange) if o.type == "function_call"]
    if called:
        return sorted(called) == sorted(n or "" for n in got_calls)
    said = " ".join(str(reply.get("text") or "").split())
    return not got_calls and " ".join(client_text(exchange).split()) == said


def _summary(reply: Mapping[str, Any]) -> str:
    called = [str(name) for name in reply.get("function_calls") or []]
    if called:
        return "it called " + ", ".join(called)
    text = " ".join(str(reply.get("text") or "").split())
    finish = reply.get("finish_reason")
    cut = " (cut at its output limit)" if finish == "length" else ""
    return f"it answered {text[:80]!r}{'...' if len(text) > 80 else ''}{cut}"


def proof(exchanges: Sequence[Exchange], journal: Sequence[Mapping[str, Any]] | None) -> str:
    """The evidence that the gateway was intact, in one sentence; "" where the evidence does not prove it."""
    if not journal:
        return ""
    found: Derivation = derivation(exchanges, journal)
    if not found.pairs or any(_disproves(c) for c in significant(found.causes)):
        return ""
    requests, last_reply = 0, None
    for paired in found.pairs:
        answered = [entry for entry, _ in paired.entries if entry.get("status") == 200]
        if not answered:
            return ""
        replies = [entry["reply"] for entry in answered if isinstance(entry.get("reply"), Mapping)]
        polled = [x for x in exchanges if x.method == "GET" and x.index > paired.exchange.index]
        if not replies or not _reply_reached(replies[-1], paired.exchange, polled):
            return ""
        requests += len(paired.entries)
        last_reply = replies[-1]
    assert last_reply is not None
    arrived = ", ".join(f"`{name}`" for name in sorted(found.arrived)[:6]) or "the request"
    plural = "s" if requests != 1 else ""
    moved = sorted({c.field for c in found.of(Kind.ADDED) if c.field.split(".")[0] in TRANSPORT})
    unchanged = (
        f"nothing dropped or changed, only {', '.join(f'`{f}`' for f in moved)} added"
        if moved
        else ("nothing dropped, changed or added")
    )
    return (
        f"the model's doing, not the gateway's: the upstream journal shows {requests} request{plural} passed on intact "
        f"({arrived} arrived; {unchanged}) and the model's own answer reached the client ({_summary(last_reply)})"
    )


# What makes a probe's pass condition depend on the model's choices: a check on what it chose to answer
# (harness/context.require_model and the checks built on it), or an Agents SDK run, which refuses an answer the model
# got wrong (ModelBehaviorError: the runner reads that as the model's, harness/runner.py).
MODEL_CHECKS = frozenset({"require_model", "require_text", "require_completed", "_completed", "Runner"})


def _names(code: CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _names(const)
    return names


def model_dependent(probe: Probe) -> bool:
    """Whether the probe's pass condition may depend on the model following its prompt: its run, or a function of
    the probes' own that it calls (closures and tables included), makes a check of MODEL_CHECKS. A probe that does
    not holds with any model: the gateway alone decides it."""
    seen: set[int] = set()

    def depends(fn: Callable[..., Any]) -> bool:
        code = getattr(fn, "__code__", None)
        if code is None or id(code) in seen:
            return False
        seen.add(id(code))
        names = _names(code)
        if names & MODEL_CHECKS:
            return True
        scope = getattr(fn, "__globals__", {})
        cells = [c.cell_contents for c in getattr(fn, "__closure__", None) or () if _filled(c)]
        # A probe that is one case of a table: its run closes over the table's runner and the case, whose fields
        # hold the case's own checks.
        cases = [getattr(c, f.name) for c in cells if dataclasses.is_dataclass(c) for f in dataclasses.fields(c)]
        called = [scope.get(name) for name in names] + cells + cases
        return any(
            callable(f) and getattr(f, "__module__", "").startswith("harness.probes") and depends(f) for f in called
        )

    return depends(probe.run)


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True
