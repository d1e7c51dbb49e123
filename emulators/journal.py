"""The request journal: every request the emulators receive, in arrival order, as evidence of what a gateway sent.

`GET /_journal` -> `{"data": [entry, ...], "seq": newest}`, `?since=N` only the entries with `seq` > N;
`DELETE /_journal` empties it (`seq` keeps counting, so a reader's `since` stays valid). An entry: `seq`, `time`,
`protocol`, `method`, `path`, `query`, `headers`, `body` (the JSON value, or the raw text when it is not JSON, or
null), `credential` (`valid`, `invalid` or `missing`) and, once the answer has started, its `status`. Secrets are
scrubbed exactly as in cassettes (harness/cassettes.py): credential headers removed, key query parameters and
key-like strings `REDACTED`. Only the last `limit` entries are kept.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from vcr.request import Request as VcrRequest

from harness import content_encoding
from harness.cassettes import Scrubber

PATH = "/_journal"
MAX_BODY = 256 * 1024  # larger request bodies are journaled as their length and digest
LIMIT = 10_000


@dataclass
class Journal:
    limit: int = LIMIT
    entries: deque[dict[str, Any]] = field(init=False)
    seq: int = 0

    def __post_init__(self) -> None:
        self.entries = deque(maxlen=self.limit)

    def record(self, request: Request, body: bytes, protocol: str, credential: str) -> dict[str, Any]:
        """Scrub and keep one request; the entry is returned so that the answer's status can be added to it."""
        self.seq += 1
        entry = {"seq": self.seq, "time": time.time(), "protocol": protocol, **_scrubbed(request, body)}
        entry["credential"] = credential
        self.entries.append(entry)
        return entry

    def since(self, seq: int) -> list[dict[str, Any]]:
        return [entry for entry in self.entries if entry["seq"] > seq]

    def clear(self) -> None:
        self.entries.clear()


def _scrubbed(request: Request, body: bytes) -> dict[str, Any]:
    """Method, path, query, headers and body after the cassette scrubber has been over them. A compressed body
    (Content-Encoding, which a client may send) is kept as what it carries; one in an encoding that cannot be
    decoded here is kept as a sentence saying so (the header stays in `headers`)."""
    encoding = request.headers.get("content-encoding")
    if content_encoding.codings(encoding):
        try:
            body = content_encoding.decode(body, encoding)
        except content_encoding.UnsupportedEncoding as exc:
            body = f"({len(body)} bytes not decoded: {exc})".encode()
    if len(body) > MAX_BODY:
        # A huge body (a probe of size limits) is kept as its length and digest: the evidence is that it arrived.
        digest = hashlib.sha256(body).hexdigest()
        body = json.dumps({"omitted_bytes": len(body), "sha256": digest}).encode()
    recorded = Scrubber().request(VcrRequest(request.method, str(request.url), body or None, dict(request.headers)))
    text = recorded.body.decode("utf-8", "replace") if recorded.body else None
    try:
        parsed: Any = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return {
        "method": request.method,
        "path": request.url.path,
        "query": urlsplit(recorded.uri).query,
        "headers": {name.lower(): str(value) for name, value in recorded.headers.items()},
        "body": parsed,
    }


def routes(journal: Journal) -> list[BaseRoute]:
    async def read(request: Request) -> Response:
        raw = request.query_params.get("since", "0")
        if not raw.isdigit():
            body = {
                "error": {
                    "message": f"'since' must be a sequence number, got {raw!r}.",
                    "type": "invalid_request_error",
                }
            }
            return JSONResponse(body, status_code=400)
        return JSONResponse({"data": journal.since(int(raw)), "seq": journal.seq})

    async def reset(request: Request) -> Response:
        dropped = len(journal.entries)
        journal.clear()
        return JSONResponse({"deleted": dropped, "seq": journal.seq})

    return [Route(PATH, read, methods=["GET"]), Route(PATH, reset, methods=["DELETE"])]
