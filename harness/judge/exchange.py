"""One recorded exchange judged: status and content type, the error envelope, the body's schema, or the stream."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

from harness.judge.echo import judge_echo
from harness.judge.report import Report
from harness.judge.schemas import endpoint_file, schema_errors, schema_file
from harness.judge.stream import judge_stream
from harness.model import Level, Strictness
from harness.wire import Exchange

# Other providers' native protocols (an upstream recorded directly): their wire is not OpenAI's to judge.
FOREIGN = re.compile(r"/messages(/count_tokens)?$|/v1beta/|:(generateContent|streamGenerateContent|countTokens)$")
RESPONSES_SURFACE = re.compile(r"/(responses|conversations)(/|$)")
STREAMABLE = re.compile(r"/responses(/[^/]+)?$")


def judge_exchange(ex: Exchange, level: Strictness) -> Report:
    report = Report(ex.index)
    if FOREIGN.search(ex.path) or ex.status < 200 or 300 <= ex.status < 400:
        return report
    if ex.body_error is not None:
        # Compressed in a way the harness cannot undo: said once, rather than judging the bytes as a broken body.
        report.add(
            "http.content_encoding",
            Level.MUST,
            f"the body could not be decoded: {ex.body_error}",
            "Content-Encoding",
            expected="an encoding the client offered in Accept-Encoding, or none",
            received=", ".join(ex.response_headers.get("content-encoding", [])),
        )
        return report
    if ex.status >= 400:
        _envelope(ex, report)
    elif RESPONSES_SURFACE.search(ex.path):
        _success(ex, level, report)
        judge_echo(ex, report)
    return report


def unique_item_ids(output: Any, where: str, rule: str, report: Report) -> None:
    """Output item ids are unique within a response: a client keys items by id."""
    if not isinstance(output, list):
        return
    seen: dict[str, int] = {}
    for position, item in enumerate(output):
        item_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(item_id, str):
            continue
        if item_id in seen:
            report.add(
                rule,
                Level.MUST,
                "two output items share an id",
                f"{where}[{position}].id",
                expected=f"an id not used by output[{seen[item_id]}]",
                received=item_id,
            )
        seen.setdefault(item_id, position)


def _wants_stream(ex: Exchange) -> bool:
    if ex.method == "GET":
        return parse_qs(ex.query).get("stream", [""])[-1].lower() == "true"
    return isinstance(ex.request_json, dict) and ex.request_json.get("stream") is True


def _resumed_at(ex: Exchange) -> int:
    """The first sequence number of a stream resumed with `starting_after=N` (GET /responses/{id}), else 0."""
    after = parse_qs(ex.query).get("starting_after", [""])[-1]
    return int(after) + 1 if ex.method == "GET" and after.isdigit() else 0


def _success(ex: Exchange, level: Strictness, report: Report) -> None:
    streamable = STREAMABLE.search(ex.path) is not None and not ex.path.endswith(("/input_tokens", "/compact"))
    wants_stream = streamable and _wants_stream(ex)
    if wants_stream and ex.sse is None:
        report.add(
            "stream.content_type",
            Level.MUST,
            "a streaming request was answered without an event stream",
            "Content-Type",
            expected="text/event-stream",
            received=ex.content_type or "(none)",
        )
        return
    if ex.sse is not None:
        if not wants_stream:
            report.add(
                "http.content_type",
                Level.MUST,
                "a request that did not ask for a stream was answered with one",
                "Content-Type",
                expected="application/json",
                received=ex.content_type,
            )
        else:
            judge_stream(ex.sse, level, report, first=_resumed_at(ex))
        return
    if ex.status == 204 and not ex.body:
        return
    _labelled_json(ex, Level.MUST, "a JSON answer must be labelled application/json", report)
    if ex.response_json is None:
        report.add("http.json", Level.MUST, "the body is not JSON", "body", received=ex.body[:200])
        return
    file = endpoint_file(level, ex.method, ex.path, ex.status, "application/json")
    if file is not None:
        _schema(file, ex, level, report)
    if isinstance(ex.response_json, dict) and ex.response_json.get("object") == "response":
        unique_item_ids(ex.response_json.get("output"), "$.output", "item_id.unique", report)


def _labelled_json(ex: Exchange, level: Level, message: str, report: Report) -> None:
    """The answer's Content-Type is application/json (a finding at `level` where it is not)."""
    if not ex.content_type.startswith("application/json"):
        report.add(
            "http.content_type",
            level,
            message,
            "Content-Type",
            expected="application/json",
            received=ex.content_type or "(none)",
        )


def _schema(file: str, ex: Exchange, level: Strictness, report: Report) -> None:
    name = file.rsplit("/", 1)[-1].removesuffix(".json")
    errors = schema_errors(file, ex.response_json, level)
    for where, text in errors:
        report.add(f"schema.{name}", Level.MUST, f"{name} does not match the {level.value} schema", where, "", text)
    if level is Strictness.SDK:
        # The SDK copes with what only OpenAI's published schema rejects: a SHOULD, not a failure.
        strict = endpoint_file(Strictness.OPENAI, ex.method, ex.path, ex.status, "application/json")
        for where, text in schema_errors(strict, ex.response_json, Strictness.OPENAI) if strict else []:
            if (where, text) not in errors:
                report.add(f"schema.{name}", Level.SHOULD, f"{name} does not match OpenAI's schema", where, "", text)


def _envelope(ex: Exchange, report: Report) -> None:
    body = ex.response_json
    error = body.get("error") if isinstance(body, dict) else None
    if not (isinstance(error, dict) and isinstance(error.get("message"), str) and isinstance(error.get("type"), str)):
        report.add(
            "error.envelope",
            Level.MUST,
            f"a {ex.status} answer must carry the OpenAI error envelope",
            "body",
            expected='{"error": {"message": str, "type": str, "param": ..., "code": ...}}',
            received=ex.body[:200] or "(empty body)",
        )
        return
    _labelled_json(ex, Level.SHOULD, "an error envelope should be labelled application/json", report)
    missing = [key for key in ("param", "code") if key not in error]
    if missing:
        report.add(
            "error.envelope",
            Level.SHOULD,
            "the error envelope lacks " + " and ".join(missing),
            "$.error",
            expected="param and code keys (null allowed)",
            received="keys " + ", ".join(sorted(error)),
        )
        return
    file = schema_file(Strictness.OPENAI, "ErrorResponse")
    for where, text in schema_errors(file, body, Strictness.OPENAI) if file else []:
        report.add("error.envelope", Level.SHOULD, "the error envelope does not match OpenAI's Error", where, "", text)
