"""`gateway-conformance upstreams --print-config GATEWAY` (emulators/configs.py): a config the emulated
upstreams accept (their keys, catalogued models and fault models), a targets file the harness loads with
`upstream_journal` and `fault_model`, and the shape of the configs used with the real peers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from emulators.access import Access
from emulators.configs import GATEWAYS, PROBED_FAULTS
from emulators.faults import fault_of
from harness.cli import main
from harness.targets import load_targets_file

ROOT = Path(__file__).resolve().parent.parent.parent
UPSTREAM = "http://127.0.0.1:9123"
EMULATORS = Access.build()


def printed(gateway: str, capsys: pytest.CaptureFixture[str], upstream: str = UPSTREAM) -> list[Any]:
    assert main(["upstreams", "--print-config", gateway, "--upstream-url", upstream]) == 0
    return [doc for doc in yaml.safe_load_all(capsys.readouterr().out) if doc is not None]


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_the_targets_file_loads_with_the_journal_and_a_fault_model(
    gateway: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    *_, targets = printed(gateway, capsys)
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(targets))
    loaded = load_targets_file(path)
    assert loaded and all(t.upstream_journal == UPSTREAM for t in loaded)
    assert all(t.model_with_fault("fail-500") == f"{t.model}-fail-500" for t in loaded)


def _protocol(provider: str) -> str:
    return {"groq": "openai", "google": "gemini"}.get(provider, provider)


def test_litellm_routes_every_model_and_fault_to_an_upstream_that_accepts_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, targets = printed("litellm", capsys)
    routes = {m["model_name"]: m["litellm_params"] for m in config["model_list"]}
    for target in targets["targets"]:
        for asked in (target["model"], *(f"{target['model']}-{f}" for f in PROBED_FAULTS)):
            # LiteLLM's routing: an exact alias, or `alias-*` with what `*` matched put into the upstream model.
            route = routes.get(asked) or routes[target["model"] + "-*"]
            provider, upstream_model = route["model"].split("/", 1)
            upstream_model = upstream_model.replace("*", asked.removeprefix(target["model"] + "-"))
            protocol = _protocol(provider)
            assert EMULATORS.key_ok(protocol, route["api_key"]), route
            assert EMULATORS.model_ok(protocol, upstream_model), upstream_model
            assert route["api_base"].startswith(UPSTREAM)


def test_the_printed_litellm_models_are_the_peers(capsys: pytest.CaptureFixture[str]) -> None:
    config, _ = printed("litellm", capsys)
    text = (ROOT / "peers" / "litellm" / "config.yaml").read_text().replace("${UPSTREAM}", UPSTREAM)
    peers = yaml.safe_load(text)["model_list"]
    if not any(m["model_name"].endswith("-*") for m in peers):  # the peers' fault routes not there (yet)
        config["model_list"] = [m for m in config["model_list"] if not m["model_name"].endswith("-*")]
    assert config["model_list"] == peers
    assert config["general_settings"] == yaml.safe_load(text)["general_settings"]


def test_the_printed_portkey_targets_route_as_the_peers(capsys: pytest.CaptureFixture[str]) -> None:
    (targets,) = printed("portkey", capsys, upstream="http://127.0.0.1:19102")
    peers = yaml.safe_load((ROOT / "peers" / "portkey" / "targets.yaml").read_text())
    shape = [(t["name"], t["model"], t["profile"], t["api_key"], t["headers"]) for t in targets["targets"]]
    assert shape == [(t["name"], t["model"], t["profile"], t["api_key"], t["headers"]) for t in peers["targets"]]
    for target in targets["targets"]:
        assert EMULATORS.key_ok(_protocol(target["headers"]["x-portkey-provider"]), target["api_key"])


def test_llamastack_registers_the_model_and_each_fault_model(capsys: pytest.CaptureFixture[str]) -> None:
    config, targets = printed("llamastack", capsys)
    models = [m["model_id"] for m in config["registered_resources"]["models"]]
    assert {fault_of(m) for m in models} == {None, *PROBED_FAULTS}
    assert all(EMULATORS.model_ok("openai", m) for m in models)
    (inference,) = config["providers"]["inference"]
    assert inference["config"]["base_url"] == UPSTREAM + "/v1"
    assert EMULATORS.key_ok("openai", inference["config"]["api_key"])
    peers = yaml.safe_load((ROOT / "peers" / "llamastack" / "config.yaml").read_text())
    assert config["apis"] == peers["apis"] and config["providers"].keys() == peers["providers"].keys()
    assert targets["targets"][0]["model"].removeprefix("openai/") in models


def test_gomodel_names_each_provider_s_models_and_faults_with_the_emulators_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, targets = printed("gomodel", capsys)
    assert config["server"]["master_key"] and targets["defaults"]["api_key_env"] == "GOMODEL_MASTER_KEY"
    for name, provider in config["providers"].items():
        protocol = _protocol(provider["type"])
        assert EMULATORS.key_ok(protocol, provider["api_key"]), name
        assert all(EMULATORS.model_ok(protocol, m) for m in provider["models"]), name
        assert len(provider["models"]) == 1 + len(PROBED_FAULTS)
    assert {t["model"].split("/")[0] for t in targets["targets"]} == set(config["providers"])
