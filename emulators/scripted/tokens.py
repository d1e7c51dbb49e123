"""Token counting and stream chunking for the scripted model: deterministic stand-ins that grow with their input,
and image fingerprints (what the model "sees" of an image)."""

from __future__ import annotations

import base64
import binascii
import re

from emulators.scripted.contract import ScriptedReply, ScriptedRequest, all_text
from harness import phrases


def image_fingerprint(url: str, media_type: str | None = None) -> str:
    """`image/png 68 bytes` for inline data (a `data:` URL, or base64 `url` with its `media_type`), else the URL."""
    data = url
    if media_type is None:
        match = re.match(r"data:([^;,]+)?(;base64)?,(.*)", url, re.S)
        if not match:
            return url
        media_type, data = match.group(1) or "application/octet-stream", match.group(3)
        if not match.group(2):
            return phrases.inline_image(media_type, len(data.encode()))
    return phrases.inline_image(media_type, _decoded_length(data))


def _decoded_length(data: str) -> int:
    try:
        return len(base64.b64decode(data + "=" * (-len(data) % 4)))
    except (binascii.Error, ValueError):
        return len(data.encode())


def count_tokens(req: ScriptedRequest) -> int:
    """Whitespace-separated words of everything received: deterministic, and it grows with the input."""
    words = len(all_text(req).split())
    words += sum(len(t.name.split()) for t in req.tools)
    return max(words, 1)


def output_tokens(rep: ScriptedReply) -> int:
    words = len((rep.text or "").split())
    words += sum(len(c.name.split()) + len(c.arguments.split()) for c in rep.function_calls)
    return max(words + len(rep.hosted_calls), 1)


def reply_text_chunks(text: str, size: int = 3) -> list[str]:
    """Split text into a few deltas (by words, keeping the spaces) as a real stream would."""
    pieces = re.findall(r"\S+\s*|\s+", text)
    chunks = ["".join(pieces[i : i + size]) for i in range(0, len(pieces), size)]
    return chunks or [""]


_TOKEN = re.compile(r"\s*\w+|\s*[^\w\s]+|\s+")


def token_pieces(text: str) -> list[str]:
    """Split text the way OpenAI's deltas arrive: a word or a run of punctuation, with its leading space
    (`Hello, World!` -> `Hello`, `,`, ` World`, `!`, as in the recorded stream)."""
    return _TOKEN.findall(text) or [""]
