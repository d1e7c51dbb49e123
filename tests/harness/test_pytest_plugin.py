"""The pytest plugin turns the catalogue into test items against a gateway URL."""

from __future__ import annotations

import pytest

from harness.servers import serve_in_thread
from harness.upstreams import create_app

pytest_plugins = ["pytester"]


def test_plugin_is_inert_without_a_gateway_url(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_own(): assert True")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_plugin_runs_selected_probes_against_a_gateway(pytester: pytest.Pytester) -> None:
    with serve_in_thread(create_app()) as running:
        result = pytester.runpytest_subprocess(
            "--gateway-url",
            running.url + "/v1",
            "--gateway-model",
            "gpt-5-mini",
            "--gateway-key",
            "k",
            "--gateway-probe",
            "responses.basic",
            "--gateway-probe",
            "errors.request.unknown_model",
        )
    # The emulator is a correct native target, but it is not a gateway: it answers any model name.
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["*errors.request.unknown_model*"])
