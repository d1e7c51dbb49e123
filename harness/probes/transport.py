"""transport.websocket: the Responses websocket mode works, or the upgrade is refused cleanly (informational)."""

from __future__ import annotations

import base64
import os

from harness.context import ProbeContext, require
from harness.model import Level, Observation, Observed, ProbeFailure
from harness.probes._registry import E, probe


@probe(
    "transport.websocket",
    "The Responses websocket transport MAY work (a response.create frame answered with "
    "Responses events) or the upgrade MUST be refused cleanly.",
    feature="transport.websocket",
    native=E,
    chat=E,
    level=Level.MAY,
)
async def websocket(ctx: ProbeContext) -> Observation:
    key = base64.b64encode(os.urandom(16)).decode()  # cassettes are matched without headers
    upgrade = {"connection": "Upgrade", "upgrade": "websocket", "sec-websocket-version": "13", "sec-websocket-key": key}
    response = await ctx.http("GET", "/responses", headers=upgrade)
    if response.status_code != 101:
        if response.status_code in (400, 403, 404, 405, 426, 501):
            return ctx.rejected(response, statuses=(400, 403, 404, 405, 426, 501))
        raise ProbeFailure(
            "the websocket upgrade was neither accepted nor refused cleanly",
            expected="101, or a 4xx/501 error envelope",
            received=f"HTTP {response.status_code}",
        )
    frame = {"type": "response.create", "model": ctx.model, "input": "Reply with exactly ok."}
    events = await ctx.websocket_turn("/responses", frame, until=("response.completed", "response.failed", "error"))
    types = [e.get("type") for e in events]
    require(types[-1] == "response.completed", "the websocket turn did not complete", received=types[-4:])
    return Observed.SUPPORTED
