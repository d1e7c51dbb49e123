"""responses.input: what `input` and the request carry besides user text reach the model as what they are. A system
or developer message is system text (on a chat-translated route: the provider's system prompt, never a user turn);
an `input_image` part is that image; `reasoning` is the provider's own reasoning setting. Each is honoured, or
rejected cleanly where a route cannot carry it; never dropped or turned into something else.

The scripted model reports what it received (`What are your instructions?`, `What is in the image?`, `What is
your reasoning effort?`; harness/phrases.py), so these probes need the emulated upstreams (`[emulator]`).
"""

from __future__ import annotations

import base64
import re
from typing import Any

from openai.types.responses import Response

from harness import phrases
from harness.context import require
from harness.probes._checks import text_of, user
from harness.probes._registry import E
from harness.probes._request_cases import RequestCase, register, require_reported

SYSTEM_TEXT = "You are the conformance harness's assistant and you answer in one short line."
DEVELOPER_TEXT = "Never mention the weather unless you are asked about it."
INSTRUCTIONS = "Be concise."
# A 1x1 red PNG (69 bytes), sent inline: nothing to fetch, and its type and size are what must arrive.
PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
PNG_URL = f"data:image/png;base64,{PNG_BASE64}"
EFFORT = "low"
# A reasoning setting the scripted model reports as received: OpenAI's effort, or a translation into another
# provider's own terms (Anthropic's thinking budget, Gemini's thinking budget or level).
_REASONING = re.compile(r"(\w+):([^,]+)")


def _require_system_text(response: Response, texts: list[str], what: str) -> None:
    """The scripted model's `instructions=...` holds every text in `texts`: they arrived as system text."""
    answer = text_of(response)
    require_reported(answer, phrases.INSTRUCTIONS_KEY, "instructions")
    for text in texts:
        require(
            text in answer,
            f"the {what} did not reach the model as system text"
            + (" (no system text arrived at all)" if answer == phrases.instructions("") else ""),
            expected=f"{phrases.INSTRUCTIONS_KEY}... holding {text!r}",
            received=answer[:300],
        )


def _system_message(response: Response) -> None:
    _require_system_text(response, [SYSTEM_TEXT], "system message")


def _developer_message(response: Response) -> None:
    _require_system_text(response, [DEVELOPER_TEXT], "developer message")
    _require_system_text(response, [INSTRUCTIONS], "`instructions` sent beside a developer message")


def _image(response: Response) -> None:
    answer = text_of(response)
    expected = phrases.image_answer([phrases.inline_image("image/png", len(base64.b64decode(PNG_BASE64)))])
    require(
        answer != phrases.NO_IMAGE,
        "the image was accepted but did not reach the model",
        expected=expected,
        received=answer,
    )
    require(answer == expected, "the image did not reach the model as it was sent", expected=expected, received=answer)


def _reasoning(response: Response) -> None:
    answer = text_of(response)
    wanted = phrases.reasoning({"effort": EFFORT})
    require_reported(answer, phrases.REASONING_KEY, "reasoning settings")
    received = dict(_REASONING.findall(answer.removeprefix(phrases.REASONING_KEY)))
    require(
        bool(received),
        "reasoning was accepted but did not reach the model",
        expected=f"{wanted} (or the provider's own form: budget_tokens, thinking_budget, thinking_level)",
        received=answer,
    )
    require(
        received.get("effort", EFFORT) == EFFORT,
        "reasoning.effort reached the model changed",
        expected=wanted,
        received=answer,
    )
    echoed = response.reasoning.effort if response.reasoning else None
    require(
        echoed in (None, EFFORT),
        "the response reports another reasoning effort than the one asked for",
        expected=EFFORT,
        received=echoed,
    )


IMAGE_MESSAGE: dict[str, Any] = {
    "type": "message",
    "role": "user",
    "content": [
        {"type": "input_text", "text": phrases.ASK_IMAGE},
        {"type": "input_image", "image_url": PNG_URL, "detail": "auto"},
    ],
}
register(
    (
        RequestCase(
            "responses.input.system_message",
            "A `system` message in `input` MUST reach the model as system text (on a chat-translated route, the "
            "provider's system prompt), never as a user turn or not at all.",
            "system_messages",
            {"input": [{"type": "message", "role": "system", "content": SYSTEM_TEXT}, user(phrases.ASK_INSTRUCTIONS)]},
            _system_message,
            needs_emulator=True,
        ),
        RequestCase(
            "responses.input.developer_message",
            "A `developer` message in `input` MUST reach the model as system text beside `instructions` (on a "
            "chat-translated route, the provider's system prompt), never as a user turn, replacing them, or not at "
            "all.",
            "system_messages",
            {
                "instructions": INSTRUCTIONS,
                "input": [
                    {
                        "type": "message",
                        "role": "developer",
                        "content": [{"type": "input_text", "text": DEVELOPER_TEXT}],
                    },
                    user(phrases.ASK_INSTRUCTIONS),
                ],
            },
            _developer_message,
            needs_emulator=True,
        ),
        RequestCase(
            "responses.input.image",
            "An `input_image` part MUST reach the model as that image (its type and size intact), or be rejected "
            "cleanly naming the image; it is never dropped.",
            "images",
            {"input": [IMAGE_MESSAGE]},
            _image,
            refusable=True,
            mentions="image",
            native=E,
            chat=E,
            needs_emulator=True,
        ),
        RequestCase(
            "responses.input.reasoning",
            f"`reasoning: {{effort: {EFFORT}}}` MUST reach the model (on a translated route, as the provider's own "
            "reasoning setting) or be rejected cleanly naming reasoning; it is never silently dropped.",
            "reasoning",
            {"input": phrases.ASK_REASONING, "reasoning": {"effort": EFFORT}},
            _reasoning,
            refusable=True,
            mentions="reasoning",
            native=E,
            chat=E,
            needs_emulator=True,
        ),
    )
)
