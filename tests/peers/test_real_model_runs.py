"""The runs with a real model behind the gateway (peers reference-real and litellm-real: SmolLM2-135M-Instruct,
real_model/), replayed from their committed cassettes. A correct gateway is never blamed for what the model chose,
every `model-limited` verdict says what the journal proves, and the real model still finds a real gateway's defects:
LiteLLM's verdicts match those of its route in front of the emulated upstreams, probe by probe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.defects import group
from harness.model import Outcome, Verdict

ROOT = Path(__file__).resolve().parent.parent.parent


def outcomes(peer: str, target: str) -> dict[str, str]:
    listed = yaml.safe_load((ROOT / "peers" / peer / "expected.yaml").read_text())["targets"][target]
    return {probe: str(e["outcome"] if isinstance(e, dict) else e) for probe, e in listed.items()}


@pytest.mark.parametrize("peer", ["reference-real", "reference-real-native"])
def test_the_reference_gateway_is_never_blamed_for_the_models_choices(
    peer_replay: tuple[list[Verdict], dict[str, Any]],
) -> None:
    verdicts = peer_replay[0]
    blamed = [
        f"{v.probe}: {v.outcome.value} {v.message}" for v in verdicts if v.outcome in (Outcome.FAIL, Outcome.NON_STRICT)
    ]
    assert not blamed
    assert group(verdicts) == []
    limited = [v for v in verdicts if v.outcome is Outcome.MODEL_LIMITED]
    assert len(limited) >= 10  # the model did not follow many prompts: the run is a real test of the rule
    for v in limited:
        assert "the upstream journal shows" in v.message and "passed on intact" in v.message, v.probe
        assert "the model's own answer reached the client" in v.message, v.probe
    ran = [v for v in verdicts if v.outcome is not Outcome.SKIP]
    assert sum(v.outcome is Outcome.PASS for v in ran) >= 30  # most checks hold with any model


def test_the_real_model_finds_litellms_defects_as_the_emulators_do() -> None:
    real, emulated = outcomes("litellm-real", "litellm-real"), outcomes("litellm", "litellm-groq")
    both = [p for p, o in real.items() if o != "skip" and p in emulated]
    assert len(both) >= 60
    differ = [f"{p}: real {real[p]}, emulated {emulated[p]}" for p in both if real[p] != emulated[p]]
    assert not differ


def test_the_real_model_blames_llama_stack_for_nothing_the_emulators_did_not() -> None:
    # llama-stack streams every upstream request (`stream: true` added) and passes the rest on: where the model did
    # not follow the prompt, the verdict is model-limited, never a fail the emulated route does not have too.
    real = outcomes("llamastack-real", "llamastack-real")
    emulated = outcomes("llamastack", "llamastack-openai-chat")
    both = [p for p, o in real.items() if o != "skip" and p in emulated]
    assert len(both) >= 70
    blamed = [p for p in both if real[p] in ("fail", "non-strict") and real[p] != emulated[p]]
    assert not blamed
    limited = [p for p in both if real[p] == "model-limited"]
    assert len(limited) >= 10 and all(emulated[p] in ("pass", "fail") for p in limited)
    kept = [p for p in both if emulated[p] == "fail" and real[p] == "fail"]
    assert len(kept) >= 40  # the defects the emulators found, found again


@pytest.mark.parametrize("peer", ["litellm-real"])
def test_no_litellm_defect_is_a_model_choice(peer_replay: tuple[list[Verdict], dict[str, Any]]) -> None:
    # Where LiteLLM passed the request on intact and the model did not follow it, its fails are its own wire defects:
    # the model's choice is never one of the defects listed.
    titles = [d.title for d in group(peer_replay[0])]
    assert titles
    choices = ("never called the tool", "did not return the answer", "the answer must be the requested text")
    assert not [t for t in titles if any(c in t for c in choices)]


def test_a_live_real_model_run_fails_only_on_a_gateway_blamed_anew() -> None:
    from peers.run import PEERS, newly_blamed

    peer = PEERS["reference-real"]
    listed = outcomes("reference-real", "reference-real")
    limited = next(p for p, o in listed.items() if o == "model-limited")
    passed = next(p for p, o in listed.items() if o == "pass")

    def result(probe: str, outcome: str) -> dict[str, str]:
        return {"target": "reference-real", "probe": probe, "outcome": outcome, "message": "..."}

    # the model's choice may move between pass and model-limited from one machine to the next
    moved = {"results": [result(limited, "pass"), result(passed, "model-limited")]}
    assert newly_blamed(peer, moved) == []
    blamed = {"results": [result(limited, "fail"), result(passed, "non-strict")]}
    assert [line.split(":")[0] for line in newly_blamed(peer, blamed)] == [
        f"reference-real {limited}",
        f"reference-real {passed}",
    ]
