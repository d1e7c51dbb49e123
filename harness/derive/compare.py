"""One client request against the upstream request(s) it caused, and the upstream's answer against the client's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from harness.derive.answers import SEARCH_ANSWER, agrees, client_outputs, client_response, upstream_reply
from harness.derive.model import Cause, Kind, Setting, Turn, dumps
from harness.derive.pairing import Pair
from harness.derive.views import DEFAULTS, NAMES, NO_EQUIVALENT, REQUIRED, responses_view
from harness.wire import Exchange

SYSTEM_ROLES = ("system", "developer")
# Input items with no counterpart to look for on a translated route (the gateway expands or drops them by design).
OPAQUE_ITEMS = ("compaction", "reasoning", "item_reference")


def _squash(text: str) -> str:
    return " ".join(text.split())


def _found(text: str, texts: Sequence[str]) -> bool:
    wanted = _squash(text)
    return any(wanted in _squash(t) for t in texts)


class Comparison:
    """Collects the causes for one pair: `cause(...)` stamps each with the exchange and the journal entry."""

    def __init__(self, pair: Pair) -> None:
        self.pair = pair
        self.client = pair.client
        entry, self.upstream = pair.entries[0]
        self.seq = entry.get("seq") if isinstance(entry.get("seq"), int) else None
        self.causes: list[Cause] = []
        self.arrived: set[str] = set()
        self.added: list[str] = []  # function tools the upstream got and the client never sent

    def cause(self, kind: Kind, path: str, text: str, client: Any = None, upstream: Any = None) -> None:
        exchange, protocol = self.pair.exchange.index, self.upstream.protocol
        self.causes.append(Cause(kind, path, text, client, upstream, exchange, self.seq, protocol))

    @property
    def where(self) -> str:
        return NAMES[self.upstream.protocol]

    # model, settings --------------------------------------------------------------------------------------------
    def model(self) -> None:
        ours, theirs = self.client.model, self.upstream.model
        if ours and theirs and ours != theirs:
            self.cause(Kind.TRANSLATED, "model", f"`model: {dumps(ours)}` sent upstream as `{theirs}`", ours, theirs)

    def settings(self) -> None:
        names = [*self.client.settings, *(n for n in self.upstream.settings if n not in self.client.settings)]
        for name in names:
            self.setting(name, self.client.settings.get(name), self.upstream.settings.get(name))

    def setting(self, name: str, ours: Setting | None, theirs: Setting | None) -> None:
        default = DEFAULTS.get(name)
        if name in ("tool_choice", "parallel_tool_calls") and not (self.client.functions or self.client.hosted):
            return  # without tools neither means anything
        if ours is not None and theirs is not None:
            self.arrived.add(name)
            if ours.value != theirs.value and not (name == "reasoning" and "budget" in str(theirs.value)):
                text = f"{ours.shown()} changed to {theirs.shown()}"
                self.cause(Kind.CHANGED, name, text, ours.raw, theirs.raw)
            elif ours.wire != theirs.wire or ours.raw != theirs.raw:
                text = f"{ours.shown()} passed on as {theirs.shown()}"
                self.cause(Kind.TRANSLATED, name, text, ours.raw, theirs.raw)
        elif ours is not None and ours.value != default:
            stand_in = next((n for n in self.added if name == "text.format" and "json" in n), None)
            if stand_in is not None:
                self.added.remove(stand_in)
                self.arrived.add(name)
                text = f"{ours.shown()} passed on as the gateway's function tool `{stand_in}`, forced"
                self.cause(Kind.TRANSLATED, name, text, ours.raw, stand_in)
                return
            if name in NO_EQUIVALENT.get(self.upstream.protocol, ()):
                text = f"{ours.shown()} cannot be passed on: {self.where} has no such setting"
            else:
                text = f"{ours.shown()} dropped"
            self.cause(Kind.DROPPED, name, text, ours.raw, None)
        elif ours is not None:
            self.arrived.add(name)  # the upstream's default is the value asked for
        elif theirs is not None and theirs.value != default:
            required = name in REQUIRED.get(self.upstream.protocol, ())
            text = f"{theirs.shown()} added (" + (f"{self.where} requires it; " if required else "")
            text += f"the client set no `{name}`)"
            self.cause(Kind.ADDED, name, text, None, theirs.raw)

    # system, messages -------------------------------------------------------------------------------------------
    def system(self) -> None:
        theirs = list(self.upstream.system) + [t.text for t in self.upstream.turns if t.role in SYSTEM_ROLES]
        conversation = [t for t in self.upstream.turns if t.role not in SYSTEM_ROLES]
        ours = [("instructions", "`instructions`", text) for text in self.client.system]
        ours += [
            (f"input[{i}]", f"input[{i}] (`{t.role}` message)", t.text)
            for i, t in enumerate(self.client.turns)
            if t.role in SYSTEM_ROLES and t.text.strip()
        ]
        for path, label, text in ours:
            if _found(text, theirs):
                self.arrived.add(path)
            elif _found(text, [t.text for t in conversation]):
                role = next(t.role for t in conversation if _found(text, [t.text]))
                self.cause(Kind.CHANGED, path, f"{label} sent as part of a `{role}` message", text, role)
            else:
                self.cause(Kind.DROPPED, path, f"{label} dropped", text, None)

    def inputs(self) -> None:
        theirs = [t for t in self.upstream.turns if t.role not in SYSTEM_ROLES]
        calls = {name for t in theirs for name in t.calls}
        for i, turn in enumerate(self.client.turns):
            path = f"input[{i}]"
            if turn.role in SYSTEM_ROLES:
                continue
            if turn.kind == "message" and turn.text.strip():
                self.message(path, turn, theirs)
            elif turn.kind == "function_call":
                self.expect(path, bool(set(turn.calls) & calls), f"`function_call` to `{turn.calls[0]}`", turn.calls)
            elif turn.kind.endswith("_call_output"):
                found = _found(turn.text, [t.text for t in theirs if t.role == "tool"])
                self.expect(path, found, f"`{turn.kind}`", turn.text)
            elif turn.kind != "message" and (turn.kind not in OPAQUE_ITEMS or self.upstream.protocol == "responses"):
                self.expect(path, turn.kind in {t.kind for t in theirs}, f"`{turn.kind}` item", turn.kind)

    def expect(self, path: str, found: bool, label: str, value: Any) -> None:
        if found:
            self.arrived.add(path)
        else:
            self.cause(Kind.DROPPED, path, f"input item {path[6:-1]} ({label}) dropped", value, None)

    def message(self, path: str, turn: Turn, theirs: list[Turn]) -> None:
        same = [t.text for t in theirs if t.role == turn.role]
        if _found(turn.text, same):
            self.arrived.add(path)
            return
        other = next((t for t in theirs if _found(turn.text, [t.text])), None)
        if other is None and _found(turn.text, list(self.upstream.system)):
            other = Turn("system")
        if other is not None:
            text = f"input item {path[6:-1]} (`{turn.role}` message) sent as a `{other.role}` message"
            self.cause(Kind.CHANGED, path, text, turn.role, other.role)
        else:
            self.cause(Kind.DROPPED, path, f"input item {path[6:-1]} (`{turn.role}` message) dropped", turn.text)

    # tools ------------------------------------------------------------------------------------------------------
    def tools(self) -> None:
        ours, theirs = self.client, self.upstream
        self.added = added = [name for name in theirs.functions if name not in ours.functions]
        for name in ours.functions:
            if name in theirs.functions:
                self.arrived.add(f"tools[{name}]")
            else:
                self.cause(Kind.DROPPED, f"tools[{name}]", f"function tool `{name}` dropped", name, None)
        for fam, kind in ours.hosted.items():
            path = f"tools[{kind}]"
            stand_in = next((name for name in added if kind in name or fam in name), None)
            if fam in theirs.hosted:
                self.arrived.add(path)
                if theirs.hosted[fam] != kind:
                    text = f"`{kind}` tool passed on as {self.where}'s `{theirs.hosted[fam]}`"
                    self.cause(Kind.TRANSLATED, path, text, kind, theirs.hosted[fam])
            elif stand_in is not None:
                added.remove(stand_in)
                text = f"`{kind}` tool replaced upstream by the gateway's function tool `{stand_in}`"
                self.cause(Kind.CHANGED, path, text, kind, stand_in)
            else:
                self.cause(Kind.DROPPED, path, f"`{kind}` tool dropped", kind, None)
        for fam, kind in theirs.hosted.items():
            if fam not in ours.hosted:
                self.cause(Kind.ADDED, f"tools[{kind}]", f"hosted tool `{kind}` added upstream", None, kind)

    def added_tools(self) -> None:
        for name in self.added:
            self.cause(Kind.ADDED, f"tools[{name}]", f"function tool `{name}` added upstream", None, name)

    # history ----------------------------------------------------------------------------------------------------
    def history(self, chain: Sequence[Exchange] | None) -> None:
        ours = self.client.previous_response_id
        if ours is None or self.upstream.previous_response_id is not None:
            if ours is not None:
                self.arrived.add("history")
            return
        theirs = [t for t in self.upstream.turns if t.role not in SYSTEM_ROLES]
        current = [t for t in self.client.turns if t.role not in SYSTEM_ROLES]
        if chain is None:
            text = f"`previous_response_id` dropped: the upstream got this request's messages only ({len(theirs)})"
            self.cause(Kind.DROPPED, "previous_response_id", text, ours, None)
            return
        expected = len(current)
        missing = []
        for number, earlier in enumerate(chain, start=1):
            view = responses_view(earlier.request_json)
            turns = [t for t in view.turns if t.role not in SYSTEM_ROLES]
            expected += len(turns) + (1 if client_outputs(earlier) else 0)
            users = [t.text for t in turns if t.role == "user" and t.text.strip()]
            if users and not any(_found(u, [t.text for t in theirs]) for u in users):
                missing.append(str(number))
        if not missing:
            self.arrived.add("history")
            return
        turns_text = f"turn {missing[0]}" if len(missing) == 1 else f"turns {', '.join(missing)}"
        text = f"{turns_text} missing from the upstream's messages ({len(theirs)} of {expected} messages arrived)"
        self.cause(Kind.DROPPED, "history", text, expected, len(theirs))

    # answers ----------------------------------------------------------------------------------------------------
    def answers(self) -> None:
        exchange = self.pair.exchange
        replies = [(entry, upstream_reply(entry)) for entry, _ in self.pair.entries]
        answered = [reply for _, reply in replies if reply is not None]
        response = client_response(exchange)
        if response is None:
            # A 200 the client got is the upstream's answer passed on (the judge says what is wrong with it); only
            # another status means the upstream's answer did not reach the client.
            if exchange.status != 200 and any(entry.get("status") == 200 for entry, _ in replies):
                text = f"the upstream's answer (200) did not reach the client: it got {exchange.status}"
                self.cause(Kind.NOT_RETURNED, "response", text, exchange.status, 200)
            return
        outputs = client_outputs(exchange)
        trusted = answered if answered and agrees(answered[-1], exchange) else []
        got_calls = Counter(str(o.name) for o in outputs if o.type == "function_call")
        made = Counter(name for r in trusted for name in r.function_calls if name in self.client.functions)
        for name, count in (made - got_calls).items():
            text = f"the upstream's call to `{name}` did not reach the client"
            text += f" ({count} calls)" if count > 1 else ""
            self.cause(Kind.NOT_RETURNED, f"output.function_call[{name}]", text, None, name)
        got_items = Counter(o.type for o in outputs)
        hosted = Counter(kind for r in trusted for kind in r.hosted_calls)
        for kind in hosted - got_items:
            text = f"the upstream's `{kind}` did not reach the client"
            if kind == "web_search_call" and self.upstream.protocol != "responses":
                answer = SEARCH_ANSWER[self.upstream.protocol]
                text = f"the upstream's {answer} did not reach the client (no `{kind}` item)"
            self.cause(Kind.NOT_RETURNED, f"output.{kind}", text, None, kind)
        usage = response.get("usage")
        upstream_usage = {key for r in answered for key in r.usage}
        if isinstance(usage, Mapping) and upstream_usage:
            for key in usage:
                if key not in upstream_usage:
                    text = f"`usage.{key}: {dumps(usage[key])}` added by the gateway (the upstream's usage has none)"
                    self.cause(Kind.ADDED, f"usage.{key}", text, usage[key], None)


def compare(pair: Pair, chain: Sequence[Exchange] | None) -> tuple[list[Cause], set[str]]:
    """The causes for one client request that reached the upstream, and the client fields that arrived there
    (verbatim or translated)."""
    comparison = Comparison(pair)
    comparison.model()
    comparison.system()
    comparison.inputs()
    comparison.history(chain)
    comparison.tools()
    comparison.settings()
    comparison.added_tools()
    comparison.answers()
    if len(pair.entries) > 1:
        n = len(pair.entries)
        text = f"{n} upstream requests for this one client request (the gateway's own follow-ups)"
        comparison.cause(Kind.ADDED, "request", text, 1, n)
    return comparison.causes, comparison.arrived


def chain_of(exchange: Exchange, earlier: Sequence[Exchange]) -> list[Exchange] | None:
    """The client's earlier requests a `previous_response_id` continues, oldest first; None when the id names no
    response this cassette holds."""
    by_id: dict[str, Exchange] = {}
    for x in earlier:
        response = client_response(x)
        if response is not None and isinstance(response.get("id"), str):
            by_id[response["id"]] = x
    chain: list[Exchange] = []
    wanted = (exchange.request_json or {}).get("previous_response_id")
    while isinstance(wanted, str):
        if wanted not in by_id or by_id[wanted] in chain:
            return None if not chain else chain[::-1]
        chain.append(by_id[wanted])
        wanted = (by_id[wanted].request_json or {}).get("previous_response_id")
    return chain[::-1]
