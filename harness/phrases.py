"""The scripted model's contract, written once: every phrase that triggers one of its rules and every answer it
gives. The emulated upstreams (emulators/scripted/) answer by these, and the probes build their prompts
and read the answers with them, so the two cannot drift apart. The rules are listed in docs/ARCHITECTURE.md.
"""

from __future__ import annotations

# Triggers (found in the last user text) ------------------------------------------------------------------------
REPLY_EXACTLY = "Reply with exactly"
REMEMBER = "Remember the code word"
CODE_WORD_QUESTION = "What is the code word?"
SUMMARIZE = "Summarize the conversation"
ASK_INSTRUCTIONS = "What are your instructions?"
ASK_VERBOSITY = "What is your verbosity?"
ASK_TOOLS = "Which tools do you have?"
ASK_ITEM_TYPES = "Which item types did you receive?"
ASK_PHASES = "Which phases did you receive?"
ASK_IMAGE = "What is in the image?"
ASK_SETTINGS = "What are your settings?"
ASK_REASONING = "What is your reasoning effort?"
CALL_TOOL = "Call the tool"  # `Call the tool NAME`, or `Call the tools A and B`
USE_HOSTED = "Use the hosted tool"  # `Use the hosted tool TYPE ...`
SEARCH_WEB = "Search the web for"  # `Search the web for X` (a hosted web search where one is offered)

# Answers ----------------------------------------------------------------------------------------------------------
TOOL_RETURNED = "The tool returned:"
ECHO = "Echo:"
UNKNOWN = "I do not know"
SUMMARY = "Summary:"
NOTHING_TO_KEEP = "nothing to keep."
NO_IMAGE = "no image arrived"
INSTRUCTIONS_KEY = "instructions="
VERBOSITY_KEY = "verbosity="
TOOLS_KEY = "tools="
ITEMS_KEY = "items="
PHASES_KEY = "phases="
SETTINGS_KEY = "settings="
SETTING_NAMES = ("temperature", "top_p", "max_output_tokens", "parallel_tool_calls")
REASONING_KEY = "reasoning="
# What a reasoning setting is called once received, in each provider's own terms: `effort` (Responses
# `reasoning.effort`, Chat Completions `reasoning_effort`), `summary` (Responses `reasoning.summary`),
# `budget_tokens` (Anthropic `thinking: {type: enabled, budget_tokens}`), `thinking_budget` and `thinking_level`
# (Gemini `generationConfig.thinkingConfig`).
REASONING_NAMES = ("effort", "summary", "budget_tokens", "thinking_budget", "thinking_level")
NONE = "none"
USED = "Used"  # a hosted call is followed by `Used TYPE.`


def exactly(text: str) -> str:
    """`Reply with exactly X.`, answered with X."""
    return f"{REPLY_EXACTLY} {text}."


def remember(word: str) -> str:
    """`Remember the code word W.`: W is the answer to CODE_WORD_QUESTION while this sentence was received."""
    return f"{REMEMBER} {word}."


def call_tool(name: str, arguments: str = "") -> str:
    """`Call the tool NAME with k=v` (arguments: the `k=v` pairs, space-separated)."""
    return f"{CALL_TOOL} {name}" + (f" with {arguments}" if arguments else "")


def call_tools(names: list[str], arguments: str = "") -> str:
    """`Call the tools A and B with k=v`: parallel calls unless parallel tool calls are disabled."""
    return f"{CALL_TOOL}s {' and '.join(names)}" + (f" with {arguments}" if arguments else "")


def use_hosted(tool_type: str, task: str) -> str:
    """`Use the hosted tool TYPE to TASK.`"""
    return f"{USE_HOSTED} {tool_type} to {task}."


def tool_returned(output: str) -> str:
    return f"{TOOL_RETURNED} {output}"


def echo(text: str) -> str:
    return f"{ECHO} {text}"


def used(tool_type: str) -> str:
    return f"{USED} {tool_type}."


def summary(sentences: list[str]) -> str:
    return f"{SUMMARY} " + (" ".join(sentences) if sentences else NOTHING_TO_KEEP)


def listing(key: str, values: list[str]) -> str:
    """`key=a,b,c`, or `key=none`: the form of every introspection answer."""
    return key + (",".join(values) or NONE)


def instructions(system: str) -> str:
    return INSTRUCTIONS_KEY + (system or NONE)


def verbosity(value: str | None) -> str:
    return VERBOSITY_KEY + (value or NONE)


def settings(values: dict[str, object]) -> str:
    """`settings=temperature:0.2,top_p:none,...`: each setting as received, `none` when it was not."""
    shown = [f"{name}:{_setting(values.get(name))}" for name in SETTING_NAMES]
    return SETTINGS_KEY + ",".join(shown)


def reasoning(values: dict[str, object]) -> str:
    """`reasoning=effort:low`, `reasoning=budget_tokens:2048`, ...: each reasoning setting that arrived, in the order
    of REASONING_NAMES; `reasoning=none` when none did."""
    shown = [f"{name}:{_setting(values[name])}" for name in REASONING_NAMES if values.get(name) is not None]
    return REASONING_KEY + (",".join(shown) or NONE)


def _setting(value: object) -> str:
    if value is None:
        return NONE
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def inline_image(media_type: str, size: int) -> str:
    """How an inline image (a `data:` URL, base64 data) is reported: its media type and decoded size."""
    return f"{media_type} {size} bytes"


def image_answer(fingerprints: list[str]) -> str:
    """What arrived as images: `image/png 68 bytes` for inline data, the URL for a link; `; ` between them."""
    return "; ".join(fingerprints) if fingerprints else NO_IMAGE
