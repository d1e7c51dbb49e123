"""`python -m emulators --host 127.0.0.1 --port 0`: serve the emulated upstreams.

Keys and models per protocol (openai, anthropic, gemini): `--key PROTOCOL=KEY` and `--model PROTOCOL=NAME`
(repeatable; a protocol named replaces its defaults), else UPSTREAM_<PROTOCOL>_KEYS / UPSTREAM_<PROTOCOL>_MODELS
(comma-separated), else the defaults of emulators/access.py.

`--print-config gomodel|litellm|portkey|llamastack [--upstream-url URL]` prints, instead of serving, a ready config
for that gateway fronting the upstreams at URL, and the targets file to probe it with (emulators/configs.py).
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Sequence

import uvicorn

from emulators.access import settings
from emulators.app import create_app
from emulators.configs import DEFAULT_UPSTREAM, GATEWAYS, build
from harness.servers import free_port


def _quiet_about_hangups(record: logging.LogRecord) -> bool:
    """The event loop's warning when a fault keeps writing (a drip, a hang that ends) to a gateway that has already
    hung up, as a gateway should: expected here, and it said nothing about which request it was."""
    return record.getMessage() != "socket.send() raised exception."


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="gateway-conformance upstreams", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--key", action="append", default=[], metavar="PROTOCOL=KEY", help="a key to accept")
    parser.add_argument("--model", action="append", default=[], metavar="PROTOCOL=NAME", help="a model to serve")
    parser.add_argument(
        "--print-config",
        choices=GATEWAYS,
        metavar="|".join(GATEWAYS),
        help="print a config for that gateway fronting the upstreams, and the targets file to probe it; serve nothing",
    )
    parser.add_argument(
        "--upstream-url",
        default=DEFAULT_UPSTREAM,
        help=f"with --print-config: where the upstreams listen (default {DEFAULT_UPSTREAM})",
    )
    args = parser.parse_args(argv)
    if args.print_config:
        print(build(args.print_config, args.upstream_url).render(), end="")
        return 0
    try:
        access = settings(os.environ, args.key, args.model)
    except ValueError as exc:
        parser.error(str(exc))
    port = args.port or free_port(args.host)
    url = f"http://{args.host}:{port}"
    print(f"upstreams listening on {url}", flush=True)
    print(f"  OpenAI Responses + Chat: {url}/v1   Anthropic: {url}   Gemini: {url}/v1beta", flush=True)
    print(f"  request journal: {url}/_journal", flush=True)
    logging.getLogger("asyncio").addFilter(_quiet_about_hangups)
    # No emulated provider speaks WebSocket; the sans-I/O implementation avoids uvicorn's deprecated default. A
    # `hang` fault never ends by itself: on SIGTERM the server waits 1 s for open requests, not for ever.
    uvicorn.run(
        create_app(access=access),
        host=args.host,
        port=port,
        log_level="warning",
        ws="websockets-sansio",
        timeout_graceful_shutdown=1,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
