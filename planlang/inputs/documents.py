"""Located, exact, safe YAML (and JSON) loading: the one place where input text becomes data.

`load_document` returns plain data plus the span of every value and key, so that any later error
(cattrs structuring, checks against the catalog) can name the file, line and column. Every way a
text can fail to load is a located diagnostic, never an exception: characters that are not text
(control characters, U+FFFE, lone surrogates, escaped or not: PL402), malformed YAML or JSON
(PL403), the same key twice, whatever its spelling (PL405), and a document beyond the limits
below (PL406), which are checked while the document is composed, before anything is built or
recursed into. Numbers are read as JSON and YAML 1.2 write them (`-?digits[.digits][e±digits]`,
integers and exact Decimals, never floats); every other plain scalar (`010`, `0x10`, `1:30`,
`1_000`, `+12`, `.inf`) stays text, which the one number reader (`inputs.convert.read_number`) refuses or
reads where a number is expected. Only the safe YAML tags are understood.

`read_json` reads a JSON text (a JSON Lines line) with `json.loads` when it is plain, and falls
back to the located loader, which says what is wrong, when it is not.
"""

from __future__ import annotations

import json
import re
import threading
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from planlang.diagnostics import Diagnostic, Label, PlanlangError
from planlang.money import MAX_DIGITS
from planlang.source import Source, Span

MAX_CHARS = 10_000_000  # characters of a YAML or JSON document (a JSON line read fast: any)
MAX_NODES = 2_000_000  # values in a document, aliases expanded
MAX_ALIAS_VALUES = 100_000  # values that aliases (`*name`) add to a document
MAX_DEPTH = 200  # lists and mappings nested in one another
MAX_NUMBER_CHARS = 100  # a longer plain number stays text (refused where a number is expected)
MAX_EXPONENT_DIGITS = 4  # a longer exponent is refused before converting
_PLAIN_TAGS = ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")

Path = tuple[Any, ...]

# What YAML refuses as text (its `c-printable` complement): C0 controls but tab and line ends,
# DEL, C1 controls but NEL, surrogates, U+FFFE and U+FFFF. JSON read by `read_json` is held to
# the same rule, so that every reader takes the same characters.
_NOT_TEXT = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD"
                       "\U00010000-\U0010FFFF]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_INT = re.compile(r"^-?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$")


def _character_name(char: str) -> str:
    import unicodedata

    code = f"U+{ord(char):04X}"
    names = {"\x07": "BEL", "\x08": "BS", "\x0b": "VT", "\x0c": "FF", "\x1b": "ESC",
             "\x7f": "DEL"}
    name = names.get(char) or unicodedata.name(char, "")
    return f"{code} ({name})" if name else code


class _Limits:
    """The composer's limits, checked as each node is composed: nesting depth (aliases
    expanded), the values aliases add, the values in all. Mixed into both loaders below."""

    source: Source
    anchors: dict[Any, Any]
    check_event: Any
    peek_event: Any

    def _start(self, source: Source) -> None:
        self.source = source
        self.depth = 0  # the top value is at depth 1: the 201st level nested is refused
        self.alias_values = 0
        self.values = 0

    def _limit(self, mark, message: str, help: str) -> PlanlangError:
        at = mark.index if mark is not None else 0
        return PlanlangError([Diagnostic("PL406", message, self.source.span(at, at + 1),
                                         help=help)])

    def compose_node(self, parent, index) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node: Any = self.anchors.get(event.anchor)
            if node is not None:  # an unknown alias: the composer says so
                weight = getattr(node, "weight", None)
                if weight is None:
                    raise self._limit(event.start_mark, f"alias `*{event.anchor}` refers to the "
                                      "value that contains it", "an alias cannot repeat a value "
                                      "inside itself; write the data out")
                if self.depth + node.height > MAX_DEPTH:  # what it repeats, nested here
                    raise self._limit(event.start_mark, f"document is nested more than "
                                      f"{MAX_DEPTH} deep", "lists and mappings nest at most "
                                      f"{MAX_DEPTH} deep, aliases expanded; flatten the data")
                self.alias_values += weight
                self.values += weight
                if self.alias_values > MAX_ALIAS_VALUES:
                    raise self._limit(event.start_mark, "aliases expand the document by more "
                                      f"than {MAX_ALIAS_VALUES:,} values", "YAML aliases "
                                      "(`*name`) multiply what they refer to; write the data out "
                                      "instead")
            return super().compose_node(parent, index)  # type: ignore[misc]
        self.depth += 1
        if self.depth > MAX_DEPTH:
            mark = self.peek_event().start_mark
            raise _too_deep(self.source, mark.index if mark is not None else 0)
        self.values += 1
        if self.values > MAX_NODES:
            raise self._limit(self.peek_event().start_mark,
                              f"document holds more than {MAX_NODES:,} values",
                              "split the data into several files, or name a JSON Lines file of "
                              "subscribers (`subscribers_from`)")
        node = super().compose_node(parent, index)  # type: ignore[misc]
        self.depth -= 1
        children = (node.value if isinstance(node, yaml.SequenceNode) else
                    [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode)
                    else ())
        node.weight = 1 + sum(child.weight for child in children)  # values, aliases expanded
        node.height = 1 + max((child.height for child in children), default=0)
        return node


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int | str:
    text = loader.construct_scalar(node)
    return int(text) if len(text) <= MAX_NUMBER_CHARS else str(text)  # long: text, refused later


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | str:
    text = str(loader.construct_scalar(node))
    exponent = re.search(r"[eE][-+]?0*([0-9]*)$", text)
    if len(text) > MAX_NUMBER_CHARS or (exponent is not None and len(exponent.group(1)) > 4):
        return text  # out of range where a number is expected: the number reader says so
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the resolver's form always converts
        return text


_INT_TAG, _FLOAT_TAG, _BOOL = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                               "tag:yaml.org,2002:bool")
class _ExactLoader(_Limits, yaml.SafeLoader):
    """The reference loader, in Python: PyYAML's scanner and parser, planlang's composer limits,
    numbers and resolvers. Its messages are the ones shown for malformed YAML."""

    def __init__(self, text: str, source: Source):
        yaml.SafeLoader.__init__(self, text)
        self._start(source)


_CParser = getattr(getattr(yaml, "_yaml", None), "CParser", None)


class _FastLoader(_Limits, yaml.composer.Composer, _CParser or yaml.parser.Parser,  # type: ignore[misc]
                  yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """The same loader with libyaml's scanner and parser (about ten times as fast), used when
    PyYAML has libyaml. Any error it finds is found again by `_ExactLoader`, whose message and
    position are the ones shown, so that both give the same diagnostics."""

    def __init__(self, text: str, source: Source):
        _CParser.__init__(self, text)  # type: ignore[misc]
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._start(source)


for _loader in (_ExactLoader, _FastLoader):
    _loader.add_constructor(_INT_TAG, _construct_int)
    _loader.add_constructor(_FLOAT_TAG, _construct_decimal)
    # YAML 1.2 booleans only: `on`, `off`, `yes` and `no` stay text (`on: 2026-11-20` is a key);
    # JSON's numbers only: YAML 1.1's `010` (octal), `0x10`, `1:30` (base 60), `1_000`, `+1`,
    # `.inf` stay text.
    _loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers
                if tag not in (_BOOL, _INT_TAG, _FLOAT_TAG)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _loader.add_implicit_resolver(
        _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    _loader.add_implicit_resolver(_INT_TAG, _INT, list("-0123456789"))
    _loader.add_implicit_resolver(_FLOAT_TAG, _FLOAT, list("-0123456789"))


class Document:
    """Loaded data with the span of each value (`spans`) and of each mapping key (`key_spans`).
    A document read fast from JSON (`load_text`) finds its spans only when a diagnostic asks."""

    def __init__(self, source: Source):
        self.source = source
        self.spans: dict[Path, Span] = {}
        self.key_spans: dict[Path, Span] = {}
        self.data: Any = None
        self.located = True  # False: `spans` and `key_spans` are made when first asked for
        self.record = True  # while loading: make `spans` and `key_spans`

    def _locate(self) -> None:
        if not self.located:
            self.located = True
            try:
                found = load_document(self.source)
            except PlanlangError:  # pragma: no cover - read_json accepted it: so does this
                return
            self.spans, self.key_spans = found.spans, found.key_spans

    def span(self, path: Path) -> Span:
        """The span of the deepest known value along `path`."""
        self._locate()
        for n in range(len(path), -1, -1):
            found = self.spans.get(tuple(path[:n]))
            if found is not None:
                return found
        return self.source.span(0, 0)

    def key_span(self, path: Path) -> Span:
        self._locate()
        return self.key_spans.get(tuple(path)) or self.span(path)


def load_text(source: Source) -> Document:
    """A YAML or JSON file's document, its positions found only if a diagnostic needs them. JSON
    text (an object) is read at C speed by `json.loads` (see `read_json`); YAML, and JSON that is
    not plain, by `load_document`. Every way gives the same data and the same diagnostics."""
    text = source.text
    if text.lstrip().startswith("{") and len(text) <= MAX_CHARS:
        try:
            data = _plain_json(text)
        except json.JSONDecodeError:  # YAML's flow mappings start with `{` too
            data = _NOT_READ
        if data is not _NOT_READ:
            document = Document(source)
            document.data = data
            document.located = False
            return document
    try:
        return load_document(source, locate=False)
    except PlanlangError:
        return load_document(source)  # again, making every position, to say where


def load_document(source: Source, locate: bool = True) -> Document:
    """Parse one YAML/JSON document; raise PlanlangError (PL402–PL406) with a location if bad.
    No other exception leaves it: what the YAML library raises is turned into a diagnostic here."""
    document = Document(source)
    text = source.text
    if not text.strip():
        raise PlanlangError([Diagnostic("PL403", "file is empty", source.span(0, 0),
                                        help="write a YAML mapping, e.g. `account: acme`")])
    if "\x00" in text:
        at = text.index("\x00")
        raise PlanlangError([Diagnostic("PL402", "file contains a NUL byte: is it a binary file?",
                                        source.span(at, at + 1), help="write YAML or JSON text")])
    if len(text) > MAX_CHARS:
        raise PlanlangError([Diagnostic(
            "PL406", f"document holds more than {MAX_CHARS:,} characters", source.span(0, 0),
            help="split the accounts, or name a JSON Lines file of subscribers "
            "(`subscribers_from`), which is read line by line")])
    bad = _NOT_TEXT.search(text)
    if bad is not None:
        raise PlanlangError([_not_text(source, bad.start())])
    document.record = locate
    if _CParser is not None:
        try:
            return _load(_FastLoader, document)
        except (yaml.YAMLError, UnicodeError):
            document = Document(source)  # read again by the reference loader, which says where
            document.record = locate
    return _load(_ExactLoader, document)


def _load(kind: type, document: Document) -> Document:
    source = document.source
    text = source.text
    loader = None
    try:
        loader = kind(text, source)
        node = loader.get_single_node()
        if node is None:
            raise PlanlangError([Diagnostic("PL403", "file is empty", source.span(0, 0))])
        document.data = _construct(loader, node, (), document)
        document.located = document.record
    except yaml.MarkedYAMLError as error:
        if kind is not _ExactLoader:
            raise
        mark = error.problem_mark or error.context_mark
        if (error.context_mark is not None and mark is not None
                and not text[mark.index:].strip()):
            mark = error.context_mark  # the end of the file: point where the open block began
        span = source.span(mark.index, mark.index + 1) if mark else source.span(0, 0)
        problem = (error.problem or error.context or "malformed YAML").strip()
        raise PlanlangError([Diagnostic("PL403", f"malformed YAML: {problem}", span,
                                        help="check the indentation and the quoting on this line")]
                            ) from None
    except yaml.reader.ReaderError as error:  # pragma: no cover - _NOT_TEXT finds these first
        if kind is not _ExactLoader:
            raise
        raise PlanlangError([_not_text(source, min(error.position, len(text) - 1))]) from None
    except (yaml.YAMLError, RecursionError, ValueError, ArithmeticError) as error:
        # pragma: no cover - defensive: the checks above and the limits come first
        if kind is not _ExactLoader and isinstance(error, (yaml.YAMLError, UnicodeError)):
            raise
        raise PlanlangError([Diagnostic("PL403", f"malformed document: {error}",
                                        source.span(0, 0))]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return document


def _not_text(source: Source, at: int) -> Diagnostic:
    char = source.text[at]
    what = ("a lone UTF-16 surrogate" if "\ud800" <= char <= "\udfff"
            else "the control character" if char < "\xa0" else "the non-character")
    return Diagnostic("PL402", f"file contains {what} {_character_name(char)}",
                      source.span(at, at + 1),
                      help="remove it: account, scenario and JSON Lines files are text, without "
                      "control characters")


def _span(document: Document, node: yaml.Node) -> Span:
    return document.source.span(node.start_mark.index, node.end_mark.index)


def _text(doc: Document, node: yaml.ScalarNode) -> None:
    """A scalar's text must be text: an escaped surrogate pair (`"\\ud83d\\ude00"`, as JSON
    writes it) is the one character it stands for; a lone surrogate (`"\\ud800"`) is refused."""
    value = node.value
    if value.isascii() or not _SURROGATE.search(value):
        return
    try:
        node.value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError as error:
        lone = value[error.start // 2]
        raise PlanlangError([Diagnostic(
            "PL402", f"text escapes a lone UTF-16 surrogate `\\u{ord(lone):04x}`, which is not a "
            "character", _span(doc, node), help="write the character itself, or its code point "
            "(`\\U0001F600`); a surrogate escape is valid only as the first half of a pair")]
        ) from None


def _key_text(key: Any) -> Any:
    """A key as its text: a day key `2026-01-05` and a quoted `"2026-01-05"` are one key, and so
    are `1` and `"1"` (what each key means is then compared where its type is known)."""
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, (int, Decimal)):
        return str(key)
    if hasattr(key, "isoformat"):
        return key.isoformat()
    return key


def _construct(loader, node: yaml.Node, path: Path, doc: Document):
    """The node's value (depth bounded by the composer's MAX_DEPTH: the recursion is too)."""
    if doc.record:
        doc.spans.setdefault(path, _span(doc, node))
    if isinstance(node, yaml.ScalarNode):
        _text(doc, node)
        try:
            return loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as error:
            raise PlanlangError([Diagnostic("PL403", f"malformed value: {error.problem}",
                                            _span(doc, node))]) from None
        except ValueError as error:  # e.g. a timestamp with a day out of range
            raise PlanlangError([Diagnostic("PL404", f"invalid value `{node.value}`: {error}",
                                            _span(doc, node))]) from None
    if node.tag not in _PLAIN_TAGS:
        raise PlanlangError([Diagnostic("PL403", f"unsupported YAML tag `{node.tag}`",
                                        _span(doc, node), help="write plain lists and mappings")])
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, child, path + (i,), doc) for i, child in enumerate(node.value)]
    if not isinstance(node, yaml.MappingNode):  # pragma: no cover - yaml has three node kinds
        raise PlanlangError([Diagnostic("PL403", "unsupported YAML node", _span(doc, node))])
    result: dict[Any, Any] = {}
    written: dict[Any, Any] = {}  # each key's text -> the key as constructed
    for key_node, value_node in node.value:
        key = _construct(loader, key_node, path + ("<key>",), doc)
        if isinstance(key, (list, dict)):
            raise PlanlangError([Diagnostic("PL403", "a mapping key must be a plain value",
                                            _span(doc, key_node))])
        text = _key_text(key)
        if text in written or key in result:  # `1` and `1.0`, `1` and `true`: one dict key
            first = doc.key_spans.get(path + (written.get(text, key),))
            raise PlanlangError([Diagnostic(
                "PL405", f"duplicate key `{key_node.value}`", _span(doc, key_node),
                help="each key appears once in a mapping; merge the two entries",
                labels=(Label(first, "first given here"),) if first else ())])
        written[text] = key
        if doc.record:
            doc.key_spans[path + (key,)] = _span(doc, key_node)
        result[key] = _construct(loader, value_node, path + (key,), doc)
    return result


# ---- JSON, fast when it is plain -------------------------------------------------------------

_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _NotPlain(ValueError):
    """JSON that `json.loads` would read differently from the located loader."""


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _NotPlain("repeated key")
    return out


def _no_constant(name: str) -> Any:
    raise _NotPlain(name)


def json_depth_exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON text nests lists and objects more than `limit` deep."""
    return json_too_deep(text, limit) is not None


def json_too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """Where JSON text opens a list or object more than `limit` deep (its offset), or None: one
    linear pass over its brackets outside strings, before anything recursive reads it."""
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    for token in _JSON_TOKENS.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > limit:
                return token.start()
        elif char in "]}":
            depth -= 1
    return None


def _too_deep(source: Source, at: int) -> PlanlangError:
    """PL406 at the list or object nested MAX_DEPTH + 1 deep, as the composer says it."""
    return PlanlangError([Diagnostic(
        "PL406", f"document is nested more than {MAX_DEPTH} deep", source.span(at, at + 1),
        help=f"lists and mappings nest at most {MAX_DEPTH} deep; flatten the data")])


def _has_surrogates(data: Any) -> bool:
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if not value.isascii() and _SURROGATE.search(value):
                return True
        elif isinstance(value, dict):
            stack.extend(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


class Figure(Decimal):
    """A number as planlang's JSON readers give it when it is non-negative and within bounds (at
    most MAX_DIGITS digits before and after the point): exactly a `Decimal`, whose type tells the
    compiled path that it was checked when read (`json_number` makes them; nothing else should)."""

    __slots__ = ()


class UnreadNumber(ValueError):
    """A JSON number that the fast JSON reader leaves to the located loader, which says why."""


def json_number(text: str) -> Decimal:
    """`json.loads`' `parse_float`: the number's exact Decimal, a `Figure` when its text shows it
    non-negative and within bounds (no sign, no exponent, at most MAX_DIGITS digits each side of
    the point); any other number is checked where it is used, with its message. A number too
    long, or with too large an exponent, to convert raises `UnreadNumber`."""
    if text[0] != "-" and "e" not in text and "E" not in text:
        point = text.find(".")
        if 0 < point <= MAX_DIGITS and len(text) - point <= MAX_DIGITS + 1:
            return Figure(text)
    exponent = re.search(r"[eE][+-]?([0-9]+)$", text)
    if len(text) > MAX_NUMBER_CHARS or (exponent and len(exponent.group(1).lstrip("0"))
                                        > MAX_EXPONENT_DIGITS):
        raise UnreadNumber(text)
    return Decimal(text)


def json_int(text: str) -> int:
    """`json.loads`' `parse_int`: the integer, or `UnreadNumber` when its text is too long to
    convert (Python refuses integers of more than 4,300 digits; planlang's limit is lower)."""
    if len(text) > MAX_NUMBER_CHARS:
        raise UnreadNumber(text)
    return int(text)


_NOT_READ = object()


_DECODERS = threading.local()  # one decoder a thread, made when first used


def _decoder() -> json.JSONDecoder:
    decoder = getattr(_DECODERS, "decoder", None)
    if decoder is None:
        decoder = _DECODERS.decoder = json.JSONDecoder(
            parse_float=json_number, parse_int=json_int, parse_constant=_no_constant,
            object_pairs_hook=_no_repeats)
    return decoder


def _unchecked_decoder() -> json.JSONDecoder:
    decoder = getattr(_DECODERS, "unchecked", None)
    if decoder is None:
        decoder = _DECODERS.unchecked = json.JSONDecoder(
            parse_float=json_number, parse_int=json_int, parse_constant=_no_constant)
    return decoder


def read_json_unchecked(text: str) -> Any:
    """The data `read_json` gives for `text` whenever it gives data, read without the checks that
    only refuse a text (a repeated key, a character that is not text, a lone surrogate), so
    faster: for a first look at lines that are read again, checked, before anything is done with
    them (the CSV's header). Raises ValueError (or RecursionError) where `read_json` would read
    the text otherwise (a constant such as `NaN`, a number too long to convert) or refuse it."""
    return _unchecked_decoder().decode(text)  # read_json's plain reading, but for repeated keys


def _plain_json(text: str) -> Any:
    """The data of plain JSON text, read by `json.loads`, or _NOT_READ; raises JSONDecodeError."""
    if _NOT_TEXT.search(text) or json_depth_exceeds(text):
        return _NOT_READ
    return _decode_plain(text)


def _decode_plain(text: str) -> Any:
    """`_plain_json` of text already seen to be text and within MAX_DEPTH: `json.loads` with
    planlang's number readers and hooks, through one decoder made once."""
    if text.startswith("\ufeff"):  # as `json.loads` says it
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    try:
        data = _decoder().decode(text)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError, ArithmeticError):  # _NotPlain, UnreadNumber, …
        return _NOT_READ
    if _SURROGATE_ESCAPE.search(text) and _has_surrogates(data):
        return _NOT_READ
    return data


def read_json(source: Source) -> Any:
    """The data of one JSON text (a JSON Lines line): numbers with a point or an exponent as
    `Decimal` (`inputs.convert.json_number`), integers as `int`, read at C speed by `json.loads` when the
    text is plain, within the limits and made of text. Anything else (a repeated key, `NaN`, a
    number too long to convert, nesting beyond MAX_DEPTH, a control character, a lone surrogate)
    is read by `load_document`, which raises PlanlangError saying where and what is wrong;
    malformed JSON is PL403 at its position. Raises nothing else."""
    text = source.text
    if _NOT_TEXT.search(text):
        return load_document(source).data
    # Said at once, where the composer would say it (it refuses the list or mapping nested
    # MAX_DEPTH + 1 deep): the YAML reader's own scanner takes half a second on deep flow nesting.
    deep = json_too_deep(text)
    if deep is not None:
        raise _too_deep(source, deep)
    try:
        data = _NOT_READ if json_depth_exceeds(text) else _decode_plain(text)
    except json.JSONDecodeError as error:
        at = min(error.pos, max(len(text) - 1, 0))
        raise PlanlangError([Diagnostic(
            "PL403", f"malformed JSON: {error.msg}", source.span(at, at + 1),
            help="each line of a JSON Lines file is one JSON object, keys in double quotes")]
        ) from None
    if data is _NOT_READ:
        return load_document(source).data
    return data
