"""The feature vocabulary the harness and the reference gateway share: a probe's `feature`, a targets file's
`features:` and the gateway's `GET /v1/capabilities` name the same things alike. The gateway keeps the same list
(reference_gateway/features.py), and a test proves the two are identical.

| feature | what it is |
|---|---|
| tools | function tools (`tools[].type: function`) and the call / `function_call_output` round trip |
| hosted.<type> | an OpenAI-hosted tool: web_search_preview, web_search, file_search, computer_use_preview, ... |
| state.previous_response_id | continuing a stored response |
| state.conversation | a turn in a Conversations API conversation |
| input.unknown_items | input items of a type the route does not know (reasoning, item_reference, future types) |
| structured.json_schema | `text.format` json_schema |
| structured.json_object | `text.format` json_object |
| structured.verbosity | `text.verbosity` |
| reasoning | `reasoning` (effort, summary) |
| background | `background: true` |
| input_tokens | `POST /v1/responses/input_tokens` |
| compact | `POST /v1/responses/compact` |
| transport.websocket | the Responses websocket transport on `/v1/responses` |
"""

from __future__ import annotations

HOSTED_TOOLS = ("web_search_preview", "web_search", "file_search", "computer_use_preview")
FEATURES: tuple[str, ...] = (
    "tools",
    *(f"hosted.{tool}" for tool in HOSTED_TOOLS),
    "state.previous_response_id",
    "state.conversation",
    "input.unknown_items",
    "structured.json_schema",
    "structured.json_object",
    "structured.verbosity",
    "reasoning",
    "background",
    "input_tokens",
    "compact",
    "transport.websocket",
)
