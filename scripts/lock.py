"""Re-resolve the locked environments (requirements/), then rebuild what is derived from them (schemas/sdk/).

Usage: tox -e lock [-- -P NAME ...]   (or: python scripts/lock.py, with uv installed)

With no argument every package moves to its newest release that fits pyproject.toml's ranges; with `-P NAME`
(repeatable) only the named ones move and the rest keep their pins. The resolution is universal: one set of pins,
with markers where they differ, for Python 3.11 to 3.13 on any platform. Then schemas/sdk/, the `sdk` strictness's
snapshot, is rebuilt from the `openai` the new lock pins, installed into a scratch environment.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQ = ROOT / "requirements"
PYTHON = "3.11"  # the oldest supported: with --universal the pins hold for every newer one too


def compile_lock(source: list[str], out: Path, moves: list[str], *extra: str) -> None:
    upgrade = [arg for name in moves for arg in ("--upgrade-package", name)] if moves else ["--upgrade"]
    subprocess.run(
        ["uv", "pip", "compile", *source, "--universal", "--python-version", PYTHON, "--quiet",
         "--custom-compile-command", "tox -e lock", *upgrade, *extra, "-o", str(out)],
        cwd=ROOT,
        check=True,
    )  # fmt: skip


def rebuild_sdk_snapshot() -> None:
    """schemas/sdk/ from the locked openai, in a scratch environment (this one has only uv)."""
    with tempfile.TemporaryDirectory(prefix="lock-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run(["uv", "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
        python = venv / "bin" / "python"
        constraints = str(REQ / "constraints.txt")
        subprocess.run(
            ["uv", "pip", "install", "--quiet", "--python", str(python), "-c", constraints, "openai", "pydantic"],
            check=True,
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run([str(python), "-m", "harness.sdk_schemas", "--write"], cwd=ROOT, env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-P", "--upgrade-package", action="append", default=[], metavar="NAME")
    args = parser.parse_args()
    compile_lock(["pyproject.toml", "requirements/tools.in", "--extra", "test"], REQ / "constraints.txt",
                 args.upgrade_package)  # fmt: skip
    compile_lock(["requirements/tox.in"], REQ / "tox.txt", args.upgrade_package, "--generate-hashes")
    rebuild_sdk_snapshot()
    print("lock updated: run `tox` (and `tox -e record` if the SDKs moved), then commit requirements/ and schemas/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
