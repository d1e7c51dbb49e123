"""pytest plugin: `pytest --gateway-url URL --gateway-model M` runs the probe catalogue as test items.

Inert unless `--gateway-url` is given, so it never changes a project's own suite.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import pytest

from harness.model import Expect, Outcome, Probe, Profile, Strictness
from harness.probes import select
from harness.runner import run_probe
from harness.targets import Target


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gateway-conformance", "probe an OpenAI Responses gateway")
    group.addoption("--gateway-url", help="the gateway's /v1 URL; enables the probes")
    group.addoption("--gateway-key", default="", help="the gateway key")
    group.addoption("--gateway-model", help="the model to probe")
    group.addoption("--gateway-expect", choices=[p.value for p in Profile], default="native")
    group.addoption("--gateway-probe", action="append", default=[], help="probe ID, prefix or glob")
    group.addoption("--gateway-feature", action="append", default=[], metavar="NAME=supported|rejected|either")
    group.addoption("--gateway-strictness", choices=[s.value for s in Strictness], default="openai")
    group.addoption("--gateway-cassette-dir", help="where to record (default: a temporary directory)")


class ProbeItem(pytest.Item):
    def __init__(self, *, probe: Probe, target: Target, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.probe = probe
        self.target = target

    def runtest(self) -> None:
        config = self.config
        cassette_dir = Path(config.getoption("gateway_cassette_dir") or tempfile.mkdtemp(prefix="probes-"))
        strictness = Strictness(config.getoption("gateway_strictness"))
        verdict = asyncio.run(run_probe(self.probe, self.target, cassette_dir=cassette_dir, strictness=strictness))
        if verdict.outcome is Outcome.SKIP:
            pytest.skip(verdict.message)
        if verdict.outcome is Outcome.FAIL:
            raise ProbeFailed(verdict.message, verdict.expected, verdict.received, verdict.cassette)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ProbeFailed):
            message, expected, received, cassette = excinfo.value.args
            return (
                f"{self.probe.requirement}\n{message}\nexpected: {expected}\nreceived: {received}\nevidence: {cassette}"
            )
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return Path(self.target.base_url.replace("/", "_")), 0, f"{self.target.name}::{self.probe.id}"


class ProbeFailed(Exception):
    pass


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    url = config.getoption("gateway_url")
    if not url:
        return
    model = config.getoption("gateway_model")
    if not model:
        raise pytest.UsageError("--gateway-model is required with --gateway-url")
    features = dict(pair.split("=", 1) for pair in config.getoption("gateway_feature"))
    target = Target(
        name=model.replace("/", "-"),
        base_url=url.rstrip("/"),
        model=model,
        profile=Profile(config.getoption("gateway_expect")),
        api_key=config.getoption("gateway_key"),
        features={k: Expect(v) for k, v in features.items()},
    )
    for probe in select(config.getoption("gateway_probe")):
        items.append(ProbeItem.from_parent(session, name=probe.id, probe=probe, target=target))
