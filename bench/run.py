"""Run every benchmark workload, one after another, each printing its own table.

    python3 bench/run.py              # every workload at its usual sizes
    python3 bench/run.py --quick      # smaller sizes: a first look in a few minutes
    python3 bench/run.py --only tier soracom
    python3 bench/run.py --list       # the workloads, and which exist yet

The workloads, in this order, each a subprocess started from the repository root:

- tier (`bench/tier.py`): planlang against the competing rule engines; it sets up and uses
  `bench/.venv` itself. `--quick`: 20,000 accounts, 3 timed passes.
- flespi month, edge year, catalogs, batch memory (`bench/flespi_month.py`, `bench/edge_year.py`,
  `bench/catalogs.py`, `bench/batch_memory.py`): `--quick` is passed on when the script's `--help`
  offers it.
- Soracom CSV (`bench/soracom_csv.py`): 1,000 and 10,000 SIMs; with `--quick`, 1,000 SIMs (or the
  script's own `--quick`, if its `--help` ever offers one).

The scripts other than tier.py run under the project's `.venv` Python when it exists (the one their
own docs name), else under `bench/.venv` (which holds planlang too). A script that does not exist
yet is reported as skipped; one that fails is reported and makes the exit status 1, and the others
still run. The summary at the end gives each workload's status and wall-clock time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = "Scripts" if os.name == "nt" else "bin"


@dataclass
class Workload:
    key: str
    script: str
    args: list[str] = field(default_factory=list)          # the usual run
    quick_args: list[str] | None = None                      # --quick when the script has none


WORKLOADS = [
    Workload("tier", "tier.py"),
    Workload("flespi", "flespi_month.py"),
    Workload("edge", "edge_year.py"),
    Workload("catalogs", "catalogs.py"),
    Workload("soracom", "soracom_csv.py", ["1000", "10000"], ["1000"]),
    Workload("batch-memory", "batch_memory.py"),
]


def python_for(workload: Workload) -> str:
    if workload.key == "tier":
        return sys.executable            # tier.py makes and enters bench/.venv itself
    for candidate in (ROOT / ".venv" / BIN / "python", BENCH / ".venv" / BIN / "python"):
        if candidate.exists():
            return str(candidate)
    return sys.executable


def offers_quick(python: str, script: Path) -> bool:
    try:
        done = subprocess.run([python, str(script), "--help"], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0 and "--quick" in done.stdout


def command_for(workload: Workload, quick: bool) -> list[str]:
    python = python_for(workload)
    script = BENCH / workload.script
    args = list(workload.args)
    if quick:
        if workload.key == "tier" or offers_quick(python, script):
            args = ["--quick"]
        elif workload.quick_args is not None:
            args = list(workload.quick_args)
    return [python, str(script), *args]


def shorten(path: str) -> str:
    """A path inside the repository relative to its root, any other as it is."""
    resolved = Path(path)
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    parser.add_argument("--quick", action="store_true", help="smaller sizes, passed on to each workload")
    parser.add_argument("--only", nargs="+", metavar="KEY", help="only these workloads (keys: see --list)")
    parser.add_argument("--list", action="store_true", help="list the workloads and stop")
    args = parser.parse_args(argv)

    keys = {w.key for w in WORKLOADS}
    if args.only and not set(args.only) <= keys:
        parser.error(f"unknown workload {sorted(set(args.only) - keys)}; known: {', '.join(sorted(keys))}")
    if args.list:
        for w in WORKLOADS:
            there = "" if (BENCH / w.script).exists() else "   (does not exist yet)"
            print(f"{w.key:14s} bench/{w.script}{there}")
        return 0

    # The tier workload creates bench/.venv; the others may fall back on it, so it is set up first.
    if not (BENCH / ".venv" / BIN / "python").exists() and not (ROOT / ".venv" / BIN / "python").exists():
        subprocess.run([sys.executable, str(BENCH / "tier.py"), "--setup"], cwd=ROOT, check=True)

    sys.stdout.reconfigure(line_buffering=True)
    summary = []
    began = time.perf_counter()
    for w in WORKLOADS:
        if args.only and w.key not in args.only:
            continue
        script = BENCH / w.script
        if not script.exists():
            print(f"\n=== {w.key}: bench/{w.script} does not exist yet: skipped")
            summary.append((w.key, "skipped (no script)", None))
            continue
        command = command_for(w, args.quick)
        shown = " ".join([shorten(command[0]), shorten(command[1]), *command[2:]])
        print(f"\n=== {w.key}: {shown}", flush=True)
        started = time.perf_counter()
        status = subprocess.call(command, cwd=ROOT)
        took = time.perf_counter() - started
        summary.append((w.key, "ok" if status == 0 else f"FAILED (exit status {status})", took))

    print("\n=== summary" + (" (--quick)" if args.quick else ""))
    print("| workload | status | wall-clock s |")
    print("| --- | --- | ---: |")
    for key, status, took in summary:
        print(f"| {key} | {status} | {'' if took is None else f'{took:.0f}'} |")
    print(f"{time.perf_counter() - began:.0f} s in all")
    return 1 if any(status.startswith("FAILED") for _, status, _ in summary) else 0


if __name__ == "__main__":
    sys.exit(main())
