"""The local reference setup `tox -e probe` uses: emulated upstreams + the reference gateway, as child processes."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.servers import free_port, python_module, started

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
    """Start both servers on free loopback ports, at once (the gateway needs its upstreams only once asked);
    yield both URLs when both answer; stop both on exit."""
    upstream_port = free_port()
    with tempfile.TemporaryDirectory(prefix="gateway-conformance-") as tmp:
        env = {
            "UPSTREAM_URL": f"http://127.0.0.1:{upstream_port}",
            "GATEWAY_MASTER_KEY": MASTER_KEY,
            "GATEWAY_STORAGE": str(Path(tmp) / "gateway.sqlite"),
        }
        with (
            started(python_module("harness.upstreams"), port=upstream_port) as upstreams,
            started([*python_module("reference_gateway"), "--config", str(config)], env=env) as gateway,
        ):
            up, gw = upstreams.wait(), gateway.wait()
            yield Stack(gw.url + "/v1", up.url)
