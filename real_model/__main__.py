"""`python -m real_model [--host 127.0.0.1] [--port 0] [--install-only]`: install the real model once (cached), start
its server (server.mjs) on a free port and serve the front (journal, checks) on `--port`; stop both on exit.

A gateway in front uses `http://HOST:PORT/v1` with key `sk-upstream-real` and model `smollm2-135m-instruct`
(`gateway-conformance upstreams --real` runs this)."""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Sequence

import uvicorn

from harness.servers import free_port, spawn
from real_model.front import KEY, MODEL, WORKER_KEY, create_app
from real_model.install import install

START_TIMEOUT = 60.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m real_model", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--install-only", action="store_true", help="install (or find installed) and exit")
    args = parser.parse_args(argv)
    if not shutil.which("node"):
        parser.error("node (Node.js 20 or later) is not on PATH: the real model runs on node-llama-cpp")
    installed = install()
    if args.install_only:
        print(f"real model installed: {installed.folder}", flush=True)
        return 0
    argv_worker = ["node", str(installed.server), "--weights", str(installed.weights), "--name", MODEL]
    with spawn([*argv_worker, "--key", WORKER_KEY], timeout=START_TIMEOUT) as worker:
        port = args.port or free_port(args.host)
        url = f"http://{args.host}:{port}"
        print(f"real model {MODEL} listening on {url}/v1 (key {KEY}); request journal: {url}/_journal", flush=True)
        uvicorn.run(create_app(worker.url), host=args.host, port=port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
