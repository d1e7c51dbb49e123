"""transport.websocket: the Responses websocket mode works, or the upgrade is refused cleanly (informational)."""

from __future__ import annotations

import base64
import json
import os

import websockets

from harness.context import ProbeContext, require
from harness.model import Level, Observed, ProbeFailure, ProbeSkip
from harness.probes._registry import E, probe


def _ws_url(base_url: str) -> str:
    return base_url.replace("https://", "wss://", 1).replace("http://", "ws://", 1).rstrip("/") + "/responses"


@probe(
    "transport.websocket",
    "The Responses websocket transport MAY work (a response.create frame answered with "
    "Responses events) or the upgrade MUST be refused cleanly.",
    feature="transport.websocket",
    native=E,
    chat=E,
    level=Level.MAY,
)
async def websocket(ctx: ProbeContext) -> Observed:
    key = base64.b64encode(os.urandom(16)).decode() if not ctx.replay else "cHJvYmVwcm9iZXByb2JlIQ=="
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
    if ctx.replay:
        raise ProbeSkip("websocket frames are not recorded; the upgrade was accepted when recorded")
    headers = {"Authorization": f"Bearer {ctx.target.key()}"}
    async with websockets.connect(_ws_url(ctx.target.base_url), additional_headers=headers) as ws:
        frame = {"type": "response.create", "model": ctx.model, "input": "Reply with exactly ok."}
        await ws.send(json.dumps(frame))
        types: list[str] = []
        while not types or types[-1] not in ("response.completed", "response.failed", "error"):
            types.append(json.loads(await ws.recv()).get("type"))
    require(types[-1] == "response.completed", "the websocket turn did not complete", received=types[-4:])
    return Observed.SUPPORTED
