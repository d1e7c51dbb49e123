"""responses.consistency: the same request answered streamed and not, and a response retrieved later, say the same
thing: model, tools, parallel_tool_calls, output text, the shape of usage, ids.

Only the fields the Responses API defines are compared (harness.judge.echo reads them from the schemas). Fields a
gateway adds (`usage.cost`, `x_litellm_*`) are extensions, never a disagreement.
"""

from __future__ import annotations

from typing import Any

from openai.types.responses import Response

from harness.context import ProbeContext, require
from harness.judge import echo
from harness.model import Observation, Observed
from harness.probes._checks import WEATHER_TOOL, require_completed
from harness.probes._registry import probe

PROMPT = "Reply with exactly consistent."


def _shape(value: Any) -> Any:
    """The keys of a usage object, nested; the numbers themselves may differ."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in sorted(value.items()) if v is not None}
    return type(value).__name__ if value is not None else None


def _wire(response: Response) -> dict[str, Any]:
    """The response as it came over the wire: the fields it carried, extensions included (the SDK keeps them)."""
    dumped: dict[str, Any] = response.model_dump(exclude_unset=True)
    return dumped


def _usage_shape(response: Response) -> Any:
    """The shape of usage over the fields the Responses API defines."""
    return _shape(echo.defined_only(_wire(response)).get("usage"))


def _tools(response: Response) -> list[tuple[str, Any]]:
    return [(t.type, getattr(t, "name", None)) for t in response.tools]


async def _streamed(ctx: ProbeContext, **request: Any) -> tuple[Response, list[Response]]:
    """The completed response of a stream, and every response snapshot the stream carried."""
    stream = await ctx.client.responses.create(stream=True, **request)
    snapshots = [e.response async for e in stream if hasattr(e, "response")]
    require(snapshots, "the stream carried no response", expected="response.created ... response.completed")
    final = snapshots[-1]
    require_completed(final)
    return final, snapshots


@probe(
    "responses.consistency.stream_vs_plain",
    "The same request streamed and not MUST give the same model, tools, parallel_tool_calls, output text and usage "
    "shape, in every snapshot of the stream.",
    feature="consistency",
)
async def stream_vs_plain(ctx: ProbeContext) -> Observation:
    request: dict[str, Any] = {
        "model": ctx.model,
        "input": PROMPT,
        "tools": [WEATHER_TOOL],
    }
    plain = await ctx.client.responses.create(**request)
    require_completed(plain)
    final, snapshots = await _streamed(ctx, **request)
    for name, get in (
        ("model", lambda r: r.model),
        ("tools", _tools),
        ("parallel_tool_calls", lambda r: r.parallel_tool_calls),
    ):
        want = get(plain)
        for snapshot in snapshots:
            require(
                get(snapshot) == want,
                f"{name} differs between the plain answer and the stream",
                expected=f"{name} = {want!r}",
                received=f"{name} = {get(snapshot)!r} in a stream snapshot ({snapshot.status})",
            )
    require(
        final.output_text.strip() == plain.output_text.strip(),
        "the streamed text differs from the plain answer's",
        expected=repr(plain.output_text),
        received=repr(final.output_text),
    )
    plain_usage, stream_usage = _usage_shape(plain), _usage_shape(final)
    require(
        plain_usage == stream_usage,
        "usage has another shape in the stream than in the plain answer",
        expected=plain_usage,
        received=stream_usage,
    )
    return Observed.SUPPORTED


@probe(
    "responses.consistency.retrieve",
    "A streamed response retrieved afterwards MUST have the same id, output item ids and text as its "
    "response.completed.",
    feature="lifecycle",
)
async def retrieve(ctx: ProbeContext) -> Observation:
    final, _ = await _streamed(ctx, model=ctx.model, input=PROMPT)
    fetched = await ctx.client.responses.retrieve(final.id)
    require(fetched.id == final.id, "retrieve returned another response", expected=final.id, received=fetched.id)
    want, got = [getattr(i, "id", None) for i in final.output], [getattr(i, "id", None) for i in fetched.output]
    require(want == got, "the retrieved output items are not the streamed ones", expected=want, received=got)
    require(
        fetched.output_text == final.output_text,
        "the retrieved text differs from the streamed one",
        expected=repr(final.output_text),
        received=repr(fetched.output_text),
    )
    require(
        fetched.status == final.status, "the retrieved status differs", expected=final.status, received=fetched.status
    )
    return Observed.SUPPORTED
