"""Load-and-kill durability: store responses under concurrent load, SIGKILL the gateway mid-load, restart it on the
same SQLite file, and check that every response it answered 200 for is still there, whole.

A benchmark-suite check, not a unit test: it runs real processes for several seconds. `python -m bench.durability`
(or `tox -e bench`) prints the figures and exits non-zero if anything answered was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from harness.local import MASTER_KEY, PROBE_CONFIG
from harness.servers import free_port, python_module, spawn, wait_until_up

MODELS = ("groq/llama-3.3-70b-versatile", "openai/gpt-5-mini", "anthropic/claude-sonnet-4-20250514")


def _start_gateway(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    argv = [*python_module("reference_gateway"), "--config", str(PROBE_CONFIG), "--host", "127.0.0.1"]
    proc = subprocess.Popen([*argv, "--port", str(port)], env={**os.environ, **env}, stdin=subprocess.DEVNULL)
    wait_until_up(f"http://127.0.0.1:{port}/health", proc=proc)
    return proc


async def _load(url: str, concurrency: int, stop_after: float, answered: list[str]) -> int:
    """Closed-loop clients storing responses until the gateway dies or time runs out; count the failures."""
    failures = 0
    ends = time.monotonic() + stop_after

    async def client(n: int) -> None:
        nonlocal failures
        async with httpx.AsyncClient(base_url=url, headers={"authorization": f"Bearer {MASTER_KEY}"}) as http:
            i = 0
            while time.monotonic() < ends:
                body = {"model": MODELS[(n + i) % len(MODELS)], "input": f"Reply with exactly r{n}x{i}."}
                i += 1
                try:
                    response = await http.post("/v1/responses", json=body, timeout=10)
                except httpx.TransportError:
                    return  # the gateway was killed
                if response.status_code == 200:
                    answered.append(json.dumps({"id": response.json()["id"], "text": f"r{n}x{i - 1}"}))
                else:
                    failures += 1

    await asyncio.gather(*(client(n) for n in range(concurrency)))
    return failures


async def _check(url: str, answered: list[str]) -> list[str]:
    lost = []
    async with httpx.AsyncClient(base_url=url, headers={"authorization": f"Bearer {MASTER_KEY}"}) as http:
        for line in answered:
            entry = json.loads(line)
            got = await http.get(f"/v1/responses/{entry['id']}")
            text = "".join(
                part.get("text", "")
                for item in (got.json().get("output") or [] if got.status_code == 200 else [])
                for part in item.get("content") or []
            )
            if got.status_code != 200 or text != entry["text"]:
                lost.append(entry["id"])
    return lost


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--kill-after", type=float, default=4.0, help="seconds of load before SIGKILL")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="durability-") as tmp, spawn(python_module("emulators")) as up:
        env = {"UPSTREAM_URL": up.url, "GATEWAY_MASTER_KEY": MASTER_KEY, "GATEWAY_STORAGE": str(Path(tmp) / "g.db")}
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        gateway = _start_gateway(port, env)
        answered: list[str] = []

        async def run() -> int:
            load = asyncio.create_task(_load(url, args.concurrency, args.kill_after + 5, answered))
            await asyncio.sleep(args.kill_after)
            gateway.send_signal(signal.SIGKILL)
            return await load

        failures = asyncio.run(run())
        gateway.wait(timeout=10)
        restarted = _start_gateway(port, env)
        try:
            lost = asyncio.run(_check(url, answered))
        finally:
            restarted.terminate()
            restarted.wait(timeout=10)
    print(
        f"durability: {len(answered)} responses answered 200 before SIGKILL at {args.kill_after:g}s "
        f"({args.concurrency} clients), {failures} non-200 answers, {len(lost)} lost after restart"
    )
    return 1 if lost or failures or not answered else 0


if __name__ == "__main__":
    sys.exit(main())
