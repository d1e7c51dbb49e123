"""pytest plugin: `pytest --gateway-url URL --gateway-model M` runs the probe catalogue as test items.

Inert unless `--gateway-url` is given, so it never changes a project's own suite: importing it sets nothing, and
every setting it needs (the Agents SDK's tracing and logger, its warning filter) is made in the hooks below only
when `--gateway-url` is given. Cassettes go to `--gateway-cassette-dir`, or to pytest's own temporary directory
(kept for the last few runs and removed after, like `tmp_path`). A `non-strict` verdict passes with a
`ProbeNonStrictWarning`.

As pytest-recording's users expect: each probe is a test function item whose fixtures a gateway's own conftest.py
(at its rootdir) or plugin can override, `gateway_target` (the harness.targets.Target probed) and
`gateway_cassette_dir` (where its cassettes go, like `vcr_cassette_dir`); `-k` selects probes by id. With
`--gateway-expectations FILE` (harness/expectations.py, the format of peers/*/expected.yaml) an expected `fail` or
`non-strict` is an xfail (an XPASS once it passes; strict with `--gateway-strict-expectations`), and a verdict worse
than expected fails naming both outcomes.

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
    from harness.expectations import Expectations, Expected
    from harness.model import Probe, Verdict
    from harness.targets import Target

# The choices of harness.model's Profile and Strictness, written out so that adding the options imports nothing
# (tests/harness/test_pytest_plugin.py checks they are the same).
PROFILES = ("native", "chat-translated")
STRICTNESS = ("sdk", "openai", "openresponses")

_CASSETTES = pytest.StashKey[Path]()
_OWN_TMP = pytest.StashKey[Path]()
_EXPECTATIONS: pytest.StashKey[Expectations] = pytest.StashKey()


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
    group.addoption("--gateway-target-name", help="the target's name (default: the model, / as -)")
    group.addoption("--gateway-expectations", metavar="FILE", help="known outcomes: expected fails are xfail")
    group.addoption(
        "--gateway-strict-expectations",
        action="store_true",
        help="an expected fail that passes (XPASS) fails the run",
    )


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


@pytest.fixture(scope="session")
def gateway_target(pytestconfig: pytest.Config) -> Target:
    """The target the probes run against, from the `--gateway-*` options; override it to probe another."""
    from harness.model import Expect, Profile
    from harness.targets import Target

    model = pytestconfig.getoption("gateway_model")
    features = dict(pair.split("=", 1) for pair in pytestconfig.getoption("gateway_feature"))
    return Target(
        name=pytestconfig.getoption("gateway_target_name") or model.replace("/", "-"),
        base_url=pytestconfig.getoption("gateway_url").rstrip("/"),
        model=model,
        profile=Profile(pytestconfig.getoption("gateway_expect")),
        api_key=pytestconfig.getoption("gateway_key"),
        features={k: Expect(v) for k, v in features.items()},
    )


@pytest.fixture(scope="session")
def gateway_cassette_dir(pytestconfig: pytest.Config) -> Path:
    """Where the probes' cassettes go (`--gateway-cassette-dir`, else pytest's temporary directory)."""
    return pytestconfig.stash[_CASSETTES]


def _run_probe(gateway_target: Target, gateway_cassette_dir: Path, request: pytest.FixtureRequest) -> None:
    """The test function of every probe item: the probe against the target, its verdict judged against the
    expectations where there are some."""
    import asyncio

    from harness.defects import assign, group
    from harness.model import Strictness
    from harness.runner import run_probe

    item = request.node
    assert isinstance(item, ProbeItem)
    strictness = Strictness(item.config.getoption("gateway_strictness"))
    verdict = asyncio.run(
        run_probe(item.probe, gateway_target, cassette_dir=gateway_cassette_dir, strictness=strictness)
    )
    [verdict] = assign([verdict], group([verdict]))  # its label names its distinct defects
    item.judge(verdict)


class ProbeItem(pytest.Function):
    def __init__(self, *, probe: Probe, **kwargs: Any) -> None:
        super().__init__(callobj=_run_probe, **kwargs)
        self.probe = probe

    def judge(self, verdict: Verdict) -> None:
        from harness.model import Outcome

        expected = self._expected(verdict)
        if verdict.outcome is Outcome.SKIP and expected is None:
            pytest.skip(verdict.message)
        if expected is not None:
            self._against(expected, verdict)
        elif verdict.outcome is Outcome.FAIL:
            raise ProbeFailed(verdict.message, verdict.expected, verdict.received, verdict.cassette, verdict.label)
        if verdict.outcome is Outcome.NON_STRICT:
            warnings.warn(
                ProbeNonStrictWarning(f"{self.probe.id}: non-strict ({verdict.label}): {verdict.message}"),
                stacklevel=1,
            )

    def _expected(self, verdict: Verdict) -> Expected | None:
        known = self.config.stash.get(_EXPECTATIONS, None)
        return known.get(verdict.target, verdict.probe) if known is not None else None

    def _against(self, expected: Expected, verdict: Verdict) -> None:
        """An expected fail or non-strict is an xfail (XPASS when it passes); a verdict worse than expected fails
        naming both; a better one fails only with --gateway-strict-expectations."""
        from harness.expectations import FAILING, Status, compare_one
        from harness.reports.summary import result

        strict = bool(self.config.getoption("gateway_strict_expectations"))
        row = compare_one(expected, result(verdict))
        if expected.outcome in FAILING:
            why = "; ".join(text for _, text in expected.notes) or "known"
            self.add_marker(
                pytest.mark.xfail(reason=f"expected {expected.outcome}: {why}", strict=strict, raises=ProbeFailed)
            )
        if row.status is Status.REGRESSION:
            raise ExpectationRegression(row.line())
        if row.status is Status.MATCH and expected.outcome in FAILING:
            raise ProbeFailed(verdict.message, verdict.expected, verdict.received, verdict.cassette, verdict.label)
        if row.status is Status.UNEXPECTED_PASS and strict and expected.outcome not in FAILING:
            raise ExpectationRegression(row.line())
        if verdict.outcome.value == "skip":
            pytest.skip(verdict.message)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ProbeFailed):
            message, expected, received, cassette, label = excinfo.value.args
            return (
                f"{self.probe.requirement}\n{label}: {message}\nexpected: {expected}\nreceived: {received}\n"
                f"evidence: {cassette}"
            )
        if isinstance(excinfo.value, ExpectationRegression):
            return f"{self.probe.requirement}\n{excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        url = self.config.getoption("gateway_url") or ""
        return Path(url.replace("/", "_")), 0, f"{self.name}"


class ProbeFailed(Exception):
    pass


class ExpectationRegression(Exception):
    """A verdict that does not meet its expectation (worse than expected, or better under strict expectations)."""


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect: they apply to the probe items too
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    url = config.getoption("gateway_url")
    if not url:
        return
    from harness.expectations import ExpectationsError, load
    from harness.probes import select

    if not config.getoption("gateway_model"):
        raise pytest.UsageError("--gateway-model is required with --gateway-url")
    path = config.getoption("gateway_expectations")
    if path:
        try:
            config.stash[_EXPECTATIONS] = load(path)
        except ExpectationsError as exc:
            raise pytest.UsageError(str(exc)) from exc
    elif config.getoption("gateway_strict_expectations"):
        raise pytest.UsageError("--gateway-strict-expectations only applies with --gateway-expectations")
    for probe in select(config.getoption("gateway_probe")):
        items.append(ProbeItem.from_parent(session, name=probe.id, probe=probe))
