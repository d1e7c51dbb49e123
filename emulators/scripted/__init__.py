"""The scripted model: a deterministic stand-in for an LLM that answers only from what it received.

Every emulated protocol normalizes its request into a `ScriptedRequest` (contract.py) and renders the
`ScriptedReply` in its own wire format, so the same rules hold on every route. Its pieces: the rules (intent.py),
the schema sampler (schema_sampler.py), hosted tools (hosted.py), token counting and chunking (tokens.py). Its
answers are tell-tales of what a gateway really passed on (history, tools, instructions, schemas).
"""

from emulators.scripted.contract import FunctionTool, Message, ScriptedReply, ScriptedRequest, ToolCall, ToolResult
from emulators.scripted.hosted import HOSTED_TYPES, SEARCH_TYPES, search_results
from emulators.scripted.intent import STOP_WORDS, call_id_for, reply
from emulators.scripted.schema_sampler import sample_for_schema
from emulators.scripted.tokens import count_tokens, image_fingerprint, output_tokens, reply_text_chunks, token_pieces

__all__ = [
    "HOSTED_TYPES",
    "SEARCH_TYPES",
    "STOP_WORDS",
    "FunctionTool",
    "Message",
    "ScriptedReply",
    "ScriptedRequest",
    "ToolCall",
    "ToolResult",
    "call_id_for",
    "count_tokens",
    "image_fingerprint",
    "output_tokens",
    "reply",
    "reply_text_chunks",
    "sample_for_schema",
    "search_results",
    "token_pieces",
]
