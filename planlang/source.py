"""Source texts and spans: where every node, diagnostic, charge and decision comes from."""

from __future__ import annotations

import bisect

import attrs


@attrs.frozen(eq=False)
class Source:
    """A named text (a plan file, an account file, a scenario) with a line index for positions."""

    path: str
    text: str
    _starts: tuple[int, ...] | None = attrs.field(init=False, default=None, repr=False)

    @property
    def _line_starts(self) -> tuple[int, ...]:
        """Where each line starts: indexed when a position is first asked for (a diagnostic), so
        a source made for every line of a large file costs nothing until something is reported."""
        starts = self._starts
        if starts is None:
            found = [0]
            at = self.text.find("\n")
            while at >= 0:
                found.append(at + 1)
                at = self.text.find("\n", at + 1)
            starts = tuple(found)
            object.__setattr__(self, "_starts", starts)
        return starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line break."""
        if not 1 <= line <= len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start : len(self.text) if end < 0 else end].rstrip("\r")

    def span(self, start: int, end: int) -> Span:
        return Span(self, start, max(start, end))

    def line_span(self, line: int, column: int = 1, length: int = 1) -> Span:
        """A span from a 1-based line and column (used where a library reports only those)."""
        line = max(1, min(line, len(self._line_starts)))
        start = self._line_starts[line - 1] + max(column, 1) - 1
        return Span(self, start, start + max(length, 1))


def plan_text(source: Source) -> Source:
    """A plan file with its line ends made `\\n`: LF, CRLF and a lone CR (the line end of classic
    Mac OS, and of some exports) all end a line, as editors show them. Offsets in the result are
    the offsets every later stage and every diagnostic uses."""
    if "\r" not in source.text:
        return source
    return Source(source.path, source.text.replace("\r\n", "\n").replace("\r", "\n"))


@attrs.frozen
class Span:
    """A half-open range of characters in a source. Spans never take part in node equality."""

    source: Source = attrs.field(repr=False)
    start: int
    end: int

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def line(self) -> int:
        return self.source.position(self.start)[0]

    @property
    def column(self) -> int:
        return self.source.position(self.start)[1]

    @property
    def text(self) -> str:
        return self.source.text[self.start : self.end]

    def location(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def cover(self, other: Span) -> Span:
        return Span(self.source, min(self.start, other.start), max(self.end, other.end))


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
