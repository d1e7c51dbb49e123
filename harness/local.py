"""The local reference setup `tox -e probe` uses: emulated upstreams + the reference gateway, as child processes."""

from __future__ import annotations

import importlib.util
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.postgres import PostgresUnavailable, temporary_postgres
from harness.servers import free_port, python_module, started
from harness.targets import Target

PROBE_CONFIG = Path(__file__).resolve().parent.parent / "reference_gateway" / "presets" / "probe.yaml"
MASTER_KEY = "change-me"


@dataclass(frozen=True)
class Stack:
    gateway: str  # the gateway's /v1 URL
    upstreams: str  # the emulated upstreams' root URL (their journal is at /_journal)
    replicas: tuple[str, ...] = ()  # two more gateways' /v1 URLs, sharing one PostgreSQL (when asked for)
    replicas_unavailable: str | None = None  # why there are none

    def place(self, targets: Sequence[Target]) -> None:
        """Point the targets of several base URLs (the preset's replica target) at the replicas, or mark them
        unavailable, saying why: their probes then skip."""
        for target in targets:
            if len(target.base_urls) < 2:
                continue
            if self.replicas:
                target.base_urls, target.base_url = self.replicas, self.replicas[0]
            else:
                target.unavailable = self.replicas_unavailable or "the replicas were not started"


@contextmanager
def reference_setup(config: Path = PROBE_CONFIG) -> Iterator[str]:
    """Start both servers on free loopback ports; yield the gateway's /v1 URL; stop both on exit."""
    with reference_stack(config) as stack:
        yield stack.gateway


@contextmanager
def reference_stack(config: Path = PROBE_CONFIG, *, replicas: bool = False) -> Iterator[Stack]:
    """Start both servers on free loopback ports, at once (the gateway needs its upstreams only once asked);
    yield both URLs when both answer; stop both on exit. With `replicas`, also a PostgreSQL (harness/postgres.py)
    and two more gateways on it (where PostgreSQL is not installed: none, and the reason)."""
    upstream_port = free_port()
    with tempfile.TemporaryDirectory(prefix="gateway-conformance-") as tmp:
        env = {
            "UPSTREAM_URL": f"http://127.0.0.1:{upstream_port}",
            "GATEWAY_MASTER_KEY": MASTER_KEY,
            "GATEWAY_STORAGE": str(Path(tmp) / "gateway.sqlite"),
        }
        with (
            started(python_module("emulators"), port=upstream_port) as upstreams,
            started([*python_module("reference_gateway"), "--config", str(config)], env=env) as gateway,
            ExitStack() as more,
        ):
            urls, reason = _replicas(more, config, env) if replicas else ((), None)
            up, gw = upstreams.wait(), gateway.wait()
            yield Stack(gw.url + "/v1", up.url, urls, reason)


def _replicas(stack: ExitStack, config: Path, env: dict[str, str]) -> tuple[tuple[str, ...], str | None]:
    """Two gateways sharing one PostgreSQL started for them: their /v1 URLs, or none and why."""
    if importlib.util.find_spec("psycopg") is None:
        return (), "no PostgreSQL driver for the replicas: install the `postgres` extra (psycopg)"
    try:
        database = stack.enter_context(temporary_postgres())
    except PostgresUnavailable as exc:
        return (), f"no PostgreSQL for the replicas: {exc}"
    argv = [*python_module("reference_gateway"), "--config", str(config)]
    both = [stack.enter_context(started(argv, env={**env, "GATEWAY_STORAGE_URL": database})) for _ in range(2)]
    return tuple(child.wait().url + "/v1" for child in both), None
