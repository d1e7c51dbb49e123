"""What answers behind the emulated protocols: the scripted model (emulators/scripted/), or another brain given to
`create_app(brain=...)` (real_model/brain.py: a real language model).

Every protocol normalizes its request into a `ScriptedRequest` and renders a `ScriptedReply`; only where the reply
comes from changes. A brain other than the scripted one has its answer kept in the request's journal entry
(`reply`: its text, the functions it called, the finish reason), because its answer cannot be recomputed from the
request as the scripted model's can (harness/derive/answers.py, harness/model_limits.py read it).
"""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request

from emulators import scripted
from emulators.gate import ENTRY


class Brain(Protocol):
    async def reply(self, req: scripted.ScriptedRequest) -> scripted.ScriptedReply: ...


class Scripted:
    """The scripted model: answers from the request alone, by its rules."""

    async def reply(self, req: scripted.ScriptedRequest) -> scripted.ScriptedReply:
        return scripted.reply(req)


SCRIPTED = Scripted()


async def answer(request: Request, req: scripted.ScriptedRequest) -> scripted.ScriptedReply:
    """The app's brain's answer to `req`; a brain other than the scripted one is journaled with its answer."""
    brain: Brain = getattr(request.app.state, "brain", SCRIPTED)
    reply = await brain.reply(req)
    if brain is not SCRIPTED:
        entry = request.scope.get("state", {}).get(ENTRY)
        if entry is not None:
            entry["reply"] = {
                "text": reply.text,
                "function_calls": [call.name for call in reply.function_calls],
                "finish_reason": reply.finish_reason,
            }
    return reply
