"""Benchmark: the tier workload, planlang against competing rule engines and hand-written Python.

The workload (one "account-month evaluation" of a three-tier ladder over 100,000 accounts, seed 42)
and its exact oracle come from `tier_workload.py` in the shared `bench/` folder beside the repository
(`../shared/bench/`, or the folder named by the TIER_WORKLOAD_DIR environment variable). Each row of
the table is an engine module in `bench/tier/` (`NAME`, `setup`, `run`, `pairs`; see its
`__init__.py`); planlang's rows come from `bench/tier/planlang_engine.py`.

The engines run only inside `bench/.venv`, which this script creates the first time (or with
`--setup`): planlang installed editable from the repository, plus the pinned competitors of
`bench/requirements.txt`, each installed on its own so that one that cannot install here only turns
its row into a note. Each engine then runs in a process of its own, one after another: the accounts
are generated and `setup` runs (untimed), one warm-up pass, then `--reps` timed passes of `run` over
every account (`time.perf_counter`, a `gc.collect()` before each, the collector left on, what setup
built moved out of its sight with `gc.freeze()`), the median
taken with `statistics.median`. Each timed pass of an engine follows a timed pass of the reference
row (hand-written Python, table-driven, Decimal) in the same process, and the ratios, planlang's
bar included, are taken against the reference measured beside each engine: on this shared machine
the same code runs up to 1.5x faster or slower from one process to the next, which would otherwise
decide the comparison. The warm-up's and the last pass's outputs are normalised with
`pairs` (untimed) and checked against the oracle to the cent for every account; any mismatch is
printed and makes the exit status 1.

    python3 bench/tier.py                    # every row but the slow ones, 100,000 accounts, 5 reps
    python3 bench/tier.py --all              # also the slow rows (SLOW = True: zen-engine create_decision
                                             # per account, cel-python, planlang's interpreter)
    python3 bench/tier.py --quick            # 20,000 accounts, 3 reps
    python3 bench/tier.py --only planlang zen --reps 3 --json /tmp/tier.json
    python3 bench/tier.py --setup            # only create or update bench/.venv
    python3 bench/tier.py --list             # the rows and their keys
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV = BENCH / ".venv"
VENV_PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
REQUIREMENTS = BENCH / "requirements.txt"
STAMP = VENV / ".tier-installed.json"
ENGINE_DIR = BENCH / "tier"

# The rows, in table order: module keys in bench/tier/. planlang_engine is another engineer's module:
# used when it exists, its rows (one, or several in ENGINES) placed after the reference row.
MODULES = [
    "handwritten_ifelse",
    "handwritten_table_cents",
    "handwritten_table_decimal",
    "planlang_engine",
    "zen_expression",
    "cel_rust",
    "zen_graph",
    "zen_decision_per_account",
    "rule_engine_py",
    "rego",
    "cel_python",
]
# The PyPI package each competitor's module needs (named in its row when it cannot be imported).
REQUIRES = {
    "zen_expression": "zen-engine", "zen_graph": "zen-engine", "zen_decision_per_account": "zen-engine",
    "cel_rust": "common-expression-language", "rule_engine_py": "rule-engine", "rego": "regopy",
    "cel_python": "cel-python", "planlang_engine": "planlang",
}
REFERENCE = "handwritten_table_decimal"
PLANLANG = "planlang_engine"
FAST_CORES = ("Rust", "C++")   # the engines planlang's bar is set against
BAR_RATIO = 2.0
LIST = ":list"                 # --child LIST: the process that imports the modules and lists the rows


# --------------------------------------------------------------------------------------------------
# The workload
# --------------------------------------------------------------------------------------------------
def workload_dir() -> Path:
    configured = os.environ.get("TIER_WORKLOAD_DIR")
    return Path(configured) if configured else ROOT.parent / "shared" / "bench"


def load_workload():
    folder = workload_dir()
    if not (folder / "tier_workload.py").exists():
        raise SystemExit(f"tier_workload.py not found in {folder} (set TIER_WORKLOAD_DIR)")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return importlib.import_module("tier_workload")


# --------------------------------------------------------------------------------------------------
# bench/.venv
# --------------------------------------------------------------------------------------------------
def requirement_lines() -> list[str]:
    lines = []
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def env_digest() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()


def pip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_PYTHON), "-m", "pip", "install", "--disable-pip-version-check",
                           "--quiet", *args], capture_output=True, text=True)


def ensure_env(verbose: bool = False) -> dict:
    """Create or update bench/.venv; return the stamp: {digest, failed: {requirement: why}}."""
    if VENV_PYTHON.exists() and STAMP.exists():
        stamp = json.loads(STAMP.read_text())
        if stamp.get("digest") == env_digest():
            if verbose:
                print(f"{VENV.relative_to(ROOT)} is up to date", file=sys.stderr)
            return stamp
    if not VENV_PYTHON.exists():
        print(f"creating {VENV.relative_to(ROOT)} …", file=sys.stderr, flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print(f"installing planlang (editable) into {VENV.relative_to(ROOT)} …", file=sys.stderr, flush=True)
    done = pip("-e", str(ROOT))
    if done.returncode:
        raise SystemExit(f"could not install planlang into {VENV}:\n{done.stdout}{done.stderr}")
    failed = {}
    for requirement in requirement_lines():
        print(f"installing {requirement} …", file=sys.stderr, flush=True)
        done = pip(requirement)
        if done.returncode:
            lines = [line for line in (done.stderr or done.stdout).splitlines()
                     if line.strip() and not line.startswith("WARNING: Location")]
            failed[requirement] = lines[-1].strip() if lines else f"pip exit status {done.returncode}"
            print(f"  could not install {requirement}: {failed[requirement]}", file=sys.stderr)
    stamp = {"digest": env_digest(), "failed": failed}
    STAMP.write_text(json.dumps(stamp, indent=1))
    return stamp


# --------------------------------------------------------------------------------------------------
# Child processes (run inside bench/.venv)
# --------------------------------------------------------------------------------------------------
def child_imports() -> None:
    for folder in (str(workload_dir()), str(BENCH)):
        if folder not in sys.path:
            sys.path.insert(0, folder)


def engines_of(module) -> list:
    rows = getattr(module, "ENGINES", None)
    return list(rows) if rows else [module]


def package_version(requirement: str | None) -> str | None:
    if not requirement:
        return None
    from importlib.metadata import PackageNotFoundError, version

    name = requirement.split("==")[0].split(">=")[0].strip()
    try:
        return f"{name} {version(name)}"
    except PackageNotFoundError:
        return None


def child_list(out: Path) -> int:
    """Import every engine module once and report its rows (no timing happens in this process)."""
    child_imports()
    modules = {}
    for key in MODULES:
        if not (ENGINE_DIR / f"{key}.py").exists():
            modules[key] = {"absent": True}
            continue
        try:
            module = importlib.import_module(f"tier.{key}")
            engines = engines_of(module)
            # a module of several rows names its main one with its own NAME (else the first is)
            main_name = getattr(module, "NAME", engines[0].NAME)
            rows = [{"index": i, "name": str(engine.NAME), "core": getattr(engine, "CORE", None),
                     "slow": bool(getattr(engine, "SLOW", False)), "main": engine.NAME == main_name}
                    for i, engine in enumerate(engines)]
            modules[key] = {"rows": rows, "package": getattr(module, "PACKAGE", None)}
        except Exception as error:  # an engine whose package is missing or broken becomes a note
            modules[key] = {"error": f"{type(error).__name__}: {error}",
                            "package": None, "missing": isinstance(error, ImportError)}
    out.write_text(json.dumps(modules))
    return 0


def child_run(key: str, index: int, n: int, reps: int, oracle_file: Path, out: Path) -> int:
    child_imports()
    result: dict = {"key": key, "index": index, "n": n, "reps": reps}
    try:
        workload = importlib.import_module("tier_workload")
        module = importlib.import_module(f"tier.{key}")
        engine = engines_of(module)[index]
        result.update(name=str(engine.NAME), core=getattr(engine, "CORE", None),
                      version=package_version(getattr(module, "PACKAGE", None)),
                      python=platform.python_version())
        expected = [tuple(pair) for pair in json.loads(oracle_file.read_text())]
        accounts = workload.generate_accounts(n)

        started = time.perf_counter()
        state = engine.setup(accounts)
        result["setup_s"] = time.perf_counter() - started

        def check(raw, label: str) -> int:
            bad, first = workload.compare(expected, workload.normalise(engine.pairs(raw)))
            if bad:
                result.setdefault("mismatches", []).append({
                    "pass": label, "count": bad,
                    "first": [{"index": i, "account": accounts[i] if isinstance(i, int) else None,
                               "expected": e, "got": g} for i, e, g in first]})
            return bad

        # the reference row, timed pass by pass beside the engine (not for the reference itself)
        paired = key != REFERENCE
        if paired:
            reference = importlib.import_module(f"tier.{REFERENCE}")
            reference_state = reference.setup(accounts)
            reference.run(reference_state)  # its warm-up

        started = time.perf_counter()
        raw = engine.run(state)
        result["warmup_s"] = time.perf_counter() - started
        bad = check(raw, "warm-up")
        # What setup built (the accounts, the engine's and the reference's own forms of them) is
        # moved out of the collector's sight: a pass's garbage collections then cost the same
        # whatever else the process holds, so the reference timed beside a heavy engine is not
        # slowed by that engine's inputs.
        raw = None
        gc.collect()
        gc.freeze()
        times, reference_times = [], []
        for _ in range(reps):
            if paired:
                gc.collect()
                started = time.perf_counter()
                reference.run(reference_state)
                reference_times.append(time.perf_counter() - started)
            raw = None
            gc.collect()
            started = time.perf_counter()
            raw = engine.run(state)
            times.append(time.perf_counter() - started)
        bad = max(bad, check(raw, "last timed"))
        result.update(times=times, median=statistics.median(times), correct=n - min(bad, n))
        if paired:
            result.update(reference_times=reference_times,
                          reference_median=statistics.median(reference_times),
                          paired_ratio=result["median"] / statistics.median(reference_times))
        status = 0
    except Exception as error:
        result["error"] = f"{type(error).__name__}: {error}"
        result["traceback"] = traceback.format_exc()
        status = 1
    out.write_text(json.dumps(result, default=str))
    return status


# --------------------------------------------------------------------------------------------------
# The parent: list, run one process per row, print the table and the bar
# --------------------------------------------------------------------------------------------------
def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def venv_python_version() -> str:
    done = subprocess.run([str(VENV_PYTHON), "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def seconds(value: float) -> str:
    if value < 1:
        return f"{value:.3f}"
    if value < 10:
        return f"{value:.2f}"
    return f"{value:.1f}"


def ratio(value: float) -> str:
    if value < 1:
        return f"{value:.2f}×"
    if value < 10:
        return f"{value:.1f}×"
    return f"{value:.0f}×"


def spawn(args: list[str]) -> int:
    return subprocess.call([str(VENV_PYTHON), str(Path(__file__).resolve()), *args], cwd=ROOT)


def matches(only: list[str], key: str, name: str) -> bool:
    for word in only:
        word = word.lower()
        if word == key or word in key or word in name.lower():
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(line for line in __doc__.splitlines()
                                                      if line.startswith("    ")))
    parser.add_argument("--n", type=int, help="accounts (default 100,000; 20,000 with --quick)")
    parser.add_argument("--reps", type=int, help="timed passes after the warm-up (default 5; 3 with --quick)")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="rows whose key or label contains NAME (the reference row always runs)")
    parser.add_argument("--all", action="store_true", help="also the slow rows (marked SLOW)")
    parser.add_argument("--quick", action="store_true", help="20,000 accounts, 3 timed passes")
    parser.add_argument("--json", metavar="FILE", help="write the figures to FILE")
    parser.add_argument("--setup", action="store_true", help="create or update bench/.venv, then stop")
    parser.add_argument("--list", action="store_true", help="list the rows and their keys, then stop")
    parser.add_argument("--child", metavar="KEY", help=argparse.SUPPRESS)
    parser.add_argument("--index", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--oracle", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    n = args.n or (20_000 if args.quick else 100_000)
    reps = args.reps or (3 if args.quick else 5)
    if args.child == LIST:
        return child_list(Path(args.out))
    if args.child:
        return child_run(args.child, args.index, n, reps, Path(args.oracle), Path(args.out))

    sys.stdout.reconfigure(line_buffering=True)
    stamp = ensure_env(verbose=args.setup)
    if args.setup:
        for requirement, why in stamp.get("failed", {}).items():
            print(f"not installed: {requirement}: {why}")
        return 0

    began = time.perf_counter()
    load_before = os.getloadavg()[0]
    workload = load_workload()
    with tempfile.TemporaryDirectory(prefix="tier-bench-") as tmp:
        listing_file = Path(tmp) / "rows.json"
        if spawn(["--child", LIST, "--out", str(listing_file)]) or not listing_file.exists():
            print("could not list the engine rows", file=sys.stderr)
            return 2
        listing = json.loads(listing_file.read_text())
        failed_installs = stamp.get("failed", {})

        if args.list:
            for key in MODULES:
                info = listing[key]
                if info.get("absent"):
                    print(f"{key:28s} (bench/tier/{key}.py does not exist)")
                elif "error" in info:
                    print(f"{key:28s} cannot import: {info['error']}")
                else:
                    for row in info["rows"]:
                        print(f"{key:28s} {row['name']}{'   [slow: --all]' if row['slow'] else ''}")
            return 0

        # Plan the rows: (key, index, name, core) to run, or a note in place of the figures.
        plan: list[dict] = []
        notes: list[str] = []
        for key in MODULES:
            info = listing[key]
            if info.get("absent"):
                if key == PLANLANG:
                    notes.append(f"planlang: bench/tier/{key}.py does not exist yet: planlang rows skipped")
                else:
                    notes.append(f"{key}: bench/tier/{key}.py does not exist: skipped")
                continue
            if "error" in info:
                requirement = next((r for r in requirement_lines() if r.split("==")[0] == REQUIRES.get(key)),
                                   REQUIRES.get(key, key))
                if args.only and not matches(args.only, key, requirement):
                    continue
                why = (f"not installed here: {failed_installs[requirement]}" if requirement in failed_installs
                       else f"cannot import: {info['error']}")
                plan.append({"key": key, "index": 0, "name": f"{requirement} (`{key}`)", "core": None,
                             "note": f"not run, {why}"})
                continue
            for row in info["rows"]:
                entry = {"key": key, "index": row["index"], "name": row["name"], "core": row["core"],
                         "main": row.get("main", True)}
                if key == REFERENCE:
                    entry["reference"] = True
                elif args.only and not matches(args.only, key, row["name"]):
                    continue
                elif row["slow"] and not args.all:
                    entry["note"] = "not run (slow: add `--all`)"
                plan.append(entry)

        print(f"tier workload: {n:,} accounts, seed {workload.SEED}, warm-up + {reps} timed passes, "
              "one process per engine", file=sys.stderr, flush=True)
        oracle_file = Path(tmp) / "oracle.json"
        oracle_file.write_text(json.dumps(workload.oracle(workload.generate_accounts(n))))

        failures = 0
        for entry in plan:
            if "note" in entry:
                continue
            out = Path(tmp) / f"{entry['key']}-{entry['index']}.json"
            print(f"  {entry['name']} …", end="", file=sys.stderr, flush=True)
            status = spawn(["--child", entry["key"], "--index", str(entry["index"]), "--n", str(n),
                            "--reps", str(reps), "--oracle", str(oracle_file), "--out", str(out)])
            result = json.loads(out.read_text()) if out.exists() else {
                "error": f"the engine's process ended with status {status} and no result"}
            entry.update(result)
            if "error" in entry:
                failures += 1
                print(f" ERROR: {entry['error']}", file=sys.stderr)
                if entry.get("traceback"):
                    print(entry["traceback"], file=sys.stderr)
                continue
            beside = (f"; the reference beside it {seconds(entry['reference_median'])} s: "
                      f"{ratio(entry['paired_ratio'])}" if "paired_ratio" in entry else "")
            print(f" {seconds(entry['median'])} s median ({seconds(min(entry['times']))}–"
                  f"{seconds(max(entry['times']))}){beside}, {entry['correct']:,}/{n:,} correct",
                  file=sys.stderr, flush=True)
            if entry["correct"] != n or entry.get("mismatches"):
                failures += 1
                for mismatch in entry.get("mismatches", []):
                    print(f"    MISMATCH ({mismatch['pass']} pass): {mismatch['count']:,} accounts differ "
                          "from the oracle; first:", file=sys.stderr)
                    for first in mismatch["first"]:
                        print(f"      #{first['index']} {first['account']}: expected {first['expected']}, "
                              f"got {first['got']}", file=sys.stderr)

    total = time.perf_counter() - began
    reference = next((e for e in plan if e.get("reference") and "median" in e), None)
    ref_median = reference["median"] if reference else None

    # ---- the report ----------------------------------------------------------------------------
    date = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    commit = git_commit()
    python = venv_python_version()
    machine = (f"{os.cpu_count()} cores ({cpu_model()}), {platform.system()} {platform.machine()}, "
               f"Python {python} (bench/.venv), load average {load_before:.2f} at the start and "
               f"{os.getloadavg()[0]:.2f} at the end")
    print()
    print(f"Tier workload, {n:,} accounts (seed {workload.SEED}), medians of {reps} timed passes after "
          f"a warm-up, one process per engine; {date}, planlang at {commit}")
    print(machine)
    versions = sorted({e["version"] for e in plan if e.get("version")})
    if versions:
        print("engines: " + ", ".join(versions))
    print()
    print(f"| engine | median s for {n:,} | vs hand-written Decimal (its own process) | "
          f"hand-written Decimal beside it | vs hand-written Decimal beside it | "
          f"correct ({n:,}/{n:,}) |")
    print("| --- | ---: | ---: | ---: | ---: | :---: |")
    for e in plan:
        if "note" in e:
            print(f"| {e['name']} | {e['note']} | | | | |")
        elif "error" in e:
            print(f"| {e['name']} | error: {e['error']} | | | | no |")
        else:
            vs = "1× (reference)" if e.get("reference") else (ratio(e["median"] / ref_median)
                                                               if ref_median else "—")
            beside = (f"{seconds(e['reference_median'])} | {ratio(e['paired_ratio'])}"
                      if "paired_ratio" in e else "| ")
            ok = "yes" if e["correct"] == n and not e.get("mismatches") else f"**no: {e['correct']:,}**"
            print(f"| {e['name']} | {seconds(e['median'])} | {vs} | {beside} | {ok} |")
    for e in plan:
        for mismatch in e.get("mismatches", []):
            first = mismatch["first"][0]
            print(f"\nMISMATCH: {e['name']}, {mismatch['pass']} pass: {mismatch['count']:,} of {n:,} "
                  f"accounts differ from the oracle; first #{first['index']} {first['account']}: expected "
                  f"{first['expected']}, got {first['got']}")
    for note in notes:
        print(f"\n{note}")

    # ---- planlang's bar ------------------------------------------------------------------------
    bar: list[dict] = []
    planlang_rows = [e for e in plan if e["key"] == PLANLANG and "median" in e]
    fast = [e for e in plan if e.get("core") in FAST_CORES]
    fast_ran = [e for e in fast if "paired_ratio" in e]
    fast_not = [e for e in fast if "median" not in e]
    print()
    print(f"planlang's bar: within {BAR_RATIO:g}× of hand-written Decimal and faster than every "
          "Rust/C++-core engine (the zen-engine rows, common-expression-language, regopy); each "
          "engine's time is taken relative to the hand-written Decimal row timed beside it")
    if not planlang_rows:
        print("  not evaluated: no planlang row ran" + (" (bench/tier/planlang_engine.py is missing)"
                                                        if listing[PLANLANG].get("absent") else ""))
    for e in planlang_rows:
        correct = e["correct"] == n and not e.get("mismatches")
        checks = []
        if "paired_ratio" in e:
            r = e["paired_ratio"]
            checks.append((f"{ratio(r)} hand-written Decimal ({seconds(e['median'])} s vs "
                           f"{seconds(e['reference_median'])} s beside it), needs ≤ {BAR_RATIO:g}×",
                           r <= BAR_RATIO))
        if fast_ran and "paired_ratio" in e:
            fastest = min(fast_ran, key=lambda x: x["paired_ratio"])
            checks.append((f"{ratio(e['paired_ratio'])} vs the fastest Rust/C++-core row, "
                           f"{fastest['name']}, {ratio(fastest['paired_ratio'])} of the hand-written "
                           f"Decimal beside each ({seconds(e['median'])} s and "
                           f"{seconds(fastest['median'])} s)",
                           e["paired_ratio"] < fastest["paired_ratio"]))
        checks.append((f"correct for {e['correct']:,}/{n:,} accounts", correct))
        met = all(ok for _, ok in checks)
        label = "planlang's row" if e["main"] else "another planlang row, for information"
        print(f"  {e['name']} ({label}): {'PASS' if met else 'FAIL'}")
        for text, ok in checks:
            print(f"    {'PASS' if ok else 'FAIL'}  {text}")
        bar.append({"name": e["name"], "main": e["main"], "met": met,
                    "checks": [{"check": t, "pass": ok} for t, ok in checks]})
    if planlang_rows and fast_not:
        print("  Rust/C++-core rows not in this run: " + "; ".join(e["name"] for e in fast_not))

    print(f"\n{'FAILED: ' + str(failures) + ' row(s) wrong or in error' if failures else 'all rows correct'}"
          f"; {total:.0f} s in all")

    if args.json:
        Path(args.json).write_text(json.dumps({
            "workload": "tier", "n": n, "seed": workload.SEED, "reps": reps, "date": date,
            "commit": commit, "machine": machine, "python": python, "seconds_in_all": total,
            "reference": REFERENCE, "rows": [
                {k: v for k, v in e.items() if k != "traceback"} | (
                    {"vs_reference": e["median"] / ref_median} if ref_median and "median" in e else {})
                for e in plan],
            "notes": notes, "bar": bar, "failures": failures,
        }, indent=1, default=str))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
