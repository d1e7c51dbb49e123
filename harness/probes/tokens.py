"""responses.input_tokens and responses.compact: real answers, or a clean 4xx/501."""

from __future__ import annotations

import openai

from harness import phrases
from harness.context import ProbeContext, require, require_model
from harness.model import Observation, Observed
from harness.probes._checks import assistant, text_of, user
from harness.probes._registry import E, probe


@probe(
    "responses.input_tokens.count",
    "input_tokens MUST count (the count grows with the input), or be rejected cleanly; never a silent zero.",
    feature="input_tokens",
    native=E,
    chat=E,
)
async def count(ctx: ProbeContext) -> Observation:
    try:
        short = await ctx.client.responses.input_tokens.count(model=ctx.model, input="Hello there.")
        long = await ctx.client.responses.input_tokens.count(
            model=ctx.model, input="Hello there. " + "This sentence makes the input longer. " * 12
        )
    except openai.APIStatusError as err:
        return ctx.rejected(err, statuses=(400, 404, 422, 501))
    require(
        short.object == "response.input_tokens",
        "wrong object type",
        expected="response.input_tokens",
        received=short.object,
    )
    require(short.input_tokens > 0, "a silent zero count", expected="> 0", received=short.input_tokens)
    require(
        long.input_tokens > short.input_tokens,
        "the count does not grow with the input",
        expected=f"> {short.input_tokens}",
        received=long.input_tokens,
    )
    return Observed.SUPPORTED


@probe(
    "responses.compact.roundtrip",
    "compact MUST return output that keeps the conversation's facts (the code word survives), or be rejected cleanly.",
    feature="compact",
    native=E,
    chat=E,
)
async def compact(ctx: ProbeContext) -> Observation:
    history = [user(phrases.remember("walnut")), assistant("Noted.")]
    try:
        compacted = await ctx.client.responses.compact(model=ctx.model, input=history)
    except openai.APIStatusError as err:
        return ctx.rejected(err, statuses=(400, 404, 422, 501))
    require(
        compacted.object == "response.compaction",
        "wrong object type",
        expected="response.compaction",
        received=compacted.object,
    )
    require(compacted.output, "compaction returned no output", received=compacted.model_dump_json()[:200])
    carried = [item.model_dump(exclude_none=True, warnings=False) for item in compacted.output]
    answer = await ctx.client.responses.create(
        model=ctx.model,
        input=[*carried, user(f"{phrases.CODE_WORD_QUESTION} Answer with the word only.")],
    )
    require_model(
        "walnut" in text_of(answer).lower(),
        "the compacted history lost the code word",
        expected="walnut",
        received=text_of(answer),
    )
    return Observed.SUPPORTED
