"""Shared fixtures: the real reference setup (child processes on loopback) and the broken-gateway proxy."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator

import pytest

from harness.local import MASTER_KEY, reference_setup
from harness.servers import spawn

warnings.filterwarnings("ignore", message="Pydantic serializer warnings")


@pytest.fixture(scope="session")
def gateway_url() -> Iterator[str]:
    """The reference gateway's /v1 URL, in front of the emulated upstreams (both real processes)."""
    with reference_setup() as url:
        yield url


@pytest.fixture(scope="session")
def broken_root(gateway_url: str) -> Iterator[str]:
    """Root URL of the broken-gateway proxy: `<root>/<breakage>/v1` breaks one thing."""
    argv = [
        sys.executable,
        "-m",
        "tests.broken_gateway",
        "--upstream",
        gateway_url.removesuffix("/v1"),
        "--key",
        MASTER_KEY,
    ]
    with spawn(argv) as proxy:
        yield proxy.url
