"""The `sdk` strictness level: JSON Schemas derived from what the installed OpenAI Python SDK really parses.

The level is derived, not hand-tuned, and it follows the SDK the user has. For every answer the SDK parses (the
`cast_to` or `page` of each client method, and every member of `ResponseStreamEvent`), `TypeAdapter(model)
.json_schema()` gives the fields the model requires (no default), the ones it lets go missing or null, and their
types. Each becomes one self-contained JSON Schema file, `<Name>.json`, named like its counterpart in
schemas/openai/; `index.json` says which file judges which answer, with the SDK version the files came from.

Where the files come from (`folder()`): schemas/sdk/ is the committed snapshot for the locked `openai`
(requirements/constraints.txt); with any other version installed, the files are built from that version's models
the first time a run needs them and cached per version under the user's cache directory. A model, a definition or
a field that a version lacks is noted in its index (`notes`), never an error: the judge then falls back to
OpenAI's published schema for what the SDK has no model for.

What the schemas add to the models' own JSON Schema, each listed below with its reason:
- the SDK's leniency with unions: a tagged union (`type`) also accepts an object whose `type` is none of the tags
  the SDK knows (openai-python then builds the first member without validating, the Agents SDK skips the item);
- what the Agents SDK reads on top of the models (AGENTS_SDK_READS), kept required whatever pydantic says;
- the fields the models declare required that OpenAI's own recorded answers leave out (OPENAI_WIRE_OMITS), or
  that no SDK reads (NOT_READ_BY_THE_SDKS): optional here;
- where a model is narrower than the answer OpenAI documents (WIDER_THAN_THE_MODEL), the SDK's type for the same
  thing elsewhere.
Extra fields are allowed everywhere (the models are `extra="allow"`); documentation keywords are dropped.

`python -m harness.sdk_schemas --check` compares the committed snapshot with what the installed SDK gives;
`--write` rewrites it (`tox -e lock` does, after re-resolving the lock). `gateway-conformance sdk-schemas --diff`
says what changed between two SDK versions.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import json
import os
import shutil
import sys
import tempfile
import typing
from collections.abc import Callable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"  # links to the top-level schemas/ folder
SNAPSHOT = SCHEMA_DIR / "sdk"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
SPEC = "sdk"
MODULE = "harness.sdk_schemas"
CACHE_ENV = "GATEWAY_CONFORMANCE_CACHE"

# The judge's name for an answer (as in schemas/openai/) -> (module, the type the SDK parses it into, label).
# A generic page is written as ("pagination", "SyncCursorPage", item module, item type).
MODELS: dict[str, tuple[str, ...]] = {
    "Response": ("responses", "Response"),
    # responses.input_items.list() parses pages, not the ResponseItemList model.
    "ResponseItemList": ("pagination", "SyncCursorPage", "responses", "ResponseItem"),
    "TokenCountsResource": ("responses", "InputTokenCountResponse"),
    "CompactResource": ("responses", "CompactedResponse"),
    "ConversationResource": ("conversations", "Conversation"),
    "DeletedConversationResource": ("conversations", "ConversationDeletedResource"),
    "ConversationItem": ("conversations", "ConversationItem"),
    "ConversationItemList": ("conversations", "ConversationItemList"),  # conversations.items.create()
    # conversations.items.list() parses pages, with other required fields than items.create()'s list.
    "ConversationItemPage": ("pagination", "SyncConversationCursorPage", "conversations", "ConversationItem"),
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

# (file, pydantic definition, field) -> ((module, model, field) whose type the field takes, why): where a model is
# narrower than what OpenAI documents for that answer, the field takes the type the SDK gives the same thing
# elsewhere. The SDK's default mode builds the model without validating, so it reads these answers all the same.
WIDER_THAN_THE_MODEL: dict[tuple[str, str, str], tuple[tuple[str, str, str], str]] = {
    ("CompactResource", "ResponseOutputMessage", "role"): (
        ("conversations", "Message", "role"),
        "CompactedResponse.output is typed as output items (role: assistant), but OpenAI documents it as the user "
        "messages kept, then a compaction item; a message takes the roles of the SDK's conversation Message",
    ),
}

# Keywords that document and do not validate.
DROPPED = ("title", "description", "default", "examples")
NAME_MAPS = ("properties", "patternProperties", "$defs")


def installed_versions() -> dict[str, str | None]:
    """The versions of the two SDKs the harness judges with (read from the installed metadata, nothing imported)."""
    out: dict[str, str | None] = {}
    for name in ("openai", "openai-agents"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def snapshot_version() -> str | None:
    path = SNAPSHOT / "index.json"
    return json.loads(path.read_text()).get("openai_version") if path.exists() else None


def cache_root() -> Path:
    """Where derived schema sets are kept: $GATEWAY_CONFORMANCE_CACHE, else the user's cache directory."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gateway-conformance"


def cached_folder(version: str) -> Path:
    return cache_root() / "sdk-schemas" / f"openai-{version}"


@cache
def folder() -> Path:
    """The `sdk` schema files for the installed `openai`: the committed snapshot when it is that version, else the
    per-version cache, built from the installed models the first time (in a temporary folder, then renamed, so
    two runs building at once cannot leave half a set)."""
    version = installed_versions()["openai"]
    if version is None or version == snapshot_version():
        return SNAPSHOT
    target = cached_folder(version)
    if (target / "index.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".openai-{version}-", dir=target.parent))
    try:
        texts, _notes = generate(today())
        write(texts, tmp)
        with contextlib.suppress(OSError):  # another run got there first: its set is the same
            tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def source() -> str:
    """Where the `sdk` level's files come from, in words for a report."""
    where = folder()
    kind = "committed snapshot" if where == SNAPSHOT else f"derived, cached at {where}"
    return f"openai {installed_versions()['openai']} ({kind})"


# --- building ---------------------------------------------------------------------------------------------------


def _resolve(path: tuple[str, ...], notes: list[str]) -> Any:
    """The type named by a MODELS entry, or None (noted) when the installed SDK lacks it."""
    try:
        if path[0] == "pagination":
            page = getattr(importlib.import_module("openai.pagination"), path[1])
            return page[getattr(importlib.import_module(f"openai.types.{path[2]}"), path[3])]
        return getattr(importlib.import_module(f"openai.types.{path[0]}"), path[1])
    except (ImportError, AttributeError) as exc:
        notes.append(f"no model {'.'.join(path)} in this openai ({exc}): OpenAI's schema judges it")
        return None


def _label(path: tuple[str, ...]) -> str:
    return f"{path[1]}[{path[3]}]" if path[0] == "pagination" else path[1]


def event_models() -> dict[str, Any]:
    """`type` value -> model, for every member of the SDK's ResponseStreamEvent union."""
    from openai.types.responses import ResponseStreamEvent

    union = ResponseStreamEvent
    while typing.get_origin(union) is typing.Annotated:  # Annotated[Union[...], PropertyInfo(discriminator=...)]
        union = typing.get_args(union)[0]
    out: dict[str, Any] = {}
    for model in typing.get_args(union):
        for tag in typing.get_args(model.model_fields["type"].annotation):
            out[tag] = model
    return out


def _each(key: str, value: Any, rebuilt: Callable[[Any], Any]) -> Any:
    """A keyword's value `rebuilt`; a name map's values each rebuilt (its keys are names, never keywords)."""
    if key in NAME_MAPS and isinstance(value, dict):
        return {name: rebuilt(sub) for name, sub in value.items()}
    return rebuilt(value)


def clean(node: Any) -> Any:
    """A schema without the keywords that only document (DROPPED)."""
    if isinstance(node, list):
        return [clean(value) for value in node]
    if not isinstance(node, dict):
        return node
    return {key: _each(key, value, clean) for key, value in node.items() if key not in DROPPED}


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
    out = {key: _each(key, value, lambda sub: lenient_unions(defs, sub)) for key, value in node.items()}
    members = out.get("anyOf")
    if isinstance(members, list):
        tagged = [tags for tags in (_tags(defs, m) for m in members) if tags]
        if len(tagged) >= 2:
            known = sorted({tag for tags in tagged for tag in tags})
            other = {"type": "string", "not": {"enum": known}}
            out["anyOf"] = [*members, {"type": "object", "required": ["type"], "properties": {"type": other}}]
    return out


def _require(
    defs: dict[str, Any], fields: dict[tuple[str, str], str], wanted: bool, notes: list[str]
) -> set[tuple[str, str]]:
    """Make each (definition, field) present in `defs` required (or not); the pairs that were found."""
    found = set()
    for name, field in fields:
        node = defs.get(name)
        if node is None:
            continue
        found.add((name, field))
        if field not in node.get("properties", {}):
            notes.append(f"{name} has no field {field!r} in this openai: the adjustment for it does not apply")
            continue
        required = [f for f in node.get("required", []) if f != field]
        node["required"] = sorted([*required, field]) if wanted else required
    return found


def _wider(spec: tuple[str, str, str], notes: list[str]) -> Any:
    module, model, field = spec
    try:
        annotation = getattr(importlib.import_module(f"openai.types.{module}"), model).model_fields[field].annotation
    except (ImportError, AttributeError, KeyError) as exc:
        notes.append(f"no {module}.{model}.{field} in this openai ({exc!r}): the model's own type is kept")
        return None
    from pydantic import TypeAdapter

    return clean(TypeAdapter(annotation).json_schema())


def schema_of(name: str, model: Any, label: str, seen: set[tuple[str, str]], notes: list[str]) -> dict[str, Any]:
    import openai
    from pydantic import TypeAdapter

    raw = TypeAdapter(model).json_schema(ref_template="#/$defs/{model}")
    defs = raw.pop("$defs", {})
    if "$ref" in raw and len(raw) == 1:
        root = raw["$ref"].rsplit("/", 1)[-1]
    else:
        if name in defs:
            notes.append(f"{name} is also a definition inside its own schema: the root keeps its name")
        root, defs[name] = name, raw
    defs = clean(defs)
    seen |= _require(defs, AGENTS_SDK_READS, True, notes)
    seen |= _require(defs, OPENAI_WIRE_OMITS | NOT_READ_BY_THE_SDKS, False, notes)
    for (file, definition, field), (spec, _why) in WIDER_THAN_THE_MODEL.items():
        if file == name and field in defs.get(definition, {}).get("properties", {}):
            wider = _wider(spec, notes)
            if wider is not None:
                defs[definition]["properties"][field] = wider
    defs = {key: lenient_unions(defs, value) for key, value in defs.items()}
    return {
        "$schema": DRAFT,
        "$id": f"{SPEC}/{name}.json",
        "$comment": f"Generated by {MODULE} from {label} of openai-python {openai.__version__}.",
        "$ref": f"#/$defs/{root}",
        "$defs": dict(sorted(defs.items())),
    }


def build(openai_index: dict[str, Any], generated: str) -> tuple[dict[str, Any], list[str]]:
    """(file name -> JSON document, notes) for the installed SDK. A name of the form `Name.json` or `index.json`;
    the notes say what this version lacks of what the adjustments name (empty for the version they were made on)."""
    import openai
    import pydantic

    files: dict[str, Any] = {}
    notes: list[str] = []
    seen: set[tuple[str, str]] = set()
    names = {f"/{file.rsplit('/', 1)[-1]}" for file in openai_index["events"].values()}
    events: dict[str, str] = {}
    for tag, model in sorted(event_models().items()):
        # The name OpenAI's description gives the event (ResponseMCPCallFailedEvent, not ...McpCall...), if any.
        openai_file = openai_index["events"].get(tag)
        name = openai_file.rsplit("/", 1)[-1].removesuffix(".json") if openai_file else model.__name__
        if not openai_file and f"/{name}.json" in names:
            name = f"{name}_{tag.replace('.', '_')}"
        files[f"{name}.json"] = schema_of(name, model, model.__name__, seen, notes)
        events[tag] = f"{SPEC}/{name}.json"
    for name, path in MODELS.items():
        model = _resolve(path, notes)
        if model is not None:
            files[f"{name}.json"] = schema_of(name, model, _label(path), seen, notes)
    unused = (set(AGENTS_SDK_READS) | set(OPENAI_WIRE_OMITS) | set(NOT_READ_BY_THE_SDKS)) - seen
    unused |= {(file, d) for file, d, _ in WIDER_THAN_THE_MODEL if f"{file}.json" not in files}
    notes += [f"no definition {d} in this openai's models: the adjustment of its {f!r} does not apply" for d, f in
              sorted(unused)]  # fmt: skip
    known = {(row["method"], row["path"]) for row in openai_index["endpoints"]}
    rows = [
        {
            "method": method,
            "path": path,
            "status": "2xx",
            "content_type": "application/json",
            "schema": f"{SPEC}/{name}.json",
            "sdk": f"client.{client_method}",
        }
        for method, path, name, client_method in ENDPOINTS
        if (method, path) in known and f"{name}.json" in files
    ]
    index: dict[str, Any] = {
        "$comment": f"Generated by {MODULE}; see schemas/README.md.",
        "source": f"openai-python {openai.__version__} (pydantic {pydantic.VERSION}): the models the SDK parses "
        "answers and stream events into; Apache-2.0, (c) OpenAI",
        "openai_version": openai.__version__,
        "generated": generated,
        "schemas": sorted(f"{SPEC}/{name}" for name in files),
        "endpoints": rows,
        "events": dict(sorted(events.items())),
    }
    if notes:
        index["notes"] = sorted(set(notes))
    files["index.json"] = index
    return files, notes


def render(document: Any) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def _openai_index() -> dict[str, Any]:
    return dict(json.loads((SCHEMA_DIR / "index.json").read_text())["openai"])


def generate(generated: str) -> tuple[dict[str, str], list[str]]:
    """(file name -> text, notes) for the installed SDK, stamped with `generated`."""
    documents, notes = build(_openai_index(), generated)
    return {name: render(doc) for name, doc in documents.items()}, notes


def existing(where: Path) -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(where.glob("*.json"))}


def check(where: Path = SNAPSHOT) -> list[str]:
    """What differs between the files in `where` and what the installed SDK gives (empty when they match)."""
    import openai

    committed = existing(where)
    index = json.loads(committed.get("index.json", "{}"))
    problems = []
    if index.get("openai_version") != openai.__version__:
        problems.append(
            f"{where} was generated from openai {index.get('openai_version')}, openai {openai.__version__} is installed"
        )
    texts, _notes = generate(index.get("generated", ""))
    for name in sorted(set(texts) | set(committed)):
        if texts.get(name) != committed.get(name):
            problems.append(f"{where / name} " + ("is missing" if name not in committed else "differs"))
    return problems


def write(texts: dict[str, str], where: Path) -> None:
    where.mkdir(parents=True, exist_ok=True)
    for stale in where.glob("*.json"):
        if stale.name not in texts:
            stale.unlink()
    for name, text in sorted(texts.items()):
        path = where / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


def write_snapshot(where: Path = SNAPSHOT) -> dict[str, str]:
    """Rewrite the committed snapshot from the installed SDK; the date is kept when nothing else changed, so a
    rebuild is byte-identical."""
    committed = existing(where)
    date = json.loads(committed.get("index.json", "{}")).get("generated")
    texts, _notes = generate(date or today())
    if date is None or texts != committed:
        texts, _notes = generate(today())
    write(texts, where)
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dir", type=Path, default=SNAPSHOT, help="the snapshot folder (default: schemas/sdk)")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--check", action="store_true", help="compare the snapshot with the installed SDK")
    action.add_argument("--write", action="store_true", help="rewrite the snapshot from the installed SDK")
    args = parser.parse_args(argv)
    import openai

    if args.check:
        problems = check(args.dir)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"regenerate with: python -m {MODULE} --write (tox -e lock does)", file=sys.stderr)
            return 1
        print(f"{args.dir} matches openai {openai.__version__}")
        return 0
    texts = write_snapshot(args.dir)
    size = sum(len(text.encode()) for text in texts.values())
    print(f"wrote {len(texts)} files under {args.dir} ({size // 1024} KiB) from openai {openai.__version__}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
