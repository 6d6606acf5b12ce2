"""Benchmark: `planlang check` on plan files of 1,000 to 10,000 lines, several shapes.

Checking must take time linear (or n log n) in the plan file's size. For each shape and size this
prints the median seconds of the whole pipeline (`compile_source`: parse, build, check) and, timed in
the same run on the same text, of parsing alone (`parse_tree`, Lark's LALR parser: the plainly
written reference, linear by construction), the ratio of each to the size before it, and the ratio
of the two at the same size. Doubling the lines should about double both; a quadratic step would
show as a ratio near 4 for checking while parsing stays near 2, and as a check/parse ratio that
grows with the size (on a loaded machine, that last column is the steadiest).

Shapes (every file checks without error unless the shape says "refused"):

- `plans x rules`: N/4 plans (a fee and an item each), N/2 change rules of every kind (named to
  named, named to a higher plan, any plan to a named plan, the general higher/lower rules): the
  conflict check (PL274) used to try every rule on every pair of plans;
- `SLA bands`: one SLA level of N adjacent refund bands (`uptime measured to 0.001%`): the band
  layout check (PL250/PL251) used to look up each band's line among all of them;
- `sums`: N/2 `let` values, each a sum of 20 terms written over two lines;
- `numbers`: N/2 `let` values, each of two 36-digit numbers (18 before the point, 18 after);
- `one long sum (refused)`: one sum of 30·N terms, refused with PL107 at its 101st operator;
- `one long number (refused)`: one number of 100·N digits, refused with PL236 before conversion.

Run from the repository root: `.venv/bin/python bench/check_scale.py [--reps R] [SIZES...]`
(default sizes 1250 2500 5000 10000 lines, 3 repetitions).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planlang.compile import compile_source  # noqa: E402
from planlang.source import Source  # noqa: E402
from planlang.syntax.parse import parse_tree  # noqa: E402

HEADER = "catalog bench\n  currency EUR\n  uptime measured to 0.001%\n\n"


def plans_and_rules(lines: int) -> str:
    """N/4 plans of two lines (a fee, an item), N/2 change rules of every kind."""
    plans = max(4, lines // 4)
    out = ["meter devices: count including disabled, monthly maximum"]
    for i in range(plans):
        out += [f"plan P{i}: € {i + 1} per month", f"  devices: {i + 1} included"]
    out += ["change to a higher plan: immediately, prorated difference",
            "change to a lower plan: next month"]
    rules = []
    for k in range(lines - len(out)):
        i, kind = divmod(k, 3)  # each kind names each plan once: no rule is written twice
        if kind == 0:
            rules.append(f"change P{i} to P{(i + 1) % plans}: next month")
        elif kind == 1:
            rules.append(f"change P{i} to a higher plan: immediately, full monthly fee")
        else:
            rules.append(f"change to P{i}: next month, no refund")
    return HEADER + "\n".join(out + rules) + "\n"


def sla_bands(lines: int) -> str:
    """One SLA level of N adjacent bands, 0.010% wide."""
    out = ["sla Gold:"]
    for i in range(lines):
        low = i * 10  # in thousandths of a percent: [10i, 10i + 9]
        out.append(f"  refund 1% of the plan fee when uptime is from {low // 1000}."
                   f"{low % 1000:03d}% to {(low + 9) // 1000}.{(low + 9) % 1000:03d}%")
    return HEADER + "\n".join(out) + "\n"


def sums(lines: int) -> str:
    """N/2 values, each a sum of 20 terms over two lines (inside parentheses)."""
    first = " + ".join(str(t) for t in range(1, 11))
    second = " + ".join(str(t) for t in range(11, 21))
    return HEADER + "".join(f"let v{i} = ({first} +\n  {second})\n" for i in range(lines // 2))


def numbers(lines: int) -> str:
    """N/2 values, each the sum of two 36-digit numbers (18 digits before the point, 18 after)
    over two lines."""
    big = "123,456,789,012,345,678.123456789012345678"
    return HEADER + "".join(f"let v{i} = ({big} -\n  {big})\n" for i in range(lines // 2))


def one_long_sum(lines: int) -> str:
    return HEADER + "let x = " + " + ".join(["1"] * (30 * lines)) + "\n"


def one_long_number(lines: int) -> str:
    return HEADER + "let x = " + "7" * (100 * lines) + "\n"


SHAPES: dict[str, tuple[Callable[[int], str], str | None]] = {
    # name: (generator, the one diagnostic code expected, or None for a clean check)
    "plans x rules": (plans_and_rules, None),
    "SLA bands": (sla_bands, None),
    "sums": (sums, None),
    "numbers": (numbers, None),
    "one long sum (refused)": (one_long_sum, "PL107"),
    "one long number (refused)": (one_long_number, "PL236"),
}


def timed(work: Callable[[], object], reps: int) -> float:
    runs = []
    for _ in range(reps):
        gc.collect()
        start = time.perf_counter()
        work()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1250, 2500, 5000, 10000])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'shape':<26} {'lines':>6} {'KB':>7} {'check s':>8} {'x prev':>6} "
          f"{'parse s':>8} {'x prev':>6} {'check/parse':>11}")
    wrong = 0
    for name, (generate, expected) in SHAPES.items():
        previous: tuple[float, float] | None = None
        for size in args.sizes:
            text = generate(size)
            source = Source(f"{name}.plan", text)
            codes = [d.code for d in compile_source(source).diagnostics]
            if codes != ([expected] if expected else []):
                print(f"{name}: {size} lines gave {codes[:5]}, expected {expected or 'none'}")
                wrong += 1
            check = timed(lambda s=source: compile_source(s), args.reps)
            parse = timed(lambda s=source: parse_tree(s), args.reps)
            ratios = (f"{check / previous[0]:>6.2f} {parse:>8.3f} {parse / previous[1]:>6.2f}"
                      if previous else f"{'':>6} {parse:>8.3f} {'':>6}")
            print(f"{name:<26} {text.count(chr(10)):>6} {len(text.encode()) / 1024:>7.0f} "
                  f"{check:>8.3f} {ratios} {check / parse:>11.2f}", flush=True)
            previous = (check, parse)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
