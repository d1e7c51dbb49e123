"""Cassettes: secrets never recorded; a recorded run replays to the same verdicts with nothing listening."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from emulators import create_app
from harness.cassettes import Scrubber
from harness.context import ProbeContext, require
from harness.evidence import Paths, Replayer
from harness.model import (
    Behaviour,
    Expect,
    Finding,
    Level,
    Observation,
    Observed,
    Outcome,
    Probe,
    ProbeFailure,
    Profile,
    Rejection,
    Strictness,
    Verdict,
)
from harness.probes import CATALOGUE, select
from harness.probes import websocket as websocket_probes
from harness.probes._registry import probe as declare
from harness.runner import Ran, run_all, run_probe, verdict
from harness.servers import serve_in_thread
from harness.targets import Target, load_targets_file

SECRET = "sk-test-SECRETSECRETSECRET0123456789"
CASSETTES = Path(__file__).parent.parent.parent / "cassettes"


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    # The emulator speaks /v1/responses itself, so it is a correct native target.
    with serve_in_thread(create_app(keys={"openai": [SECRET]})) as running:
        yield running.url + "/v1"


# What a key scanner flags: a provider key's shape anywhere, also inside a longer token.
KEY_SHAPE = re.compile(r"(?:sk-|gsk_|xai-|AIza)[A-Za-z0-9_-]{16,}")


def test_a_key_shape_inside_an_opaque_id_is_rewritten_and_the_id_stays_itself() -> None:
    scrub = Scrubber()
    first = "resp_ciVavF_MfUn9SBsoI5CZJQkC-Fzsk-pvLzAr444TxSUeWsfxGXVMRAImZ"
    other = "resp_ciVavF_MfUn9SBsoI5CZJQkC-Fzsk-pvLzAr444TxSUeWsfxGXVMRAIm0"
    assert not KEY_SHAPE.search(scrub.text(first)) and scrub.text(first).startswith("resp_ciVavF_MfUn9SBsoI5CZJQkC-Fz")
    assert scrub.text(first) == scrub.text(first) != scrub.text(other)  # still one id, still not another
    assert scrub.text("key sk-abcdefghijklmnop1234 here") == "key REDACTED here"  # a key on its own: as before
    assert scrub.text("resp_YV0COr4I86ZlAlarTRErIGtXp-uIkcdohtA4") == "resp_YV0COr4I86ZlAlarTRErIGtXp-uIkcdohtA4"


def test_no_key_shape_is_in_any_committed_recording() -> None:
    found = [
        f"{path.relative_to(CASSETTES)}: {match.group(0)[:12]}..."
        for path in sorted(CASSETTES.rglob("*"))
        if path.is_file() and path.suffix in (".yaml", ".json")
        for match in KEY_SHAPE.finditer(path.read_text(errors="replace"))
    ]
    assert found == []


async def test_no_secret_survives_in_a_cassette(upstream: str, tmp_path: Path) -> None:
    target = Target(
        "secret",
        upstream,
        "gpt-5-mini",
        Profile.NATIVE,
        api_key=SECRET,
        headers={"x-api-key": SECRET, "Cookie": f"session={SECRET}"},
    )
    for probe_id in ("responses.basic.text", "errors.auth.wrong_key", "responses.stream.text", "agents.run"):
        verdict = await run_probe(next(p for p in CATALOGUE if p.id == probe_id), target, cassette_dir=tmp_path)
        assert verdict.outcome is not Outcome.SKIP
    recorded = "\n".join(p.read_text() for p in tmp_path.rglob("*.yaml"))
    assert "interactions" in recorded
    assert SECRET not in recorded and "SECRETSECRET" not in recorded
    for header in ("authorization", "x-api-key", "cookie", "x-stainless-os", "x-stainless-lang"):
        assert not re.search(rf"^\s*{header}:", recorded, re.I | re.M), header


def test_replay_gives_the_same_verdicts_with_the_server_gone(tmp_path: Path) -> None:
    probes = select(["responses.basic", "responses.stream", "responses.tools.forced", "agents.tools.loop"])
    with serve_in_thread(create_app(keys={"openai": ["k"]})) as running:
        target = Target("live", running.url + "/v1", "gpt-5-mini", Profile.NATIVE, api_key="k")
        live = run_all(probes, [target], cassette_dir=tmp_path)
    replayed = run_all(probes, [target], cassette_dir=tmp_path, replay=True)
    assert [(v.probe, v.outcome) for v in live] == [(v.probe, v.outcome) for v in replayed]
    assert {v.outcome for v in replayed} == {Outcome.PASS}


async def test_replay_fails_a_probe_whose_requests_are_not_in_the_cassette(tmp_path: Path) -> None:
    target = Target("gone", "http://127.0.0.1:9/v1", "gpt-5-mini", Profile.NATIVE, api_key="k")
    path = tmp_path / "gone" / "responses.basic.text.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("interactions: []\nversion: 1\n")
    verdict = await run_probe(
        next(p for p in CATALOGUE if p.id == "responses.basic.text"), target, cassette_dir=tmp_path, replay=True
    )
    assert verdict.outcome is Outcome.FAIL and "cassette" in verdict.message


def test_the_committed_cassettes_replay_clean() -> None:
    targets = load_targets_file("reference", base_url="http://replay.invalid/v1")
    verdicts = run_all(CATALOGUE, targets, cassette_dir=CASSETTES, replay=True, strictness=Strictness.OPENAI)
    assert len(verdicts) == sum(not t.excluded(p) for t in targets for p in CATALOGUE)
    failures = [(v.target, v.probe, v.message) for v in verdicts if v.outcome is Outcome.FAIL]
    assert failures == []
    skipped = {(v.target, v.probe) for v in verdicts if v.outcome is Outcome.SKIP}
    # The SDK's compaction session needs an OpenAI model name; the websocket semantics of previous_response_id and
    # compact do not apply where a route rejects those features (the *-strict routes, cleanly).
    stateless = ("continuation", "store_false", "evict", "compact")
    allowed = {(t.name, "agents.compaction") for t in targets} | {
        (t.name, f"transport.websocket.{name}") for t in targets if t.name.endswith("-strict") for name in stateless
    }
    assert skipped <= allowed, skipped - allowed


def test_the_runner_maps_expectation_and_observation_to_outcomes() -> None:
    from harness.model import Expect
    from harness.runner import decide

    assert decide(Expect.SUPPORTED, Observed.SUPPORTED)[0] is Outcome.PASS
    assert decide(Expect.SUPPORTED, Observed.REJECTED)[0] is Outcome.FAIL
    assert decide(Expect.REJECTED, Observed.SUPPORTED)[0] is Outcome.FAIL
    assert decide(Expect.REJECTED, Observed.REJECTED)[0] is Outcome.PASS_REJECTED
    assert decide(Expect.EITHER, Observed.SUPPORTED)[0] is Outcome.PASS
    assert decide(Expect.EITHER, Observed.REJECTED)[0] is Outcome.PASS_REJECTED
    assert callable(declare)


async def test_replay_without_a_cassette_fails_unless_allowed_and_a_probe_that_does_not_apply_still_skips(
    tmp_path: Path,
) -> None:
    target = Target("gone", "http://127.0.0.1:9/v1", "anthropic/claude", Profile.CHAT_TRANSLATED, api_key="k")
    text = next(p for p in CATALOGUE if p.id == "responses.basic.text")
    verdict = await run_probe(text, target, cassette_dir=tmp_path, replay=True)
    assert verdict.outcome is Outcome.FAIL and verdict.behaviour is Behaviour.SKIPPED
    assert verdict.message == f"no cassette at {tmp_path / 'gone' / 'responses.basic.text.yaml'} (replay)"
    allowed = await run_probe(text, target, cassette_dir=tmp_path, replay=True, allow_missing=True)
    assert allowed.outcome is Outcome.SKIP and allowed.message == verdict.message
    # agents.compaction skips a non-OpenAI model before any request, so it never needed a cassette.
    compaction = next(p for p in CATALOGUE if p.id == "agents.compaction")
    assert (await run_probe(compaction, target, cassette_dir=tmp_path, replay=True)).outcome is Outcome.SKIP
    assert not any(tmp_path.iterdir())


async def _not_run(ctx: ProbeContext) -> Observation:
    raise AssertionError("the verdict is made from what the probe gave, not by running it")


def _judged(level: Level, findings: list[Finding], *, own_check_failed: bool = False) -> Verdict:
    probe = Probe("p", "a requirement", level, "f", {}, _not_run)
    ran = Ran(failure=ProbeFailure("its own check failed")) if own_check_failed else Ran(Observed.SUPPORTED)
    return verdict(probe, "t", Expect.SUPPORTED, ran, findings)


def test_a_should_probe_is_judged_by_its_own_requirement_and_must_wire_rules() -> None:
    should = Finding("stream.unknown_event", Level.SHOULD, "unknown event", 0, "event 3", received="x.made_up")
    must = Finding("schema.event", Level.MUST, "does not match", 0, "event 4 $.delta", received="5 is not a string")
    # A SHOULD probe whose own check passed is not demoted by unrelated SHOULD findings (they are still listed) ...
    judged = _judged(Level.SHOULD, [should])
    assert judged.outcome is Outcome.PASS and judged.findings == (should,)
    assert judged.label == "works · 1 wire deviation"
    # ... but a MUST finding fails it: the wire is broken whatever the probe's level.
    judged = _judged(Level.SHOULD, [should, must])
    assert judged.outcome is Outcome.FAIL and "event 4 $.delta: 5 is not a string" in judged.message
    # A MUST probe that passed is non-strict on a SHOULD finding; a SHOULD probe that failed its check is non-strict.
    assert _judged(Level.MUST, [should]).outcome is Outcome.NON_STRICT
    failed = _judged(Level.SHOULD, [], own_check_failed=True)
    assert (failed.outcome, failed.check, failed.behaviour) == (
        Outcome.NON_STRICT,
        "its own check failed",
        Behaviour.BROKEN,
    )
    # The same inputs make the same verdict, and a verdict cannot be changed once made.
    assert _judged(Level.MUST, [should]) == _judged(Level.MUST, [should])
    with pytest.raises(dataclasses.FrozenInstanceError):
        failed.outcome = Outcome.PASS  # type: ignore[misc]


def _refusing_gateway() -> Starlette:
    async def refuse(request: Request) -> JSONResponse:
        error = {"message": "web_search is not supported", "type": "invalid_request_error", "param": "tools"}
        return JSONResponse({"error": {**error, "code": "unsupported_tool"}}, 400)

    return Starlette(routes=[Route("/v1/responses", refuse, methods=["POST"])])


async def _post_and_reject(ctx: ProbeContext) -> Observation:
    return ctx.rejected(await ctx.http("POST", "/responses", json={"model": ctx.model}), mentions="web_search")


def _probe(run: object, expect: Expect = Expect.EITHER, probe_id: str = "test.probe") -> Probe:
    return Probe(probe_id, "a test probe", Level.MUST, "test", {Profile.NATIVE: expect}, run)  # type: ignore[arg-type]


def test_a_rejection_comes_back_as_a_value(tmp_path: Path) -> None:
    with serve_in_thread(_refusing_gateway()) as running:
        target = Target("refusing", running.url + "/v1", "m", Profile.NATIVE, api_key="k")
        either, supported = _probe(_post_and_reject), _probe(_post_and_reject, Expect.SUPPORTED, "test.supported")
        ok, wrong = run_all([either, supported], [target], cassette_dir=tmp_path)
    expected = Rejection(400, "web_search is not supported", "invalid_request_error", "unsupported_tool", "tools")
    assert (ok.outcome, ok.behaviour, ok.rejection) == (Outcome.PASS_REJECTED, Behaviour.REJECTED, expected)
    assert wrong.outcome is Outcome.FAIL and wrong.rejection == expected
    assert wrong.received == "HTTP 400 'web_search is not supported' (code unsupported_tool)"


def _socket_gateway(turn: Callable[[WebSocket], Awaitable[None]]) -> Starlette:
    """A gateway with a health route whose websocket at /v1/responses runs `turn`."""

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/v1/health", health), WebSocketRoute("/v1/responses", turn)])


def _websocket_gateway() -> Starlette:
    async def turn(ws: WebSocket) -> None:
        await ws.accept()
        frame = json.loads(await ws.receive_text())
        for kind in ("response.created", "response.output_text.delta", "response.completed"):
            await ws.send_text(json.dumps({"type": kind, "model": frame["model"]}))
        await ws.close()

    return _socket_gateway(turn)


WS_TYPES = "response.created,response.output_text.delta,response.completed"


async def _websocket_probe(ctx: ProbeContext) -> Observation:
    await ctx.http("GET", "/health")
    events = await ctx.websocket_turn(
        "/responses", {"type": "response.create", "model": ctx.model}, until=("response.completed",)
    )
    types = ",".join(e["type"] for e in events)
    require(types == WS_TYPES, "the turn's frames are not the ones the gateway sent", expected=WS_TYPES, received=types)
    return Observed.SUPPORTED


def _closing_gateway() -> Starlette:
    """Answers a turn's first event, then closes the socket with 1011, as LiteLLM does when its upstream fails."""

    async def turn(ws: WebSocket) -> None:
        await ws.accept()
        frame = json.loads(await ws.receive_text())
        await ws.send_text(json.dumps({"type": "response.created", "model": frame["model"]}))
        await ws.close(code=1011, reason="Internal server error: the upstream went away")

    return _socket_gateway(turn)


def _live_and_replayed(gateway: Starlette, tmp_path: Path) -> tuple[Probe, Target, Verdict, Verdict]:
    """The websocket probe and its target `gateway`; the probe's verdict recorded, and replayed from that
    recording."""
    probe = _probe(_websocket_probe)
    with serve_in_thread(gateway) as running:
        target = Target("ws", running.url + "/v1", "m", Profile.NATIVE, api_key="k")
        (live,) = run_all([probe], [target], cassette_dir=tmp_path)
    (replayed,) = run_all([probe], [target], cassette_dir=tmp_path, replay=True)
    return probe, target, live, replayed


def test_a_socket_closed_mid_turn_is_replayed_as_the_same_failure(tmp_path: Path) -> None:
    _, _, live, replayed = _live_and_replayed(_closing_gateway(), tmp_path)
    assert live.outcome is replayed.outcome is Outcome.FAIL
    assert live.message == replayed.message == "the probe raised ConnectionClosedError"
    assert live.received == replayed.received and "1011" in live.received and "went away" in live.received
    turns = json.loads(Paths(Path(live.cassette)).kept.read_text())["websocket"]
    assert turns[0]["closed"]["rcvd"] == [1011, "Internal server error: the upstream went away"]
    assert turns[0]["received"] == [{"type": "response.created", "model": "m"}]


def test_websocket_frames_are_kept_as_evidence_and_replayed_without_the_probe_knowing(tmp_path: Path) -> None:
    probe, target, live, replayed = _live_and_replayed(_websocket_gateway(), tmp_path)
    # The frames are judged like a stream (these bare events are far from schema-valid): alike live and replayed.
    assert live.behaviour is replayed.behaviour is Behaviour.WORKS
    assert [f.rule for f in live.findings] == [f.rule for f in replayed.findings] != []
    # The probe's own check (the frames it got, in order) held live and replayed alike.
    assert live.check == replayed.check == "" and live.behaviour is Behaviour.WORKS
    assert Paths(Path(live.cassette)).kept.exists()
    # Frames that were never recorded: the context says so, the probe is not asked to know it is a replay.
    Paths(Path(live.cassette)).kept.unlink()
    (missing,) = run_all([probe], [target], cassette_dir=tmp_path, replay=True)
    assert missing.outcome is Outcome.SKIP and "no further websocket turn" in missing.message
    assert "ctx.replay" not in inspect.getsource(websocket_probes)
    replaying = ProbeContext(probe, target, Replayer(Paths(Path(live.cassette))))
    assert not [name for name in vars(replaying) if "replay" in name]  # the evidence object answers, not a flag
