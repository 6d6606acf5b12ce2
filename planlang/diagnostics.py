"""Diagnostics as values, and the one function that renders them.

Every stage returns `Diagnostic` values; none prints. Codes are stable and documented in
docs/errors/: PL1xx syntax, PL2xx checks, PL3xx evaluation, PL4xx input files and arguments.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from planlang.source import Span

ERROR = "error"
WARNING = "warning"


@attrs.frozen
class Label:
    """A secondary span with a short note (e.g. "first defined here")."""

    span: Span
    message: str


@attrs.frozen
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    help: str | None = None
    severity: str = ERROR
    labels: tuple[Label, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def sort_key(self) -> tuple[str, int, str]:
        if self.span is None:
            return ("", 0, self.code)
        return (self.span.path, self.span.start, self.code)


class PlanlangError(Exception):
    """Raised at an API boundary when input cannot be used; carries the diagnostics."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(render(d) for d in self.diagnostics))


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=Diagnostic.sort_key)


MAX_SHOWN = 120  # characters of a source line shown around a span


def escape(text: str) -> str:
    """Text as a terminal may show it: every character that is not printable (escape sequences,
    other controls, bidirectional overrides, zero-width and other invisible characters) written
    as its escape, `\\x1b`, `\\u202e`. Names come from files planlang does not control; nothing
    planlang prints may move the cursor, recolour the terminal or reorder the text around it."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escaped(ch) for ch in text)


def _escaped(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _snippet(span: Span, gutter: int, note: str = "", mark: str = "^",
             show_line: bool = True) -> list[str]:
    line = span.line
    raw = span.source.line_text(line)
    column = span.column
    # A span that runs past its line is underlined to the end of the line.
    length = max(1, min(span.end - span.start, len(raw) - column + 1))
    start, prefix, suffix = 0, "", ""
    if len(raw) > MAX_SHOWN:  # show a window of a long line around the span
        start = max(0, column - 1 - MAX_SHOWN // 3)
        prefix = "…" if start else ""
        suffix = "…" if start + MAX_SHOWN < len(raw) else ""
        raw = raw[start:start + MAX_SHOWN]
    # Each character as shown: a tab stays a tab, any other unprintable one is escaped (and the
    # underline widened to match).
    pieces = [ch if ch.isprintable() or ch == "\t" else _escaped(ch) for ch in raw]
    first = min(column - 1 - start, len(pieces))
    last = min(first + length, len(pieces))
    before = len(prefix) + sum(len(p) for p in pieces[:first])
    width = sum(len(p) for p in pieces[first:last])
    width += min(first + length - last, len(suffix))  # into the `…` of a cut line
    pad = " " * gutter
    underline = " " * before + mark * max(1, width) + (f" {escape(note)}" if note else "")
    source_line = [f"{str(line).rjust(gutter)} | {prefix}{''.join(pieces)}{suffix}"] \
        if show_line else []
    return source_line + [f"{pad} | {underline.rstrip()}"]


def render(diagnostic: Diagnostic) -> str:
    """`file:line:col: error[CODE]: message`, the source line with the span underlined, the help.
    Everything shown goes through `escape`: the message, the source lines, the labels, the help,
    the file names."""
    d = diagnostic
    where = escape(d.span.location()) + ": " if d.span is not None else ""
    out = [f"{where}{d.severity}[{d.code}]: {escape(d.message)}"]
    spans = [d.span] if d.span is not None else []
    spans += [label.span for label in d.labels]
    gutter = max((len(str(s.line)) for s in spans), default=1)
    if d.span is not None:
        out.append(f"{' ' * gutter} |")
    # The lines of the file at fault in the order the file has them (a "first given here" above
    # the repeat), each label after the main span on a line they share; other files after.
    here = d.span.path if d.span is not None else None
    parts: list[tuple[Span, Label | None]] = [(d.span, None)] if d.span is not None else []
    parts += [(label.span, label) for label in d.labels]
    parts.sort(key=lambda part: (part[0].path != here, part[0].path != here and part[0].path,
                                 part[0].line, part[1] is not None))
    shown: set[tuple[str, int]] = set()
    for span, label in parts:
        if label is None:
            out += _snippet(span, gutter)
        else:
            if span.path != here:
                out.append(f"{' ' * gutter}--> {escape(span.location())}")
            out += _snippet(span, gutter, label.message, "-",
                            show_line=(span.path, span.line) not in shown)
        shown.add((span.path, span.line))
    if d.help:
        out.append(f"{' ' * gutter} = help: {escape(d.help)}")
    return "\n".join(out)


def render_all(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n\n".join(render(d) for d in sorted_diagnostics(diagnostics))


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A "did you mean `x`?" help from edit distance over the names in scope."""
    best = closest(name, candidates)
    return f"did you mean `{best}`?" if best else None


def closest(name: str, candidates: Iterable[str]) -> str | None:
    scored = []
    lowered = name.lower()
    limit = max(1, len(name) // 3)
    for candidate in candidates:
        if abs(len(candidate) - len(name)) > limit:
            continue  # more insertions or deletions than the limit allows
        distance = _edit_distance(lowered, candidate.lower(), limit)
        if distance <= limit:
            scored.append((distance, candidate))
    return min(scored)[1] if scored else None


def _edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`; once every
    entry of a row is above `limit`, the answer is too, and `limit + 1` is returned at once."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, rows[-2][j - 2] + 1)
            row.append(cost)
        if limit is not None and min(row) > limit and (len(rows) < 2 or min(rows[-1]) > limit):
            return limit + 1
        rows.append(row)
    return rows[-1][-1]
