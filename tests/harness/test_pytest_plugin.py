"""The pytest plugin turns the catalogue into test items against a gateway URL, and changes nothing without one."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from harness.model import Profile, Strictness
from harness.pytest_plugin import PROFILES, STRICTNESS
from harness.servers import serve_in_thread

pytest_plugins = ["pytester"]
RESPONSE: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "provider-wire" / "openai" / "responses.json").read_text()
)


def _gateway() -> Starlette:
    """A minimal gateway: OpenAI's own recorded response (saying "ok") for any keyed request, and a 401 whose error
    envelope lacks `param` and `code` (a SHOULD of the wire) without a key."""

    async def responses(request: Request) -> JSONResponse:
        if not request.headers.get("authorization"):
            return JSONResponse({"error": {"message": "missing key", "type": "invalid_request_error"}}, 401)
        body = copy.deepcopy(RESPONSE)
        body["output"][0]["content"][0]["text"] = "ok"
        asked = await request.json()  # echoed as a gateway must (the judge compares them)
        body.update({k: asked[k] for k in ("model", "instructions") if k in asked})
        return JSONResponse(body)

    return Starlette(routes=[Route("/v1/responses", responses, methods=["POST"])])


def test_plugin_is_inert_without_a_gateway_url(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import logging

        def test_own():
            import harness.pytest_plugin
            from agents.tracing import get_trace_provider

            # Importing the plugin (pytest does, for every project that installs the package) set nothing.
            assert get_trace_provider()._manual_disabled is None
            assert logging.getLogger("openai.agents").level == logging.NOTSET
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_session_without_a_gateway_url_imports_nothing_of_the_harness(pytester: pytest.Pytester) -> None:
    """pytest loads the plugin wherever the package is installed: its module may import pytest and the standard
    library only (the SDKs, vcrpy and the catalogue cost about 1.6 s); bench/harness_cost.py measures the session."""
    pytester.makepyfile(
        """
        import sys

        def test_own():
            assert "harness.pytest_plugin" in sys.modules  # auto-loaded through the entry point
            loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("openai", "agents", "vcr", "harness"))
            assert loaded == ["harness", "harness.pytest_plugin"], loaded
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_options_offer_what_the_harness_takes() -> None:
    assert tuple(p.value for p in Profile) == PROFILES and tuple(s.value for s in Strictness) == STRICTNESS


def test_plugin_runs_probes_warns_on_non_strict_and_keeps_cassettes_in_pytest_s_tmp(pytester: pytest.Pytester) -> None:
    probes = ("responses.basic.text", "errors.auth.missing_key", "responses.hosted.web_search")
    result = _run(pytester, probes, "--gateway-model", "gpt-5-mini", "--gateway-key", "k")
    # The hosted tool was silently dropped (a fail); the 401 lacks param/code: non-strict, a warning, not an error.
    result.assert_outcomes(passed=2, failed=1, warnings=1)
    result.stdout.fnmatch_lines(["*ProbeNonStrictWarning: errors.auth.missing_key: non-strict*"])
    result.stdout.fnmatch_lines(["*responses.hosted.web_search*", "*broken*: the web_search tool was silently*"])
    # With CI set, pytest's short summary repeats the whole message: the same path may be printed twice.
    (evidence,) = {line.split("evidence: ", 1)[1] for line in result.outlines if line.startswith("evidence: ")}
    assert Path(evidence).is_relative_to(pytester.path), evidence  # pytest's basetemp, not a leaked mkdtemp


CONFTEST_OVERRIDES = """
import pytest
from pathlib import Path

from harness.model import Profile
from harness.targets import Target


@pytest.fixture(scope="session")
def gateway_target(pytestconfig):  # the gateway's own suite says what to probe
    url = pytestconfig.getoption("gateway_url")
    return Target(name="my-gateway", base_url=url, model="gpt-5-mini", profile=Profile.NATIVE, api_key="k")


@pytest.fixture(scope="session")
def gateway_cassette_dir():
    return Path(__file__).parent / "conformance-cassettes"
"""


def _run(pytester: pytest.Pytester, probes: tuple[str, ...], *args: str) -> pytest.RunResult:
    """pytest in a subprocess with the plugin on, in front of `_gateway()`, over `probes`."""
    pytester.makeini("[pytest]\nfilterwarnings = error\nasyncio_default_fixture_loop_scope = function\n")
    selected = [arg for probe in probes for arg in ("--gateway-probe", probe)]
    with serve_in_thread(_gateway()) as running:
        return pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "-rxXf", "--gateway-url", running.url + "/v1", "--gateway-model", "unused",
            *selected, *args,
        )  # fmt: skip


def test_fixtures_can_be_overridden_k_selects_and_expected_fails_are_xfail(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST_OVERRIDES)
    (pytester.path / "expected.yaml").write_text(
        "targets:\n  my-gateway:\n"
        "    responses.hosted.web_search: {outcome: fail, defect: the web_search tool is dropped}\n"
        "    errors.auth.missing_key: non-strict\n"
        "    responses.basic.text: pass\n"
    )
    probes = ("responses.basic", "errors.auth.missing_key", "responses.hosted.web_search")
    result = _run(
        pytester, probes, "--gateway-expectations", "expected.yaml", "-k", "text or missing_key or web_search"
    )
    # -k kept 3 of the 6 (responses.basic has 4 probes); the known fail and the known non-strict are xfail.
    result.assert_outcomes(passed=1, xfailed=2, deselected=3)
    result.stdout.fnmatch_lines(["*XFAIL*web_search*expected fail: the web_search tool is dropped*"])
    # The target and the cassette directory are the conftest's.
    cassettes = pytester.path / "conformance-cassettes" / "my-gateway"
    assert (cassettes / "responses.basic.text.yaml").exists(), sorted(pytester.path.rglob("*.yaml"))


def test_a_regression_fails_naming_both_outcomes_and_strict_expectations_fail_an_xpass(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST_OVERRIDES)
    (pytester.path / "expected.yaml").write_text(
        "targets:\n  my-gateway:\n"
        "    responses.basic.text: fail\n"  # it passes: XPASS, a failure under strict expectations
        "    errors.auth.missing_key: pass\n"  # it is non-strict: a regression
    )
    probes = ("responses.basic.text", "errors.auth.missing_key")
    result = _run(pytester, probes, "--gateway-expectations", "expected.yaml", "--gateway-strict-expectations")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*[[]XPASS(strict)[]] expected fail*"])
    result.stdout.fnmatch_lines(
        ["*regression  my-gateway errors.auth.missing_key: expected pass, received non-strict: wire (SHOULD)*"]
    )


def test_a_bad_expectations_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    (pytester.path / "expected.yaml").write_text("targets: {gw: {p: maybe}}\n")
    result = _run(pytester, (), "--gateway-expectations", "expected.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*expected.yaml: gw p: outcome 'maybe' is none of*"])
