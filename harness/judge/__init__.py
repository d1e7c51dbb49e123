"""The wire judge: every recorded exchange checked for status, content type, error envelope, schema and stream.

`judge_exchanges(exchanges, strictness)` is what the runner calls on a probe's cassette; `validate(name, instance,
strictness)` checks one object against a top-level schema for probes that want to.
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.judge import exchange as _exchange
from harness.judge.report import MAX_PER_RULE, tidy
from harness.judge.schemas import validate
from harness.model import Finding, Strictness
from harness.wire import Exchange

__all__ = ["MAX_PER_RULE", "judge_exchange", "judge_exchanges", "validate"]


def judge_exchange(exchange: Exchange, strictness: Strictness = Strictness.OPENAI) -> list[Finding]:
    return tidy(_exchange.judge_exchange(exchange, strictness).findings)


def judge_exchanges(exchanges: Iterable[Exchange], strictness: Strictness = Strictness.OPENAI) -> list[Finding]:
    """Findings over a whole cassette: deduplicated, at most MAX_PER_RULE of each rule listed, the rest counted."""
    return tidy(f for ex in exchanges for f in _exchange.judge_exchange(ex, strictness).findings)
