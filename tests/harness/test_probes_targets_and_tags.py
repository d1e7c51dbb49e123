"""A target says how to name a fault model and whether it fronts a real provider; probes read both."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from harness.cli import main
from harness.model import ProbeSkip
from harness.probes import CATALOGUE
from harness.targets import PRESET_DIR, Target, load_targets, load_targets_file, unknown_features

PEERS_DIR = Path(__file__).resolve().parents[2] / "peers"
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


def test_a_misspelt_feature_is_named_with_the_nearest_known_one() -> None:
    source = {
        "targets": [
            {
                "name": "gw",
                "base_url": "http://127.0.0.1:9/v1",
                "model": "m",
                "features": {"stat": "rejected", "hosted.web_serch": "rejected", "zzzz": "supported"},
            }
        ]
    }
    problems = unknown_features(load_targets(source), CATALOGUE)
    assert problems == [
        "target 'gw': unknown feature 'hosted.web_serch' in features; did you mean 'hosted.web_search'?",
        "target 'gw': unknown feature 'stat' in features; did you mean 'state'?",
        "target 'gw': unknown feature 'zzzz' in features; see `gateway-conformance list`",
    ]


def test_every_shipped_targets_file_names_only_known_features() -> None:
    files = [*sorted(PRESET_DIR.glob("*.yaml")), *sorted(PEERS_DIR.glob("*/targets.yaml"))]
    assert files, "no targets files found"
    for path in files:
        assert unknown_features(load_targets_file(path, default_base_url="http://127.0.0.1:9/v1"), CATALOGUE) == []


def test_the_cli_refuses_an_unknown_feature_as_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "targets:\n  - {name: gw, base_url: 'http://127.0.0.1:9/v1', model: m, features: {compat: rejected}}\n"
    )
    assert main(["probe", "--targets", str(targets), "--report-dir", str(tmp_path / "r")]) == 2
    assert "unknown feature 'compat' in features; did you mean 'compact'?" in capsys.readouterr().err
