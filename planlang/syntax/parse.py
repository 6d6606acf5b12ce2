"""Plan text → Lark parse tree, with syntax errors turned into located diagnostics (PL1xx)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.indenter import DedentError, Indenter

from planlang.diagnostics import Diagnostic
from planlang.money import MAX_DIGITS
from planlang.source import Source, Span
from planlang.syntax.build import number_problem
from planlang.syntax.errors import SYNTAX_EXAMPLES, friendly_terminal

MAX_PLAN_BYTES = 2_000_000
MAX_DEPTH = 100
_BLANKS = re.compile(r"(?:\s|#[^\n]*)*")


class PlanIndenter(Indenter):
    """Turns leading whitespace into _INDENT/_DEDENT tokens, as in Python."""

    NL_type = "_NL"
    OPEN_PAREN_types = ["LPAR"]
    CLOSE_PAREN_types = ["RPAR"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8

    def process(self, stream):
        return super().process(_bounded_nesting(stream))


class _TooDeep(Exception):
    """Raised from the token stream when an expression is certainly nested too deep."""

    def __init__(self, token: Token):
        super().__init__("too deep")
        self.token = token


_ADDITIVE = {"PLUS", "MINUS"}
_MULTIPLICATIVE = {"MUL", "SLASH"}
_IN_EXPRESSION = _ADDITIVE | _MULTIPLICATIVE | {"NUMBER", "NAME", "CURRENCY", "PERCENT", "_NL"}


def _bounded_nesting(stream):
    """Pass the tokens on, stopping at the first operator that makes its expression nested more
    than MAX_DEPTH deep, before any tree is built: a sum of a million terms is refused after 101 of
    them instead of after parsing it all. A lower bound of the depth: operators of one chain
    (`a + b + c`) nest left to right, and every open parenthesis holding an operator adds a level.
    The exact depth is still measured on the tree (`_scan`)."""
    levels: list[list[int]] = [[0, 0, 0]]  # per open parenthesis: additive, multiplicative, any
    with_operators = 0  # open levels (the outermost included) holding an operator
    for token in stream:
        kind = token.type
        if kind == "LPAR":
            levels.append([0, 0, 0])
        elif kind == "RPAR":
            if len(levels) > 1:
                with_operators -= 1 if levels.pop()[2] else 0
        elif kind in _ADDITIVE or kind in _MULTIPLICATIVE:
            level = levels[-1]
            if kind in _ADDITIVE:
                level[0], level[1] = level[0] + 1, 0
            else:
                level[1] += 1
            if not level[2]:
                level[2] = 1
                with_operators += 1
            if with_operators + max(level[0], level[1]) - 1 > MAX_DEPTH:
                raise _TooDeep(token)
        elif kind not in _IN_EXPRESSION or (kind == "_NL" and len(levels) == 1):
            if len(levels) == 1 and levels[0][2]:  # the expression ended
                levels[0] = [0, 0, 0]
                with_operators -= 1
        yield token


def grammar_text() -> str:
    return resources.files("planlang.grammars").joinpath("planlang.lark").read_text("utf-8")


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The one LALR parser, built once per process (Lark caches the tables on disk as well)."""
    return Lark(
        grammar_text(),
        parser="lalr",
        postlex=PlanIndenter(),
        propagate_positions=True,
        maybe_placeholders=False,
        strict=True,
        cache=True,
    )


def parse_tree(source: Source) -> tuple[Tree | None, list[Diagnostic]]:
    """Parse a plan source. Returns the tree, or None and the syntax diagnostics."""
    if len(source.text) > MAX_PLAN_BYTES:
        return None, [
            Diagnostic(
                "PL106",
                f"plan file is too large ({len(source.text):,} characters)",
                source.span(0, 0),
                help=f"a plan file may hold at most {MAX_PLAN_BYTES:,} characters; split the catalog",
            )
        ]
    if "\x00" in source.text:
        offset = source.text.index("\x00")
        return None, [
            Diagnostic("PL100", "plan file contains a NUL byte: is it a binary file?",
                       source.span(offset, offset + 1), help="plan files are UTF-8 text")
        ]
    try:
        tree = parser().parse(source.text + "\n")
    except _TooDeep as too_deep:
        start = too_deep.token.start_pos or 0
        return None, [_too_deep_diagnostic(source.span(start, start + len(too_deep.token)))]
    except UnexpectedInput as error:
        return None, [syntax_diagnostic(source, error)]
    except DedentError as error:
        return None, [_dedent_diagnostic(source, error)]
    except (LarkError, RecursionError) as error:  # pragma: no cover - defensive
        return None, [Diagnostic("PL101", f"cannot parse this file: {error}", source.span(0, 0))]
    deep, numbers = _scan(tree)
    if deep is not None:
        start = getattr(deep.meta, "start_pos", 0) or 0
        end = getattr(deep.meta, "end_pos", start + 1) or start + 1
        return None, [_too_deep_diagnostic(source.span(start, end))]
    if numbers:
        return None, [
            Diagnostic("PL236", problem, source.span(token.start_pos or 0, token.end_pos or 0),
                       help=f"numbers have at most {MAX_DIGITS} digits before and "
                       f"{MAX_DIGITS} after the decimal point")
            for token, problem in numbers
        ]
    return tree, []


def _too_deep_diagnostic(span: Span) -> Diagnostic:
    return Diagnostic("PL107", f"this expression is nested more than {MAX_DEPTH} deep", span,
                      help="split it with `let` values")


def _scan(tree: Tree) -> tuple[Tree | None, list[tuple[Token, str]]]:
    """The first node deeper than MAX_DEPTH (walked without recursion), or None; and every number
    outside the documented bounds with the reason (`number_problem`, the one bounded reader)."""
    numbers = []
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return node, []
        for child in node.children:
            if isinstance(child, Tree):
                stack.append((child, depth + 1))
            elif isinstance(child, Token) and child.type in ("NUMBER", "PERCENT"):
                problem = number_problem(child)
                if problem is not None:
                    numbers.append((child, problem))
    numbers.sort(key=lambda found: found[0].start_pos or 0)
    return None, numbers


def syntax_diagnostic(source: Source, error: UnexpectedInput) -> Diagnostic:
    span = _error_span(source, error)
    opened = _unclosed_parenthesis(source, span.start)
    at_end = isinstance(error, UnexpectedToken) and error.token.type == "$END"
    if opened is not None and (at_end or source.position(opened)[0] < span.line):
        example = SYNTAX_EXAMPLES["unclosed-parenthesis"]
        return Diagnostic(example.code, example.message, source.span(opened, opened + 1),
                          help=example.help)
    if isinstance(error, UnexpectedCharacters):
        unreadable = _character_diagnostic(source, error.pos_in_stream or 0)
        if unreadable is not None:
            return unreadable
    grouping = _digit_grouping(source, span.start)
    if grouping is not None:
        return grouping
    example = _match_example(error)
    if example is not None:
        return Diagnostic(example.code, example.message, span, help=example.help)
    if isinstance(error, UnexpectedCharacters):
        pos = error.pos_in_stream or 0
        char = source.text[pos] if pos < len(source.text) else ""
        return Diagnostic(
            "PL100",
            f"unexpected character `{_printable(char)}`",
            span,
            help=_expected_help(error.allowed),
        )
    if isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            return Diagnostic("PL103", "unexpected end of file", span,
                              help=_expected_help(error.accepts or error.expected))
        if token.type in ("_INDENT", "_DEDENT"):
            what = "indented line" if token.type == "_INDENT" else "end of an indented block"
            return Diagnostic("PL104", f"unexpected {what}", span,
                              help="lines of one block share the same indentation")
        shown = "end of line" if token.type == "_NL" else f"`{_printable(_shortened(str(token)))}`"
        return Diagnostic("PL102", f"unexpected {shown}", span,
                          help=_expected_help(error.accepts or error.expected))
    return Diagnostic("PL101", "cannot parse this line", span)


def _match_example(error: UnexpectedInput):
    token = getattr(error, "token", None)
    accepts = getattr(error, "accepts", None) or set()
    if (token is not None and getattr(token, "column", 0) == 1 and token.type != "$END"
            and _DEFINITION_WORDS <= set(accepts)):
        return SYNTAX_EXAMPLES["unknown-top-level"]  # a line at the top level starts no definition
    try:
        label = error.match_examples(parser().parse, _examples(), use_accepts=True)
    except LarkError:  # pragma: no cover - defensive
        return None
    return SYNTAX_EXAMPLES.get(label) if label else None


@lru_cache(maxsize=1)
def _examples() -> dict[str, list[str]]:
    """Each snippet as written, and after a definition: the parser's stack differs in depth once a
    file has had its first definition, and examples are matched by parser state."""
    return {label: [p + snippet for snippet in example.snippets for p in _PRELUDES]
            for label, example in SYNTAX_EXAMPLES.items()}


# Nothing before; one definition before (not yet reduced into the file); two or more before.
_PRELUDES = ("", "unit example\n", "unit example\nunit other\n")
_DEFINITION_WORDS = {"CATALOG", "PLAN", "PLANS", "UNIT", "METER"}


def _error_span(source: Source, error: UnexpectedInput) -> Span:
    if isinstance(error, UnexpectedToken):
        token = error.token
        start = getattr(token, "start_pos", None)
        if token.type == "$END" or start is None:
            end = len(source.text.rstrip())
            return source.span(max(0, end - 1), end)
        if token.type == "_NL":  # the statement stopped short at the end of its line
            return source.span(start, start + 1)
        if token.type in ("_DEDENT", "_INDENT"):  # point at the first word of the next line
            blanks = _BLANKS.match(source.text, start)
            after = blanks.end() if blanks else start
            end = after
            while end < len(source.text) and not source.text[end].isspace():
                end += 1
            return source.span(after, max(end, after + 1))
        return source.span(start, max(start + 1, token.end_pos or start + 1))
    pos = getattr(error, "pos_in_stream", None) or 0
    return source.span(pos, pos + 1)


def _unclosed_parenthesis(source: Source, before: int) -> int | None:
    """The offset of a `(` still open at `before` (outside comments and messages), if any."""
    opened: list[int] = []
    in_string = False
    index = 0
    text = source.text
    while index < min(before, len(text)):
        ch = text[index]
        if in_string:
            in_string = ch != '"' and ch != "\n"
        elif ch == '"':
            in_string = True
        elif ch == "#":
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
            continue
        elif ch == "(":
            opened.append(index)
        elif ch == ")" and opened:
            opened.pop()
        index += 1
    return opened[-1] if opened else None


def _dedent_diagnostic(source: Source, error: DedentError) -> Diagnostic:
    # Lark reports the bad indentation in the message only; find the first line that breaks nesting.
    levels = [0]
    for number, line in enumerate(source.text.split("\n"), 1):
        stripped = line.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        if indent > levels[-1]:
            levels.append(indent)
            continue
        while indent < levels[-1]:
            levels.pop()
        if indent != levels[-1]:
            return Diagnostic("PL105", "this line's indentation matches no enclosing block",
                              source.line_span(number, 1, indent or 1),
                              help="indent it like the lines of the block it belongs to")
    return Diagnostic("PL105", "inconsistent indentation", source.span(0, 0))


def _expected_help(names) -> str | None:
    shown = sorted({f for n in names or () if (f := friendly_terminal(parser(), n)) is not None})
    if not shown:
        return None
    if len(shown) > 6:
        shown = shown[:6] + ["…"]
    return "expected " + ", ".join(shown)


def _shortened(text: str, at_most: int = 40) -> str:
    """A token as a message quotes it: a 5,000-digit number is shown by its first digits."""
    return text if len(text) <= at_most else text[:at_most] + "…"


# ---- characters planlang cannot read, named so that they can be found ------------------------

#: Letters of other scripts that look like ASCII letters (Unicode's confusables, the common ones).
LOOK_ALIKES = {
    # Cyrillic
    "а": "a", "в": "B", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
    "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ү": "y", "ɡ": "g",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W",
    "Ү": "Y", "Ӏ": "I",
    # Greek
    "α": "a", "ο": "o", "ν": "v", "ρ": "p", "ι": "i", "κ": "k", "τ": "t", "υ": "u", "χ": "x",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # punctuation that passes for ASCII
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-", "\u2018": "'",
    "\u2019": "'", "\u201c": '"', "\u201d": '"', "\uff1a": ":", "\u02d0": ":", "\u037e": ";",
}


def character_name(char: str) -> str:
    """`U+043E CYRILLIC SMALL LETTER O`: how a character can be looked up, whatever it is."""
    name = unicodedata.name(char, "")
    if not name and unicodedata.category(char) == "Cc":
        name = _CONTROL_NAMES.get(ord(char), "CONTROL CHARACTER")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


_CONTROL_NAMES = {0x07: "BELL", 0x08: "BACKSPACE", 0x0B: "LINE TABULATION", 0x1B: "ESCAPE",
                  0x7F: "DELETE", 0x85: "NEXT LINE"}


def look_alike(char: str) -> str | None:
    """The ASCII character `char` passes for (a Cyrillic `о`, a fullwidth `Ａ`), or None."""
    if char in LOOK_ALIKES:
        return LOOK_ALIKES[char]
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 and folded.isascii() and folded.isprintable() else None


def is_invisible(char: str) -> bool:
    """A character that shows as nothing, or as a space planlang does not read as one: format
    characters (zero-width, bidirectional overrides), controls, non-ASCII spaces, separators."""
    return unicodedata.category(char) in ("Cf", "Cc", "Zs", "Zl", "Zp", "Co", "Cn", "Cs")


def _character_diagnostic(source: Source, pos: int) -> Diagnostic | None:
    """PL120 for a look-alike letter, PL109 for an invisible character, where the lexer stops."""
    if pos >= len(source.text):
        return None
    char = source.text[pos]
    span = source.span(pos, pos + 1)
    if char.isascii() and char.isprintable():
        return None
    if is_invisible(char):
        what = "control character" if unicodedata.category(char) == "Cc" else "invisible character"
        return Diagnostic("PL109", f"{what} {character_name(char)}", span,
                          help="delete it: it shows as nothing (or as a space) but is not one")
    ascii_form = look_alike(char)
    if ascii_form is not None:
        return Diagnostic("PL120", f"`{char}` ({character_name(char)}) looks like `{ascii_form}`",
                          span, help=f"planlang reads ASCII letters, digits and signs: type "
                          f"`{ascii_form}` instead")
    return Diagnostic("PL100", f"unexpected character `{char}` ({character_name(char)})", span,
                      help="names are ASCII letters, digits, `_` and `-`; other text goes in "
                      "comments or between double quotes")


_NUMBER_RUN = re.compile(r"[0-9][0-9,.]*")
_WELL_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?|\d+(\.\d+)?")


def _digit_grouping(source: Source, pos: int) -> Diagnostic | None:
    """PL108 when the parse stopped in a number whose commas do not group digits by three
    (`3,0`, `1,00,000`, `3,0000`): the comma would otherwise read as the end of the number."""
    text = source.text
    start = pos
    while start > 0 and text[start - 1] in "0123456789,.":
        start -= 1
    match = _NUMBER_RUN.match(text, start)
    while match is None and start < min(pos + 1, len(text)):  # the run starts after a comma
        start += 1
        match = _NUMBER_RUN.match(text, start)
    if match is None or match.end() < pos:
        return None
    written = match.group().rstrip(",.")
    if not re.search(r"\d,\d", written) or _WELL_GROUPED.fullmatch(written):
        return None
    return Diagnostic("PL108", f"`{_shortened(written)}` is not a number: a comma separates "
                      "groups of three digits", source.span(start, start + len(written)),
                      help="write a decimal with a point (`3.5`), and group thousands by three "
                      "(`1,000`, `2,500,000`)")


def _printable(text: str) -> str:
    return text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text


def is_token(value: object) -> bool:
    return isinstance(value, (Tree, Token))
