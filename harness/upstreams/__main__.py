"""`python -m harness.upstreams --host 127.0.0.1 --port 0`: serve the emulated upstreams."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from harness.servers import free_port
from harness.upstreams.app import create_app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gateway-conformance upstreams", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    port = args.port or free_port(args.host)
    url = f"http://{args.host}:{port}"
    print(f"upstreams listening on {url}", flush=True)
    print(f"  OpenAI Responses + Chat: {url}/v1   Anthropic: {url}   Gemini: {url}/v1beta", flush=True)
    # No emulated provider speaks WebSocket; the sans-I/O implementation avoids uvicorn's deprecated default.
    uvicorn.run(create_app(), host=args.host, port=port, log_level="warning", ws="websockets-sansio")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
