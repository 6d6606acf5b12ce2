"""Benchmark: parsing and checking the catalogs, in process and from a cold start of the CLI.

1. In process: every catalog of catalogs/ is read and compiled (`planlang.compile.read_source` and
   `compile_source`: parse, build, check, as `planlang check` does), once to warm up, then R times
   (`--reps`, default 20); the median per catalog, and for all of them together. The very first
   compile of the process (which also builds the LALR parser, from Lark's table cache on disk) is
   shown apart.
2. Cold: `planlang check catalogs/` and `planlang bill catalogs/flespi.plan --account
   examples/flespi-account.yaml --period 2026-11` run as subprocesses from the venv, C times each
   (`--cold-reps`, default 5), median; with, for scale, the start of a bare Python
   (`python -c pass`) and of one importing the CLI (`python -c "import planlang.drivers.cli"`).
3. Prints a table: what | lines | median ms | runs.

Run from the repository root: `.venv/bin/python bench/catalogs.py`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SCRIPT = Path(sys.executable).parent / "planlang"  # the venv's console script, if there is one
PLANLANG = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "planlang.drivers.cli"]


def first_compile(path: Path) -> float:
    """Milliseconds of the first compile in this process (it builds the parser)."""
    from planlang.compile import compile_source, read_source

    began = time.perf_counter()
    compile_source(read_source(path))
    return (time.perf_counter() - began) * 1000


def in_process(paths: list[Path], reps: int) -> tuple[dict[Path, float], float, list[str]]:
    """Median ms per catalog and for all of them, and the diagnostics found (there should be none)."""
    from planlang.compile import compile_source, read_source

    def check(path: Path) -> list:
        return list(compile_source(read_source(path)).diagnostics)

    problems = [f"{path.name}: {d.code} {d.message}" for path in paths for d in check(path)]
    each = {}
    for path in paths:
        runs = []
        for _ in range(reps):
            began = time.perf_counter()
            check(path)
            runs.append(time.perf_counter() - began)
        each[path] = statistics.median(runs) * 1000
    runs = []
    for _ in range(reps):
        began = time.perf_counter()
        for path in paths:
            check(path)
        runs.append(time.perf_counter() - began)
    return each, statistics.median(runs) * 1000, problems


def cold(command: list[str], reps: int) -> float:
    """Median ms of running `command` from the repository root (its output checked, then dropped)."""
    runs = []
    for _ in range(reps):
        began = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        runs.append(time.perf_counter() - began)
        if done.returncode != 0:
            raise SystemExit(f"`{' '.join(command)}` failed ({done.returncode}):\n{done.stderr}")
    return statistics.median(runs) * 1000


def revision() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=ROOT, check=True).stdout.strip()
        dirty = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain", "--",
                                "planlang", "catalogs", "grammars"], capture_output=True, text=True,
                               cwd=ROOT, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "an unknown commit"
    return head + (" +changes" if dirty.strip() else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reps", type=int, default=20, help="in-process runs (default 20)")
    parser.add_argument("--cold-reps", type=int, default=5, help="subprocess runs (default 5)")
    parser.add_argument("--quick", action="store_true", help="5 in-process runs, 3 subprocess runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.reps, args.cold_reps = 5, 3
    paths = sorted((ROOT / "catalogs").glob("*.plan"))
    lines = {path: len(path.read_text(encoding="utf-8").splitlines()) for path in paths}
    first = first_compile(paths[0])
    each, together, problems = in_process(paths, args.reps)
    check_all = [*PLANLANG, "check", "catalogs/"]
    bill = [*PLANLANG, "bill", "catalogs/flespi.plan", "--account", "examples/flespi-account.yaml",
            "--period", "2026-11"]
    colds = [
        ("cold: `python -c pass` (a bare Python start, for scale)", cold([sys.executable, "-c", "pass"],
                                                                    args.cold_reps)),
        ("cold: `python -c \"import planlang.drivers.cli\"` (Python and planlang imported)",
         cold([sys.executable, "-c", "import planlang.drivers.cli"], args.cold_reps)),
        ("cold: `planlang check catalogs/`", cold(check_all, args.cold_reps)),
        ("cold: `planlang bill catalogs/flespi.plan --account examples/flespi-account.yaml --period "
         "2026-11`", cold(bill, args.cold_reps)),
    ]
    print(f"Catalogs parsed and checked, Python {sys.version.split()[0]}, planlang at {revision()}")
    print()
    print("| what | lines | median ms | runs |")
    print("| --- | ---: | ---: | ---: |")
    for path in paths:
        print(f"| {path.name} (in process) | {lines[path]} | {each[path]:.2f} | {args.reps} |")
    print(f"| all {len(paths)} catalogs (in process) | {sum(lines.values())} | {together:.2f} | "
          f"{args.reps} |")
    print(f"| {paths[0].name}, the first compile of the process (builds the parser) | "
          f"{lines[paths[0]]} | {first:.2f} | 1 |")
    for what, ms in colds:
        print(f"| {what} | | {ms:.0f} | {args.cold_reps} |")
    if problems:
        print("\ndiagnostics (the catalogs should be clean):")
        for problem in problems:
            print(f"  {problem}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
