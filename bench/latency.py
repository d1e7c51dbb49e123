"""What the reference gateway adds: latency and time to first/last event beside the upstream direct, throughput at
fixed concurrency, and the gateway's memory. The emulated upstreams and the gateway run as separate processes, the
rounds are interleaved (every path once per round), so drift on a busy machine hits every path alike."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx

PROMPT = "Reply with exactly pong."
GATEWAY_KEY = "change-me"


@dataclass(frozen=True)
class Path_:
    """One way to ask the same question: a URL, headers, and a JSON body (plain and streamed)."""

    name: str
    url: str
    headers: dict[str, str]
    body: dict[str, Any]
    stream_url: str = ""  # when streaming is another URL (Gemini)
    stream_body: dict[str, Any] = field(default_factory=dict)


def _responses(model: str, **extra: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    body = {"model": model, "input": PROMPT, "store": False, **extra}
    return body, {**body, "stream": True}


def paths(
    upstream: str, gateway: str, others: dict[str, str] | None = None, *, postgres: str | None = None
) -> list[Path_]:
    """Every reference route beside its upstream direct, and any other gateway (`name -> /v1 URL`, its key in
    BENCH_<NAME>_KEY is not needed for the emulators behind it: the same models are asked)."""
    gw = {"authorization": f"Bearer {GATEWAY_KEY}"}
    out: list[Path_] = []

    def add(name: str, url: str, headers: dict[str, str], bodies: tuple[dict[str, Any], dict[str, Any]]) -> None:
        out.append(Path_(name, url, headers, bodies[0], stream_body=bodies[1]))

    add(
        "upstream direct, /responses",
        f"{upstream}/v1/responses",
        {"authorization": "Bearer sk-upstream-openai"},
        _responses("gpt-5-mini"),
    )
    add("gateway, native", f"{gateway}/v1/responses", gw, _responses("openai/gpt-5-mini"))
    add(
        "upstream direct, /responses, store: true",
        f"{upstream}/v1/responses",
        {"authorization": "Bearer sk-upstream-openai"},
        _responses("gpt-5-mini", store=True),
    )
    add("gateway, native, store: true", f"{gateway}/v1/responses", gw, _responses("openai/gpt-5-mini", store=True))
    if postgres:  # the same gateway on PostgreSQL (bench.POSTGRES)
        body = _responses("openai/gpt-5-mini", store=True)
        add("gateway on PostgreSQL, native, store: true", f"{postgres}/v1/responses", gw, body)
    chat = {"model": "llama-3.3-70b-versatile", "messages": [{"role": "user", "content": PROMPT}]}
    add(
        "upstream direct, chat",
        f"{upstream}/v1/chat/completions",
        {"authorization": "Bearer gsk-upstream"},
        (chat, {**chat, "stream": True, "stream_options": {"include_usage": True}}),
    )
    add("gateway, groq (chat)", f"{gateway}/v1/responses", gw, _responses("groq/llama-3.3-70b-versatile"))
    messages = {
        "model": "claude-sonnet-4-20250514",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": PROMPT}],
    }
    add(
        "upstream direct, anthropic",
        f"{upstream}/v1/messages",
        {"x-api-key": "sk-ant-upstream", "anthropic-version": "2023-06-01"},
        (messages, {**messages, "stream": True}),
    )
    add("gateway, anthropic", f"{gateway}/v1/responses", gw, _responses("anthropic/claude-sonnet-4-20250514"))
    contents = {"contents": [{"role": "user", "parts": [{"text": PROMPT}]}]}
    gemini = f"{upstream}/v1beta/models/gemini-2.0-flash"
    out.append(
        Path_(
            "upstream direct, gemini",
            f"{gemini}:generateContent",
            {"x-goog-api-key": "gemini-upstream"},
            contents,
            f"{gemini}:streamGenerateContent?alt=sse",
            contents,
        )
    )
    add("gateway, gemini", f"{gateway}/v1/responses", gw, _responses("gemini/gemini-2.0-flash"))
    for name, base in (others or {}).items():
        key = {"authorization": f"Bearer {GATEWAY_KEY}"}
        add(f"{name}, native", f"{base}/responses", key, _responses("gpt-5-mini"))
        add(f"{name}, chat", f"{base}/responses", key, _responses("llama-3.3-70b-versatile"))
    return out


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

    return {"p50": pct(0.5), "p95": pct(0.95), "p99": pct(0.99), "mean": statistics.fmean(ordered)}


def latency(routes: list[Path_], rounds: int) -> dict[str, dict[str, dict[str, float]]]:
    """Per path: JSON latency, time to the first streamed event and to the last, in ms (percentiles)."""
    samples: dict[str, dict[str, list[float]]] = {p.name: {"json": [], "first": [], "last": []} for p in routes}
    clients = {p.name: httpx.Client(headers=p.headers, timeout=30) for p in routes}
    try:
        for n in range(rounds + 5):  # 5 warm-up rounds, not counted
            for p in routes:
                client = clients[p.name]
                started = time.perf_counter()
                response = client.post(p.url, json=p.body)
                took = time.perf_counter() - started
                response.raise_for_status()
                started = time.perf_counter()
                first = 0.0
                with client.stream("POST", p.stream_url or p.url, json=p.stream_body) as stream:
                    stream.raise_for_status()
                    for chunk in stream.iter_raw():
                        if not first and b"data:" in chunk:
                            first = time.perf_counter() - started
                last = time.perf_counter() - started
                if n >= 5:
                    samples[p.name]["json"].append(took * 1000)
                    samples[p.name]["first"].append(first * 1000)
                    samples[p.name]["last"].append(last * 1000)
    finally:
        for client in clients.values():
            client.close()
    return {name: {k: _percentiles(v) for k, v in kinds.items()} for name, kinds in samples.items()}


async def _closed_loop(url: str, headers: dict[str, str], body: dict[str, Any], clients: int, requests: int) -> int:
    """`clients` concurrent clients, each sending its next request when its last is answered, `requests` in all.
    aiohttp, not httpx: its client costs about a fifth of the CPU a request, so the load generators are not what
    limits the rate."""
    errors = 0
    remaining = requests
    data = json.dumps(body).encode()
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=30)
    sent = {**headers, "content-type": "application/json"}
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=sent) as http:

        async def worker() -> None:
            nonlocal remaining, errors
            while remaining > 0:
                remaining -= 1
                try:
                    async with http.post(url, data=data) as response:
                        await response.read()
                        errors += response.status != 200
                except (aiohttp.ClientError, TimeoutError):
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(clients)))
    return errors


def _load_process(args: tuple[str, dict[str, str], dict[str, Any], int, int]) -> int:
    return asyncio.run(_closed_loop(*args))


def _pin_self(cores: set[int] | None) -> None:
    if cores:
        os.sched_setaffinity(0, cores)


def pin(pid: int, cores: set[int] | None) -> None:
    """Run every thread of a process on `cores` (None: on any core again)."""
    allowed = cores or os.sched_getaffinity(0)
    for task in Path(f"/proc/{pid}/task").iterdir():
        os.sched_setaffinity(int(task.name), allowed)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def throughput(
    p: Path_, clients: int, requests: int, processes: int, *, cores: set[int] | None = None, watch: dict[str, int]
) -> dict[str, float]:
    """Closed loop: `clients` concurrent clients spread over `processes` load-generator processes (run on `cores`
    when given); the CPU time each process in `watch` (name -> pid) spent per request is measured alongside."""
    per = [(p.url, p.headers, p.body, clients // processes, requests // processes) for _ in range(processes)]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes, initializer=_pin_self, initargs=(cores,)) as pool:
        pool.map(_load_process, [(p.url, p.headers, p.body, 1, 2)] * processes)  # start the workers, warm up
        cpu = {name: cpu_seconds(pid) for name, pid in watch.items()}
        started = time.perf_counter()
        errors = sum(pool.map(_load_process, per))
        took = time.perf_counter() - started
        cpu = {name: cpu_seconds(pid) - cpu[name] for name, pid in watch.items()}
    done = sum(a[4] for a in per)
    cpu_ms = {f"{name}_cpu_ms_per_request": seconds * 1000 / done for name, seconds in cpu.items()}
    return {"rps": done / took, "seconds": took, "requests": done, "errors": errors, **cpu_ms}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def peak_rss(pid: int) -> Iterator[dict[str, float]]:
    """Sample a process's RSS every 20 ms while the block runs; `peak` when it ends."""
    found = {"peak": rss_mb(pid)}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            found["peak"] = max(found["peak"], rss_mb(pid))

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        stop.set()
        thread.join()
