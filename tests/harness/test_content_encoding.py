"""A server may compress any answer (Content-Encoding): every body the harness reads without httpx's own decoding
is decoded as HTTP allows (gzip, deflate, br where a decoder is installed), or said to be in an encoding the harness
cannot read. The places: the unrecorded client of the oversized-body probes (a raw socket), the judge reading
cassette bodies, the emulators' request journal and the reader of it, and the websocket evidence."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
import yaml
from starlette.types import ASGIApp, Receive, Scope, Send

from emulators import create_app
from harness import upstream_journal
from harness.evidence import Paths, Recorder
from harness.judge import judge_exchanges
from harness.model import Outcome, Profile, Strictness
from harness.probes import CATALOGUE
from harness.runner import run_probe
from harness.servers import free_port, serve_in_thread
from harness.targets import Target, load_targets_file
from harness.websocket import connect
from harness.wire import load_exchanges

BY_ID = {p.id: p for p in CATALOGUE}
CASSETTES = Path(__file__).parent.parent.parent / "cassettes"
LIMIT = 1 << 20
ENVELOPE = {
    "error": {
        "type": "invalid_request_error",
        "message": "The request body is larger than this server accepts.",
        "param": None,
        "code": None,
    }
}


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,  # RFC 9110's deflate: the zlib format
    "deflate (raw)": _raw_deflate,  # what some servers send under the same name
    "gzip, deflate": lambda data: zlib.compress(gzip.compress(data)),  # applied in the order listed
}


def _compressed_413(app: ASGIApp, encoding: str, body: bytes, *, chunked: bool) -> ASGIApp:
    """`app`, except that a body over LIMIT is refused: a 413 envelope sent with `encoding` whatever the client asked
    for, as the server that showed the bug did. The body is read (and dropped) first, so that closing the connection
    does not reset it under an answer the client has not read yet."""
    header = encoding.split(" (")[0].encode()

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        length = int(dict(scope.get("headers") or []).get(b"content-length", b"0") or 0)
        if scope["type"] != "http" or length <= LIMIT:
            await app(scope, receive, send)
            return
        while (await receive()).get("more_body"):
            pass
        headers = [(b"content-type", b"application/json"), (b"content-encoding", header)]
        if not chunked:
            headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        if chunked:  # no content-length: uvicorn frames it with Transfer-Encoding: chunked
            half = len(body) // 2
            await send({"type": "http.response.body", "body": body[:half], "more_body": True})
            await send({"type": "http.response.body", "body": body[half:]})
        else:
            await send({"type": "http.response.body", "body": body})

    return wrapped


def _target(url: str) -> Target:
    return Target("compressing", url + "/v1", "gpt-5-mini", Profile.NATIVE, api_key="k")


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("encoding", list(ENCODERS))
async def test_a_compressed_413_envelope_is_read_as_the_envelope_it_is(
    tmp_path: Path, encoding: str, chunked: bool
) -> None:
    body = ENCODERS[encoding](json.dumps(ENVELOPE).encode())
    app = _compressed_413(create_app(keys={"openai": ["k"]}), encoding, body, chunked=chunked)
    with serve_in_thread(app) as running:
        target = _target(running.url)
        for probe_id in ("errors.request.oversized", "errors.request.oversized_413"):
            verdict = await run_probe(BY_ID[probe_id], target, cassette_dir=tmp_path)
            assert verdict.outcome is Outcome.PASS, (probe_id, verdict.message, verdict.received)
            kept = json.loads(Paths(Path(verdict.cassette)).kept.read_text())["unrecorded oversized"]
            assert json.loads(kept["body"]) == ENVELOPE and kept["content_encoding"] == encoding.split(" (")[0]
    for probe_id in ("errors.request.oversized", "errors.request.oversized_413"):  # and replayed, server gone
        verdict = await run_probe(BY_ID[probe_id], target, cassette_dir=tmp_path, replay=True)
        assert verdict.outcome is Outcome.PASS, (probe_id, verdict.message)


@pytest.mark.parametrize("encoding", ["br", "compress", "zstd"])
async def test_an_encoding_the_harness_cannot_decode_is_named_not_judged_as_garbage(
    tmp_path: Path, encoding: str
) -> None:
    from harness import content_encoding

    if encoding in content_encoding.supported():
        pytest.skip(f"a decoder for {encoding} is installed here")
    body = b"\x1b\x03\x00\xf8\x8d\x94\x0e" + json.dumps(ENVELOPE).encode()  # not readable as it stands
    app = _compressed_413(create_app(keys={"openai": ["k"]}), encoding, body, chunked=False)
    with serve_in_thread(app) as running:
        verdict = await run_probe(BY_ID["errors.request.oversized"], _target(running.url), cassette_dir=tmp_path)
    assert verdict.outcome is Outcome.FAIL
    assert f"Content-Encoding {encoding}" in verdict.message and "not supported" in verdict.message, verdict.message
    assert "envelope" not in verdict.message


async def test_the_raw_client_offers_only_what_it_can_decode(tmp_path: Path) -> None:
    from harness import content_encoding

    offered: list[str] = []
    inner = _compressed_413(create_app(keys={"openai": ["k"]}), "gzip", gzip.compress(b"{}"), chunked=False)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            offered.append(dict(scope["headers"]).get(b"accept-encoding", b"").decode())
        await inner(scope, receive, send)

    with serve_in_thread(app) as running:
        await run_probe(BY_ID["errors.request.oversized"], _target(running.url), cassette_dir=tmp_path)
    unrecorded = [e.strip() for e in offered[0].split(",")]
    assert unrecorded[:2] == ["gzip", "deflate"] and set(unrecorded) <= set(content_encoding.supported()), offered


# The judge: a cassette whose bodies are compressed is judged like its plain twin ---------------------------------
TWINS = [
    "reference-native/responses.basic.text.yaml",
    "reference-native/responses.stream.text.yaml",
    "reference-anthropic/responses.structured.json_schema.yaml",  # a 400 envelope
    "reference-groq/responses.lifecycle.input_items.yaml",
]


def _compressed_twin(plain: Path, twin: Path, encoding: str) -> None:
    """The same cassette, each answer's body compressed with `encoding` and labelled so, as vcrpy keeps an answer
    it was not asked to decode (or could not)."""
    data = yaml.safe_load(plain.read_text())
    for interaction in data["interactions"]:
        response = interaction["response"]
        raw = response["body"]["string"]
        raw = raw.encode() if isinstance(raw, str) else raw
        packed = ENCODERS[encoding](raw)
        response["body"]["string"] = packed
        response["headers"]["content-encoding"] = [encoding.split(" (")[0]]
        response["headers"]["content-length"] = [str(len(packed))]
    twin.parent.mkdir(parents=True, exist_ok=True)
    twin.write_text(yaml.safe_dump(data))


@pytest.mark.parametrize("encoding", list(ENCODERS))
@pytest.mark.parametrize("name", TWINS)
def test_a_compressed_cassette_is_judged_like_its_plain_twin(tmp_path: Path, name: str, encoding: str) -> None:
    plain = CASSETTES / name
    twin = tmp_path / name
    _compressed_twin(plain, twin, encoding)
    assert b"content-encoding" in twin.read_bytes()
    ours, theirs = load_exchanges(plain), load_exchanges(twin)
    assert [(e.body, e.response_json) for e in theirs] == [(e.body, e.response_json) for e in ours]
    for level in Strictness:
        assert judge_exchanges(theirs, level) == judge_exchanges(ours, level)


async def test_a_probe_replayed_from_a_compressed_cassette_gets_its_plain_verdict(tmp_path: Path) -> None:
    targets = {t.name: t for t in load_targets_file("reference", base_url="http://replay.invalid/v1")}
    for name in TWINS:
        target_name, file = name.split("/")
        probe_id = file.removesuffix(".yaml")
        _compressed_twin(CASSETTES / name, tmp_path / name, "gzip")
        for extra in (".journal.json", ".evidence.json"):
            beside = CASSETTES / target_name / f"{probe_id}{extra}"
            if beside.exists():
                (tmp_path / target_name / beside.name).write_text(beside.read_text())
        plain = await run_probe(BY_ID[probe_id], targets[target_name], cassette_dir=CASSETTES, replay=True)
        twin = await run_probe(BY_ID[probe_id], targets[target_name], cassette_dir=tmp_path, replay=True)
        assert (twin.outcome, twin.findings) == (plain.outcome, plain.findings), (name, twin.message)
        assert plain.outcome in (Outcome.PASS, Outcome.PASS_REJECTED)


def test_a_cassette_body_in_an_encoding_the_harness_cannot_decode_is_one_clear_finding(tmp_path: Path) -> None:
    twin = tmp_path / "twin.yaml"
    _compressed_twin(CASSETTES / TWINS[0], twin, "gzip")
    twin.write_text(twin.read_text().replace("- gzip", "- compress"))
    [exchange] = load_exchanges(twin)
    assert exchange.body == "" and exchange.body_error is not None and "compress" in exchange.body_error
    findings = judge_exchanges([exchange], Strictness.OPENAI)
    assert [(f.rule, f.level.value) for f in findings] == [("http.content_encoding", "MUST")]
    assert "Content-Encoding compress" in findings[0].message and "not supported" in findings[0].message


# The emulators' journal and its reader --------------------------------------------------------------------------
def test_the_journal_keeps_a_compressed_request_body_as_the_json_it_carries() -> None:
    app = create_app(keys={"openai": ["k"]})
    body = {"model": "gpt-5-mini", "input": "Reply with exactly ok."}
    with serve_in_thread(app) as running:
        httpx.post(
            running.url + "/v1/responses",
            content=gzip.compress(json.dumps(body).encode()),
            headers={"authorization": "Bearer k", "content-type": "application/json", "content-encoding": "gzip"},
        )
        httpx.post(
            running.url + "/v1/responses",
            content=b"\x00\x01 not readable",
            headers={"authorization": "Bearer k", "content-type": "application/json", "content-encoding": "compress"},
        )
    first, second = app.state.journal.since(0)
    assert first["body"] == body and first["headers"]["content-encoding"] == "gzip"
    assert "Content-Encoding compress" in second["body"] and "not supported" in second["body"]


def _compress_everything(app: ASGIApp, encoding: str = "gzip") -> ASGIApp:
    """Every answer compressed with `encoding` (one of ENCODERS), asked for or not."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def keep(message: Any) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await app(scope, receive, keep)
        body = ENCODERS[encoding](b"".join(chunks))
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers += [
            (b"content-encoding", encoding.split(" (")[0].encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return wrapped


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "gzip, deflate"])
async def test_a_probe_recorded_from_a_compressing_server_is_judged_on_what_it_carries(
    tmp_path: Path, encoding: str
) -> None:
    """Live, through vcrpy: it decodes `gzip` and `deflate` as it records, but keeps `gzip, deflate` (which httpx
    itself decodes) as it came, so the judge must undo it."""
    with serve_in_thread(_compress_everything(create_app(keys={"openai": ["k"]}), encoding)) as running:
        for probe_id in ("responses.basic.text", "responses.stream.text", "errors.request.unknown_model"):
            verdict = await run_probe(BY_ID[probe_id], _target(running.url), cassette_dir=tmp_path)
            assert (verdict.outcome, verdict.findings) == (Outcome.PASS, ()), (probe_id, verdict.message)
            replayed = await run_probe(BY_ID[probe_id], _target(running.url), cassette_dir=tmp_path, replay=True)
            assert (replayed.outcome, replayed.findings) == (Outcome.PASS, ()), (probe_id, replayed.message)


def test_the_journal_reader_reads_a_compressed_journal(tmp_path: Path) -> None:
    app = create_app(keys={"openai": ["k"]})
    with serve_in_thread(_compress_everything(app)) as running:
        since = upstream_journal.mark(running.url)
        assert since is not None
        answer = httpx.post(
            running.url + "/v1/responses",
            json={"model": "gpt-5-mini", "input": "Reply with exactly ok."},
            headers={"authorization": "Bearer k"},
        )
        assert answer.headers["content-encoding"] == "gzip" and answer.json()["output"][0]["content"][0]["text"] == "ok"
        assert upstream_journal.keep(running.url, since, tmp_path / "p.yaml") == 1
    [entry] = upstream_journal.load(tmp_path / "p.yaml")
    assert entry["body"]["input"] == "Reply with exactly ok."


# The websocket evidence: permessage-deflate frames are kept as the events they carry --------------------------
async def test_websocket_evidence_holds_the_decoded_events_of_a_compressed_socket(tmp_path: Path) -> None:
    events = [
        {"type": "response.created", "sequence_number": 0, "response": {"id": "resp_1", "status": "in_progress"}},
        {"type": "response.completed", "sequence_number": 1, "response": {"id": "resp_1", "status": "completed"}},
    ]
    negotiated: list[str | None] = []

    async def handler(socket: Any) -> None:
        negotiated.append(socket.response.headers.get("Sec-WebSocket-Extensions"))
        await socket.recv()
        for event in events:
            await socket.send(json.dumps(event) + " " * 2048)  # large enough to be compressed

    port = free_port()
    async with websockets.serve(handler, "127.0.0.1", port, compression="deflate"):
        evidence = Recorder(Paths(tmp_path / "p.yaml"))
        url = f"ws://127.0.0.1:{port}/v1/responses"
        async with connect(url, "/responses", {}, evidence, connection=0) as socket:
            received = await socket.turn({"type": "response.create", "model": "m"})
    assert negotiated and "permessage-deflate" in str(negotiated[0])
    assert received == events and evidence.slots["websocket"][0]["received"] == events
