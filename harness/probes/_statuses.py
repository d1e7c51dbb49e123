"""The status of a raw HTTP answer: the one a probe needs, or a ProbeFailure quoting what came instead."""

from __future__ import annotations

import httpx2

from harness.context import ProbeContext, require
from harness.model import ProbeFailure


def status_line(response: httpx2.Response) -> str:
    """`HTTP <status> <the body's start>`: what a probe received."""
    return f"HTTP {response.status_code} {response.text[:200]!r}"


def require_status(response: httpx2.Response, status: int, failure: str, *, expected: str) -> None:
    require(response.status_code == status, failure, expected=expected, received=status_line(response))


def refused_with(ctx: ProbeContext, response: httpx2.Response, status: int, failure: str) -> None:
    """The answer is a `status` with an OpenAI error envelope (ctx.rejected checks the envelope)."""
    if response.status_code != status:
        raise ProbeFailure(
            failure, expected=f"HTTP {status} with an OpenAI error envelope", received=status_line(response)
        )
    ctx.rejected(response, statuses=(status,))
