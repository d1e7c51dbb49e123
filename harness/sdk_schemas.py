"""Generate schemas/sdk/ from what the official OpenAI Python SDK really parses: its pydantic models.

Usage: python scripts/build_sdk_schemas.py [--out schemas] [--check]

The `sdk` strictness level is derived, not hand-tuned. For every answer the SDK parses (the `cast_to` or `page` of
each client method, and every member of `ResponseStreamEvent`), `TypeAdapter(model).json_schema()` gives the fields
the model requires (no default), the ones it lets go missing or null, and their types. Each becomes one
self-contained JSON Schema file, schemas/sdk/<Name>.json, named like its counterpart in schemas/openai/; and
schemas/sdk/index.json says which file judges which answer, with the SDK version the files came from.

What the schemas add to the models' own JSON Schema, each listed below with its reason:
- the SDK's leniency with unions: a tagged union (`type`) also accepts an object whose `type` is none of the tags
  the SDK knows (openai-python then builds the first member without validating, the Agents SDK skips the item);
- what the Agents SDK reads on top of the models (AGENTS_SDK_READS), kept required whatever pydantic says;
- the fields the models declare required that OpenAI's own recorded answers leave out (OPENAI_WIRE_OMITS), or
  that no SDK reads (NOT_READ_BY_THE_SDKS): optional here;
- where a model is narrower than the answer OpenAI documents (WIDER_THAN_THE_MODEL), the SDK's type for the same
  thing elsewhere.
Extra fields are allowed everywhere (the models are `extra="allow"`); documentation keywords are dropped.

`--check` rebuilds into memory and exits 1, naming the files that differ, when the committed files are not what
the installed SDK gives (after an `openai` upgrade: run the script without `--check` and commit the result). The
generation date is kept from the committed index unless something else changed, so a rebuild is byte-identical.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import typing
from pathlib import Path
from typing import Any

import openai
import pydantic
from openai.pagination import SyncConversationCursorPage, SyncCursorPage
from openai.types.conversations import (
    Conversation,
    ConversationDeletedResource,
    ConversationItem,
    ConversationItemList,
    Message,
)
from openai.types.responses import (
    CompactedResponse,
    InputTokenCountResponse,
    Response,
    ResponseItem,
    ResponseStreamEvent,
)
from pydantic import TypeAdapter

ROOT = Path(__file__).resolve().parent.parent
DRAFT = "https://json-schema.org/draft/2020-12/schema"
SPEC = "sdk"
SCRIPT = "scripts/build_sdk_schemas.py"

# The judge's name for an answer (as in schemas/openai/) -> the type the SDK parses it into.
MODELS: dict[str, tuple[Any, str]] = {
    "Response": (Response, "Response"),
    # responses.input_items.list() parses pages, not the ResponseItemList model.
    "ResponseItemList": (SyncCursorPage[ResponseItem], "SyncCursorPage[ResponseItem]"),
    "TokenCountsResource": (InputTokenCountResponse, "InputTokenCountResponse"),
    "CompactResource": (CompactedResponse, "CompactedResponse"),
    "ConversationResource": (Conversation, "Conversation"),
    "DeletedConversationResource": (ConversationDeletedResource, "ConversationDeletedResource"),
    "ConversationItem": (ConversationItem, "ConversationItem"),
    "ConversationItemList": (ConversationItemList, "ConversationItemList"),  # conversations.items.create()
    # conversations.items.list() parses pages, with other required fields than items.create()'s list.
    "ConversationItemPage": (
        SyncConversationCursorPage[ConversationItem],
        "SyncConversationCursorPage[ConversationItem]",
    ),
}

# (method, path, name, the client method that parses it): the answers the SDK parses; errors and what is not
# listed here (a successful DELETE /responses/{id}: the SDK reads nothing) are judged by OpenAI's files.
ENDPOINTS = [
    ("POST", "/responses", "Response", "responses.create"),
    ("GET", "/responses/{response_id}", "Response", "responses.retrieve"),
    ("POST", "/responses/{response_id}/cancel", "Response", "responses.cancel"),
    ("GET", "/responses/{response_id}/input_items", "ResponseItemList", "responses.input_items.list"),
    ("POST", "/responses/input_tokens", "TokenCountsResource", "responses.input_tokens.count"),
    ("POST", "/responses/compact", "CompactResource", "responses.compact"),
    ("POST", "/conversations", "ConversationResource", "conversations.create"),
    ("GET", "/conversations/{conversation_id}", "ConversationResource", "conversations.retrieve"),
    ("POST", "/conversations/{conversation_id}", "ConversationResource", "conversations.update"),
    ("DELETE", "/conversations/{conversation_id}", "DeletedConversationResource", "conversations.delete"),
    ("POST", "/conversations/{conversation_id}/items", "ConversationItemList", "conversations.items.create"),
    ("GET", "/conversations/{conversation_id}/items", "ConversationItemPage", "conversations.items.list"),
    ("GET", "/conversations/{conversation_id}/items/{item_id}", "ConversationItem", "conversations.items.retrieve"),
    ("DELETE", "/conversations/{conversation_id}/items/{item_id}", "ConversationResource",
     "conversations.items.delete"),
]  # fmt: skip

# (pydantic definition, field): what the Agents SDK (openai-agents) reads without a fallback, kept required even
# where a future openai-python marks it optional. Today the models require every one of them already.
AGENTS_SDK_READS: dict[tuple[str, str], str] = {
    # run_internal/turn_resolution.py dispatches every output item on get_mapping_or_attr(output, "type").
    ("ResponseOutputMessage", "type"): "the runner dispatches each output item on its type",
    ("ResponseFunctionToolCall", "type"): "the runner dispatches each output item on its type",
    # ItemHelpers.text_message_output / extract_last_text walk message.content and read part.text.
    ("ResponseOutputMessage", "content"): "the final output is read from the message's content parts",
    ("ResponseOutputText", "type"): "text parts are told from refusals by their type",
    ("ResponseOutputText", "text"): "the final output is the text of the last output_text part",
    # The tool loop runs the named function with the parsed arguments and answers with the same call_id.
    ("ResponseFunctionToolCall", "call_id"): "the tool result is sent back under this call_id",
    ("ResponseFunctionToolCall", "name"): "the function to run (or handoff to make) is looked up by name",
    ("ResponseFunctionToolCall", "arguments"): "the function is called with these JSON arguments",
    # ModelResponse(output=response.output, response_id=response.id) after each turn, plain or streamed.
    ("Response", "id"): "previous_response_id of the next turn",
    ("Response", "output"): "the items of the turn",
    # Streaming: run_loop.py takes the turn from response.completed and collects output_item.done's item.
    ("ResponseCompletedEvent", "response"): "the streamed turn's result",
    ("ResponseOutputItemDoneEvent", "item"): "kept when response.completed's output is empty",
    ("ResponseOutputItemAddedEvent", "item"): "openai-python's stream helper opens the item from it",
    ("ResponseTextDeltaEvent", "delta"): "the text a streaming UI prints",
}

# (pydantic definition, field): declared required by the models but absent from OpenAI's own answers
# (tests/fixtures/provider-wire/openai and xai). The SDK's default mode builds models without validating, so the
# field reads as None; the Agents SDK reads it with a default. Each entry is needed by the recordings (a test
# checks that).
OPENAI_WIRE_OMITS: dict[tuple[str, str], str] = {
    ("InputTokensDetails", "cache_write_tokens"): "usage.input_tokens_details of OpenAI's own answers has no "
    "cache_write_tokens; the Agents SDK reads it with getattr(..., 0)",
}

# (pydantic definition, field): declared required by the models, but neither SDK reads it: openai-python's stream
# helper (lib/streaming/responses/_responses.py) only copies it into the event it yields, the Agents SDK never
# touches it, so a stream without it is read as well as one with it (a test feeds such a stream through the
# helper). OpenAI sends it; gateways that translate Chat Completions often do not.
NOT_READ_BY_THE_SDKS: dict[tuple[str, str], str] = {
    ("ResponseTextDeltaEvent", "logprobs"): "copied through by the stream helper, read by neither SDK",
    ("ResponseTextDoneEvent", "logprobs"): "copied through by the stream helper, read by neither SDK",
}

# (file, pydantic definition, field) -> (the SDK's own type for it, why): where a model is narrower than what OpenAI
# documents for that answer, the field takes the type the SDK gives the same thing elsewhere. The SDK's default
# mode builds the model without validating, so it reads these answers all the same.
WIDER_THAN_THE_MODEL: dict[tuple[str, str, str], tuple[Any, str]] = {
    ("CompactResource", "ResponseOutputMessage", "role"): (
        Message.model_fields["role"].annotation,
        "CompactedResponse.output is typed as output items (role: assistant), but OpenAI documents it as the user "
        "messages kept, then a compaction item; a message takes the roles of the SDK's conversation Message",
    ),
}

# Keywords that document and do not validate.
DROPPED = ("title", "description", "default", "examples")
NAME_MAPS = ("properties", "patternProperties", "$defs")


def event_models() -> dict[str, type[pydantic.BaseModel]]:
    """`type` value -> model, for every member of the SDK's ResponseStreamEvent union."""
    union = typing.get_args(ResponseStreamEvent)[0]  # Annotated[Union[...], PropertyInfo(discriminator="type")]
    out: dict[str, type[pydantic.BaseModel]] = {}
    for model in typing.get_args(union):
        for tag in typing.get_args(model.model_fields["type"].annotation):
            out[tag] = model
    return out


def clean(node: Any) -> Any:
    if isinstance(node, list):
        return [clean(value) for value in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in NAME_MAPS and isinstance(value, dict):
            out[key] = {name: clean(sub) for name, sub in value.items()}
        elif key not in DROPPED:
            out[key] = clean(value)
    return out


def _tags(defs: dict[str, Any], member: Any) -> list[str]:
    """The `type` values a union member accepts (through nested unions), [] when it has no `type` tag."""
    if not isinstance(member, dict):
        return []
    ref = member.get("$ref", "")
    if ref.startswith("#/$defs/"):
        return _tags(defs, defs[ref[len("#/$defs/") :]])
    if "anyOf" in member:
        return [tag for sub in member["anyOf"] for tag in _tags(defs, sub)]
    kind = member.get("properties", {}).get("type", {})
    return [kind["const"]] if "const" in kind else list(kind.get("enum", []))


def lenient_unions(defs: dict[str, Any], node: Any) -> Any:
    """Every union of two or more `type`-tagged objects also takes an object with a `type` it does not know, as
    openai-python does (construct_type builds the first member without validating)."""
    if isinstance(node, list):
        return [lenient_unions(defs, value) for value in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        names = key in NAME_MAPS and isinstance(value, dict)
        out[key] = {k: lenient_unions(defs, v) for k, v in value.items()} if names else lenient_unions(defs, value)
    members = out.get("anyOf")
    if isinstance(members, list):
        tagged = [tags for tags in (_tags(defs, m) for m in members) if tags]
        if len(tagged) >= 2:
            known = sorted({tag for tags in tagged for tag in tags})
            other = {"type": "string", "not": {"enum": known}}
            out["anyOf"] = [*members, {"type": "object", "required": ["type"], "properties": {"type": other}}]
    return out


def _require(defs: dict[str, Any], fields: dict[tuple[str, str], str], wanted: bool) -> set[tuple[str, str]]:
    """Make each (definition, field) present in `defs` required (or not); the pairs that were found."""
    found = set()
    for name, field in fields:
        node = defs.get(name)
        if node is None:
            continue
        assert field in node.get("properties", {}), f"{name} has no field {field!r}"
        required = [f for f in node.get("required", []) if f != field]
        node["required"] = sorted([*required, field]) if wanted else required
        found.add((name, field))
    return found


def schema_of(name: str, model: Any, label: str, seen: set[tuple[str, str]]) -> dict[str, Any]:
    raw = TypeAdapter(model).json_schema(ref_template="#/$defs/{model}")
    defs = raw.pop("$defs", {})
    if "$ref" in raw and len(raw) == 1:
        root = raw["$ref"].rsplit("/", 1)[-1]
    else:
        assert name not in defs, f"{name} is also a definition inside its own schema"
        root, defs[name] = name, raw
    defs = clean(defs)
    seen |= _require(defs, AGENTS_SDK_READS, True)
    seen |= _require(defs, OPENAI_WIRE_OMITS | NOT_READ_BY_THE_SDKS, False)
    for (file, definition, field), (annotation, _why) in WIDER_THAN_THE_MODEL.items():
        if file == name:
            defs[definition]["properties"][field] = clean(TypeAdapter(annotation).json_schema())
    defs = {key: lenient_unions(defs, value) for key, value in defs.items()}
    return {
        "$schema": DRAFT,
        "$id": f"{SPEC}/{name}.json",
        "$comment": f"Generated by {SCRIPT} from {label} of openai-python {openai.__version__}.",
        "$ref": f"#/$defs/{root}",
        "$defs": dict(sorted(defs.items())),
    }


def build(openai_index: dict[str, Any], generated: str) -> dict[str, Any]:
    """Relative file name (under schemas/) -> JSON document, for every file this script owns."""
    files: dict[str, Any] = {}
    seen: set[tuple[str, str]] = set()
    names = {f"/{file.rsplit('/', 1)[-1]}" for file in openai_index["events"].values()}
    events: dict[str, str] = {}
    for tag, model in sorted(event_models().items()):
        # The name OpenAI's description gives the event (ResponseMCPCallFailedEvent, not ...McpCall...), if any.
        openai_file = openai_index["events"].get(tag)
        name = openai_file.rsplit("/", 1)[-1].removesuffix(".json") if openai_file else model.__name__
        assert openai_file or f"/{name}.json" not in names
        files[f"{SPEC}/{name}.json"] = schema_of(name, model, model.__name__, seen)
        events[tag] = f"{SPEC}/{name}.json"
    for name, (model, label) in MODELS.items():
        files[f"{SPEC}/{name}.json"] = schema_of(name, model, label, seen)
    unused = (set(AGENTS_SDK_READS) | set(OPENAI_WIRE_OMITS) | set(NOT_READ_BY_THE_SDKS)) - seen
    unused |= {(file, d) for file, d, _ in WIDER_THAN_THE_MODEL if f"{SPEC}/{file}.json" not in files}
    assert not unused, f"definitions no longer in the SDK's models: {sorted(unused)}"
    known = {(row["method"], row["path"]) for row in openai_index["endpoints"]}
    rows = []
    for method, path, name, client_method in ENDPOINTS:
        assert (method, path) in known, f"{method} {path} is not in OpenAI's description"
        rows.append(
            {
                "method": method,
                "path": path,
                "status": "2xx",
                "content_type": "application/json",
                "schema": f"{SPEC}/{name}.json",
                "sdk": f"client.{client_method}",
            }
        )
    files[f"{SPEC}/index.json"] = {
        "$comment": f"Generated by {SCRIPT}; see schemas/README.md.",
        "source": f"openai-python {openai.__version__} (pydantic {pydantic.VERSION}): the models the SDK parses "
        "answers and stream events into; Apache-2.0, (c) OpenAI",
        "openai_version": openai.__version__,
        "generated": generated,
        "schemas": sorted(name for name in files if name != f"{SPEC}/index.json"),
        "endpoints": rows,
        "events": dict(sorted(events.items())),
    }
    return files


def render(document: Any) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _committed_date(out: Path) -> str | None:
    path = out / SPEC / "index.json"
    return json.loads(path.read_text()).get("generated") if path.exists() else None


def generate(out: Path) -> dict[str, str]:
    """Relative file name -> text. The committed generation date is kept when nothing else changed."""
    openai_index = json.loads((out / "index.json").read_text())["openai"]
    committed = _committed_date(out)
    texts = {name: render(doc) for name, doc in build(openai_index, committed or "").items()}
    if committed is None or texts != _existing(out):
        today = dt.datetime.now(dt.UTC).date().isoformat()
        texts = {name: render(doc) for name, doc in build(openai_index, today).items()}
    return texts


def _existing(out: Path) -> dict[str, str]:
    return {f"{SPEC}/{path.name}": path.read_text() for path in sorted((out / SPEC).glob("*.json"))}


def check(out: Path) -> list[str]:
    """What differs between the committed files and what the installed SDK gives (empty when they match)."""
    committed = _existing(out)
    index = json.loads(committed.get(f"{SPEC}/index.json", "{}"))
    problems = []
    if index.get("openai_version") != openai.__version__:
        problems.append(
            f"schemas/{SPEC} was generated from openai {index.get('openai_version')}, "
            f"openai {openai.__version__} is installed"
        )
    openai_index = json.loads((out / "index.json").read_text())["openai"]
    texts = {name: render(doc) for name, doc in build(openai_index, index.get("generated", "")).items()}
    for name in sorted(set(texts) | set(committed)):
        if texts.get(name) != committed.get(name):
            problems.append(f"schemas/{name} " + ("is missing" if name not in committed else "differs"))
    return problems


def write(texts: dict[str, str], out: Path) -> None:
    folder = out / SPEC
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.json"):
        if f"{SPEC}/{stale.name}" not in texts:
            stale.unlink()
    for name, text in sorted(texts.items()):
        path = out / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "schemas", help="the schemas/ folder (holds index.json)")
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args()
    if args.check:
        problems = check(args.out)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"regenerate with: python {SCRIPT}", file=sys.stderr)
            return 1
        print(f"schemas/{SPEC} matches openai {openai.__version__}")
        return 0
    texts = generate(args.out)
    write(texts, args.out)
    size = sum(len(text.encode()) for text in texts.values())
    print(f"wrote {len(texts)} files under {args.out / SPEC} ({size // 1024} KiB) from openai {openai.__version__}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
