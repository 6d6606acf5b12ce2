"""The command line: `planlang check`, `planlang bill`, `planlang test`.

Exit status: 0 when clean, 1 when the input has errors or a scenario fails, 2 for a wrong use of
the command. Bad input never produces a traceback; output files are written whole or not at all.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from textwrap import indent
from typing import TYPE_CHECKING

from planlang.batch import CHUNK_SIZE
from planlang.compile import compile_source, load_catalog, read_source
from planlang.diagnostics import Diagnostic, PlanlangError, render, render_all
from planlang.money import exact

if TYPE_CHECKING:
    from planlang.batch import Runner, Summary
    from planlang.engine.calendar import Period

# The engine, the readers and the batch machinery are imported by the commands that use them:
# `planlang check` starts without them.


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own message, with our prefix and exit status
        self.print_usage(sys.stderr)
        self.exit(2, f"planlang: error[PL421]: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="planlang", description="Check plan files, bill accounts, run scenarios.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = sub.add_parser("check", help="parse and check plan files (files or folders)")
    check.add_argument("paths", nargs="+", metavar="PATH")
    bill = sub.add_parser("bill", help="bill one account, or a batch of accounts")
    bill.add_argument("catalog", metavar="CATALOG")
    accounts = bill.add_mutually_exclusive_group(required=True)
    accounts.add_argument("--account", metavar="FILE", help="one account file (YAML or JSON)")
    accounts.add_argument("--accounts", metavar="PATH",
                          help="a batch: a JSON Lines file (one account a line), a folder of "
                          "account files, or - for JSON Lines on standard input")
    bill.add_argument("--period", required=True, metavar="YYYY-MM[..YYYY-MM]",
                      help="a month, or a range of months billed in order")
    bill.add_argument("--format", choices=("table", "json", "csv"),
                      help="table (the default with --account), json (JSON Lines with --accounts, "
                      "the default there), csv (with --accounts: one row per charge line; with "
                      "--account: the detailed billing CSV of a catalog of daily records)")
    bill.add_argument("--explain", action="store_true",
                      help="show each line's computation and the plan line behind it")
    bill.add_argument("--out", metavar="FILE", help="write the output to FILE (whole or not at all)")
    bill.add_argument("--raw-csv", action="store_true",
                      help="with --format csv, write tag and name values exactly, even those a "
                      "spreadsheet would run as formulas")
    batch = bill.add_argument_group("batch billing (with --accounts)")
    batch.add_argument("--workers", type=_at_least_one, metavar="N",
                       help="bill in N worker processes (default: in this process)")
    batch.add_argument("--dask", metavar="ADDRESS",
                       help="bill on a running Dask cluster, e.g. tcp://scheduler:8786 "
                       "(needs planlang[dask])")
    batch.add_argument("--chunk-size", type=_at_least_one, default=CHUNK_SIZE, metavar="N",
                       help=f"accounts per task sent to a worker (default {CHUNK_SIZE:,})")
    test = sub.add_parser("test", help="run scenario specs (files or folders)")
    test.add_argument("paths", nargs="+", metavar="PATH")
    test.add_argument("--show", action="store_true",
                      help="print every billed period: lines, total and decisions with reasons")
    test.add_argument("--explain", action="store_true",
                      help="print every billed period with each line's and decision's "
                      "computation and rule")
    return parser


def _at_least_one(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number, 1 or more, not `{text}`")
    return number


@exact
def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"check": cmd_check, "bill": cmd_bill, "test": cmd_test}[args.command](args)
    except PlanlangError as error:
        print(render_all(error.diagnostics), file=sys.stderr)
        return 2 if all(d.code in ("PL420", "PL421") for d in error.diagnostics) else 1
    except KeyboardInterrupt:
        print("planlang: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


def plan_files(paths: list[str]) -> tuple[list[Path], list[Diagnostic]]:
    found: list[Path] = []
    problems = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            inside = sorted(path.rglob("*.plan"))
            if not inside:
                problems.append(Diagnostic("PL401", f"`{name}` holds no `.plan` files"))
            found += inside
        elif path.exists():
            found.append(path)
        else:
            problems.append(Diagnostic("PL401", f"`{name}` does not exist"))
    return found, problems


def cmd_check(args) -> int:
    files, diagnostics = plan_files(args.paths)
    for path in files:
        source = read_source(path)
        if isinstance(source, Diagnostic):
            diagnostics.append(source)
            continue
        diagnostics += compile_source(source).diagnostics
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    if diagnostics:
        print(render_all(diagnostics), file=sys.stderr)
        print(file=sys.stderr)
    print(f"checked {len(files)} file{'s' * (len(files) != 1)}: {errors} "
          f"error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
    return 1 if errors or not files else 0


def cmd_bill(args) -> int:
    periods = parse_periods(args.period)
    if args.accounts is not None:
        return bill_batch(args, periods)
    if args.workers is not None or args.dask is not None:
        raise PlanlangError([Diagnostic("PL421", f"{'--workers' if args.workers else '--dask'} "
                                        "bills a batch of accounts",
                                        help="give the accounts with --accounts")])
    from planlang.engine import evaluate_periods
    from planlang.inputs import load_account
    from planlang.report import bill_table
    from planlang.results import to_data

    args.format = args.format or "table"
    catalog = load_catalog(args.catalog)
    if catalog.records:
        return bill_records(args, catalog, periods)
    if args.format == "csv":
        raise PlanlangError([Diagnostic("PL421", f"--format csv writes the detailed billing of "
                                        f"daily records, which `{catalog.name}` does not have",
                                        help="use --format table or json")])
    prepared = load_account(args.account, catalog)
    bills = evaluate_periods(catalog, prepared, periods)
    if args.format == "json":
        data = [to_data(b) for b in bills]
        text = json.dumps(data[0] if len(data) == 1 else data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = "\n\n".join(bill_table(b, catalog.name, explain=args.explain) for b in bills) + "\n"
    if args.out is not None:
        if not args.out.strip():
            raise PlanlangError([Diagnostic("PL421", "--out needs a file name")])
        write_whole(Path(args.out), text)
    else:
        sys.stdout.write(text)
    return 0


def bill_records(args, catalog, periods) -> int:
    """Bill a catalog of daily records; the CSV is streamed, subscriber by subscriber."""
    from planlang.inputs import account_from, load_data
    from planlang.records_io import (
        SubscriberSource,
        bill_record_periods,
        coupon_before,
        period_records,
        write_csv,
    )
    from planlang.report import bill_table
    from planlang.results import to_data

    document = load_data(args.account)
    prepared = account_from(document, catalog)
    source = SubscriberSource(catalog, prepared.account, document, Path(args.account))
    if args.format != "csv":
        bills = bill_record_periods(catalog, prepared.account, source, periods)
        if args.format == "json":
            data = [to_data(b) for b in bills]
            text = json.dumps(data[0] if len(data) == 1 else data, indent=2,
                              ensure_ascii=False) + "\n"
        else:
            text = "\n\n".join(bill_table(b, catalog.name, explain=args.explain)
                               for b in bills) + "\n"
        if args.out is not None:
            write_whole(Path(args.out), text)
        else:
            sys.stdout.write(text)
        return 0
    if len(periods) != 1:
        raise PlanlangError([Diagnostic("PL421", "--format csv writes one month's detailed "
                                        "billing", help="give one month to --period")])
    tag_keys = source.tag_keys()  # reads every subscriber once: errors come before any output
    balances = coupon_before(catalog, prepared.account, source, periods[0])
    records = period_records(catalog, prepared.account, source, periods[0], balances)
    if args.out is None:
        write_csv(sys.stdout, records, tag_keys, args.raw_csv)
    else:
        write_stream(Path(args.out), lambda out: write_csv(out, records, tag_keys, args.raw_csv))
    return 0


def bill_batch(args, periods: list[Period]) -> int:
    """Bill every account of `--accounts`, streamed, in this process, in worker processes or on a
    Dask cluster; the output is the same byte for byte. If any account has a problem, every
    problem is reported, the status is 1 and `--out` is not written."""
    from planlang.batch import (
        MAX_SHOWN_PROBLEMS,
        DaskCluster,
        InProcess,
        Job,
        ProcessPool,
        open_accounts,
    )

    fmt = args.format or "json"
    if fmt == "table":
        raise PlanlangError([Diagnostic("PL421", "--format table shows one account's bills",
                                        help="with --accounts, use --format json or csv")])
    if args.explain and fmt == "csv":
        raise PlanlangError([Diagnostic("PL421", "--explain adds the steps to the JSON Lines "
                                        "output; the CSV has no place for them",
                                        help="use --format json --explain")])
    if args.workers is not None and args.dask is not None:
        raise PlanlangError([Diagnostic("PL421", "--workers and --dask are two ways to run a "
                                        "batch: give one of them")])
    out = None
    if args.out is not None:
        if not args.out.strip():
            raise PlanlangError([Diagnostic("PL421", "--out needs a file name")])
        out = Path(args.out)
        if args.accounts != "-" and Path(args.accounts).resolve() == out.resolve():
            raise PlanlangError([Diagnostic("PL421", f"--out `{args.out}` would replace the "
                                            "accounts being read",
                                            help="write the output to another file")])
    catalog = load_catalog(args.catalog)
    if catalog.records:
        raise PlanlangError([Diagnostic(
            "PL421", f"--accounts bills plan catalogs; `{catalog.name}` bills daily records",
            help="bill its accounts one at a time with --account")])
    job = Job(catalog, tuple(str(p) for p in periods), fmt, args.explain, args.raw_csv)
    entries = open_accounts(args.accounts, exclude=out)  # PL401 now, before any work
    runner: Runner
    if args.dask is not None:
        runner = DaskCluster(job, args.dask, args.chunk_size)
    elif args.workers is not None:
        runner = ProcessPool(job, args.workers, args.chunk_size)
    else:
        runner = InProcess(job, min(args.chunk_size, 100))
    try:
        summary = _run_batch(args, runner, entries, out, fmt)
    finally:
        close = getattr(runner, "close", None)
        if close is not None:
            close()
    if not summary.problems:
        return 0
    shown = (f" (the first {MAX_SHOWN_PROBLEMS} shown)"
             if summary.problems > MAX_SHOWN_PROBLEMS else "")
    where = (f"`{args.out}` was not written" if out is not None
             else f"the output stops before {summary.first_problem}")
    print(f"planlang: {summary.problems:,} of {summary.accounts:,} "
          f"account{'s' * (summary.accounts != 1)} not billed{shown}; {where}", file=sys.stderr)
    return 1


def _run_batch(args, runner: Runner, entries, out: Path | None, fmt: str) -> Summary:
    """Run the batch into `out` (or standard output), with a progress bar on a terminal."""
    from planlang.batch import csv_header, run_batch

    bar = _progress_bar(args, out)
    summaries: list[Summary] = []

    def report(text: str) -> None:
        if bar is not None:
            bar.write(text + "\n", file=sys.stderr)
        else:
            print(text + "\n", file=sys.stderr)

    def write(stream) -> None:
        if fmt == "csv":
            stream.write(csv_header())
        summaries.append(run_batch(runner, entries, stream, report,
                                   bar.update if bar is not None else lambda n: None))
        if summaries[0].problems:
            raise _NotBilled()  # write_stream then removes its temporary file

    try:
        if out is None:
            write(sys.stdout)
        else:
            write_stream(out, write)
    except _NotBilled:
        pass
    finally:
        if bar is not None:
            bar.close()
    return summaries[0]


class _NotBilled(Exception):
    """Some accounts have problems: the output file is not kept."""


def _progress_bar(args, out: Path | None):
    """A progress bar on standard error when it is a terminal, unless the output itself goes to
    the terminal; None otherwise."""
    if not sys.stderr.isatty() or (out is None and sys.stdout.isatty()):
        return None
    from tqdm import tqdm

    from planlang.batch import count_accounts

    return tqdm(total=count_accounts(args.accounts, exclude=out), unit=" accounts",
                file=sys.stderr, dynamic_ncols=True, mininterval=0.5)


def write_stream(path: Path, write) -> None:
    """Stream into a temporary file beside `path`, then rename: never a partial output file."""
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise PlanlangError([Diagnostic("PL422", f"cannot write `{path}`: it is a folder",
                                        help="give a file name, e.g. `--out bill.csv`")])
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as error:
        raise PlanlangError([Diagnostic("PL422", f"cannot write `{path}`: {error.strerror}")]) \
            from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            write(out)
        os.replace(tmp, path)
    except OSError as error:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise PlanlangError([Diagnostic("PL422", f"cannot write `{path}`: {error.strerror}")]) \
            from None
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


MAX_PERIODS = 1200


def parse_periods(text: str) -> list[Period]:
    """`2026-11` or `2026-02..2026-04` (both ends included)."""
    from planlang.engine.calendar import Period

    first, dots, last = text.partition("..")
    if dots and not last:
        raise PlanlangError([Diagnostic("PL420", f"--period: `{text}` has no last month",
                                        help="e.g. `--period 2026-02..2026-04`")])
    try:
        start = Period.parse(first)
        end = Period.parse(last) if last else start
    except ValueError as error:
        raise PlanlangError([Diagnostic("PL420", f"--period: {error}",
                                        help="e.g. `--period 2026-11` or `--period 2026-02..2026-04`")]
                            ) from None
    if end < start:
        raise PlanlangError([Diagnostic("PL420", f"--period: `{text}` ends before it starts",
                                        help="write the earlier month first")])
    periods = [start]
    while periods[-1] < end and len(periods) < MAX_PERIODS:
        periods.append(periods[-1].next())
    if periods[-1] < end:
        raise PlanlangError([Diagnostic("PL420", f"--period: more than {MAX_PERIODS} months")])
    return periods


def write_whole(path: Path, text: str) -> None:
    """Write `text` to `path` whole or not at all."""
    write_stream(path, lambda out: out.write(text))


def cmd_test(args) -> int:
    from planlang.report import bill_table
    from planlang.scenario import run_paths

    results, problems = run_paths(args.paths)
    for problem in problems:
        print(render(problem), file=sys.stderr)
    for result in results:
        print(result.report())
        if args.show or args.explain:
            for bill in result.bills:
                print(indent(bill_table(bill, result.catalog_name, explain=args.explain), "    "))
                print()
    passed = sum(r.passed for r in results)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or problems or not results else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
