"""responses.params: request parameters that reach the model or come back as sent: max_output_tokens (the answer
is cut, incomplete with a reason, or kept within the budget), metadata, temperature and top_p, truncation."""

from __future__ import annotations

import openai
from openai.types.responses import Response

from harness import phrases
from harness.context import ProbeContext, require
from harness.model import Observation, Observed, ProbeFailure
from harness.probes._checks import text_of
from harness.probes._registry import E, probe
from harness.probes._request_cases import RequestCase, register, require_reported

LONG = " ".join(f"word{i}" for i in range(60))
BUDGET = 16
METADATA = {"probe": "params.metadata", "run": "conformance"}
TRUNCATION = ("auto", "disabled")


def _max_output_tokens(response: Response) -> None:
    if response.status == "incomplete":
        reason = response.incomplete_details.reason if response.incomplete_details else None
        require(
            reason == "max_output_tokens",
            "an incomplete answer must say it ran out of output tokens",
            expected="incomplete_details.reason max_output_tokens",
            received=reason,
        )
        return
    used = response.usage.output_tokens if response.usage else None
    require(
        response.status == "completed" and used is not None and used <= BUDGET,
        "max_output_tokens was not honoured: a complete answer over the budget",
        expected=f"status incomplete, or at most {BUDGET} output tokens",
        received=f"status {response.status}, {used} output tokens, {len(text_of(response).split())} words",
    )


@probe(
    "responses.params.metadata",
    "metadata MUST come back as sent, in the answer and when the response is retrieved.",
    feature="params",
)
async def metadata(ctx: ProbeContext) -> Observation:
    created = await ctx.client.responses.create(model=ctx.model, input=phrases.exactly("ok"), metadata=METADATA)
    require(created.metadata == METADATA, "metadata was not echoed", expected=METADATA, received=created.metadata)
    fetched = await ctx.client.responses.retrieve(created.id)
    require(fetched.metadata == METADATA, "metadata was not kept", expected=METADATA, received=fetched.metadata)
    return Observed.SUPPORTED


def _sampling(response: Response) -> None:
    answer = text_of(response)
    require_reported(answer, phrases.SETTINGS_KEY, "settings")
    for name, value in (("temperature", "0.2"), ("top_p", "0.5")):
        require(
            f"{name}:{value}" in answer,
            f"{name} did not reach the model as sent",
            expected=f"{name}:{value}",
            received=answer,
        )


register(
    (
        RequestCase(
            "responses.params.max_output_tokens",
            "max_output_tokens MUST be honoured: the answer within the budget, or cut with status incomplete and "
            "incomplete_details.reason max_output_tokens.",
            "params",
            {"input": phrases.exactly(LONG), "max_output_tokens": BUDGET},
            _max_output_tokens,
        ),
        RequestCase(
            "responses.params.sampling",
            "temperature and top_p MUST reach the model as sent (the scripted model reports them), or be rejected "
            "cleanly; they are never dropped.",
            "params.sampling",
            {"input": phrases.ASK_SETTINGS, "temperature": 0.2, "top_p": 0.5},
            _sampling,
            refusable=True,
            native=E,
            chat=E,
            needs_emulator=True,
        ),
    )
)


@probe(
    "responses.params.truncation",
    'truncation "auto" and "disabled" MUST each be honoured, the response stating the value sent, or be rejected '
    "cleanly (a 4xx error envelope); an error of the gateway's own (5xx) is never the answer.",
    feature="params.truncation",
    native=E,
    chat=E,
)
async def truncation(ctx: ProbeContext) -> Observation:
    outcomes: list[Observation] = []
    for value in TRUNCATION:
        try:
            response = await ctx.client.responses.create(model=ctx.model, input=phrases.exactly("ok"), truncation=value)
        except openai.APIStatusError as err:
            if err.status_code >= 500:
                raise ProbeFailure(
                    f"truncation {value!r} broke the gateway",
                    expected="the answer, or a 4xx error envelope naming truncation",
                    received=f"HTTP {err.status_code} {err.response.text[:300]!r}",
                ) from err
            outcomes.append(ctx.rejected(err))
            continue
        require(
            response.truncation == value,
            f"truncation {value!r} was accepted but the response states another",
            expected=f"truncation {value!r}",
            received=f"truncation {response.truncation!r}",
        )
        outcomes.append(Observed.SUPPORTED)
    # Either value accepted: the parameter is supported (a gateway may refuse the one it cannot do, cleanly).
    return next((o for o in outcomes if o is Observed.SUPPORTED), outcomes[0])
