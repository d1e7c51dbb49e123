"""responses.hosted: OpenAI-hosted tools either run for real (the hosted call item is there) or are rejected."""

from __future__ import annotations

from typing import Any

import openai

from harness import phrases
from harness.context import ProbeContext, require
from harness.model import Observation, Observed, ProbeRun
from harness.probes._calls import unless_refused
from harness.probes._registry import E, R, probe

HOSTED: dict[str, tuple[dict[str, Any], str]] = {
    "web_search_preview": ({"type": "web_search_preview"}, "web_search_call"),
    "web_search": ({"type": "web_search"}, "web_search_call"),
    "file_search": ({"type": "file_search", "vector_store_ids": ["vs_conformance_probe"]}, "file_search_call"),
    "computer_use_preview": (
        {"type": "computer_use_preview", "display_width": 1024, "display_height": 768, "environment": "browser"},
        "computer_call",
    ),
}


def _hosted_probe(tool_type: str) -> ProbeRun:
    tool, item_type = HOSTED[tool_type]

    async def run(ctx: ProbeContext) -> Observation:
        ask = ctx.client.responses.create(
            model=ctx.model,
            input=phrases.use_hosted(tool_type, "look up the weather in Paris"),
            tools=[tool],
            tool_choice="required",
        )
        response = await unless_refused(ctx, ask, mentions=tool_type, refusal=openai.BadRequestError)
        types = [item.type for item in response.output]
        require(
            item_type in types,
            f"the {tool_type} tool was silently dropped: no {item_type} item",
            expected=f"a {item_type} item (or a 400 naming {tool_type})",
            received=types,
        )
        return Observed.SUPPORTED

    return run


for _type in HOSTED:
    probe(
        f"responses.hosted.{_type}",
        f"A {_type} tool MUST run upstream (its {HOSTED[_type][1]} item present) or be rejected with a 400 naming "
        "the tool type; it is never dropped.",
        feature=f"hosted.{_type}",
        native=E,
        chat=R,
    )(_hosted_probe(_type))
