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
    pytester.makeini("[pytest]\nfilterwarnings = error\nasyncio_default_fixture_loop_scope = function\n")
    with serve_in_thread(_gateway()) as running:
        result = pytester.runpytest_subprocess(
            "-p",
            "no:cacheprovider",
            "--gateway-url",
            running.url + "/v1",
            "--gateway-model",
            "gpt-5-mini",
            "--gateway-key",
            "k",
            "--gateway-probe",
            "responses.basic.text",
            "--gateway-probe",
            "errors.auth.missing_key",
            "--gateway-probe",
            "responses.hosted.web_search",
        )
    # The hosted tool was silently dropped (a fail); the 401 lacks param/code: non-strict, a warning, not an error.
    result.assert_outcomes(passed=2, failed=1, warnings=1)
    result.stdout.fnmatch_lines(["*ProbeNonStrictWarning: errors.auth.missing_key: non-strict*"])
    result.stdout.fnmatch_lines(["*responses.hosted.web_search*", "*broken*: the web_search tool was silently*"])
    # With CI set, pytest's short summary repeats the whole message: the same path may be printed twice.
    (evidence,) = {line.split("evidence: ", 1)[1] for line in result.outlines if line.startswith("evidence: ")}
    assert Path(evidence).is_relative_to(pytester.path), evidence  # pytest's basetemp, not a leaked mkdtemp
