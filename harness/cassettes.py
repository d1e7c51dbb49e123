"""vcrpy configuration: where a probe's cassette lives, how replay matches requests, and secret scrubbing.

vcrpy's own `use_cassette` patches the HTTP transports process-wide with a function bound to one cassette, so two
probes recording at once in one event loop would write into each other's cassettes. `recording()` instead patches
the transports once with a dispatcher that finds the cassette in a context variable: each asyncio task (each probe)
sees its own cassette, and requests made outside any recording go straight through, untouched.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import vcr

# Imported first, so vcrpy keeps the unpatched transport methods as its own.
import vcr.patch
from vcr.cassette import Cassette
from vcr.request import Request as VcrRequest
from vcr.stubs import httpx_stubs

from harness.model import RECORD_MODES

SECRET_HEADERS = (
    "authorization",
    "x-api-key",
    "api-key",
    "cookie",
    "openai-organization",
    "openai-project",
    "x-goog-api-key",
    "proxy-authorization",
)
SECRET_RESPONSE_HEADERS = ("set-cookie", "set-cookie2", "www-authenticate")
SECRET_QUERY = ("key", "api_key", "api-key", "access_token")
REDACTED = "REDACTED"
# Shapes of provider keys (OpenAI/Anthropic `sk-`, Groq `gsk_`, Google `AIza`, xAI) and bearer tokens.
_KEYLIKE = re.compile(
    r"\b(?:sk-[A-Za-z0-9_-]{8,}|gsk_[A-Za-z0-9]{16,}|xai-[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{30,}"
    r"|Bearer\s+[A-Za-z0-9._~+/=-]{8,})"
)
# The same shapes inside a longer token (a gateway's opaque, encrypted response id can hold `...Fzsk-pvLz...`): a key
# scanner cannot tell them from a key, so they are rewritten too, each to `redacted` and a digest of what it replaced,
# so that an id stays distinct from every other and equal to itself wherever it recurs (a later request that sends
# it back still matches the recording).
_EMBEDDED_KEYLIKE = re.compile(r"(?<=[A-Za-z0-9])(?:sk-|gsk_|xai-|AIza)[A-Za-z0-9_-]{16,}")


def _redact_embedded(match: re.Match[str]) -> str:
    return "redacted" + hashlib.sha256(match.group(0).encode()).hexdigest()[:16]


def cassette_path(cassette_dir: Path, target: str, probe_id: str) -> Path:
    return cassette_dir / _safe(target) / f"{_safe(probe_id)}.yaml"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def _normalized_body(body: Any) -> Any:
    if body is None:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    try:
        return json.loads(text)
    except ValueError:
        return text


def body_matcher(r1: VcrRequest, r2: VcrRequest) -> None:
    if _normalized_body(r1.body) != _normalized_body(r2.body):
        raise AssertionError("bodies differ")


class Scrubber:
    """Removes credentials from what is recorded: headers, query strings, and any literal secret in bodies."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        return _EMBEDDED_KEYLIKE.sub(_redact_embedded, _KEYLIKE.sub(REDACTED, value))

    def request(self, request: VcrRequest) -> VcrRequest:
        for name in list(request.headers):
            lower = name.lower()
            if lower in SECRET_HEADERS or lower.startswith("x-stainless"):
                del request.headers[name]
            else:
                request.headers[name] = self.text(str(request.headers[name]))
        parts = urlsplit(request.uri)
        query = [(k, REDACTED if k.lower() in SECRET_QUERY else v) for k, v in parse_qsl(parts.query, True)]
        request.uri = self.text(urlunsplit(parts._replace(query=urlencode(query))))
        if request.body:
            text = _text(request.body)
            if text is not None:
                request.body = self.text(text).encode()
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        headers = response.get("headers", {})
        for name in list(headers):
            values = [str(v) for v in headers[name]]
            lower = name.lower()
            secretish = lower in SECRET_RESPONSE_HEADERS or lower in SECRET_HEADERS or lower.startswith("x-stainless")
            # A header whose value carries a key (an echoed credential, a signed token) goes entirely.
            if secretish or any(self.text(v) != v for v in values):
                del headers[name]
        body = response.get("body", {}).get("string")
        text = _text(body)
        if text is not None:
            response["body"]["string"] = self.text(text).encode() if isinstance(body, bytes) else self.text(text)
        return response


def _text(body: Any) -> str | None:
    """A body as text, or None for binary content (left as it is rather than mangled)."""
    if isinstance(body, str):
        return body
    if isinstance(body, bytes):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


def recorder(record_mode: str, secrets: Iterable[str] = ()) -> vcr.VCR:
    if record_mode not in RECORD_MODES:
        raise ValueError(f"record mode must be one of {', '.join(RECORD_MODES)}")
    scrub = Scrubber(secrets)
    my = vcr.VCR(
        record_mode=record_mode,
        match_on=("method", "path", "query", "json_body"),
        before_record_request=scrub.request,
        before_record_response=scrub.response,
        decode_compressed_response=True,
    )
    my.register_matcher("json_body", body_matcher)
    return my


# One active cassette per asyncio task (contextvars are copied into every task a probe starts).
_ACTIVE: ContextVar[Cassette | None] = ContextVar("gateway_conformance_cassette", default=None)
_INSTALLED: list[tuple[type, str, Any]] = []


def _async_dispatch(original: Callable[..., Any], module: ModuleType) -> Callable[..., Any]:
    async def handle_async_request(self: Any, request: Any) -> Any:
        cassette = _ACTIVE.get()
        if cassette is None:
            return await original(self, request)
        return await httpx_stubs._vcr_handle_async_request(cassette, original, self, request, module)

    return handle_async_request


def _sync_dispatch(original: Callable[..., Any], module: ModuleType) -> Callable[..., Any]:
    def handle_request(self: Any, request: Any) -> Any:
        cassette = _ACTIVE.get()
        if cassette is None:
            return original(self, request)
        return httpx_stubs._vcr_handle_request(cassette, original, self, request, module)

    return handle_request


def install() -> None:
    """Patch httpx2's and httpx's transports with the dispatcher (once per process)."""
    if _INSTALLED:
        return
    import httpx
    import httpx2

    for module in (httpx2, httpx):
        for cls_name, attr, wrap in (
            ("AsyncHTTPTransport", "handle_async_request", _async_dispatch),
            ("ASGITransport", "handle_async_request", _async_dispatch),
            ("HTTPTransport", "handle_request", _sync_dispatch),
            ("WSGITransport", "handle_request", _sync_dispatch),
        ):
            cls = getattr(module, cls_name)
            original = getattr(cls, attr)
            _INSTALLED.append((cls, attr, original))
            setattr(cls, attr, wrap(original, module))


def open_cassette(path: Path, record_mode: str, secrets: Iterable[str] = ()) -> Cassette:
    # Each recorded answer is played once: a probe that repeats a request must have recorded it twice.
    config = recorder(record_mode, secrets).get_merged_config(path=str(path), allow_playback_repeats=False)
    # What vcrpy's context manager consumes itself rather than passing to the Cassette.
    for name in ("path_transformer", "func_path_generator", "record_on_exception"):
        config.pop(name, None)
    return Cassette.load(**config)


@contextmanager
def recording(path: Path, record_mode: str, secrets: Iterable[str] = ()) -> Iterator[Cassette]:
    """Record (or replay) every httpx/httpx2 request made in this context into the cassette at `path`.

    With record mode `none` nothing unmatched reaches the network: vcrpy raises CannotOverwriteExistingCassette.
    """
    install()
    cassette = open_cassette(path, record_mode, secrets)
    token = _ACTIVE.set(cassette)
    try:
        yield cassette
    finally:
        _ACTIVE.reset(token)
        cassette._save()
