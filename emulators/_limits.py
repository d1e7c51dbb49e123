"""Output limits the real providers honour, applied to a scripted reply: stop sequences and a token budget.

A gateway that drops `stop` or `max_tokens` on the way is caught: the emulated answer only stops early, with the
provider's own stop reason, when the limit really arrived.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Limited:
    text: str
    reason: str  # "stop" | "stop_sequence" | "max_tokens"
    sequence: str | None = None


def limit(text: str, stops: list[str], max_tokens: int | None) -> Limited:
    """Cut at the earliest stop sequence, then at `max_tokens` words (the scripted model's token unit)."""
    cut: tuple[int, str] | None = None
    for stop in stops:
        at = text.find(stop) if stop else -1
        if at >= 0 and (cut is None or at < cut[0]):
            cut = (at, stop)
    result = Limited(text, "stop")
    if cut is not None:
        result = Limited(text[: cut[0]], "stop_sequence", cut[1])
    words = result.text.split()
    if max_tokens is not None and len(words) > max_tokens:
        result = Limited(" ".join(words[:max_tokens]), "max_tokens")
    return result
