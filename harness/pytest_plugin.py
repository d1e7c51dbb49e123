"""pytest plugin: `pytest --gateway-url URL --gateway-model M` runs the probe catalogue as test items.

Inert unless `--gateway-url` is given, so it never changes a project's own suite: importing it sets nothing, and
every setting it needs (the Agents SDK's tracing and logger, its warning filter) is made in the hooks below only
when `--gateway-url` is given. Cassettes go to `--gateway-cassette-dir`, or to pytest's own temporary directory
(kept for the last few runs and removed after, like `tmp_path`). A `non-strict` verdict passes with a
`ProbeNonStrictWarning`.

pytest loads it in every session wherever the package is installed, so its module imports nothing beyond pytest and
the standard library: the harness (the SDKs, vcrpy, the schemas) is imported in the hooks, only when
`--gateway-url` is given (`bench/plugin_cost.py` measures what a session without it pays).
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from harness.model import Probe
    from harness.targets import Target

# The choices of harness.model's Profile and Strictness, written out so that adding the options imports nothing
# (tests/harness/test_pytest_plugin.py checks they are the same).
PROFILES = ("native", "chat-translated")
STRICTNESS = ("sdk", "openai", "openresponses")

_CASSETTES = pytest.StashKey[Path]()
_OWN_TMP = pytest.StashKey[Path]()


class ProbeNonStrictWarning(UserWarning):
    """A probe passed its MUST requirements but not a SHOULD (its own, or a SHOULD wire rule)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gateway-conformance", "probe an OpenAI Responses gateway")
    group.addoption("--gateway-url", help="the gateway's /v1 URL; enables the probes")
    group.addoption("--gateway-key", default="", help="the gateway key")
    group.addoption("--gateway-model", help="the model to probe")
    group.addoption("--gateway-expect", choices=PROFILES, default="native", help="default: native")
    group.addoption("--gateway-probe", action="append", default=[], help="probe ID, prefix or glob")
    group.addoption("--gateway-feature", action="append", default=[], metavar="NAME=supported|rejected|either")
    group.addoption("--gateway-strictness", choices=STRICTNESS, default="openai")
    group.addoption("--gateway-cassette-dir", help="where to record (default: pytest's temporary directory)")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("gateway_url", None):
        return
    from harness.context import quiet_agents_sdk

    quiet_agents_sdk()
    # A non-strict verdict is reported, not failed, even in a suite that turns warnings into errors.
    config.addinivalue_line("filterwarnings", f"default::{__name__}.{ProbeNonStrictWarning.__name__}")
    chosen = config.getoption("gateway_cassette_dir")
    if chosen:
        config.stash[_CASSETTES] = Path(chosen)
        return
    factory = getattr(config, "_tmp_path_factory", None)  # pytest's tmp_path machinery (the tmpdir plugin)
    if factory is not None:
        config.stash[_CASSETTES] = factory.mktemp("probes", numbered=True)
    else:
        config.stash[_CASSETTES] = config.stash[_OWN_TMP] = Path(tempfile.mkdtemp(prefix="probes-"))


def pytest_unconfigure(config: pytest.Config) -> None:
    own = config.stash.get(_OWN_TMP, None)
    if own is not None:
        shutil.rmtree(own, ignore_errors=True)


class ProbeItem(pytest.Item):
    def __init__(self, *, probe: Probe, target: Target, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.probe = probe
        self.target = target

    def runtest(self) -> None:
        import asyncio

        from harness.defects import assign, group
        from harness.model import Outcome, Strictness
        from harness.runner import run_probe

        config = self.config
        cassette_dir = config.stash[_CASSETTES]
        strictness = Strictness(config.getoption("gateway_strictness"))
        verdict = asyncio.run(run_probe(self.probe, self.target, cassette_dir=cassette_dir, strictness=strictness))
        assign([verdict], group([verdict]))  # its label names its distinct defects
        if verdict.outcome is Outcome.SKIP:
            pytest.skip(verdict.message)
        if verdict.outcome is Outcome.FAIL:
            raise ProbeFailed(verdict.message, verdict.expected, verdict.received, verdict.cassette, verdict.label)
        if verdict.outcome is Outcome.NON_STRICT:
            warnings.warn(
                ProbeNonStrictWarning(f"{self.probe.id}: non-strict ({verdict.label}): {verdict.message}"),
                stacklevel=1,
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ProbeFailed):
            message, expected, received, cassette, label = excinfo.value.args
            return (
                f"{self.probe.requirement}\n{label}: {message}\nexpected: {expected}\nreceived: {received}\n"
                f"evidence: {cassette}"
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
    from harness.model import Expect, Profile
    from harness.probes import select
    from harness.targets import Target

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
