"""Batch billing: many accounts against one catalog, streamed in and streamed out.

The input is a JSON Lines file (one account a line, the keys of an account file) or a folder of
account files (`*.yaml`, `*.yml`, `*.json`, one account each, and `*.jsonl`, one a line), sorted by
path. Accounts are read one at a time, billed in chunks, and each chunk's output is written before
more is read, so memory does not grow with the number of accounts. The output is, per account and
period, in input order: one JSON line (`to_data(bill)`, without the `steps` lists unless asked
for), or CSV rows (one per charge line, then the account-period's total).

Every account is billed by `bill_one`, through the engine's one entry point
(`engine.billing.bill_account`), which chooses the evaluator: the compiled path for the accounts
it covers, the interpreter for the others and whenever the steps are asked for (`--explain`). The
chunks run in this process, in a pool of worker processes, or on a Dask cluster: the same
function (`bill_chunk`) makes each chunk's text, and the chunks are written in input order, so the
three give byte-identical output.

A problem with an account (malformed JSON, an unknown key, an unknown plan, a record a reader
cannot read at all) does not stop the batch: every other account is billed and written, and every
account that is not is *rejected*: reported with its file, line and account and its located
diagnostics (`Problem`, passed to `run_batch`'s `report` and `reject`; `Summary.problems` counts
them). Problems are located exactly as for `planlang bill --account`: a JSON line is parsed
exactly (numbers as `Decimal`), and when an account is refused the line is read again by the
located loader to say where. No exception raised for one account stops the batch: an exception
from a reader is that account's PL424, one from billing an account that checks is its PL425.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import stat
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

import attrs

from planlang.diagnostics import Diagnostic, PlanlangError, render_all, sorted_diagnostics
from planlang.drivers.stopping import raise_if_requested
from planlang.money import exact
from planlang.source import LineSource, Source

if TYPE_CHECKING:
    from planlang.engine.results import Bill
    from planlang.inputs.documents import Document
    from planlang.model import Catalog

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

@exact
def bill_one(catalog: Catalog, data: Any, periods: Sequence[str],
             explain: bool = True) -> list[Bill]:
    """Bill one account, given as the data of an account file, for `periods` ("YYYY-MM", in order).

    The one function through which a batch bills an account, by the engine's one entry point
    (`engine.billing.bill_account`, which chooses how). Without `explain`, the bills lack the
    computation steps (which the output then leaves out), and the compiled path bills the
    accounts it covers, the interpreter the others; with it, the interpreter bills every
    account. Raises `PlanlangError`, or any other exception, when the data cannot be billed; the
    caller (`bill_entry`) then reads the account again with the located loader to say where.
    """
    from planlang.engine.billing import bill_account

    return bill_account(catalog, data, periods, explain)


def _json_one(catalog: Catalog, data: Any, periods: Sequence[str], explain: bool) -> list[str]:
    """`bill_one`'s bills as the JSON lines the batch writes (`bill_json`), written straight from
    the compiled path's figures where it bills the account (`engine.billing.bill_json`). Run in
    `EXACT` (by `bill_chunk`)."""
    from planlang.engine.billing import bill_json

    return bill_json(catalog, data, periods, explain)


# ---- the input -----------------------------------------------------------------------------------

@attrs.frozen
class Entry:
    """One account of the input: its file, its line (0: the whole file is the account), its text.

    `problem` is already known when the text could not even be read."""

    path: str
    line: int
    text: str
    problem: Problem | None = None


def open_accounts(path: str, exclude: Iterable[Path] = ()) -> Iterator[Entry]:
    """The accounts of a JSON Lines file, an account file, a folder of them, or `-` (standard
    input, JSON Lines), read lazily. A path that does not exist, or a folder without account
    files, raises PlanlangError (PL401) now, before anything is read. A folder's files in
    `exclude` (the outputs) are not read."""
    if path == "-":
        return _stdin_lines()
    files = account_files(path, exclude)
    return (entry for file in files for entry in _file_entries(file))


def account_files(path: str, exclude: Iterable[Path] = ()) -> list[Path]:
    """The files an `--accounts` PATH names, in the order they are read. In a folder, only
    regular files are read (a named pipe there would block the batch)."""
    root = Path(path)
    if root.is_dir():
        skip = {p.resolve() for p in exclude}
        found = sorted(p for p in root.rglob("*")
                       if p.suffix.lower() in ACCOUNT_SUFFIXES and p.is_file()
                       and not any(part.startswith(".") for part in p.relative_to(root).parts)
                       and p.resolve() not in skip)
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
        yield _unread(str(path), 0, None, [Diagnostic(
            "PL401", f"cannot read `{path}`: {error.strerror or error}")])


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
            shown = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            source = LineSource(name, shown, first_line=number)
            yield _unread(name, number, shown, [Diagnostic(
                "PL402", "line is not UTF-8 text", source.span(error.start, error.start + 1),
                help="save the file as UTF-8")])
            continue
        yield Entry(name, number, text)


def _whole_file(path: Path) -> Entry:
    from planlang.compile import read_source

    source = read_source(path)
    if isinstance(source, Diagnostic):
        return _unread(str(path), 0, None, [source])
    return Entry(str(path), 0, source.text)


def _unread(path: str, line: int, record: str | None, diagnostics: list[Diagnostic]) -> Entry:
    return Entry(path, line, "", Problem.of(path, line, None, record, diagnostics))


def count_accounts(path: str, exclude: Iterable[Path] = ()) -> int | None:
    """How many accounts `open_accounts` will give (for a progress bar), or None when they cannot
    be counted without using the input up: standard input, a pipe, a FIFO, a device. Only
    regular files are read (once, in binary, counting non-blank lines): a stream is read once,
    by the batch."""
    if path == "-" or (not _regular(Path(path)) and not Path(path).is_dir()):
        return None
    files = account_files(path, exclude)
    if not all(_regular(file) for file in files):
        return None
    total = 0
    for file in files:
        if file.suffix.lower() in (".yaml", ".yml", ".json"):
            total += 1
            continue
        try:
            with file.open("rb") as lines:
                total += sum(1 for line in lines if line.strip() and line.strip() != b"\xef\xbb\xbf")
        except OSError:
            total += 1
    return total


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


# ---- one account: parse, bill, or say what is wrong --------------------------------------------

@attrs.frozen
class Problem:
    """An account that could not be billed (a rejected record): where it is, its text, its
    diagnostics rendered (`text`) and as data (`errors`)."""

    path: str
    line: int
    account: str | None
    text: str
    record: str | None = None  # the JSON line as read; None for an account file
    errors: tuple[dict[str, str | None], ...] = ()

    @classmethod
    def of(cls, path: str, line: int, account: str | None, record: str | None,
           diagnostics: Sequence[Diagnostic]) -> Problem:
        ordered = sorted_diagnostics(diagnostics)
        errors = tuple({"code": d.code, "message": d.message,
                        "location": d.span.location() if d.span is not None else None,
                        "help": d.help} for d in ordered)
        # a lone surrogate in a message (a name quoted from the account) is shown escaped
        text = render_all(ordered).encode("utf-8", "backslashreplace").decode("utf-8")
        return cls(path, line, account, text, record, errors)

    def report(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        name = f" `{self.account}`" if self.account else ""
        return f"{where}: account{name} not billed\n{self.text}"

    def json_line(self) -> str:
        """The line of the rejects file (JSON Lines) for this account."""
        data = {"path": self.path, "line": self.line or None, "account": self.account,
                "errors": list(self.errors), "record": self.record}
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
        if not _encodes(text):  # a lone surrogate in a message: escaped, still valid JSON
            text = json.dumps(data, separators=(",", ":")) + "\n"
        return text


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_line(entry: Entry) -> Any:
    """A JSON line's data (`inputs.documents.read_json`: numbers with a decimal point as `Decimal`), or
    PlanlangError located on its line, for whatever is wrong with it as JSON."""
    from planlang.inputs.documents import read_json

    return read_json(LineSource(entry.path, entry.text, first_line=entry.line))


def _document(entry: Entry) -> Document:
    from planlang.inputs.documents import load_document, load_text

    if entry.line:
        return load_document(LineSource(entry.path, entry.text, first_line=entry.line))
    return load_text(Source(entry.path, entry.text))


def bill_entry(catalog: Catalog, entry: Entry, periods: Sequence[str],
               explain: bool = True, bill: Callable[..., list] | None = None) -> list | Problem:
    """Bill one entry with `bill_one` (or `bill`, which bills as it does: `_json_one`), or
    return every problem with it, located. Never raises for one account's sake: a reader's
    exception is the account's PL424, a failure to bill an account that checks its PL425 (a bug
    in planlang, reported with the account)."""
    if entry.problem is not None:
        return entry.problem
    record = entry.text if entry.line else None
    try:
        return _bill_entry(catalog, entry, periods, explain, bill or bill_one)
    except PlanlangError as error:
        return Problem.of(entry.path, entry.line, None, record, error.diagnostics)
    except _BillingFailed as failed:
        return Problem.of(entry.path, entry.line, failed.account, record,
                          [_failure("PL425", entry, failed.error)])
    except Exception as error:  # noqa: BLE001 - a reader failed on this record: reject it
        return Problem.of(entry.path, entry.line, None, record, [_failure("PL424", entry, error)])


class _BillingFailed(Exception):
    """An account that checks, yet billing it raised: a bug in planlang."""

    def __init__(self, account: str | None, error: BaseException):
        super().__init__(account, error)
        self.account = account
        self.error = error


def _bill_entry(catalog: Catalog, entry: Entry, periods: Sequence[str], explain: bool,
                bill: Callable[..., list]) -> list | Problem:
    from planlang.engine.load import account_from

    record = entry.text if entry.line else None
    data: Any = None
    document: Document | None = None
    if entry.line:
        data = parse_line(entry)
    else:
        document = _document(entry)
        data = document.data
    failure: BaseException | None = None
    if data is not None:
        try:
            return bill(catalog, data, periods, explain)
        except Exception as error:  # noqa: BLE001 - the located loader below says what is wrong
            failure = error
    try:
        if document is None:
            document = _document(entry)
        account_from(document, catalog)
    except PlanlangError as error:
        return Problem.of(entry.path, entry.line, _name(document.data if document else data),
                          record, error.diagnostics)
    name = _name(document.data)
    if isinstance(failure, PlanlangError):  # found while billing (a walk too long): not located
        return Problem.of(entry.path, entry.line, name, record, failure.diagnostics)
    if failure is None:  # read only by the located loader, and it finds nothing wrong
        try:
            return bill(catalog, document.data, periods, explain)
        except PlanlangError as error:
            return Problem.of(entry.path, entry.line, name, record, error.diagnostics)
        except Exception as error:  # noqa: BLE001 - reported as the bug it is
            failure = error
    raise _BillingFailed(name, failure)  # the account checks, yet billing failed: a bug


def _failure(code: str, entry: Entry, error: BaseException) -> Diagnostic:
    """PL424 (a reader raised) or PL425 (billing raised), located at the record."""
    source = (LineSource(entry.path, entry.text, first_line=entry.line) if entry.line
              else Source(entry.path, entry.text))
    if code == "PL424":
        return Diagnostic("PL424", f"cannot read this account: {_what(error)}",
                          source.span(0, 1), help="correct or remove this account; the others "
                          "are billed")
    return Diagnostic("PL425", f"planlang failed to bill this account: {_what(error)}",
                      source.span(0, 1), help="this is a bug in planlang: please report it, "
                      "with this account and the plan file; the others are billed")


def _what(error: BaseException) -> str:
    from decimal import DecimalException

    if isinstance(error, RecursionError):
        return "it is nested too deeply"
    if isinstance(error, (DecimalException, OverflowError)):
        return "a number is out of range"
    if isinstance(error, UnicodeError):
        return "it holds text that is not valid Unicode"
    if isinstance(error, MemoryError):
        return "it is too large to hold in memory"
    text = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    return type(error).__name__ + (f": {text}" if text else "")


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
    """One bill as one JSON line (with its line break): `to_data(bill)`, without the `steps`
    lists unless `explain`."""
    from planlang.engine.results import json_line

    return json_line(bill, steps=explain)


def csv_rows(bill: Bill, raw: bool = False) -> list[list[str]]:
    """One row per charge line of the bill, then its total row."""
    from planlang.engine.results import to_data
    from planlang.engine.subscribers import safe_text

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
    """What a chunk gives back: the output of every account it billed (UTF-8), and every
    account it did not (its problems)."""

    data: bytes
    accounts: int
    bills: int
    problems: tuple[Problem, ...]

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


@exact
def bill_chunk(job: Job, entries: Sequence[Entry]) -> ChunkResult:
    """Bill a chunk of accounts and render their output: the same code in every mode. The
    output holds every account billed; the others are the chunk's problems. An account whose
    output cannot be UTF-8 (a lone surrogate) is one of them."""
    as_json = job.format != "csv"
    bill = _json_one if as_json else bill_one
    billed: list[tuple[int, str, int]] = []  # (index, output, bills) of each account billed
    problems: list[tuple[int, Problem]] = []
    for index, entry in enumerate(entries):
        result = bill_entry(job.catalog, entry, job.periods, job.explain, bill)
        if isinstance(result, Problem):
            problems.append((index, result))
            continue
        try:
            text = "".join(result) if as_json else render_bills(job, result)
        except Exception as error:  # noqa: BLE001 - one account's bug: reported, not fatal
            problems.append((index, Problem.of(entry.path, entry.line, None,
                                               entry.text if entry.line else None,
                                               [_failure("PL425", entry, error)])))
            continue
        billed.append((index, text, len(result)))
    try:
        data = "".join([text for _, text, _ in billed]).encode("utf-8")
    except UnicodeEncodeError:  # which accounts: rejected, each where it stands
        kept = []
        for index, text, count in billed:
            if _encodes(text):
                kept.append((index, text, count))
                continue
            entry = entries[index]
            problems.append((index, Problem.of(entry.path, entry.line, None,
                                               entry.text if entry.line else None,
                                               [_surrogate(entry)])))
        billed = kept
        problems.sort(key=lambda found: found[0])
        data = "".join([text for _, text, _ in billed]).encode("utf-8")
    return ChunkResult(data, len(entries), sum(count for _, _, count in billed),
                       tuple(problem for _, problem in problems))


def render_bills(job: Job, bills: Sequence[Bill]) -> str:
    """One account's output: its bills' JSON lines or CSV rows."""
    if job.format != "csv":
        return "".join([bill_json(bill, job.explain) for bill in bills])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for bill in bills:
        writer.writerows(csv_rows(bill, job.raw_csv))
    return out.getvalue()


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _surrogate(entry: Entry) -> Diagnostic:
    """An account whose text holds a lone surrogate (`"\\ud800"` in JSON): no UTF-8 output can
    hold it. Located at the first such escape, if it is one."""
    source = (LineSource(entry.path, entry.text, first_line=entry.line) if entry.line
              else Source(entry.path, entry.text))
    found = _SURROGATE_ESCAPE.search(entry.text)
    span = source.span(found.start(), found.end()) if found else source.span(0, 1)
    return Diagnostic("PL402", "the account's text holds a lone surrogate, which is not a "
                      "character: no UTF-8 output can hold it", span,
                      help="write the character itself, or a surrogate pair for one above U+FFFF")


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


def _start_worker(job: Job, parent: int | None = None) -> None:
    global _WORKER_JOB
    _WORKER_JOB = job
    # Ctrl-C is the parent's to handle (it goes to the terminal's whole process group): the
    # parent cancels what is queued and shuts the pool down. SIGTERM keeps its default (the pool
    # stops a broken pool's workers with it). A worker never outlives its parent, not even a
    # parent killed by SIGKILL.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent(parent)


PARENT_POLL = 0.5  # seconds between a worker's looks at its parent


def _exit_with_parent(parent: int | None = None) -> None:
    """A daemon thread that ends this worker process as soon as its parent is gone. `parent` is
    the pid of the process that started it, as that process knew itself: a parent that died before
    this worker first looked would otherwise be taken for the process that adopted it."""
    import threading
    import time

    if parent is None:
        parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        os._exit(1)

    threading.Thread(target=watch, name="planlang-parent-watch", daemon=True).start()


def _pool_chunk(packed: tuple) -> ChunkResult:
    assert _WORKER_JOB is not None
    return bill_chunk(_WORKER_JOB, _unpacked(packed))


def _packed(entries: list[Entry]) -> tuple:
    """A chunk as it is sent to a worker. The lines of one file, the usual chunk, go as their
    file, line numbers and texts joined by line breaks: one string, far cheaper to send and
    receive than as many `Entry`s; any other chunk as its entries."""
    path = entries[0].path
    text = "\n".join([entry.text for entry in entries])
    if (text.count("\n") == len(entries) - 1
            and all(entry.line and entry.problem is None and entry.path == path
                    for entry in entries)):
        numbers: Sequence[int] = [entry.line for entry in entries]
        first = entries[0].line
        if numbers == list(range(first, first + len(entries))):
            numbers = range(first, first + len(entries))
        return (path, numbers, text)
    return (entries,)


def _unpacked(packed: tuple) -> list[Entry]:
    if len(packed) == 1:
        return packed[0]
    path, numbers, text = packed
    return [Entry(path, number, line)
            for number, line in zip(numbers, text.split("\n"), strict=True)]


class ProcessPool:
    """Chunks billed by N worker processes, each given the catalog once when it starts."""

    def __init__(self, job: Job, workers: int, chunk_size: int = CHUNK_SIZE):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.chunk_size = chunk_size
        self.in_flight = 2 * workers
        # spawn: the same on every platform, and safe beside the threads of a progress bar
        self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start_worker, initargs=(job, os.getpid()))

    def submit(self, entries: list[Entry]) -> Pending:
        return self.pool.submit(_pool_chunk, _packed(entries))

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
    problems: int = 0  # accounts not billed (rejected)
    first_problem: str | None = None  # where the first of them is


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
              report: Callable[[str], None], progress: Callable[[int], None] = lambda n: None,
              reject: Callable[[Problem], None] = lambda problem: None) -> Summary:
    """Bill `entries` chunk by chunk on `runner`, writing each chunk's output (every account
    billed) to `out` in input order, with at most `runner.in_flight` chunks read ahead. Each
    account not billed is passed to `reject`, and the first MAX_SHOWN_PROBLEMS of them, as text,
    to `report` (the rest are counted)."""
    summary = Summary()
    pending: deque[Pending] = deque()
    write = _bytes_writer(out)

    def take(chunk: Pending) -> None:
        try:
            result = chunk.result()
        except PlanlangError:
            raise
        except _infrastructure_errors() as error:
            raise PlanlangError([Diagnostic("PL423", _describe(error))]) from None
        write(result.data)
        for problem in result.problems:
            summary.problems += 1
            if summary.first_problem is None:
                summary.first_problem = f"{problem.path}:{problem.line}" if problem.line \
                    else problem.path
            if summary.problems <= MAX_SHOWN_PROBLEMS:
                report(problem.report())
            reject(problem)
        summary.accounts += result.accounts
        summary.bills += result.bills
        progress(result.accounts)

    for chunk in chunks(entries, runner.chunk_size):
        raise_if_requested()
        pending.append(runner.submit(chunk))
        while len(pending) >= runner.in_flight:
            take(pending.popleft())
    while pending:
        raise_if_requested()
        take(pending.popleft())
    raise_if_requested()  # before the output is kept
    return summary


def _bytes_writer(out: IO[str]) -> Callable[[bytes], object]:
    """How a chunk's output (UTF-8) is written to `out`: straight to its binary buffer when it is
    a UTF-8 text stream that writes a line break as it is (the text written before is flushed
    first), else as text."""
    import codecs

    buffer = getattr(out, "buffer", None)
    encoding = getattr(out, "encoding", None)
    if (buffer is not None and isinstance(encoding, str) and os.linesep == "\n"
            and codecs.lookup(encoding).name == "utf-8"):
        out.flush()
        return buffer.write
    return lambda data: out.write(data.decode("utf-8"))


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
