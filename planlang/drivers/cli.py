"""The command line: `planlang check`, `planlang bill`, `planlang test`.

Exit status: 0 when clean, 1 when the input has errors or a scenario fails, 2 for a wrong use of
the command, 130 when interrupted (Ctrl-C), 143 on SIGTERM and 129 on SIGHUP. Bad input never
produces a traceback; output files are written whole or not at all (planlang/outputs/files.py), and
standard output and standard error are always UTF-8.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from textwrap import indent
from typing import TYPE_CHECKING

from planlang.compile import compile_source, load_catalog, read_source
from planlang.diagnostics import Diagnostic, PlanlangError, render, render_all
from planlang.drivers import stopping
from planlang.drivers.batch import CHUNK_SIZE
from planlang.drivers.stopping import Stopped
from planlang.money import exact
from planlang.outputs.files import (
    Target,
    output_target,
    same_target,
    write_output,
    write_whole,
)

if TYPE_CHECKING:
    from planlang.drivers.batch import Runner, Summary
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
    bill.add_argument("--out", metavar="FILE", help="write the output to FILE (whole or not at all; "
                      "never over an input)")
    bill.add_argument("--raw-csv", action="store_true",
                      help="with --format csv, write tag and name values exactly, even those a "
                      "spreadsheet would run as formulas")
    batch = bill.add_argument_group("batch billing (with --accounts)")
    batch.add_argument("--rejects", metavar="FILE",
                       help="write the accounts not billed, with their errors, to FILE (JSON "
                       "Lines; default with --out OUT.EXT: OUT.rejects.jsonl beside it)")
    batch.add_argument("--workers", type=_bounded(MAX_WORKERS), metavar="N",
                       help=f"bill in N worker processes, 1 to {MAX_WORKERS} (default: in this "
                       "process)")
    batch.add_argument("--dask", metavar="ADDRESS",
                       help="bill on a running Dask cluster, e.g. tcp://scheduler:8786 "
                       "(needs planlang[dask])")
    batch.add_argument("--chunk-size", type=_bounded(MAX_CHUNK_SIZE), default=CHUNK_SIZE,
                       metavar="N", help=f"accounts per task sent to a worker, 1 to "
                       f"{MAX_CHUNK_SIZE:,} (default {CHUNK_SIZE:,})")
    test = sub.add_parser("test", help="run scenario specs (files or folders)")
    test.add_argument("paths", nargs="+", metavar="PATH")
    test.add_argument("--show", action="store_true",
                      help="print every billed period: lines, total and decisions with reasons")
    test.add_argument("--explain", action="store_true",
                      help="print every billed period with each line's and decision's "
                      "computation and rule")
    return parser


MAX_WORKERS = 256  # worker processes of one batch
MAX_CHUNK_SIZE = 100_000  # accounts per chunk: what a worker holds at once


def _bounded(most: int):
    def whole_number(text: str) -> int:
        try:
            number = int(text) if len(text) <= 20 else 0
        except ValueError:
            number = 0
        if not 1 <= number <= most:
            raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {most:,}, "
                                             f"not `{text[:40]}`")
        return number

    return whole_number


@exact
def main(argv: list[str] | None = None) -> int:
    _utf8_streams()
    args = _parser().parse_args(argv)
    with _stop_signals():
        try:
            status = {"check": cmd_check, "bill": cmd_bill, "test": cmd_test}[args.command](args)
            stopping.raise_if_requested()  # a stop that landed where it could not be raised
            return status
        except PlanlangError as error:
            print(render_all(error.diagnostics), file=sys.stderr)
            return 2 if all(d.code in ("PL420", "PL421") for d in error.diagnostics) else 1
        except Stopped as stop:
            print(f"planlang: {stop.why}", file=sys.stderr)
            return stop.status
        except KeyboardInterrupt:
            print("planlang: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:
            return 1


def _utf8_streams() -> None:
    """Standard output and standard error are UTF-8 whatever the locale or PYTHONIOENCODING
    say: the bills hold `€` and the CSV a byte order mark. Diagnostics never fail to print."""
    for stream, errors in ((sys.stdout, "strict"), (sys.stderr, "backslashreplace")):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (encoding.replace("_", "") != "utf8"
                                        or getattr(stream, "errors", errors) != errors):
            reconfigure(encoding="utf-8", errors=errors)


@contextlib.contextmanager
def _stop_signals() -> Iterator[None]:
    """Handle SIGTERM (what `timeout`, systemd and container runtimes send) and SIGHUP as Ctrl-C
    is handled, unless they are ignored (`nohup`). The first one stops the program; any that
    follow are ignored while it cleans up."""
    numbers = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    before = {}

    def stop(number: int, frame) -> None:
        for other in numbers:
            signal.signal(other, signal.SIG_IGN)
        stopping.request(number, frame)

    try:
        for number in numbers:
            if signal.getsignal(number) is signal.SIG_DFL:
                before[number] = signal.signal(number, stop)
    except ValueError:  # not the main thread: signals cannot be handled here
        pass
    try:
        yield
    finally:
        stopping.clear()
        for number, handler in before.items():
            signal.signal(number, handler)


def plan_files(paths: list[str]) -> tuple[list[Path], list[Diagnostic]]:
    found: list[Path] = []
    problems = []
    for name in paths:
        path = Path(name)
        if path.is_dir():  # regular files only: a named pipe called `x.plan` would block
            inside = sorted(p for p in path.rglob("*.plan") if p.is_file())
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
    given = [name for name, value in (("--workers", args.workers), ("--dask", args.dask),
                                      ("--rejects", args.rejects)) if value is not None]
    if given:
        raise PlanlangError([Diagnostic("PL421", f"{given[0]} is for a batch of accounts",
                                        help="give the accounts with --accounts")])
    from planlang.engine import bill_account
    from planlang.engine.load import account_from, load_data
    from planlang.engine.results import to_data
    from planlang.outputs.table import bill_table

    args.format = args.format or "table"
    out = (output_target(args.out, [args.catalog, args.account]) if args.out is not None
           else None)
    catalog = load_catalog(args.catalog)
    if catalog.records:
        return bill_records(args, catalog, periods, out)
    if args.format == "csv":
        raise PlanlangError([Diagnostic("PL421", f"--format csv writes the detailed billing of "
                                        f"daily records, which `{catalog.name}` does not have",
                                        help="use --format table or json")])
    document = load_data(args.account)
    prepared = account_from(document, catalog)  # checked: its errors located in the file
    # billed from its data: the compiled path, steps and all, where it covers the account
    bills = bill_account(catalog, document.data if isinstance(document.data, dict) else prepared,
                         periods)
    if args.format == "json":
        data = [to_data(b) for b in bills]
        text = json.dumps(data[0] if len(data) == 1 else data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = "\n\n".join(bill_table(b, catalog.name, explain=args.explain) for b in bills) + "\n"
    write_text(out, text)
    return 0


def write_text(out: Target | None, text: str) -> None:
    """`text` to the output file, whole or not at all, or to standard output."""
    if out is not None:
        write_output(out, lambda stream: stream.write(text))
    else:
        sys.stdout.write(text)


def bill_records(args, catalog, periods, out: Target | None) -> int:
    """Bill a catalog of daily records; the CSV is streamed, subscriber by subscriber."""
    from planlang.engine import bill_account
    from planlang.engine.load import account_from, load_data
    from planlang.engine.results import to_data
    from planlang.engine.subscribers import (
        SubscriberSource,
        coupon_before,
        period_records,
        write_csv,
    )
    from planlang.outputs.table import bill_table

    document = load_data(args.account)
    prepared = account_from(document, catalog)
    catalog = catalog.priced_in(prepared.account.currency)
    source = SubscriberSource(catalog, prepared.account, document, Path(args.account))
    if out is not None and source.path is not None:  # the subscribers' file is an input too
        output_target(args.out, [source.path])
    if args.format != "csv":
        bills = bill_account(catalog, prepared, periods, document=document,
                             path=Path(args.account))
        if args.format == "json":
            data = [to_data(b) for b in bills]
            text = json.dumps(data[0] if len(data) == 1 else data, indent=2,
                              ensure_ascii=False) + "\n"
        else:
            text = "\n\n".join(bill_table(b, catalog.name, explain=args.explain)
                               for b in bills) + "\n"
        write_text(out, text)
        return 0
    if len(periods) != 1:
        raise PlanlangError([Diagnostic("PL421", "--format csv writes one month's detailed "
                                        "billing", help="give one month to --period")])
    tag_keys = source.tag_keys()  # the header's: every line's tags, nothing checked yet
    balances = coupon_before(catalog, prepared.account, source, periods[0])
    records = period_records(catalog, prepared.account, source, periods[0], balances)
    # A bad subscriber is found while the CSV is written: nothing reaches the output until done.
    write_whole(out, lambda stream: write_csv(stream, records, tag_keys, args.raw_csv))
    return 0


def bill_batch(args, periods: list[Period]) -> int:
    """Bill every account of `--accounts`, streamed, in this process, in worker processes or on a
    Dask cluster; the output is the same byte for byte. Every account that can be billed is; the
    others are rejected: reported on standard error, written with their errors to the rejects
    file, and the status is 1."""
    from planlang.drivers.batch import (
        MAX_SHOWN_PROBLEMS,
        DaskCluster,
        InProcess,
        Job,
        ProcessPool,
        account_files,
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
    inputs: list[str | Path] = [args.catalog]
    if args.accounts != "-":
        inputs.append(args.accounts)
        if Path(args.accounts).is_dir():  # and every account file in it (PL401 if none)
            inputs += account_files(args.accounts)
    out = output_target(args.out, inputs) if args.out is not None else None
    rejects = _rejects_target(args, out, inputs)
    catalog = load_catalog(args.catalog)
    if catalog.records:
        raise PlanlangError([Diagnostic(
            "PL421", f"--accounts bills plan catalogs; `{catalog.name}` bills daily records",
            help="bill its accounts one at a time with --account")])
    job = Job(catalog, tuple(str(p) for p in periods), fmt, args.explain, args.raw_csv)
    written = [t.path for t in (out, rejects) if t is not None and not t.in_place]
    entries = open_accounts(args.accounts, exclude=written)  # PL401 now, before any work
    runner: Runner
    if args.dask is not None:
        runner = DaskCluster(job, args.dask, args.chunk_size)
    elif args.workers is not None:
        runner = ProcessPool(job, args.workers, args.chunk_size)
    else:
        runner = InProcess(job, min(args.chunk_size, 100))
    try:
        summary = _run_batch(args, runner, entries, out, rejects, written, fmt)
    finally:
        close = getattr(runner, "close", None)
        if close is not None:
            close()
    if not summary.problems:
        return 0
    shown = (f" (the first {MAX_SHOWN_PROBLEMS} shown)"
             if summary.problems > MAX_SHOWN_PROBLEMS else "")
    billed = summary.accounts - summary.problems
    where = f"`{args.out}`" if out is not None else "standard output"
    kept = f", written with their errors to `{rejects.name}`" if rejects is not None else ""
    print(f"planlang: {summary.problems:,} of {summary.accounts:,} "
          f"account{'s' * (summary.accounts != 1)} not billed{shown}{kept}; {billed:,} billed "
          f"to {where}", file=sys.stderr)
    return 1


REJECTS_SUFFIX = ".rejects.jsonl"
NAME_MAX = 255  # bytes in a file name, on every common file system


def rejects_name(out: str) -> str:
    """`bills.jsonl` → `bills.rejects.jsonl`, beside it; shortened to stay a valid file name."""
    path = Path(out)
    stem, dot, _ = path.name.rpartition(".")
    base = stem if dot and stem else path.name
    while len((base + REJECTS_SUFFIX).encode("utf-8", "surrogateescape")) > NAME_MAX:
        base = base[:-1]
    return str(path.with_name(base + REJECTS_SUFFIX))


def _rejects_target(args, out: Target | None, inputs: list[str | Path]) -> Target | None:
    """Where the rejected accounts go: `--rejects FILE`, else beside a `--out` file, else
    nowhere (the problems are on standard error)."""
    if args.rejects is not None:
        target = output_target(args.rejects, inputs, "--rejects")
    elif out is not None and not out.in_place:
        target = output_target(rejects_name(args.out), inputs, "--rejects")
    else:
        return None
    if out is not None and same_target(out, target):
        raise PlanlangError([Diagnostic("PL421", f"--rejects `{target.name}` is the --out file",
                                        help="write the rejected accounts to another file")])
    return target


def _run_batch(args, runner: Runner, entries, out: Target | None, rejects: Target | None,
               written: list[Path], fmt: str) -> Summary:
    """Run the batch into `out` (or standard output) and `rejects`, with a progress bar on a
    terminal. The rejects file is written when an account is rejected, or rewritten (empty)
    when it is there from an earlier run: it never describes another run than this one."""
    from planlang.drivers.batch import Problem, csv_header, run_batch
    from planlang.outputs.files import OutputFile

    bar = _progress_bar(args, out, written)
    rejected = OutputFile(rejects) if rejects is not None else None
    summaries: list[Summary] = []

    def report(text: str) -> None:
        if bar is not None:
            bar.write(text + "\n", file=sys.stderr)
        else:
            print(text + "\n", file=sys.stderr)

    def reject(problem: Problem) -> None:
        if rejected is not None:
            (rejected.stream or rejected.open()).write(problem.json_line())

    def write(stream) -> None:
        if fmt == "csv":
            stream.write(csv_header())
        summaries.append(run_batch(runner, entries, stream, report,
                                   bar.update if bar is not None else lambda n: None, reject))
        if rejected is not None:  # before the output is put in place
            if rejected.stream is None and rejected.target.path.is_file():
                rejected.open()
            if rejected.stream is not None:
                rejected.commit()

    try:
        if out is None:
            write(sys.stdout)
        else:
            write_output(out, write)
    except BaseException:
        if rejected is not None:
            rejected.discard()
        raise
    finally:
        if bar is not None:
            bar.close()
    return summaries[0]


def _progress_bar(args, out: Target | None, written: list[Path]):
    """A progress bar on standard error when it is a terminal, unless the output itself goes to
    the terminal; None otherwise. It counts the accounts first only in regular files: a pipe,
    a FIFO or standard input is read once, by the batch, and the bar then has no total."""
    if not sys.stderr.isatty() or (out is None and sys.stdout.isatty()):
        return None
    from tqdm import tqdm

    from planlang.drivers.batch import count_accounts

    return tqdm(total=count_accounts(args.accounts, exclude=written), unit=" accounts",
                file=sys.stderr, dynamic_ncols=True, mininterval=0.5)


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


def cmd_test(args) -> int:
    from planlang.drivers.scenario import run_paths
    from planlang.outputs.table import bill_table

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
