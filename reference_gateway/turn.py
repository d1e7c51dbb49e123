"""One Responses request, parsed once (`Turn`), and what a websocket connection keeps between its turns (`Session`).

Every field the pipeline, the state rules and the flows read is parsed here and nowhere else: the input items, the
`previous_response_id`, the conversation named, whether the answer is to be stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reference_gateway import state
from reference_gateway.translate.request import normalize_input

if TYPE_CHECKING:
    from reference_gateway.gateway import Route

Item = dict[str, Any]


@dataclass
class Session:
    """What one websocket connection keeps: its `store: false` responses (snapshot, input items) by id, so that
    they can be continued on it and nowhere else. Gone with the connection."""

    responses: dict[str, tuple[dict[str, Any], list[Item]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    """One request: who asks, which route, what was sent (parsed once), and the history it names."""

    owner: str
    route: Route
    payload: dict[str, Any]  # as the client sent it, every field checked
    input: list[Item]  # this request's own input items
    previous: str | None  # previous_response_id
    conversation: str | None  # the conversation's id
    store: bool  # false only for `store: false`
    history: list[Item] = field(default_factory=list)  # the earlier items the request names, oldest first
    session: Session | None = None
    local_previous: str | None = None  # a previous_response_id held by the session, not forwarded
    request_bytes: int | None = None  # the request's size as received, when the transport knows it

    @classmethod
    def parse(
        cls, owner: str, route: Route, payload: dict[str, Any], session: Session | None, size: int | None
    ) -> Turn:
        """The request's fields read once; `size`: the request's bytes as received, when the transport knows."""
        previous = state.previous_id(payload)
        local = session is not None and previous is not None and previous in session.responses
        return cls(
            owner=owner,
            route=route,
            payload=payload,
            input=normalize_input(payload),
            previous=previous,
            conversation=state.conversation_id(payload),
            store=payload.get("store") is not False,
            session=session,
            local_previous=previous if local else None,
            request_bytes=size,
        )

    @property
    def stream(self) -> bool:
        return bool(self.payload.get("stream"))

    @property
    def items(self) -> list[Item]:
        """What the upstream is given: the history, then this request's input."""
        return [*self.history, *self.input]
