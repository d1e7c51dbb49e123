"""`reference-gateway --config F --host H --port P` (or `python -m reference_gateway`)."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

import uvicorn

from reference_gateway.app import create_app
from reference_gateway.config import load
from reference_gateway.server import header_timeout_protocol


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reference-gateway", description="Serve the reference gateway.")
    parser.add_argument("--config", help="YAML config (default: $GATEWAY_CONFIG or the built-in default preset)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    config = load(args.config)
    app = create_app(config)
    # access_log off: URLs may carry a Gemini-style ?key= and logs must never hold secrets.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        # The gateway answers as itself: no X-Forwarded-* rewriting of the client address, no Server banner.
        proxy_headers=False,
        server_header=False,
        ws="websockets-sansio",
        http=header_timeout_protocol(config.limits.header_timeout),
        ws_max_size=config.limits.max_body_bytes,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
