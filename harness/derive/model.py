"""The records a derivation produces: `Cause` (what a gateway dropped, changed, added, translated or kept from its
client), and the neutral view of one request (`View`) that each protocol's table reads a wire body into."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    DROPPED = "dropped"  # the client sent it; the upstream did not receive it
    CHANGED = "changed"  # the upstream received another value (or another role, another tool)
    ADDED = "added"  # the upstream received it (or the client got it) and the client never sent it
    TRANSLATED = "translated"  # passed on with the same meaning in the upstream's own terms
    NOT_RETURNED = "not_returned"  # the upstream answered it; the client never saw it
    NO_UPSTREAM_CALL = "no_upstream_call"  # the client's request caused no upstream request
    NO_JOURNAL = "no_journal"  # nothing to compare with: the probe kept no upstream journal


@dataclass(frozen=True)
class Cause:
    """One derived cause. `field` is a short path in the client's terms (`tool_choice`, `tools[web_search]`,
    `input[1]`, `history`, `output.web_search_call`, `usage.cost`, `request`); `client` and `upstream` are the values
    on either side as JSON values (None where a side has none); `text` says it in one line; `exchange` is the index
    of the client exchange in the cassette, `seq` the journal entry's sequence number and `protocol` the upstream's
    (responses, chat, anthropic, gemini), where there is one."""

    kind: Kind
    field: str
    text: str
    client: Any = dataclasses.field(default=None, hash=False)
    upstream: Any = dataclasses.field(default=None, hash=False)
    exchange: int | None = None
    seq: int | None = None
    protocol: str | None = None


@dataclass(frozen=True)
class Setting:
    """A setting as one protocol carries it: the neutral `name` (the Responses spelling), how this wire spells it
    (`wire`, a dotted path) with its raw value, and `value`, normalized so that two protocols compare."""

    name: str
    wire: str
    raw: Any
    value: Any

    def shown(self) -> str:
        """`wire: value`; an object too long for one line is shown by its `type` (`{"type": "json_schema", …}`)."""
        text = dumps(self.raw)
        if len(text) > 60 and isinstance(self.raw, dict):
            text = "{" + (f'"type": {dumps(self.raw["type"])}, ' if "type" in self.raw else "") + "…}"
        return f"`{self.wire}: {text}`"


@dataclass(frozen=True)
class Turn:
    """One conversation item as it arrived: role (user, assistant, tool, system), its text, the names of the tool
    calls it carries, and its item type (a Responses item's `type`; `message` elsewhere)."""

    role: str
    text: str = ""
    calls: tuple[str, ...] = ()
    kind: str = "message"


@dataclass(frozen=True)
class View:
    """A request read through its protocol's table. `hosted` maps a hosted tool's family (web_search, file_search,
    computer) to the type the wire names it by."""

    protocol: str  # responses | chat | anthropic | gemini
    model: str | None
    settings: dict[str, Setting]
    system: tuple[str, ...] = ()
    turns: tuple[Turn, ...] = ()
    functions: tuple[str, ...] = ()
    hosted: dict[str, str] = dataclasses.field(default_factory=dict)
    previous_response_id: str | None = None


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(", ", ": "), ensure_ascii=False)
