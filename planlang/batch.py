"""Batch billing: many accounts against one catalog, streamed in and streamed out.

The input is a JSON Lines file (one account a line, the keys of an account file) or a folder of
account files (`*.yaml`, `*.yml`, `*.json`, one account each, and `*.jsonl`, one a line), sorted by
path. Accounts are read one at a time, billed in chunks, and each chunk's output is written before
more is read, so memory does not grow with the number of accounts. The output is, per account and
period, in input order: one JSON line (`to_data(bill)`, without the `steps` lists unless asked
for), or CSV rows (one per charge line, then the account-period's total).

Every account is billed by `bill_one`, the one place where an account meets an evaluator: the
compiled path for the accounts it covers, the interpreter for the others and whenever the steps
are asked for (`--explain`). The chunks run in this process, in a pool of worker processes, or on
a Dask cluster: the same function (`bill_chunk`) makes each chunk's text, and the chunks are
written in input order, so the three give byte-identical output.

A problem with an account (malformed JSON, an unknown key, an unknown plan) does not stop the
batch: every account is billed, every problem reported with its file, line and account, and the
output stops before the first account with a problem (`Summary.problems` tells the caller, which
then does not keep the output file). Problems are located exactly as for `planlang bill --account`:
a JSON line is parsed exactly (numbers as `Decimal`), and when an account is refused the line is
read again by the located loader to say where.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

import attrs

from planlang.diagnostics import Diagnostic, PlanlangError, render_all
from planlang.source import Source

if TYPE_CHECKING:
    from planlang.model import Catalog
    from planlang.results import Bill
    from planlang.yamlio import Document

# The engine and the readers are imported where they are used, so that `planlang check`, whose
# command line imports this module, starts without them.

#: Suffixes of the account files read from a folder; `.jsonl` files hold one account a line.
ACCOUNT_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")
CHUNK_SIZE = 1000  # accounts per task sent to a worker
MAX_SHOWN_PROBLEMS = 100  # accounts whose problems are printed; the rest are counted
CSV_COLUMNS = ("account", "period", "plan", "kind", "item", "quantity", "unit", "unit_price",
               "amount", "currency", "rule")
BOM = "\ufeff"


# ---- billing one account -------------------------------------------------------------------------

def bill_one(catalog: Catalog, data: Any, periods: Sequence[str],
             explain: bool = True) -> list[Bill]:
    """Bill one account, given as the data of an account file, for `periods` ("YYYY-MM", in order).

    The one function through which a batch bills an account. Without `explain`, the bills lack
    the computation steps (which the output then leaves out), and the compiled path
    (`engine/compiled.py`) bills the accounts it covers, the interpreter the others; with it, the
    interpreter bills every account. Raises `PlanlangError`, or any other exception, when the data
    cannot be billed; the caller (`bill_entry`) then reads the account again with the located
    loader to say where.
    """
    if not explain:
        return _runner(catalog, tuple(periods)).bills(data)
    from planlang.engine import evaluate_periods
    from planlang.serde import converter
    from planlang.state import Account

    account = converter.structure(data, Account)
    return evaluate_periods(catalog, account, list(periods))


_RUNNERS: dict[tuple[int, tuple[str, ...]], tuple[Catalog, Any]] = {}


def _runner(catalog: Catalog, periods: tuple[str, ...]):
    """The compiled runner of `catalog` for `periods`, made once per process (a worker keeps the
    catalog it was given for its whole life)."""
    key = (id(catalog), periods)
    held = _RUNNERS.get(key)
    if held is None or held[0] is not catalog:
        from planlang.engine.compiled import compile_catalog

        if len(_RUNNERS) >= 8:
            _RUNNERS.clear()
        held = _RUNNERS[key] = (catalog, compile_catalog(catalog).runner(periods))
    return held[1]


# ---- the input -----------------------------------------------------------------------------------

@attrs.frozen
class Entry:
    """One account of the input: its file, its line (0: the whole file is the account), its text.

    `problem` is a diagnostic already rendered when the text could not even be read."""

    path: str
    line: int
    text: str
    problem: str | None = None


@attrs.frozen(eq=False)
class LineSource(Source):
    """The text of one line of a file, numbered as that line: diagnostics say `file:LINE:col`."""

    first_line: int = 1

    def position(self, offset: int) -> tuple[int, int]:
        line, column = super().position(offset)
        return line + self.first_line - 1, column

    def line_text(self, line: int) -> str:
        return super().line_text(line - self.first_line + 1)

    def line_span(self, line: int, column: int = 1, length: int = 1):
        return super().line_span(line - self.first_line + 1, column, length)


def open_accounts(path: str, exclude: Path | None = None) -> Iterator[Entry]:
    """The accounts of a JSON Lines file, an account file, a folder of them, or `-` (standard
    input, JSON Lines), read lazily. A path that does not exist, or a folder without account
    files, raises PlanlangError (PL401) now, before anything is read."""
    if path == "-":
        return _stdin_lines()
    files = account_files(path, exclude)
    return (entry for file in files for entry in _file_entries(file))


def account_files(path: str, exclude: Path | None = None) -> list[Path]:
    """The files an `--accounts` PATH names, in the order they are read."""
    root = Path(path)
    if root.is_dir():
        skip = exclude.resolve() if exclude is not None else None
        found = sorted(p for p in root.rglob("*")
                       if p.suffix.lower() in ACCOUNT_SUFFIXES and p.is_file()
                       and not any(part.startswith(".") for part in p.relative_to(root).parts)
                       and (skip is None or p.resolve() != skip))
        if not found:
            raise PlanlangError([Diagnostic(
                "PL401", f"`{path}` holds no account files",
                help="give a JSON Lines file, or a folder of `.jsonl`, `.yaml`, `.yml` or `.json` "
                "files")])
        return found
    if not root.exists():
        raise PlanlangError([Diagnostic("PL401", f"`{path}` does not exist")])
    return [root]


def _file_entries(path: Path) -> Iterator[Entry]:
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        yield _whole_file(path)
        return
    try:
        with path.open("rb") as lines:
            yield from _lines(str(path), lines)
    except OSError as error:
        yield Entry(str(path), 0, "", _rendered("PL401", f"cannot read `{path}`: {error.strerror}"))


def _stdin_lines() -> Iterator[Entry]:
    import sys

    yield from _lines("<stdin>", sys.stdin.buffer)


def _lines(name: str, lines: Iterable[bytes]) -> Iterator[Entry]:
    for number, raw in enumerate(lines, 1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as error:
            source = LineSource(name, raw.decode("utf-8", errors="replace").rstrip("\r\n"),
                                first_line=number)
            yield Entry(name, number, "", render_all([Diagnostic(
                "PL402", "line is not UTF-8 text", source.span(error.start, error.start + 1),
                help="save the file as UTF-8")]))
            continue
        yield Entry(name, number, text)


def _whole_file(path: Path) -> Entry:
    from planlang.compile import read_source

    source = read_source(path)
    if isinstance(source, Diagnostic):
        return Entry(str(path), 0, "", render_all([source]))
    return Entry(str(path), 0, source.text)


def _rendered(code: str, message: str) -> str:
    return render_all([Diagnostic(code, message)])


def count_accounts(path: str, exclude: Path | None = None) -> int | None:
    """How many accounts `open_accounts` will give (for a progress bar); None for standard input.
    Reads the JSON Lines files once, in binary, counting non-blank lines."""
    if path == "-":
        return None
    total = 0
    for file in account_files(path, exclude):
        if file.suffix.lower() in (".yaml", ".yml", ".json"):
            total += 1
            continue
        try:
            with file.open("rb") as lines:
                total += sum(1 for line in lines if line.strip() and line.strip() != b"\xef\xbb\xbf")
        except OSError:
            total += 1
    return total


# ---- one account: parse, bill, or say what is wrong --------------------------------------------

@attrs.frozen
class Problem:
    """An account that could not be billed, with its diagnostics rendered."""

    path: str
    line: int
    account: str | None
    text: str

    def report(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        name = f" `{self.account}`" if self.account else ""
        return f"{where}: account{name} not billed\n{self.text}"


class _NotPlain(ValueError):
    """A JSON line that json.loads reads differently from the located loader (a repeated key,
    NaN): the located loader reads it, and says what is wrong."""


def parse_line(entry: Entry) -> Any:
    """A JSON line's data (`yamlio.read_json`: numbers with a decimal point as `Decimal`), or
    PlanlangError located on its line, for whatever is wrong with it as JSON."""
    from planlang.yamlio import read_json

    return read_json(LineSource(entry.path, entry.text, first_line=entry.line))


def _document(entry: Entry) -> Document:
    from planlang.yamlio import load_document, load_text

    if entry.line:
        return load_document(LineSource(entry.path, entry.text, first_line=entry.line))
    return load_text(Source(entry.path, entry.text))


def bill_entry(catalog: Catalog, entry: Entry, periods: Sequence[str],
               explain: bool = True) -> list[Bill] | Problem:
    """Bill one entry with `bill_one`, or return every problem with it, located."""
    from planlang.inputs import account_from

    if entry.problem is not None:
        return Problem(entry.path, entry.line, None, entry.problem)
    data: Any = None
    document: Document | None = None
    try:
        if entry.line:
            data = parse_line(entry)
        else:
            document = _document(entry)
            data = document.data
    except _NotPlain:
        pass  # the located loader reads it below
    except PlanlangError as error:  # malformed: nothing more to say
        return Problem(entry.path, entry.line, None, render_all(error.diagnostics))
    failure: BaseException | None = None
    if data is not None:
        try:
            return bill_one(catalog, data, periods, explain)
        except Exception as error:  # noqa: BLE001 - the located loader below says what is wrong
            failure = error
    try:
        if document is None:
            document = _document(entry)
        account_from(document, catalog)
    except PlanlangError as error:
        return Problem(entry.path, entry.line, _name(document.data if document else data),
                       render_all(error.diagnostics))
    if isinstance(failure, PlanlangError):  # found while billing (a walk too long): not located
        return Problem(entry.path, entry.line, _name(data), render_all(failure.diagnostics))
    if failure is None:  # read only by the located loader, and it finds nothing wrong
        return bill_one(catalog, document.data, periods, explain)
    raise failure  # the account checks, yet billing failed: a bug, shown as one


def _name(data: Any) -> str | None:
    name = data.get("account") if isinstance(data, dict) else None
    if isinstance(name, str) and name.isprintable() and len(name) <= 200:
        return name
    return None


# ---- the output ----------------------------------------------------------------------------------

@attrs.frozen
class Job:
    """What every chunk of a batch is billed with: sent once to each worker."""

    catalog: Catalog
    periods: tuple[str, ...]
    format: str = "json"  # "json" (JSON Lines) or "csv"
    explain: bool = False  # keep the `steps` lists in the JSON
    raw_csv: bool = False  # write CSV text exactly, even what a spreadsheet would run


def bill_json(bill: Bill, explain: bool) -> str:
    """One bill as one JSON line (with its line break)."""
    from planlang.results import to_data

    data = to_data(bill)
    if not explain:
        for entry in data["lines"] + data["decisions"] + data["messages"]:
            entry.pop("steps", None)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


def csv_rows(bill: Bill, raw: bool = False) -> list[list[str]]:
    """One row per charge line of the bill, then its total row."""
    from planlang.records_io import safe_text
    from planlang.results import to_data

    data = to_data(bill)
    rows = [[data["account"], line["period"], line["plan"], line["kind"], line["item"],
             line["quantity"], line["unit"], line["unit_price"], line["amount"],
             data["currency"], line["rule"] or ""] for line in data["lines"]]
    rows.append([data["account"], data["period"], data["plan"], "total", "", "", "", "",
                 data["total"], data["currency"], ""])
    return rows if raw else [[safe_text(value) for value in row] for row in rows]


def csv_header() -> str:
    out = io.StringIO()
    out.write(BOM)
    csv.writer(out, lineterminator="\r\n").writerow(CSV_COLUMNS)
    return out.getvalue()


@attrs.frozen
class ChunkResult:
    """What a chunk gives back: the output of its accounts before its first problem, and every
    problem of the chunk, rendered."""

    text: str
    accounts: int
    bills: int
    problems: tuple[Problem, ...]


def bill_chunk(job: Job, entries: Sequence[Entry]) -> ChunkResult:
    """Bill a chunk of accounts and render their output: the same code in every mode."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    problems: list[Problem] = []
    bills = 0
    for entry in entries:
        result = bill_entry(job.catalog, entry, job.periods, job.explain)
        if isinstance(result, Problem):
            problems.append(result)
            continue
        bills += len(result)
        if problems:
            continue  # the output stops before the first problem; the rest is only checked
        for bill in result:
            if job.format == "csv":
                writer.writerows(csv_rows(bill, job.raw_csv))
            else:
                out.write(bill_json(bill, job.explain))
    return ChunkResult(out.getvalue(), len(entries), bills, tuple(problems))


# ---- where chunks run ----------------------------------------------------------------------------

class Pending(Protocol):
    def result(self) -> ChunkResult: ...


class Runner(Protocol):
    """Runs chunks somewhere: `submit` returns at once, `result()` waits for the chunk."""

    in_flight: int
    chunk_size: int

    def submit(self, entries: list[Entry]) -> Pending: ...


@attrs.frozen
class _Done:
    value: ChunkResult

    def result(self) -> ChunkResult:
        return self.value


class InProcess:
    """Chunks billed here, one after another."""

    in_flight = 1

    def __init__(self, job: Job, chunk_size: int = 100):
        self.job = job
        self.chunk_size = chunk_size

    def submit(self, entries: list[Entry]) -> Pending:
        return _Done(bill_chunk(self.job, entries))


_WORKER_JOB: Job | None = None


def _start_worker(job: Job) -> None:
    global _WORKER_JOB
    _WORKER_JOB = job
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _pool_chunk(entries: list[Entry]) -> ChunkResult:
    assert _WORKER_JOB is not None
    return bill_chunk(_WORKER_JOB, entries)


class ProcessPool:
    """Chunks billed by N worker processes, each given the catalog once when it starts."""

    def __init__(self, job: Job, workers: int, chunk_size: int = CHUNK_SIZE):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.chunk_size = chunk_size
        self.in_flight = 2 * workers
        # spawn: the same on every platform, and safe beside the threads of a progress bar
        self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start_worker, initargs=(job,))

    def submit(self, entries: list[Entry]) -> Pending:
        return self.pool.submit(_pool_chunk, entries)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


CONNECT_TIMEOUT = 10  # seconds to reach a Dask scheduler, and for a first worker to join it


class DaskCluster:
    """Chunks billed on an existing dask.distributed cluster: the job (with the catalog) is sent
    once to every worker; only chunks of accounts and their output travel afterwards."""

    def __init__(self, job: Job, address: str, chunk_size: int = CHUNK_SIZE):
        try:
            from distributed import Client
        except ImportError:
            raise PlanlangError([Diagnostic(
                "PL421", "--dask needs dask.distributed, which is not installed",
                help="install it with `pip install 'planlang[dask]'`")]) from None
        self.chunk_size = chunk_size
        _probe(address)
        try:
            self.client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise _cluster_error(f"cannot reach the Dask scheduler at `{address}`: {error}") \
                from None
        try:
            self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
            _same_planlang(self.client)
            threads = sum(w.get("nthreads", 1)
                          for w in self.client.scheduler_info()["workers"].values())
            self.in_flight = max(2, 2 * threads)
            [self.job] = self.client.scatter([job], broadcast=True)
        except PlanlangError:
            self.close()
            raise
        except (OSError, TimeoutError) as error:
            self.close()
            raise _cluster_error(f"the Dask cluster at `{address}` has no worker ready: "
                                 f"{type(error).__name__}: {error}") from None

    def submit(self, entries: list[Entry]) -> Pending:
        return self.client.submit(bill_chunk, self.job, entries, pure=False)

    def close(self) -> None:
        self.client.close()


def _cluster_error(message: str) -> PlanlangError:
    return PlanlangError([Diagnostic("PL423", message, help="check that the scheduler and its "
                                     "workers run, and the address (e.g. `tcp://host:8786`)")])


def _probe(address: str) -> None:
    """Fail at once, not after the connect timeout, when nothing listens at a TCP address."""
    import socket

    from distributed.comm import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        host, port = parse_host_port(location)
    except (ValueError, TypeError):
        raise PlanlangError([Diagnostic(
            "PL421", f"--dask: `{address}` is not a scheduler address",
            help="e.g. `--dask tcp://scheduler.example:8786`")]) from None
    if scheme != "tcp":
        return
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as error:
        raise _cluster_error(f"cannot reach the Dask scheduler at `{address}`: "
                             f"{error.strerror or error}") from None


def _planlang_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("planlang")
    except PackageNotFoundError:  # pragma: no cover - planlang run from a source tree
        return "unknown"


def _same_planlang(client: Any) -> None:
    """Every worker must run the planlang this machine runs: the output must not depend on it."""
    here = _planlang_version()
    try:
        there = client.run(_planlang_version)
    except Exception as error:  # noqa: BLE001 - a worker without planlang fails to unpickle
        raise _cluster_error(f"planlang cannot run on the Dask workers: {type(error).__name__}: "
                             f"{error}") from None
    for worker, found in sorted(there.items()):
        if found != here:
            raise _cluster_error(f"the Dask worker {worker} has planlang {found}, this machine "
                                 f"{here}: install the same version everywhere")


# ---- the batch -----------------------------------------------------------------------------------

@attrs.define
class Summary:
    accounts: int = 0
    bills: int = 0
    problems: int = 0
    first_problem: str | None = None  # where the output stops


def chunks(entries: Iterable[Entry], size: int) -> Iterator[list[Entry]]:
    chunk: list[Entry] = []
    for entry in entries:
        chunk.append(entry)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_batch(runner: Runner, entries: Iterable[Entry], out: IO[str],
              report: Callable[[str], None], progress: Callable[[int], None] = lambda n: None
              ) -> Summary:
    """Bill `entries` chunk by chunk on `runner`, writing each chunk's output to `out` in input
    order, with at most `runner.in_flight` chunks read ahead. Each problem is passed to `report`
    (the first MAX_SHOWN_PROBLEMS; the rest are counted); the output stops before the first."""
    summary = Summary()
    pending: deque[Pending] = deque()

    def take(chunk: Pending) -> None:
        try:
            result = chunk.result()
        except PlanlangError:
            raise
        except _infrastructure_errors() as error:
            raise PlanlangError([Diagnostic("PL423", _describe(error))]) from None
        if not summary.problems:
            out.write(result.text)
        for problem in result.problems:
            summary.problems += 1
            if summary.first_problem is None:
                summary.first_problem = f"{problem.path}:{problem.line}" if problem.line \
                    else problem.path
            if summary.problems <= MAX_SHOWN_PROBLEMS:
                report(problem.report())
        summary.accounts += result.accounts
        summary.bills += result.bills
        progress(result.accounts)

    for chunk in chunks(entries, runner.chunk_size):
        pending.append(runner.submit(chunk))
        while len(pending) >= runner.in_flight:
            take(pending.popleft())
    while pending:
        take(pending.popleft())
    return summary


def _infrastructure_errors() -> tuple[type[BaseException], ...]:
    from concurrent.futures.process import BrokenProcessPool

    errors: list[type[BaseException]] = [BrokenProcessPool, OSError, TimeoutError]
    try:
        from distributed import KilledWorker
        from distributed.comm.core import CommClosedError

        errors += [KilledWorker, CommClosedError]
    except ImportError:
        pass
    return tuple(errors)


def _describe(error: BaseException) -> str:
    from concurrent.futures.process import BrokenProcessPool

    if isinstance(error, BrokenProcessPool):
        return "a worker process stopped unexpectedly (was it killed, or out of memory?)"
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"the batch stopped: {type(error).__name__}" + (f": {text}" if text else "")


def default_workers() -> int:
    return os.cpu_count() or 1
