"""vcrpy configuration: where a probe's cassette lives, how replay matches requests, and secret scrubbing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import vcr
from vcr.request import Request as VcrRequest

RECORD_MODES = ("none", "once", "new_episodes", "all")
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
SECRET_RESPONSE_HEADERS = ("set-cookie",)
SECRET_QUERY = ("key", "api_key", "api-key")
REDACTED = "REDACTED"
_KEYLIKE = re.compile(r"\b(sk-[A-Za-z0-9_-]{8,}|Bearer\s+[A-Za-z0-9._-]{8,})")


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
        return _KEYLIKE.sub(REDACTED, value)

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
            raw = request.body.decode("utf-8", "replace") if isinstance(request.body, bytes) else request.body
            request.body = self.text(raw).encode()
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        headers = response.get("headers", {})
        for name in list(headers):
            if name.lower() in SECRET_RESPONSE_HEADERS or name.lower().startswith("x-stainless"):
                del headers[name]
            else:
                headers[name] = [self.text(str(v)) for v in headers[name]]
        body = response.get("body", {}).get("string")
        if isinstance(body, bytes):
            response["body"]["string"] = self.text(body.decode("utf-8", "replace")).encode()
        elif isinstance(body, str):
            response["body"]["string"] = self.text(body)
        return response


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
