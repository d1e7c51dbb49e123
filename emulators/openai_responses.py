"""OpenAI Responses API, emulated: `/v1/responses` JSON and SSE, stored responses and their input items,
`previous_response_id` chains, input_tokens, compact and the model list.

Requests become a `ScriptedRequest` in responses_input.py; replies are rendered in responses_output.py. `conversation`
reads and extends a conversation of the Conversations API (openai_conversations.py, whose store this one holds).
Unknown input item types are accepted as opaque (see responses_input.py for why).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from emulators import brain, scripted
from emulators.access import DEFAULT_MODELS
from emulators.common import (
    Fault,
    answer,
    apply_fault,
    get_bool,
    get_dict,
    get_str,
    json_answer,
    json_response,
    new_id,
    now,
    read_json,
    route_table,
)
from emulators.openai_conversations import Conversations, conversation_id
from emulators.openai_items import page, stored_item
from emulators.responses_input import compaction_token, content_text, input_items, to_scripted
from emulators.responses_output import apply_limit, output_items, render_stream, response_object, usage_for

MODELS = DEFAULT_MODELS["openai"]


@dataclass
class Store:
    """Responses kept in memory (one store per app) for previous_response_id, retrieval and input items."""

    responses: dict[str, dict[str, Any]] = field(default_factory=dict)
    inputs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # background responses still running: id -> the finished response they become on the second GET
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    conversations: Conversations = field(default_factory=Conversations)

    def advance(self, response_id: str) -> dict[str, Any]:
        """A background response as one more look finds it: queued -> in_progress -> finished (deterministic: each
        GET moves it one step)."""
        current = self.get(response_id)
        if response_id in self.pending:
            if current["status"] == "queued":
                current = {**current, "status": "in_progress"}
            else:
                current = self.pending.pop(response_id)
            self.responses[response_id] = current
        return current

    def cancel(self, response_id: str) -> dict[str, Any]:
        current = self.get(response_id)
        if not current.get("background"):
            raise Fault(400, "Only responses created with background=true can be cancelled.")
        if response_id in self.pending:
            self.pending.pop(response_id)
            current = {**current, "status": "cancelled"}
            self.responses[response_id] = current
        elif current["status"] != "cancelled":
            raise Fault(400, f"Cannot cancel a response with status '{current['status']}'.")
        return current

    def get(self, response_id: str) -> dict[str, Any]:
        if response_id not in self.responses:
            raise Fault(404, f"Response with id '{response_id}' not found.")
        return self.responses[response_id]

    def chain(self, previous_id: str) -> list[dict[str, Any]]:
        """Every input and output item of `previous_id` and its ancestors, oldest first."""
        items: list[dict[str, Any]] = []
        seen: set[str] = set()
        current: str | None = previous_id
        while current:
            if current in seen or current not in self.responses:
                raise Fault(
                    400,
                    f"Previous response with id '{previous_id}' not found.",
                    param="previous_response_id",
                    code="previous_response_not_found",
                )
            seen.add(current)
            stored = self.responses[current]
            items = self.inputs[current] + stored["output"] + items
            current = stored.get("previous_response_id")
        return items


def _validate(payload: dict[str, Any], *, model_required: bool = True) -> None:
    model = get_str(payload, "model")
    if model_required and not model:
        raise Fault(400, "Missing required parameter: 'model'.", param="model")
    previous = get_str(payload, "previous_response_id")
    if conversation_id(payload) is not None and previous:
        # OpenAI refuses the two together; this wording is the emulator's (no recorded refusal was found).
        message = "Mutually exclusive parameters: 'previous_response_id' and 'conversation' cannot be used together."
        raise Fault(400, message, param="conversation")
    get_str(payload, "instructions")
    get_bool(payload, "stream")
    get_bool(payload, "store", default=True)
    get_dict(payload, "metadata")
    get_dict(payload, "reasoning")


def _history(store: Store, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """What comes before the input: the stored chain of `previous_response_id`, or the conversation's items."""
    previous, conversation = get_str(payload, "previous_response_id"), conversation_id(payload)
    if previous:
        return store.chain(previous)
    return store.conversations.history(conversation) if conversation else []


# endpoints -------------------------------------------------------------------------------------------------------
def routes(store: Store | None = None, catalogue: Sequence[str] = MODELS) -> list[BaseRoute]:
    """The endpoints over `store`; `GET /v1/models` lists `catalogue`."""
    store = store if store is not None else Store()

    async def models(request: Request) -> Response:
        data = [{"id": name, "object": "model", "created": 1700000000, "owned_by": "scripted"} for name in catalogue]
        return json_response({"object": "list", "data": data})

    async def create(request: Request) -> Response:
        payload = await read_json(request)
        _validate(payload)
        await apply_fault(payload["model"], "openai")
        items = input_items(payload)
        req = to_scripted(payload, _history(store, payload) + items)
        rep, incomplete = apply_limit(payload, await brain.answer(request, req))
        output = output_items(rep, incomplete=incomplete)
        conversation = conversation_id(payload)
        usage = usage_for(req, rep)
        final = response_object(payload, output, usage, incomplete=incomplete, conversation=conversation)
        stream = bool(payload.get("stream"))
        inputs = [stored_item(item) for item in items]
        if conversation and "fail-midstream" not in final["model"]:  # the turn joins its conversation
            store.conversations.append(conversation, inputs + output)
        if final["background"]:
            return _background(store, final, inputs, stream)
        if final["store"] and "fail-midstream" not in final["model"]:  # a cut stream never completed
            store.responses[final["id"]] = final
            store.inputs[final["id"]] = inputs
        return answer(final["model"], stream, lambda: render_stream(final), lambda: final)

    async def retrieve(request: Request) -> Response:
        return json_response(store.advance(request.path_params["response_id"]))

    async def cancel(request: Request) -> Response:
        return json_response(store.cancel(request.path_params["response_id"]))

    async def delete(request: Request) -> Response:
        found = store.get(request.path_params["response_id"])
        store.responses.pop(found["id"])
        store.inputs.pop(found["id"], None)
        return json_response({"id": found["id"], "object": "response.deleted", "deleted": True})

    async def list_input_items(request: Request) -> Response:
        found = store.get(request.path_params["response_id"])
        return json_response(page(list(store.inputs[found["id"]]), request.query_params))

    async def input_tokens(request: Request) -> Response:
        payload = await read_json(request)
        _validate(payload, model_required=False)
        req = to_scripted(payload, _history(store, payload) + input_items(payload))
        return json_response({"object": "response.input_tokens", "input_tokens": scripted.count_tokens(req)})

    async def compact(request: Request) -> Response:
        payload = await read_json(request)
        _validate(payload)
        await apply_fault(payload["model"], "openai")
        items = _history(store, payload) + input_items(payload)
        return json_answer(payload["model"], await _compacted(request, items, payload))

    return route_table(
        ("POST /v1/responses", create),
        ("POST /v1/responses/input_tokens", input_tokens),
        ("POST /v1/responses/compact", compact),
        ("GET /v1/responses/{response_id}", retrieve),
        ("DELETE /v1/responses/{response_id}", delete),
        ("POST /v1/responses/{response_id}/cancel", cancel),
        ("GET /v1/responses/{response_id}/input_items", list_input_items),
        ("GET /v1/models", models),
    )


def _background(store: Store, final: dict[str, Any], inputs: list[dict[str, Any]], stream: bool) -> Response:
    """`background: true`: the answer is the response `queued`, with no output yet; GET shows it `in_progress`, then
    finished. It must be stored (as at OpenAI); streaming it is not emulated (a 400)."""
    if not final["store"]:
        raise Fault(400, "Background mode requires 'store' to be true.", param="background")
    if stream:
        raise Fault(400, "This emulator does not stream background responses: poll with GET.", param="stream")
    queued = {**final, "status": "queued", "completed_at": None, "incomplete_details": None}
    queued.update({"output": [], "usage": None})
    store.responses[final["id"]] = queued
    store.pending[final["id"]] = final
    store.inputs[final["id"]] = inputs
    return json_answer(final["model"], queued)


async def _compacted(request: Request, items: list[dict[str, Any]], payload: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's CompactResource: the user messages kept verbatim, then one `compaction` item whose opaque
    `encrypted_content` this emulator expands again later (the summary keeps every code word)."""
    req = to_scripted(payload, items)
    # Compaction only summarizes: tools, forced calls and output formats of the request do not apply.
    req.tools, req.hosted_tools, req.tool_choice, req.output_schema = [], [], None, None
    req.messages.append(scripted.Message(role="user", text="Summarize the conversation so far."))
    summary = (await brain.answer(request, req)).text or ""
    users = [i for i in items if i.get("type") == "message" and i.get("role") == "user"]
    output: list[dict[str, Any]] = [
        {
            "id": item.get("id") or new_id("msg_"),
            "type": "message",
            "status": "completed",
            "content": [{"type": "input_text", "text": content_text(item.get("content"))}],
            "role": "user",
        }
        for item in users
    ]
    output.append({"id": new_id("cmp_"), "type": "compaction", "encrypted_content": compaction_token(summary)})
    inp, out = scripted.count_tokens(req), len(summary.split())
    return {
        "id": new_id("resp_"),
        "object": "response.compaction",
        "created_at": now(),
        "output": output,
        "usage": {
            "input_tokens": inp,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": out,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": inp + out,
        },
    }
