"""The local reference setup `tox -e probe` uses: emulated upstreams + the reference gateway, as child processes."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.servers import python_module, spawn

PROBE_CONFIG = Path(__file__).resolve().parent.parent / "reference_gateway" / "presets" / "probe.yaml"
MASTER_KEY = "change-me"


@dataclass(frozen=True)
class Stack:
    gateway: str  # the gateway's /v1 URL
    upstreams: str  # the emulated upstreams' root URL (their journal is at /_journal)


@contextmanager
def reference_setup(config: Path = PROBE_CONFIG) -> Iterator[str]:
    """Start both servers on free loopback ports; yield the gateway's /v1 URL; stop both on exit."""
    with reference_stack(config) as stack:
        yield stack.gateway


@contextmanager
def reference_stack(config: Path = PROBE_CONFIG) -> Iterator[Stack]:
    """Start both servers on free loopback ports; yield both URLs; stop both on exit."""
    with (
        tempfile.TemporaryDirectory(prefix="gateway-conformance-") as tmp,
        spawn(python_module("harness.upstreams")) as upstreams,
    ):
        env = {
            "UPSTREAM_URL": upstreams.url,
            "GATEWAY_MASTER_KEY": MASTER_KEY,
            "GATEWAY_STORAGE": str(Path(tmp) / "gateway.sqlite"),
        }
        with spawn([*python_module("reference_gateway"), "--config", str(config)], env=env) as gateway:
            yield Stack(gateway.url + "/v1", upstreams.url)
