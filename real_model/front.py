"""The real upstream as a gateway sees it: the emulated protocols (OpenAI Responses and Chat Completions, Anthropic
Messages, Gemini), each with its own checks, wire and request journal, answered by the real model (server.mjs)
instead of the scripted one (real_model/brain.py).

One key and one model name for every protocol. Every request is journaled (`GET /_journal`) and checked as the
emulators check it (the key, the model, then the body), so a gateway is held to the same strictness with a real
model behind it; the journal entry of each answered request also keeps what the model answered (`reply`), because
that answer cannot be recomputed from the request: harness/model_limits.py reads it to tell what the model chose
from what the gateway did.
"""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from emulators import create_app as create_emulators
from emulators.access import PROTOCOLS, Access
from real_model.brain import RealBrain

MODEL = "smollm2-135m-instruct"
KEY = "sk-upstream-real"  # the key a gateway in front sends, on every protocol (peers' configs)
WORKER_KEY = "sk-real-model-worker"  # between this front and server.mjs only


def create_app(
    worker_url: str, *, model: str = MODEL, key: str = KEY, transport: httpx.AsyncBaseTransport | None = None
) -> Starlette:
    """The front of a running server.mjs at `worker_url` (or of whatever `transport` serves there)."""
    access = Access.build(keys={p: [key] for p in PROTOCOLS}, models={p: [model] for p in PROTOCOLS})
    return create_emulators(access=access, brain=RealBrain(worker_url, WORKER_KEY, model, transport))
