"""Gemini, emulated: `generateContent`, `streamGenerateContent?alt=sse` and `countTokens` under /v1beta/models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from harness.upstreams import scripted
from harness.upstreams.common import Fault, answer, apply_fault, json_response, new_id, read_json, sse_event


def to_scripted(body: dict[str, Any]) -> scripted.ScriptedRequest:
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise Fault(400, "* GenerateContentRequest.contents: contents is not specified")
    system = body.get("systemInstruction") or {}
    req = scripted.ScriptedRequest(system="\n".join(p.get("text", "") for p in system.get("parts") or []))
    for content in contents:
        role = content.get("role", "user")
        if role not in ("user", "model"):
            raise Fault(400, f"Please use a valid role: user, model. Got {role!r}.")
        texts, calls = [], []
        for part in content.get("parts") or []:
            req.item_types.append(next(iter(part), "part"))
            if "text" in part:
                texts.append(str(part["text"]))
            elif "functionCall" in part:
                fc = part["functionCall"]
                calls.append(
                    scripted.ToolCall(
                        str(fc.get("id") or fc["name"]),
                        fc["name"],
                        json.dumps(fc.get("args") or {}, separators=(",", ":")),
                    )
                )
            elif "functionResponse" in part:
                fr = part["functionResponse"]
                response = fr.get("response")
                output = response.get("result", response) if isinstance(response, dict) else response
                output = output if isinstance(output, str) else json.dumps(output)
                req.messages.append(
                    scripted.Message(
                        role="tool", tool_result=scripted.ToolResult(str(fr.get("id") or fr.get("name")), output)
                    )
                )
        if texts or calls:
            req.messages.append(
                scripted.Message(
                    role="assistant" if role == "model" else "user", text="\n".join(texts), tool_calls=calls
                )
            )
    for tool in body.get("tools") or []:
        for decl in tool.get("functionDeclarations") or []:
            params = decl.get("parametersJsonSchema") or decl.get("parameters") or {}
            req.tools.append(scripted.FunctionTool(decl["name"], decl.get("description") or "", params))
    config = (body.get("toolConfig") or {}).get("functionCallingConfig") or {}
    mode = config.get("mode", "AUTO")
    allowed = config.get("allowedFunctionNames") or []
    if mode == "ANY":
        req.tool_choice = {"name": allowed[0]} if len(allowed) == 1 else "required"
    elif mode == "NONE":
        req.tool_choice = "none"
    generation = body.get("generationConfig") or {}
    if generation.get("responseMimeType") == "application/json":
        req.output_schema = (
            generation.get("responseJsonSchema") or generation.get("responseSchema") or {"type": "object"}
        )
    return req


def _usage(req: scripted.ScriptedRequest, rep: scripted.ScriptedReply) -> dict[str, Any]:
    inp, out = scripted.count_tokens(req), scripted.output_tokens(rep)
    return {
        "promptTokenCount": inp,
        "candidatesTokenCount": out,
        "totalTokenCount": inp + out,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": inp}],
    }


def _chunk(
    model: str, response_id: str, parts: list[dict[str, Any]], finish: str | None, usage: dict[str, Any] | None
) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}}
    if finish:
        candidate["finishReason"] = finish
    candidate["index"] = 0
    body: dict[str, Any] = {"candidates": [candidate]}
    if usage:
        body["usageMetadata"] = usage
    body["modelVersion"] = model
    body["responseId"] = response_id
    return body


def _call_parts(rep: scripted.ScriptedReply) -> list[dict[str, Any]]:
    return [{"functionCall": {"name": c.name, "args": json.loads(c.arguments)}} for c in rep.function_calls]


def generate(model: str, req: scripted.ScriptedRequest, rep: scripted.ScriptedReply) -> dict[str, Any]:
    parts = _call_parts(rep) or [{"text": rep.text or ""}]
    return _chunk(model, new_id("")[:22], parts, "STOP", _usage(req, rep))


def stream(model: str, req: scripted.ScriptedRequest, rep: scripted.ScriptedReply) -> Iterator[str]:
    response_id = new_id("")[:22]
    if rep.function_calls:
        yield sse_event(_chunk(model, response_id, _call_parts(rep), "STOP", _usage(req, rep)), sep="\r\n")
        return
    pieces = scripted.reply_text_chunks(rep.text or "")
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        yield sse_event(
            _chunk(model, response_id, [{"text": piece}], "STOP" if last else None, _usage(req, rep) if last else None),
            sep="\r\n",
        )


async def dispatch(request: Request) -> Response:
    model, _, action = request.path_params["model_action"].rpartition(":")
    if not model or action not in ("generateContent", "streamGenerateContent", "countTokens"):
        raise Fault(404, f"Method not found: {action!r}.")
    body = await read_json(request)
    if action == "countTokens":
        inner = body.get("generateContentRequest") or body
        return json_response({"totalTokens": scripted.count_tokens(to_scripted(inner))})
    await apply_fault(model)
    req = to_scripted(body)
    rep = scripted.reply(req)
    streaming = action == "streamGenerateContent"
    if streaming and request.query_params.get("alt") != "sse":
        raise Fault(400, "this emulator streams only with alt=sse")
    return answer(model, streaming, lambda: stream(model, req, rep), lambda: generate(model, req, rep))


def routes() -> list[BaseRoute]:
    return [Route("/v1beta/models/{model_action:path}", dispatch, methods=["POST"])]
