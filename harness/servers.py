"""Run real servers on free loopback ports: an ASGI app in a background thread, or a child process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 20.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Poll `url` until it answers with any HTTP status, or raise."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server process exited with code {proc.returncode} before {url} answered")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError as exc:
            last = exc
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout}s: {last}")


@dataclass
class Running:
    """A started server: its root URL (no trailing slash)."""

    url: str


@contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0, **options: Any) -> Iterator[Running]:
    """Serve an ASGI app with uvicorn in a daemon thread for the duration of the block (`options`: more of
    uvicorn.Config's, e.g. `http=` a protocol class)."""
    port = port or free_port(host)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="auto",
        ws="websockets-sansio",
        timeout_graceful_shutdown=2,
        **options,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on {host}:{port}")
        time.sleep(0.01)
    try:
        yield Running(url=f"http://{host}:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Started:
    """A child process started on a known port, not yet known to be up."""

    proc: subprocess.Popen[bytes]
    url: str

    def wait(self, health_path: str = "/health", timeout: float = 30.0) -> Running:
        wait_until_up(self.url + health_path, timeout=timeout, proc=self.proc)
        return Running(url=self.url)


@contextmanager
def started(
    argv: Sequence[str],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    env: Mapping[str, str] | None = None,
) -> Iterator[Started]:
    """Start `argv + ['--host', host, '--port', port]` as a child process without waiting for it (so several can
    start at once); stop it (and wait) on exit."""
    port = port or free_port(host)
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.Popen([*argv, "--host", host, "--port", str(port)], env=full_env, stdin=subprocess.DEVNULL)
    try:
        yield Started(proc, f"http://{host}:{port}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def spawn(
    argv: Sequence[str],
    *,
    health_path: str = "/health",
    host: str = "127.0.0.1",
    port: int = 0,
    env: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> Iterator[Running]:
    """Start `argv + ['--host', host, '--port', port]` as a child process; stop it (and wait) on exit."""
    with started(argv, host=host, port=port, env=env) as child:
        yield child.wait(health_path, timeout)


def python_module(module: str) -> list[str]:
    """argv that runs `python -m module` with the current interpreter."""
    return [sys.executable, "-m", module]
