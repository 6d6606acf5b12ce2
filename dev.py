"""Set up and run planlang from a fresh checkout with nothing but Python 3.11+.

    python3 dev.py demo    create .venv, install planlang, bill the bundled flespi example
    python3 dev.py test    create .venv, install planlang with its test tools, run the whole suite
    python3 dev.py lint    ruff and mypy over the code (the house style)

Each command creates the virtual environment `.venv` the first time and reinstalls the package
when pyproject.toml has changed; extra arguments are passed on (to `planlang bill` or `pytest`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_env(extra: str) -> None:
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        print(f"creating {VENV.relative_to(ROOT)} …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extra.encode()).hexdigest()
    stamp = VENV / f".installed-{extra or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print("installing planlang …", flush=True)
    target = f"{ROOT}[{extra}]" if extra else str(ROOT)
    subprocess.run([str(BIN / "python"), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", "-e", target], check=True)
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("", [])
    if command == "demo":
        ensure_env("")
        args = rest or ["catalogs/flespi.plan", "--account", "examples/flespi-account.yaml",
                        "--period", "2026-11", "--explain"]
        return subprocess.call([str(BIN / "planlang"), "bill", *args], cwd=ROOT)
    if command == "test":
        ensure_env("test")
        return subprocess.call([str(BIN / "python"), "-m", "pytest", *rest], cwd=ROOT)
    if command == "lint":
        ensure_env("lint")
        ruff = subprocess.call([str(BIN / "ruff"), "check", "planlang", "tests", "dev.py"], cwd=ROOT)
        mypy = subprocess.call([str(BIN / "python"), "-m", "mypy", "planlang"], cwd=ROOT)
        return ruff or mypy
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
