"""`model-limited` is earned from the evidence only: the committed real-model recordings (the reference gateway in
front of SmolLM2, cassettes/peers/reference-real/) prove the gateway intact, and the same evidence with one thing
the gateway could have done wrong (a tool dropped, a turn lost, an answer not passed back) proves nothing."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from harness import model_limits, upstream_journal
from harness.model import Level, ModelDeviation, Outcome, ProbeFailure
from harness.probes import CATALOGUE
from harness.runner import Ran, verdict
from harness.wire import Exchange, load_exchanges

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "cassettes" / "peers" / "reference-real" / "reference-real"
PROBES = {p.id: p for p in CATALOGUE}


def evidence(probe: str) -> tuple[list[Exchange], list[dict[str, Any]]]:
    cassette = RECORDED / f"{probe}.yaml"
    return load_exchanges(cassette), upstream_journal.load(cassette)


def chat_entries(journal: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in journal if e["path"] == "/v1/chat/completions"]


def test_a_tool_the_model_chose_not_to_call_is_the_models_doing() -> None:
    exchanges, journal = evidence("responses.tools.choice_auto")
    assert chat_entries(journal)[0]["reply"]["function_calls"] == []  # the model answered in text, as recorded
    proof = model_limits.proof(exchanges, journal)
    assert "passed on intact" in proof and "`tools[get_weather]`" in proof and "`tool_choice`" in proof


def test_a_dropped_tool_is_the_gateways_doing() -> None:
    exchanges, journal = evidence("responses.tools.choice_auto")
    dropped = copy.deepcopy(journal)
    for entry in chat_entries(dropped):
        entry["body"].pop("tools")
        entry["body"].pop("tool_choice")
    assert model_limits.proof(exchanges, dropped) == ""


def test_a_gateway_that_streams_upstream_still_passed_the_request_on_intact() -> None:
    # llama-stack streams every upstream request: `stream: true` added says how the answer travels, not what it says.
    exchanges, journal = evidence("responses.tools.choice_auto")
    streamed = copy.deepcopy(journal)
    chat_entries(streamed)[0]["body"]["stream"] = True
    assert model_limits.proof(exchanges, streamed)


@pytest.mark.parametrize(("name", "value"), [("temperature", 1.8), ("max_tokens", 5), ("parallel_tool_calls", False)])
def test_a_setting_the_gateway_added_that_changes_the_answer_is_its_doing(name: str, value: object) -> None:
    exchanges, journal = evidence("responses.tools.choice_auto")
    added = copy.deepcopy(journal)
    chat_entries(added)[0]["body"][name] = value
    assert model_limits.proof(exchanges, added) == ""


def test_a_lost_turn_of_history_is_the_gateways_doing() -> None:
    exchanges, journal = evidence("responses.basic.history")
    assert model_limits.proof(exchanges, journal)  # as recorded: every turn arrived, the model forgot the word
    lost = copy.deepcopy(journal)
    messages = chat_entries(lost)[0]["body"]["messages"]
    chat_entries(lost)[0]["body"]["messages"] = [m for m in messages if "orchid" not in str(m.get("content"))]
    assert model_limits.proof(exchanges, lost) == ""


def test_an_answer_that_did_not_reach_the_client_is_the_gateways_doing() -> None:
    exchanges, journal = evidence("responses.tools.choice_auto")
    called = copy.deepcopy(journal)
    chat_entries(called)[0]["reply"] = {"text": None, "function_calls": ["get_weather"], "finish_reason": "tool_calls"}
    assert model_limits.proof(exchanges, called) == ""


def test_no_journal_or_a_refused_upstream_request_proves_nothing() -> None:
    exchanges, journal = evidence("responses.tools.choice_auto")
    assert model_limits.proof(exchanges, None) == ""
    refused = copy.deepcopy(journal)
    chat_entries(refused)[0]["status"] = 500
    assert model_limits.proof(exchanges, refused) == ""


def test_an_unknown_upstream_answer_proves_nothing() -> None:
    # The emulators' journal keeps no `reply` (their answer is recomputed): nothing here says what a real model said.
    exchanges, journal = evidence("responses.tools.choice_auto")
    unknown = copy.deepcopy(journal)
    for entry in chat_entries(unknown):
        entry.pop("reply")
    assert model_limits.proof(exchanges, unknown) == ""


DEVIATION = ModelDeviation("the model never called the tool", expected="a get_weather call", received="['message']")


def judged(ran: Ran, *findings: Any, **options: Any) -> Any:
    probe = PROBES["responses.tools.choice_auto"]
    return verdict(probe, "t", probe.expect[next(iter(probe.expect))], ran, findings, **options)


def test_a_deviation_with_proof_is_model_limited_and_blames_nobody() -> None:
    made = judged(Ran(failure=DEVIATION), model_limited="the model's doing, not the gateway's: ...")
    assert made.outcome is Outcome.MODEL_LIMITED and made.behaviour.value == "works"
    assert made.message.startswith("the model did not do what the prompt asked (the check wanted a get_weather call)")
    assert not made.check and not made.causes


@pytest.mark.parametrize(
    "ran",
    [Ran(failure=DEVIATION), Ran(failure=ProbeFailure("the tool call arrived unnamed"))],
    ids=["deviation without proof", "a gateway failure with proof"],
)
def test_only_a_proven_deviation_is_model_limited(ran: Ran) -> None:
    proof = "" if isinstance(ran.failure, ModelDeviation) else "the model's doing, not the gateway's: ..."
    assert judged(ran, model_limited=proof).outcome is Outcome.FAIL


def test_a_must_wire_finding_still_fails_a_model_limited_probe() -> None:
    from harness.model import Finding

    finding = Finding("schema.response", Level.MUST, "`output` is missing", exchange=0)
    made = judged(Ran(failure=DEVIATION), finding, model_limited="the model's doing, not the gateway's: ...")
    assert made.outcome is Outcome.FAIL and made.message.startswith("wire:")


def test_every_model_limited_verdict_recorded_is_on_a_probe_that_needs_the_model() -> None:
    import yaml

    from harness.model_limits import model_dependent

    listed = yaml.safe_load((ROOT / "peers" / "reference-real" / "expected.yaml").read_text())["targets"]
    limited = [p for p, outcome in listed["reference-real"].items() if outcome == "model-limited"]
    assert limited and all(model_dependent(PROBES[p]) for p in limited)
    assert model_dependent(PROBES["responses.tools.choice_auto"]) and model_dependent(PROBES["agents.run"])
    assert not model_dependent(PROBES["errors.auth.missing_key"]) and not model_dependent(PROBES["faults.upstream_500"])


def test_the_docs_list_the_probes_that_hold_with_any_model() -> None:
    from harness.model_limits import model_dependent

    text = (ROOT / "docs" / "real-model.md").read_text()
    section = text.split("## Probes that hold with any model", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([a-z0-9_.]+)`", section))
    independent = {p.id for p in CATALOGUE if not model_dependent(p) and not p.needs_emulator}
    assert listed == independent
