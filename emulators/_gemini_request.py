"""A Gemini GenerateContentRequest: checked the way Google checks it, then read into a ScriptedRequest.

Google parses the JSON against its protobuf schema: an unknown field is 'Invalid JSON payload received. Unknown
name "x"', and both lowerCamel and snake_case spellings are accepted. A model turn of function calls must be
answered by exactly as many functionResponse parts in the next turn, and a turn of functionResponse parts must come
right after such a model turn.
"""

from __future__ import annotations

import json
import re
from typing import Any

from emulators import scripted
from emulators.common import Fault
from emulators.faults import base_model

REQUEST_FIELDS = {
    "model",
    "contents",
    "tools",
    "toolConfig",
    "safetySettings",
    "systemInstruction",
    "generationConfig",
    "cachedContent",
}
GENERATION_FIELDS = {
    "stopSequences",
    "responseMimeType",
    "responseSchema",
    "responseJsonSchema",
    "responseModalities",
    "candidateCount",
    "maxOutputTokens",
    "temperature",
    "topP",
    "topK",
    "seed",
    "presencePenalty",
    "frequencyPenalty",
    "responseLogprobs",
    "logprobs",
    "enableEnhancedCivicAnswers",
    "speechConfig",
    "thinkingConfig",
    "imageConfig",
    "mediaResolution",
}
THINKING_FIELDS = {"thinkingBudget", "thinkingLevel", "includeThoughts"}
PART_FIELDS = {
    "text",
    "inlineData",
    "fileData",
    "functionCall",
    "functionResponse",
    "executableCode",
    "codeExecutionResult",
    "thought",
    "thoughtSignature",
    "videoMetadata",
}
MODES = {"AUTO", "ANY", "NONE", "VALIDATED", "MODE_UNSPECIFIED"}
FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}")


def camel(key: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), key)


def normalized(obj: dict[str, Any]) -> dict[str, Any]:
    """snake_case keys as lowerCamel (one level): Google accepts both spellings."""
    return {camel(k): v for k, v in obj.items()}


def unknown(name: str, at: str | None = None) -> Fault:
    where = f" at '{at}'" if at else ""
    return Fault(400, f'Invalid JSON payload received. Unknown name "{name}"{where}: Cannot find field.')


def check_fields(obj: Any, allowed: set[str], at: str | None) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise Fault(400, f"Invalid JSON payload received. Expected an object{f' at {at!r}' if at else ''}.")
    for key in obj:
        if camel(key) not in allowed:
            raise unknown(key, at)
    return normalized(obj)


def _calls_functions(content: dict[str, Any] | None) -> bool:
    """A model turn with at least one functionCall part: the only turn a functionResponse may answer."""
    if content is None or content.get("role", "user") != "model":
        return False
    return any(isinstance(p, dict) and "functionCall" in normalized(p) for p in content.get("parts") or [])


def _check_turns(contents: list[dict[str, Any]]) -> None:
    for i, content in enumerate(contents):
        role = content.get("role", "user")
        if role not in ("user", "model"):
            raise Fault(400, f"Please use a valid role: user, model. Got {role!r}.")
        parts = [normalized(p) for p in content.get("parts") or []]
        if not parts:
            raise Fault(400, f"* GenerateContentRequest.contents[{i}].parts: contents.parts must not be empty.")
        for part in parts:
            for key in part:
                if key not in PART_FIELDS:
                    raise unknown(key, f"contents[{i}].parts[0]")
        if any("functionResponse" in p for p in parts) and not _calls_functions(contents[i - 1] if i else None):
            raise Fault(400, "Please ensure that function response turn comes immediately after a function call turn.")
        calls = sum(1 for p in parts if "functionCall" in p)
        if calls:
            before = contents[i - 1] if i else None
            after_user = before is not None and before.get("role", "user") == "user"
            if not after_user:
                raise Fault(
                    400,
                    "Please ensure that function call turn comes immediately after a user turn or after a function "
                    "response turn.",
                )
            answers = contents[i + 1].get("parts") or [] if i + 1 < len(contents) else None
            if answers is not None and sum(1 for p in answers if "functionResponse" in normalized(p)) != calls:
                raise Fault(
                    400,
                    "Please ensure that the number of function response parts is equal to the number of function "
                    "call parts of the function call turn.",
                )


def validate(body: dict[str, Any]) -> dict[str, Any]:
    """The request with its field names normalized; raise a Fault as Google would."""
    body = check_fields(body, REQUEST_FIELDS, None)
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise Fault(400, "* GenerateContentRequest.contents: contents is not specified")
    _check_turns(contents)
    if "generationConfig" in body:
        body["generationConfig"] = check_fields(body["generationConfig"], GENERATION_FIELDS, "generation_config")
        if "thinkingConfig" in body["generationConfig"]:
            thinking = check_fields(
                body["generationConfig"]["thinkingConfig"], THINKING_FIELDS, "generation_config.thinking_config"
            )
            body["generationConfig"]["thinkingConfig"] = thinking
    if "toolConfig" in body:
        config = normalized(normalized(body["toolConfig"]).get("functionCallingConfig") or {})
        if config.get("mode", "AUTO") not in MODES:
            raise Fault(400, f"Invalid value at 'tool_config.function_calling_config.mode' ({config.get('mode')})")
        if config.get("allowedFunctionNames") and config.get("mode") not in ("ANY", "VALIDATED"):
            raise Fault(400, "allowed_function_names may only be set when the function calling mode is ANY.")
    return body


def check_search_tools(body: dict[str, Any], model: str) -> None:
    """`google_search_retrieval` (search with dynamic retrieval) is the Gemini 1.5 models' tool; from Gemini 2.0 on,
    Google refuses it and asks for `google_search` (its words, as the Gemini API answers them)."""
    legacy = base_model(model).startswith("gemini-1.")
    if not legacy and any(
        "googleSearchRetrieval" in normalized(t) for t in body.get("tools") or [] if isinstance(t, dict)
    ):
        raise Fault(
            400,
            "Unable to submit request because Please use google_search field instead of google_search_retrieval "
            "field.. Learn more: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini",
        )


def _lower_types(schema: Any) -> Any:
    """responseSchema spells types the OpenAPI way (OBJECT, STRING); JSON Schema spells them in lower case."""
    if isinstance(schema, dict):
        return {k: (v.lower() if k == "type" and isinstance(v, str) else _lower_types(v)) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_lower_types(v) for v in schema]
    return schema


def _parts_text(parts: list[dict[str, Any]]) -> str:
    return "\n".join(str(p.get("text", "")) for p in parts)


def _media(part: dict[str, Any]) -> str:
    """An inlineData part's type and decoded size, or a fileData part's URI."""
    if "inlineData" in part:
        inline = normalized(part["inlineData"] or {})
        return scripted.image_fingerprint(str(inline.get("data", "")), str(inline.get("mimeType")))
    return str(normalized(part["fileData"] or {}).get("fileUri"))


def to_scripted(body: dict[str, Any]) -> scripted.ScriptedRequest:
    """The request (validated, normalized) as the scripted model sees it."""
    system = normalized(body.get("systemInstruction") or {})
    req = scripted.ScriptedRequest(system=_parts_text(system.get("parts") or []))
    for content in body["contents"]:
        texts, calls, images = [], [], []
        for part in map(normalized, content.get("parts") or []):
            req.item_types.append(next(iter(part), "part"))
            if "text" in part and not part.get("thought"):
                texts.append(str(part["text"]))
            elif "inlineData" in part or "fileData" in part:
                images.append(_media(part))
            elif "functionCall" in part:
                fc = part["functionCall"]
                args = json.dumps(fc.get("args") or {}, separators=(",", ":"))
                calls.append(scripted.ToolCall(str(fc.get("id") or fc["name"]), fc["name"], args))
            elif "functionResponse" in part:
                fr = part["functionResponse"]
                response = fr.get("response")
                output = response.get("result", response) if isinstance(response, dict) else response
                output = output if isinstance(output, str) else json.dumps(output)
                result = scripted.ToolResult(str(fr.get("id") or fr.get("name")), output)
                req.messages.append(scripted.Message(role="tool", tool_result=result))
        if texts or calls or images:
            role = "assistant" if content.get("role") == "model" else "user"
            message = scripted.Message(role=role, text="\n".join(texts), tool_calls=calls, images=images)
            req.messages.append(message)
    for i, tool in enumerate(map(normalized, body.get("tools") or [])):
        if "googleSearch" in tool:
            req.hosted_tools.append({"type": "google_search", **(normalized(tool["googleSearch"] or {}))})
        if "googleSearchRetrieval" in tool:  # check_search_tools has refused it where Google does
            req.hosted_tools.append(
                {"type": "google_search_retrieval", **normalized(tool["googleSearchRetrieval"] or {})}
            )
        for j, decl in enumerate(map(normalized, tool.get("functionDeclarations") or [])):
            if not isinstance(decl.get("name"), str) or not FUNCTION_NAME.fullmatch(decl["name"]):
                raise Fault(
                    400,
                    f"* GenerateContentRequest.tools[{i}].function_declarations[{j}].name: Invalid function name. "
                    "Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), "
                    "dots (.), colons (:) or dashes (-), with a maximum length of 64.\n",
                )
            params = decl.get("parametersJsonSchema") or _lower_types(decl.get("parameters")) or {}
            req.tools.append(scripted.FunctionTool(decl["name"], decl.get("description") or "", params))
    config = normalized(normalized(body.get("toolConfig") or {}).get("functionCallingConfig") or {})
    mode, allowed = config.get("mode", "AUTO"), config.get("allowedFunctionNames") or []
    if mode == "ANY" and allowed:
        req.tool_choice = {"type": "allowed_tools", "mode": "required", "tools": [{"name": n} for n in allowed]}
    elif mode == "ANY":
        req.tool_choice = "required"
    elif mode == "NONE":
        req.tool_choice = "none"
    generation = body.get("generationConfig") or {}
    req.settings = {
        "temperature": generation.get("temperature"),
        "top_p": generation.get("topP"),
        "max_output_tokens": generation.get("maxOutputTokens"),
        "parallel_tool_calls": None,
    }
    thinking = generation.get("thinkingConfig") or {}
    received = {"thinking_budget": thinking.get("thinkingBudget"), "thinking_level": thinking.get("thinkingLevel")}
    req.reasoning = {name: value for name, value in received.items() if value is not None}
    if generation.get("responseMimeType") == "application/json":
        schema = generation.get("responseJsonSchema") or _lower_types(generation.get("responseSchema"))
        req.output_schema = schema or {"type": "object"}
    return req
