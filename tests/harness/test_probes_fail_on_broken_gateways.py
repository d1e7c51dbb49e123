"""Every probe fails on a gateway broken the way it targets; and passes through the same proxy unbroken."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.responses import JSONResponse

from emulators import create_app
from harness.local import MASTER_KEY
from harness.model import Outcome, Profile
from harness.probes import CATALOGUE
from harness.runner import run_probe
from harness.servers import serve_in_thread
from harness.targets import Target
from tests.asgi_answer import answer_of

NATIVE, CHAT = "openai/gpt-5-mini", "groq/llama-3.3-70b-versatile"

# (breakage, probe id, model): the probe must not pass through that breakage.
CASES = [
    ("drop-hosted-tools", "responses.hosted.web_search_preview", NATIVE),
    ("drop-hosted-tools", "responses.hosted.web_search", NATIVE),
    ("drop-hosted-tools", "responses.hosted.file_search", NATIVE),
    ("drop-hosted-tools", "responses.hosted.computer_use_preview", NATIVE),
    ("drop-hosted-tools", "agents.hosted_tool", NATIVE),
    ("drop-previous-response-id", "responses.state.previous_response_id", NATIVE),
    ("drop-previous-response-id", "agents.previous_response_id", NATIVE),
    ("drop-previous-response-id", "responses.state.previous_unknown", CHAT),
    ("drop-conversation", "responses.state.conversation", CHAT),
    ("drop-unknown-items", "responses.state.unknown_items", NATIVE),
    ("drop-instructions", "responses.basic.instructions", CHAT),
    ("drop-history", "responses.basic.history", CHAT),
    ("drop-history", "agents.session.sqlite", CHAT),
    ("drop-text-format", "responses.structured.json_schema", CHAT),
    ("drop-text-format", "agents.structured_output", CHAT),
    ("drop-verbosity", "responses.structured.verbosity", NATIVE),
    ("drop-tool-output", "responses.tools.roundtrip", CHAT),
    ("drop-tool-output", "agents.tools.loop", CHAT),
    ("drop-tool-output", "agents.tools.loop_streamed", CHAT),
    ("drop-tools", "agents.handoff", CHAT),
    ("drop-tools", "agents.as_tool", CHAT),
    ("drop-tools", "responses.tools.parallel", CHAT),
    ("ignore-store-false", "responses.lifecycle.store_false", CHAT),
    ("ignore-store-false", "responses.state.previous_not_stored", CHAT),
    ("strip-sequence-number", "responses.stream.sequence", CHAT),
    ("strip-sequence-number", "responses.stream.lifecycle", CHAT),
    ("sequence-gap", "responses.stream.lifecycle", CHAT),
    ("rename-events", "responses.stream.lifecycle", CHAT),
    ("duplicate-terminal", "responses.stream.lifecycle", CHAT),
    ("truncate-stream", "responses.stream.lifecycle", CHAT),
    ("strip-completed-output", "responses.stream.lifecycle", CHAT),
    ("strip-completed-output", "responses.stream.text", CHAT),
    ("corrupt-deltas", "responses.stream.text", CHAT),
    ("corrupt-deltas", "responses.tools.streamed", CHAT),
    ("corrupt-deltas", "agents.run_streamed", CHAT),
    ("change-response-id", "responses.stream.lifecycle", NATIVE),
    ("drop-item-added", "responses.stream.lifecycle", NATIVE),
    ("stream-as-json", "responses.stream.lifecycle", CHAT),
    ("break-usage", "responses.basic.usage", CHAT),
    ("break-arguments", "responses.tools.forced", CHAT),
    ("strip-status", "responses.basic.text", CHAT),
    ("reverse-input-items", "responses.lifecycle.input_items", CHAT),
    ("forget-stored", "responses.lifecycle.retrieve", CHAT),
    ("corrupt-text", "agents.run", CHAT),
    ("corrupt-text", "agents.multiprovider", CHAT),
    ("drop-delete", "responses.lifecycle.delete", CHAT),
    ("zero-tokens", "responses.input_tokens.count", NATIVE),
    ("compact-forget", "responses.compact.roundtrip", CHAT),
    ("compact-forget", "agents.compaction", NATIVE),
    ("break-conversations", "conversations.crud", CHAT),
    ("break-conversations", "conversations.items", CHAT),
    ("break-conversations", "conversations.not_found", CHAT),
    ("break-conversations", "agents.session.conversations", CHAT),
    ("ignore-auth", "errors.auth.missing_key", CHAT),
    ("ignore-auth", "errors.auth.wrong_key", CHAT),
    ("bare-errors", "errors.auth.missing_key", CHAT),
    ("malformed-500", "errors.request.malformed_json", CHAT),
    ("errors-as-200", "errors.request.missing_model", CHAT),
    ("errors-as-200", "errors.request.unknown_model", CHAT),
    ("server-errors", "errors.request.unknown_model", CHAT),
    ("ws-500", "transport.websocket", CHAT),
    ("upstream-errors-500", "faults.upstream_500", CHAT),
    ("upstream-errors-500", "faults.upstream_500_stream", NATIVE),
    ("upstream-errors-500", "faults.upstream_429", CHAT),
    ("upstream-errors-500", "faults.upstream_429_stream", NATIVE),
    ("upstream-auth-401", "faults.upstream_auth", CHAT),
    ("upstream-auth-401", "faults.upstream_auth_stream", NATIVE),
    ("upstream-errors-500", "faults.upstream_hang", CHAT),
    ("complete-failed-streams", "faults.stream_cut", CHAT),
    ("complete-failed-streams", "faults.stream_malformed", NATIVE),
    ("errors-as-200", "faults.malformed", CHAT),
    ("errors-as-200", "faults.wrong_shape", NATIVE),
    ("upstream-errors-500", "faults.wrong_shape_stream", CHAT),
    ("drop-background", "responses.background", CHAT),
    ("stream-model-alias", "responses.consistency.stream_vs_plain", CHAT),
    ("corrupt-retrieved", "responses.consistency.retrieve", NATIVE),
    ("strip-tool-strict", "responses.tools.strict_omitted", CHAT),
    ("drop-tools", "responses.tools.choice_auto", CHAT),
    ("drop-tool-choice", "responses.tools.choice_none", CHAT),
    ("drop-tool-choice", "responses.tools.allowed_tools", NATIVE),
    ("drop-parallel-tool-calls", "responses.tools.parallel_false", CHAT),
    ("errors-as-200", "responses.compact.missing_model", CHAT),
    ("compact-forget", "responses.compact.item", CHAT),
    ("compact-forget", "responses.compact.chained", NATIVE),
    ("server-errors", "errors.request.type_tools", CHAT),
    ("server-errors", "errors.request.type_stream", CHAT),
    ("server-errors", "errors.request.type_input", NATIVE),
    ("server-errors", "errors.request.type_text", NATIVE),
    ("server-errors", "errors.request.oversized", CHAT),
    ("server-errors", "errors.request.oversized_413", CHAT),
    ("server-errors", "errors.route.unknown", CHAT),
    ("drop-max-output-tokens", "responses.params.max_output_tokens", CHAT),
    ("drop-metadata", "responses.params.metadata", CHAT),
    ("drop-sampling", "responses.params.sampling", NATIVE),
    ("truncation-disabled", "responses.params.truncation", CHAT),
    ("drop-system-messages", "responses.input.system_message", CHAT),
    ("drop-system-messages", "responses.input.developer_message", CHAT),
    ("developer-as-user", "responses.input.developer_message", CHAT),
    ("drop-instructions", "responses.input.developer_message", NATIVE),
    ("drop-images", "responses.input.image", CHAT),
    ("drop-reasoning", "responses.input.reasoning", NATIVE),
    ("drop-previous-response-id", "responses.state.previous_response_id_streamed", CHAT),
    ("ws-500", "transport.websocket.sequence", NATIVE),
    ("ws-stale-answer", "transport.websocket.sequence", CHAT),
    ("ws-drop-previous", "transport.websocket.continuation", CHAT),
    ("ws-drop-previous", "transport.websocket.store_false", NATIVE),
    ("ws-store-everything", "transport.websocket.store_false", CHAT),
    ("ws-repair-tools", "transport.websocket.evict", CHAT),
    ("ws-keep-last-input", "transport.websocket.compact", CHAT),
    ("ws-drop-previous", "transport.websocket.agents_sdk", NATIVE),
]
BY_ID = {p.id: p for p in CATALOGUE}


def _target(root: str, breakage: str, model: str) -> Target:
    profile = Profile.NATIVE if model == NATIVE else Profile.CHAT_TRANSLATED
    return Target(
        name=f"{breakage}-{model.split('/')[0]}",
        base_url=f"{root}/{breakage}/v1",
        model=model,
        profile=profile,
        api_key=MASTER_KEY,
        fault_model="{model}-{fault}",
    )


def test_every_probe_has_a_breakage_that_fails_it() -> None:
    # The replica probes need two gateways: tests/reference_gateway/test_replicas.py fails them on two replicas
    # with separate SQLite files.
    replicas = {probe_id for probe_id in BY_ID if probe_id.startswith("state.replicas.")}
    assert {probe for _, probe, _ in CASES} == set(BY_ID) - replicas


@pytest.mark.parametrize(("breakage", "probe_id", "model"), CASES, ids=[f"{b}:{p}" for b, p, _ in CASES])
async def test_probe_fails_on_a_gateway_broken_the_way_it_targets(
    broken_root: str, tmp_path: Path, breakage: str, probe_id: str, model: str
) -> None:
    verdict = await run_probe(BY_ID[probe_id], _target(broken_root, breakage, model), cassette_dir=tmp_path)
    assert verdict.outcome in (Outcome.FAIL, Outcome.NON_STRICT), (verdict.outcome, verdict.message)
    assert verdict.message


@pytest.mark.parametrize("probe_id", sorted({p for _, p, _ in CASES}))
async def test_probe_passes_through_the_same_proxy_unbroken(broken_root: str, tmp_path: Path, probe_id: str) -> None:
    model = next(m for _, p, m in CASES if p == probe_id)
    verdict = await run_probe(BY_ID[probe_id], _target(broken_root, "unbroken", model), cassette_dir=tmp_path)
    assert verdict.outcome in (Outcome.PASS, Outcome.PASS_REJECTED), (verdict.message, verdict.received)


def _cancel_answers_another_id(app: Any) -> Any:
    """The emulator (which runs background for real) behind a layer that re-encodes the id in a cancel's answer,
    as LiteLLM does: the reference gateway refuses background, so no breakage of it reaches a cancel."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/cancel"):
            await app(scope, receive, send)
            return
        start, answer = await answer_of(app, scope, receive)
        body = json.loads(answer)
        await JSONResponse({**body, "id": "resp_reencoded"}, status_code=start["status"])(scope, receive, send)

    return wrapped


async def test_background_fails_when_cancel_answers_under_another_id(tmp_path: Path) -> None:
    emulator = create_app(keys={"openai": ["k"]})
    with serve_in_thread(emulator) as bare, serve_in_thread(_cancel_answers_another_id(emulator)) as broken:
        probe = BY_ID["responses.background"]
        passed = await run_probe(
            probe,
            Target("bare", bare.url + "/v1", "gpt-5-mini", Profile.NATIVE, api_key="k"),
            cassette_dir=tmp_path / "bare",
        )
        failed = await run_probe(
            probe,
            Target("broken", broken.url + "/v1", "gpt-5-mini", Profile.NATIVE, api_key="k"),
            cassette_dir=tmp_path / "broken",
        )
    assert passed.outcome is Outcome.PASS, (passed.outcome, passed.message)
    assert failed.outcome is Outcome.FAIL, (failed.outcome, failed.message)
    assert failed.message == "cancel answered with another id than the response it was asked to cancel"
    assert failed.received == "resp_reencoded"
