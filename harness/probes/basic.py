"""responses.basic: plain text, instructions, history sent in `input`, usage."""

from __future__ import annotations

from harness import phrases
from harness.context import ProbeContext, require
from harness.model import Observation, Observed
from harness.probes._checks import assistant, require_completed, require_text, text_of, user
from harness.probes._registry import probe


@probe(
    "responses.basic.text",
    "A plain request MUST complete with the requested text and unique output item ids.",
    feature="basic",
)
async def text(ctx: ProbeContext) -> Observation:
    response = await ctx.client.responses.create(
        model=ctx.model, instructions="Be concise.", input=phrases.exactly("ok")
    )
    require_completed(response)
    require_text(response, "ok", why="the answer must be the requested text")
    ids = [item.id for item in response.output if getattr(item, "id", None)]
    require(len(ids) == len(set(ids)), "output item ids must be unique", received=ids)
    require(response.id.startswith("resp"), "a response id must look like resp_...", received=response.id)
    return Observed.SUPPORTED


@probe(
    "responses.basic.history",
    "History sent in `input` MUST reach the model (the code word is remembered).",
    feature="basic",
)
async def history(ctx: ProbeContext) -> Observation:
    response = await ctx.client.responses.create(
        model=ctx.model,
        input=[
            user(phrases.remember("orchid")),
            assistant("I will remember it."),
            user(f"{phrases.CODE_WORD_QUESTION} Answer with the word only."),
        ],
    )
    require_text(response, "orchid", why="the gateway dropped earlier turns of the input")
    return Observed.SUPPORTED


@probe("responses.basic.instructions", "`instructions` MUST reach the model.", feature="basic")
async def instructions(ctx: ProbeContext) -> Observation:
    response = await ctx.client.responses.create(
        model=ctx.model,
        instructions=phrases.remember("saffron"),
        input=f"{phrases.CODE_WORD_QUESTION} Answer with the word only.",
    )
    require_text(response, "saffron", why="the instructions did not reach the model")
    return Observed.SUPPORTED


@probe("responses.basic.usage", "Usage MUST be present and consistent: total = input + output tokens.", feature="basic")
async def usage(ctx: ProbeContext) -> Observation:
    response = await ctx.client.responses.create(model=ctx.model, input=phrases.exactly("ok"))
    u = response.usage
    require(u is not None, "the response carries no usage", expected="usage", received=None)
    assert u is not None
    require(u.input_tokens > 0 and u.output_tokens > 0, "token counts must be positive", received=u.model_dump())
    require(
        u.total_tokens == u.input_tokens + u.output_tokens,
        "total_tokens must equal input + output",
        expected=str(u.input_tokens + u.output_tokens),
        received=str(u.total_tokens),
    )
    require(text_of(response) != "", "the response has no text", received=response.model_dump_json()[:200])
    return Observed.SUPPORTED
