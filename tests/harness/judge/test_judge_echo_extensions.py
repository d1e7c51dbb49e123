"""Issue 20, point 4: fields a gateway adds are not disagreements. The echo check and the consistency probe compare
the fields OpenAI's Response schema defines; the others (`usage.cost`, `x_*`) are extensions, listed, never a
failure."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from emulators import create_app
from harness.judge import echo, judge_exchange
from harness.model import Outcome, Profile
from harness.probes import CATALOGUE
from harness.runner import run_probe
from harness.servers import serve_in_thread
from harness.targets import Target
from harness.wire import Exchange, exchange_from
from tests.asgi_answer import answer_of

FIXTURES = Path(__file__).parent.parent.parent / "fixtures"
RESPONSE = json.loads((FIXTURES / "provider-wire" / "openai" / "responses.json").read_text())
STREAM_VS_PLAIN = next(p for p in CATALOGUE if p.id == "responses.consistency.stream_vs_plain")


def _exchange(request: dict[str, Any], response: dict[str, Any]) -> Exchange:
    return exchange_from(
        0,
        {"method": "POST", "uri": "http://gw/v1/responses", "body": json.dumps(request)},
        {
            "status": {"code": 200},
            "headers": {"content-type": ["application/json"]},
            "body": {"string": json.dumps(response)},
        },
    )


def _litellm_like() -> dict[str, Any]:
    usage = {**RESPONSE["usage"], "cost": 0.0012}
    usage["input_tokens_details"] = {**usage["input_tokens_details"], "audio_tokens": None}
    return {**RESPONSE, "usage": usage, "x_litellm_model_id": "abc", "metadata": {"team": "a"}}


def test_the_defined_fields_are_read_from_openais_response_schema() -> None:
    defined = echo.defined_fields()
    assert {"model", "usage", "tools", "conversation", "prompt_cache_key", "metadata", "store"} <= defined
    assert not {"cost", "x_litellm_model_id", "billing"} & defined
    assert set(echo.FIELDS) <= defined  # every echoed field is one the schema defines


def test_fields_outside_the_schema_are_listed_as_extensions() -> None:
    found = echo.extensions(_litellm_like())
    assert found == ["billing", "usage.cost", "usage.input_tokens_details.audio_tokens", "x_litellm_model_id"]
    assert echo.extensions(RESPONSE) == ["billing"]  # OpenAI's own account data is no field of the schema
    kept = echo.defined_only(_litellm_like())
    assert "x_litellm_model_id" not in kept and "cost" not in kept["usage"]
    assert kept["usage"]["input_tokens_details"] == RESPONSE["usage"]["input_tokens_details"]
    assert kept["metadata"] == {"team": "a"}  # a map's keys are its values, not fields


def test_echo_ignores_extension_fields_and_still_judges_defined_ones() -> None:
    asked = {"model": RESPONSE["model"], "input": "hi", "x_litellm_tags": ["a"], "temperature": 1.0}
    assert [f for f in judge_exchange(_exchange(asked, _litellm_like())) if f.rule.startswith("echo.")] == []
    changed = {**_litellm_like(), "temperature": 0.5}
    assert [f.rule for f in judge_exchange(_exchange(asked, changed)) if f.rule.startswith("echo.")] == [
        "echo.temperature"
    ]


# the consistency probe, against the emulator behind a layer that rewrites its answers -------------------------------
def _rewriting(
    app: ASGIApp, plain: Callable[[dict[str, Any]], None], streamed: Callable[[dict[str, Any]], None]
) -> ASGIApp:
    """The emulator with every Response it answers changed by `plain` (JSON) or `streamed` (each SSE snapshot)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/responses" or scope["method"] != "POST":
            await app(scope, receive, send)
            return
        start, answer = await answer_of(app, scope, receive)
        raw = answer.decode()
        media = dict(start["headers"]).get(b"content-type", b"").decode()
        if media.startswith("text/event-stream"):
            lines = []
            for line in raw.split("\n"):
                if line.startswith("data: "):
                    event = json.loads(line[6:])
                    if isinstance(event.get("response"), dict):
                        streamed(event["response"])
                    line = "data: " + json.dumps(event)
                lines.append(line)
            body = "\n".join(lines)
        else:
            response = json.loads(raw)
            plain(response)
            body = json.dumps(response)
        await Response(body, status_code=start["status"], media_type=media)(scope, receive, send)

    return wrapped


def _set_cost(value: float | None) -> Callable[[dict[str, Any]], None]:
    def change(response: dict[str, Any]) -> None:
        if isinstance(response.get("usage"), dict):
            response["usage"]["cost"] = value

    return change


def _drop_cached_tokens(response: dict[str, Any]) -> None:
    if isinstance(response.get("usage"), dict):
        response["usage"].pop("input_tokens_details", None)


async def _verdict(app: ASGIApp, tmp_path: Path) -> Any:
    with serve_in_thread(app) as running:
        target = Target("t", running.url + "/v1", "gpt-5-mini", Profile.NATIVE, api_key="k")
        return await run_probe(STREAM_VS_PLAIN, target, cassette_dir=tmp_path)


async def test_stream_and_plain_differing_only_in_usage_cost_are_consistent(tmp_path: Path) -> None:
    emulator = create_app(keys={"openai": ["k"]})
    verdict = await _verdict(_rewriting(emulator, _set_cost(0.0012), _set_cost(None)), tmp_path)
    assert verdict.outcome is Outcome.PASS, (verdict.message, verdict.expected, verdict.received)


async def test_stream_and_plain_differing_in_a_defined_usage_field_still_fail(tmp_path: Path) -> None:
    emulator = create_app(keys={"openai": ["k"]})
    verdict = await _verdict(_rewriting(emulator, _set_cost(0.0012), _drop_cached_tokens), tmp_path)
    assert verdict.outcome is Outcome.FAIL
    assert "usage" in verdict.message
