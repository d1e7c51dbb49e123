"""The typed shapes at the translate/ boundary: the Chat Completions request, answer and chunk the chat flow and
its adapters (OpenAI-style chat, Anthropic, Gemini) exchange. The Responses side stays JSON objects as clients and
upstreams send them (checked by reference_gateway/validation.py and providers/shapes.py)."""

from __future__ import annotations

from typing import Any, Literal, Required, TypedDict


class ChatFunctionCall(TypedDict, total=False):
    name: str | None  # in a chunk, only the first fragment names it
    arguments: str  # a JSON object, as text (in a chunk, one fragment of it)


class ChatToolCall(TypedDict, total=False):
    index: int  # in a chunk: which call a fragment belongs to
    id: str | None
    type: Literal["function"]
    function: ChatFunctionCall


class ChatMessage(TypedDict, total=False):
    role: Required[str]  # system | user | assistant | tool
    content: str | list[dict[str, Any]] | None
    tool_calls: list[ChatToolCall]
    tool_call_id: str | None
    refusal: str | None


class ChatTool(TypedDict):
    type: Literal["function"]
    function: dict[str, Any]  # name, parameters, description?, strict?


class ChatRequest(TypedDict, total=False):
    model: Required[str]
    messages: Required[list[ChatMessage]]
    tools: list[ChatTool]
    tool_choice: str | dict[str, Any]
    parallel_tool_calls: bool
    response_format: dict[str, Any]
    verbosity: str
    max_tokens: int
    temperature: float
    top_p: float
    user: str
    stop: str | list[str]
    n: int
    stream: bool
    stream_options: dict[str, Any]


class ChatUsage(TypedDict, total=False):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_tokens_details: dict[str, Any]
    completion_tokens_details: dict[str, Any]


class ChatChoice(TypedDict, total=False):
    index: int
    message: ChatMessage
    finish_reason: str | None


class _ChatAnswer(TypedDict, total=False):
    """What a chat answer and each of its chunks carry alike."""

    id: str
    created: int
    model: str
    usage: ChatUsage | None  # a chunk's only on the last one (stream_options.include_usage)


class ChatCompletion(_ChatAnswer, total=False):
    object: Literal["chat.completion"]
    choices: Required[list[ChatChoice]]


class ChatDelta(TypedDict, total=False):
    role: str
    content: str | None
    tool_calls: list[ChatToolCall]
    refusal: str | None


class ChatChunkChoice(TypedDict, total=False):
    index: int
    delta: ChatDelta
    finish_reason: str | None


class ChatChunk(_ChatAnswer, total=False):
    object: Literal["chat.completion.chunk"]
    choices: Required[list[ChatChunkChoice]]
