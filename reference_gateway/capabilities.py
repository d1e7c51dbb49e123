"""The capability table: provider type x model pattern x API mode x feature -> what the gateway does.

Every request is checked against it before any upstream call, so a feature is either honoured for real or rejected
with a message that names it; nothing is dropped silently. `GET /v1/capabilities` publishes the same table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any

from reference_gateway.errors import GatewayError
from reference_gateway.features import FEATURES
from reference_gateway.providers.base import Compact, ProviderSettings, Stateful

__all__ = ["FEATURES", "Decision", "Setting", "check", "check_operation", "table"]


class Decision(StrEnum):
    FORWARDED = "forwarded"  # passed to a native upstream as it is
    TRANSLATED = "translated"  # carried over to the provider's own wire
    REPLAYED = "replayed"  # the gateway rebuilds it from what it stored
    REJECTED = "rejected"  # refused with a 4xx (501 for an operation) naming it


class Setting(StrEnum):
    """A decision a provider's configuration makes (`stateful:`, `compact:`)."""

    STATEFUL = "stateful"
    COMPACT = "compact"


FORWARDED, TRANSLATED, REPLAYED, REJECTED = Decision
KNOWN_ITEMS = {"message", "function_call", "function_call_output", "compaction"}
HOSTED_MESSAGE = (
    'responses tool type "{name}" is only supported by native Responses providers; '
    "chat-translated providers only support function tools"
)
STATE_MESSAGE = (
    "{name} is not supported for chat-translated provider {provider}: the gateway is configured not to "
    "reconstruct provider state across the chat translation (stateful: reject)"
)


@dataclass(frozen=True)
class Row:
    provider: str  # provider type glob
    model: str  # model glob
    mode: str  # "native" | "chat"
    feature: str  # feature glob, in the shared vocabulary (reference_gateway/features.py)
    decision: Decision | Setting
    message: str = ""
    param: str | None = None


# Later rows win over earlier ones when several match.
TABLE: tuple[Row, ...] = (
    Row("*", "*", "native", "*", FORWARDED),
    Row("*", "*", "native", "transport.websocket", TRANSLATED),
    Row("*", "*", "chat", "hosted.*", REJECTED, HOSTED_MESSAGE, "tools"),
    Row("*", "*", "chat", "tools", TRANSLATED),
    Row("*", "*", "chat", "transport.websocket", TRANSLATED),
    Row("*", "*", "chat", "state.*", Setting.STATEFUL, STATE_MESSAGE),
    Row(
        "*",
        "*",
        "chat",
        "input.unknown_items",
        REJECTED,
        'responses input item type "{name}" is not supported by chat-translated providers',
        "input",
    ),
    Row("*", "*", "chat", "structured.*", TRANSLATED),
    Row(
        "*",
        "*",
        "*",
        "background",
        REJECTED,
        "background responses are not supported by this gateway: it cannot poll, retrieve or cancel them on behalf "
        "of their owner, so it refuses them rather than answer as if they ran in the foreground",
        "background",
    ),
    Row(
        "*",
        "*",
        "chat",
        "reasoning",
        REJECTED,
        "reasoning is not supported by chat-translated provider {provider}: each provider spells its reasoning "
        "settings differently (reasoning_effort, thinking budgets) and the gateway does not guess one from another",
        "reasoning",
    ),
    Row("*", "*", "chat", "input_tokens", TRANSLATED),
    Row(
        "openai_chat",
        "*",
        "chat",
        "input_tokens",
        REJECTED,
        "input token counting is not available for OpenAI-style chat provider {provider}",
        None,
    ),
    Row("*", "*", "chat", "compact", Setting.COMPACT),
    Row(
        "anthropic",
        "*",
        "chat",
        "structured.json_*",
        REJECTED,
        "Anthropic does not accept translated structured output "
        "(text.format {name}); the gateway rejects it instead of dropping it",
        "text.format",
    ),
    Row(
        "anthropic",
        "*",
        "chat",
        "structured.verbosity",
        REJECTED,
        "Anthropic does not accept text.verbosity; the gateway rejects it instead of dropping it",
        "text.verbosity",
    ),
    Row(
        "gemini",
        "*",
        "chat",
        "structured.verbosity",
        REJECTED,
        "Gemini has no equivalent of text.verbosity; the gateway rejects it instead of dropping it",
        "text.verbosity",
    ),
)


def mode_of(settings: ProviderSettings) -> str:
    return "native" if settings.type == "openai_responses" else "chat"


def decide(settings: ProviderSettings, model: str, feature: str) -> tuple[Decision, Row | None]:
    found: Row | None = None
    mode = mode_of(settings)
    for row in TABLE:
        same_route = fnmatchcase(mode, row.mode) and fnmatchcase(settings.type, row.provider)
        if same_route and fnmatchcase(model, row.model) and fnmatchcase(feature, row.feature):
            found = row
    if found is None:
        return REJECTED, None
    if found.decision is Setting.STATEFUL:
        return (REPLAYED if settings.stateful is Stateful.REPLAY else REJECTED), found
    if found.decision is Setting.COMPACT:
        return (TRANSLATED if settings.compact is Compact.TRANSLATE else REJECTED), found
    assert isinstance(found.decision, Decision)
    return found.decision, found


def features_of(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """(feature, name) pairs a Responses payload uses, in the shared vocabulary."""
    found: list[tuple[str, str]] = []
    for tool in payload.get("tools") or []:
        kind = str(tool.get("type", "")) if isinstance(tool, dict) else ""
        found.append(("tools", kind) if kind == "function" else (f"hosted.{kind}", kind))
    for name in ("previous_response_id", "conversation"):
        if payload.get(name):
            found.append((f"state.{name}", name))
    items = payload.get("input")
    for item in items if isinstance(items, list) else []:
        kind = str(item.get("type", "message")) if isinstance(item, dict) else "message"
        if kind not in KNOWN_ITEMS:
            found.append(("input.unknown_items", kind))
    text = payload.get("text") or {}
    fmt = (text.get("format") or {}).get("type") if isinstance(text, dict) else None
    if fmt and fmt != "text":
        found.append((f"structured.{fmt}", str(fmt)))
    if isinstance(text, dict) and text.get("verbosity"):
        found.append(("structured.verbosity", "text.verbosity"))
    if payload.get("reasoning"):
        found.append(("reasoning", "reasoning"))
    if payload.get("background"):
        found.append(("background", "background"))
    return found


def check(settings: ProviderSettings, model: str, payload: dict[str, Any]) -> dict[str, Decision]:
    """Raise GatewayError(400) for the first rejected feature; else return feature -> decision."""
    decisions = {}
    for feature, name in features_of(payload):
        decision, row = decide(settings, model, feature)
        if decision == REJECTED:
            raise rejection(settings, feature, name, row)
        decisions[feature] = decision
    return decisions


def check_operation(settings: ProviderSettings, model: str, operation: str) -> Decision:
    decision, row = decide(settings, model, operation)
    if decision == REJECTED:
        message = (row.message if row and row.message else "{name} is not supported by provider {provider}").format(
            name=operation, provider=settings.name
        )
        raise GatewayError(501, message, type="invalid_request_error", code="unsupported_response_operation")
    return decision


def rejection(settings: ProviderSettings, feature: str, name: str, row: Row | None) -> GatewayError:
    template = row.message if row and row.message else "{name} is not supported by provider {provider}"
    param = row.param if row and row.param else (name if feature.startswith("state.") else None)
    return GatewayError(400, template.format(name=name, provider=settings.name), param=param)


def table(providers: dict[str, ProviderSettings]) -> list[dict[str, str]]:
    rows = []
    for settings in providers.values():
        for feature in FEATURES:
            decision, _ = decide(settings, "*", feature)
            rows.append(
                {
                    "provider": settings.name,
                    "type": settings.type,
                    "model": "*",
                    "api_mode": mode_of(settings),
                    "feature": feature,
                    "decision": decision.value,
                }
            )
    return rows
