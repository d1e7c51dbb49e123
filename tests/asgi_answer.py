"""What an ASGI app answers, caught whole, for a test's layer that changes the answer before sending it on."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope


async def answer_of(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    """The app's `http.response.start` message, and the whole body it sent after it."""
    parts: list[Message] = []

    async def keep(message: Message) -> None:
        parts.append(message)

    await app(scope, receive, keep)
    start, *bodies = parts
    return start, b"".join(m.get("body", b"") for m in bodies)
