"""1,000 streams open through the gateway at once: each answered its first event, none finished, then all end.
What the gateway's RSS grows by while it holds them, and how many streams failed."""

from __future__ import annotations

import asyncio
import time

import httpx

from bench.latency import GATEWAY_KEY, rss_mb


async def hold_streams(gateway: str, pid: int, streams: int, hold: float) -> dict[str, float]:
    before = rss_mb(pid)
    opened = 0
    errors = 0
    all_open = asyncio.Event()
    limits = httpx.Limits(max_connections=streams + 10)
    headers = {"authorization": f"Bearer {GATEWAY_KEY}"}
    body = {"model": "slow/held", "input": "hold", "stream": True, "store": False}
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=hold + 60) as http:

        async def one() -> None:
            nonlocal opened, errors
            try:
                async with http.stream("POST", f"{gateway}/v1/responses", json=body) as response:
                    seen = b""
                    counted = False
                    async for chunk in response.aiter_raw():
                        seen += chunk
                        if not counted and b"response.created" in seen:
                            counted = True
                            opened += 1
                            if opened == streams:
                                all_open.set()
                    if b"response.completed" not in seen:
                        errors += 1
            except httpx.HTTPError:
                errors += 1

        started = time.perf_counter()
        tasks = [asyncio.create_task(one()) for _ in range(streams)]
        try:
            await asyncio.wait_for(all_open.wait(), hold * 0.9)
        except TimeoutError:
            pass
        held_after = time.perf_counter() - started
        during = rss_mb(pid)
        await asyncio.gather(*tasks)
    after = rss_mb(pid)
    return {
        "streams": streams,
        "open_at_once": opened,
        "errors": errors,
        "seconds_to_open": held_after,
        "rss_before_mb": before,
        "rss_held_mb": during,
        "rss_after_mb": after,
        "growth_mb": during - before,
    }
