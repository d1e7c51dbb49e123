"""Gemini, emulated: `generateContent`, `streamGenerateContent` and `countTokens` under /v1beta/models.

`streamGenerateContent?alt=sse` sends one GenerateContentResponse per `data:` line with CRLF framing, as Google
does; without `alt=sse` the same chunks come as one streamed JSON array. Errors are Google's
`{"error": {"code", "message", "status"}}`; the route carries its own credential check (`x-goog-api-key` header
or `?key=`), so it works mounted alone as well as inside `create_app()`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from emulators import brain, scripted
from emulators._gemini_request import check_fields, check_search_tools, to_scripted, validate
from emulators._limits import limit
from emulators.common import Fault, apply_fault, json_answer, new_id, read_json, sse_event, stream_response
from emulators.errors import GOOGLE_NO_KEY, GOOGLE_STATUS

ACTIONS = ("generateContent", "streamGenerateContent", "countTokens")


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"code": status, "message": message, "status": GOOGLE_STATUS.get(status, "UNKNOWN")}}
    return JSONResponse(body, status_code=status, headers=headers)


def _usage(req: scripted.ScriptedRequest, out: int | None) -> dict[str, Any]:
    """Every chunk carries the prompt count; the candidates count arrives with the last one."""
    inp = scripted.count_tokens(req)
    usage: dict[str, Any] = {"promptTokenCount": inp}
    if out is not None:
        usage["candidatesTokenCount"] = out
    usage["totalTokenCount"] = inp + (out or 0)
    usage["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": inp}]
    return usage


def _chunk(
    model: str,
    response_id: str,
    parts: list[dict[str, Any]],
    finish: str | None,
    usage: dict[str, Any],
    grounding: dict[str, Any] | None = None,
) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}}
    if finish:
        candidate["finishReason"] = finish
    if grounding:
        candidate["groundingMetadata"] = grounding
    candidate["index"] = 0
    return {"candidates": [candidate], "usageMetadata": usage, "modelVersion": model, "responseId": response_id}


class Rendered:
    """The reply as Gemini parts, with the output limits of generationConfig applied."""

    def __init__(self, body: dict[str, Any], req: scripted.ScriptedRequest, rep: scripted.ScriptedReply) -> None:
        generation = body.get("generationConfig") or {}
        self.calls: list[dict[str, Any]] = [
            {"functionCall": {"name": c.name, "args": json.loads(c.arguments)}} for c in rep.function_calls
        ]
        limited = limit(rep.text or "", generation.get("stopSequences") or [], generation.get("maxOutputTokens"))
        self.text = limited.text
        # A stop sequence ends the answer normally (STOP); only the token budget is a MAX_TOKENS finish.
        self.finish = "MAX_TOKENS" if limited.reason == "max_tokens" and not self.calls else "STOP"
        self.out = scripted.output_tokens(rep if self.calls else scripted.ScriptedReply(text=self.text))
        self.req = req
        self.response_id = new_id("")[:22]
        self.grounding = None if self.calls else _grounding(rep, self.text)

    def whole(self, model: str) -> dict[str, Any]:
        parts: list[dict[str, Any]] = self.calls or [{"text": self.text}]
        return _chunk(model, self.response_id, parts, self.finish, _usage(self.req, self.out), self.grounding)

    def chunks(self, model: str) -> Iterator[dict[str, Any]]:
        if self.calls:
            yield self.whole(model)  # Gemini sends function calls whole, in one chunk
            return
        pieces = scripted.reply_text_chunks(self.text)
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            usage = _usage(self.req, self.out if last else None)
            finish, grounding = (self.finish, self.grounding) if last else (None, None)
            yield _chunk(model, self.response_id, [{"text": piece}], finish, usage, grounding)


def _grounding(rep: scripted.ScriptedReply, text: str) -> dict[str, Any] | None:
    """Grounding with Google Search as Gemini reports it on the candidate: the queries it ran, the web pages it
    used (`title` is the site, as Google gives it) and which span of the answer each supports (UTF-8 byte
    offsets; a zero `startIndex` is left out, as proto3 JSON leaves out defaults)."""
    if not rep.hosted_calls:
        return None
    queries = [call["action"]["query"] for call in rep.hosted_calls]
    results = [r for query in queries for r in scripted.search_results(query)]
    chunks = [{"web": {"uri": r["url"], "title": r["url"].split("/")[2]}} for r in results]
    support = {"segment": {"endIndex": len(text.encode()), "text": text}, "groundingChunkIndices": [0]}
    return {"webSearchQueries": queries, "groundingChunks": chunks, "groundingSupports": [support]}


def _json_array(chunks: Iterator[dict[str, Any]]) -> Iterator[str]:
    """Without alt=sse Google streams one JSON array, element by element."""
    for i, chunk in enumerate(chunks):
        yield ("[" if i == 0 else ",\r\n") + json.dumps(chunk, indent=2)
    yield "]"


async def _generate(request: Request, model: str, action: str) -> Response:
    body = validate(await read_json(request))
    check_search_tools(body, model)
    await apply_fault(model, "gemini")
    req = to_scripted(body)
    rendered = Rendered(body, req, await brain.answer(request, req))
    if action == "generateContent":
        return json_answer(model, rendered.whole(model))
    if request.query_params.get("alt") == "sse":
        sse = (sse_event(chunk, sep="\r\n") for chunk in rendered.chunks(model))
        return stream_response(sse, model)
    return stream_response(_json_array(rendered.chunks(model)), model, media_type="application/json")


async def _count(request: Request, model: str) -> Response:
    body = check_fields(await read_json(request), {"contents", "generateContentRequest"}, None)
    if "generateContentRequest" in body:
        if "contents" in body:
            raise Fault(400, "contents and generateContentRequest are mutually exclusive: send one of them.")
        inner = validate(body["generateContentRequest"])
    else:
        inner = validate({"contents": body.get("contents")})
    return JSONResponse({"totalTokens": scripted.count_tokens(to_scripted(inner))})


async def dispatch(request: Request) -> Response:
    if not (request.headers.get("x-goog-api-key") or request.query_params.get("key")):
        return error(403, GOOGLE_NO_KEY)
    model, _, action = request.path_params["model_action"].rpartition(":")
    try:
        if not model or action not in ACTIONS:
            raise Fault(404, f"Method not found: {action or request.path_params['model_action']!r}.")
        if action == "countTokens":
            return await _count(request, model)
        return await _generate(request, model, action)
    except Fault as fault:
        return error(fault.status, fault.message, fault.headers)


def routes() -> list[BaseRoute]:
    # A model name cannot hold the ':' before the action as a path parameter; split it off by hand.
    return [Route("/v1beta/models/{model_action:path}", dispatch, methods=["POST"])]
