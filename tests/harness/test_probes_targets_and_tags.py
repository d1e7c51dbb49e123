"""A target says how to name a fault model and whether it fronts a real provider; probes read both."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from harness.model import ProbeSkip
from harness.probes import CATALOGUE
from harness.targets import Target, load_targets, load_targets_file

BY_ID = {p.id: p for p in CATALOGUE}


def test_a_fault_model_template_names_the_faulty_model() -> None:
    [target] = load_targets(
        {
            "targets": [
                {
                    "name": "t",
                    "base_url": "http://gw/v1",
                    "model": "openai/gpt-5-mini",
                    "fault_model": "{model}-{fault}",
                }
            ]
        }
    )
    assert target.model_with_fault("fail-500") == "openai/gpt-5-mini-fail-500"
    assert Target("t", "http://gw/v1", "m").model_with_fault("fail-500") is None


@pytest.mark.parametrize("template", ["{model}", "{model}-{oops}-{fault}"])
def test_a_fault_model_template_must_name_the_fault_and_nothing_else(template: str) -> None:
    with pytest.raises(ValueError, match="fault_model"):
        load_targets({"targets": [{"name": "t", "base_url": "http://gw/v1", "model": "m", "fault_model": template}]})


def test_the_reference_preset_injects_faults_and_fronts_the_emulators() -> None:
    targets = load_targets_file("reference", base_url="http://gw/v1")
    assert all(t.fault_model == "{model}-{fault}" and not t.real_model for t in targets)


def _ctx(**target: Any) -> Any:
    return SimpleNamespace(target=Target("t", "http://gw/v1", "openai/gpt-5-mini", **target), model="openai/gpt-5-mini")


async def test_a_probe_that_needs_the_emulator_skips_on_a_real_model_target_with_the_reason() -> None:
    needing = [p for p in CATALOGUE if p.needs_emulator]
    assert {p.id for p in needing} >= {"faults.upstream_500", "responses.params.sampling"}
    for probe in needing:
        with pytest.raises(ProbeSkip, match="real provider"):
            await probe.run(_ctx(real_model=True))


async def test_a_fault_probe_skips_when_the_target_names_no_fault_model() -> None:
    with pytest.raises(ProbeSkip, match="fault_model"):
        await BY_ID["faults.upstream_500"].run(_ctx())


def test_real_model_is_read_from_the_targets_file() -> None:
    [target] = load_targets({"targets": [{"name": "t", "base_url": "http://gw/v1", "model": "m", "real_model": True}]})
    assert target.real_model and target.fault_model is None
