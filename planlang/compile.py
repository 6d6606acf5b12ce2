"""The pipeline, written once: source text → parse tree → AST → checked, compiled catalog.

`STAGES` is the pipeline: each stage takes the source and what the stage before it produced, and
returns what it produced (None: nothing usable) and its diagnostics. `compile_source` runs them in
order and stops at the first that produces nothing; `load_catalog` raises `PlanlangError` with
every diagnostic when the plan cannot be used. A catalog is compiled once and shared by every
account evaluated.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs

from planlang.check.catalog import check
from planlang.diagnostics import Diagnostic, PlanlangError, has_errors, sorted_diagnostics
from planlang.model import Catalog
from planlang.money import exact
from planlang.source import Source, plan_text
from planlang.syntax import ast
from planlang.syntax.build import build
from planlang.syntax.parse import parse_tree


def _parse(source: Source, _: None) -> tuple[Any, Sequence[Diagnostic]]:
    return parse_tree(source)


def _build(source: Source, tree: Any) -> tuple[ast.PlanFile, Sequence[Diagnostic]]:
    return build(tree, source), ()


def _check(source: Source, plan_file: ast.PlanFile) -> tuple[Catalog | None, Sequence[Diagnostic]]:
    result = check(plan_file, source.path)
    return result.catalog, result.diagnostics


#: The stages in order: (name, stage); a stage is `(source, previous) -> (product, diagnostics)`.
STAGES: tuple[tuple[str, Callable[[Source, Any], tuple[Any, Sequence[Diagnostic]]]], ...] = (
    ("parse", _parse), ("build", _build), ("check", _check))


@attrs.frozen
class Compiled:
    """Everything the pipeline produced for one file: diagnostics, and what it got to."""

    source: Source
    diagnostics: tuple[Diagnostic, ...]
    syntax: ast.PlanFile | None
    catalog: Catalog | None


@exact
def compile_source(source: Source) -> Compiled:
    source = plan_text(source)  # CR and CRLF line ends read as LF
    products: dict[str, Any] = {}
    diagnostics: list[Diagnostic] = []
    product: Any = None
    for name, stage in STAGES:
        product, found = stage(source, product)
        diagnostics += found
        if product is None:
            break
        products[name] = product
    return Compiled(source, tuple(sorted_diagnostics(diagnostics)), products.get("build"),
                    products.get("check"))


def read_source(path: str | Path) -> Source | Diagnostic:
    """Read a text file as UTF-8 (a BOM is allowed), or a PL4xx diagnostic saying why not."""
    path = Path(path)
    name = shown_path(str(path))
    why = unreadable(path)
    if why is not None:
        return Diagnostic("PL401", f"`{name}` {why}",
                          help=_STREAMS if why in (_PIPE, _SOCKET) else None)
    try:
        data = path.read_bytes()
    except OSError as error:
        return Diagnostic("PL401", f"`{name}` cannot be read: {error.strerror}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        source = Source(str(path), data.decode("utf-8", errors="replace"))
        return Diagnostic("PL402", "file is not UTF-8 text", source.span(error.start, error.start + 1),
                          help="save the file as UTF-8")
    return Source(str(path), text.replace("\r\n", "\n"))


_PIPE, _SOCKET = "is a named pipe, not a file", "is a socket, not a file"
_STREAMS = ("planlang reads plan, account and scenario files whole; a stream of accounts is read "
            "with `--accounts`")


def unreadable(path: Path) -> str | None:
    """Why `path` is not a file planlang can read whole (`does not exist`, `is a folder, not a
    file`, `is a named pipe, not a file`), or None. One stat, whose every failure is answered: a
    name too long for the system raises from `Path.is_fifo()` and `Path.is_dir()`."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "does not exist"
    except OSError as error:
        return f"cannot be read: {error.strerror}"
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):  # reading would wait for a writer, maybe forever
        return _PIPE
    if stat.S_ISSOCK(mode):
        return _SOCKET
    return None


def shown_path(name: str, most: int = 200) -> str:
    """A file name as a message shows it: whole, or its start and end around `…` when long."""
    return name if len(name) <= most else f"{name[:most // 2]}…{name[-most // 2:]}"


@exact
def load_catalog(path: str | Path) -> Catalog:
    """Parse, check and compile a plan file; raise PlanlangError with the diagnostics if unusable."""
    source = read_source(path)
    if isinstance(source, Diagnostic):
        raise PlanlangError([source])
    compiled = compile_source(source)
    if compiled.catalog is None or has_errors(compiled.diagnostics):
        raise PlanlangError(compiled.diagnostics)
    return compiled.catalog


@exact
def parse_catalog_text(text: str, path: str = "<text>") -> Catalog:
    compiled = compile_source(Source(path, text))
    if compiled.catalog is None:
        raise PlanlangError(compiled.diagnostics)
    return compiled.catalog
