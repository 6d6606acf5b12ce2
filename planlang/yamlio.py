"""Located, exact, safe YAML (and JSON) loading.

`load_document` returns plain data plus the span of every value and key, so that any later error
(cattrs structuring, checks against the catalog) can name the file, line and column. Floats are
read as Decimals from their text, never through float; duplicate keys are errors; alias expansion
is bounded (a "billion laughs" document is refused); only the safe YAML tags are understood.
JSON is read by the same loader (a JSON document is YAML).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from planlang.diagnostics import Diagnostic, PlanlangError
from planlang.source import Source, Span

MAX_NODES = 2_000_000
_PLAIN_TAGS = ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")
MAX_DEPTH = 200

Path = tuple[Any, ...]


class _ExactLoader(yaml.SafeLoader):
    """SafeLoader whose floats are Decimals read from the scalar's text."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | str:
    text = loader.construct_scalar(node).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return str(text)  # .inf / .nan and friends stay text, and fail later with a message
    return value if value.is_finite() else str(text)


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)

# YAML 1.2 booleans only: `on`, `off`, `yes` and `no` stay text (`on: 2026-11-20` is a key).
_BOOL = "tag:yaml.org,2002:bool"
_ExactLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ExactLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class Document:
    """Loaded data with the span of each value (`spans`) and of each mapping key (`key_spans`)."""

    def __init__(self, source: Source):
        self.source = source
        self.spans: dict[Path, Span] = {}
        self.key_spans: dict[Path, Span] = {}
        self.data: Any = None

    def span(self, path: Path) -> Span:
        """The span of the deepest known value along `path`."""
        for n in range(len(path), -1, -1):
            found = self.spans.get(tuple(path[:n]))
            if found is not None:
                return found
        return self.source.span(0, 0)

    def key_span(self, path: Path) -> Span:
        return self.key_spans.get(tuple(path)) or self.span(path)


def load_document(source: Source) -> Document:
    """Parse one YAML/JSON document; raise PlanlangError (PL403–PL406) with a location if bad."""
    document = Document(source)
    if not source.text.strip():
        raise PlanlangError([Diagnostic("PL403", "file is empty", source.span(0, 0),
                                        help="write a YAML mapping, e.g. `account: acme`")])
    if "\x00" in source.text:
        at = source.text.index("\x00")
        raise PlanlangError([Diagnostic("PL402", "file contains a NUL byte: is it a binary file?",
                                        source.span(at, at + 1), help="write YAML or JSON text")])
    loader = _ExactLoader(source.text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        if (error.context_mark is not None and mark is not None
                and not source.text[mark.index:].strip()):
            mark = error.context_mark  # the end of the file: point where the open block began
        span = source.span(mark.index, mark.index + 1) if mark else source.span(0, 0)
        problem = (error.problem or error.context or "malformed YAML").strip()
        raise PlanlangError([Diagnostic("PL403", f"malformed YAML: {problem}", span,
                                        help="check the indentation and the quoting on this line")]) from None
    except yaml.YAMLError as error:
        raise PlanlangError([Diagnostic("PL403", f"malformed YAML: {error}", source.span(0, 0))]) from None
    finally:
        loader.dispose()
    if node is None:
        raise PlanlangError([Diagnostic("PL403", "file is empty", source.span(0, 0))])
    budget = [MAX_NODES]
    document.data = _construct(loader, node, (), document, budget, 0)
    return document


def _span(document: Document, node: yaml.Node) -> Span:
    return document.source.span(node.start_mark.index, node.end_mark.index)


def _construct(loader, node: yaml.Node, path: Path, doc: Document, budget: list[int], depth: int):
    budget[0] -= 1
    if budget[0] < 0:
        raise PlanlangError([Diagnostic(
            "PL406", f"document expands to more than {MAX_NODES:,} values", _span(doc, node),
            help="YAML aliases (`*name`) multiply what they refer to; write the data out instead")])
    if depth > MAX_DEPTH:
        raise PlanlangError([Diagnostic("PL406", f"document is nested more than {MAX_DEPTH} deep",
                                        _span(doc, node))])
    doc.spans.setdefault(path, _span(doc, node))
    if isinstance(node, yaml.ScalarNode):
        try:
            return loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as error:
            raise PlanlangError([Diagnostic("PL403", f"malformed value: {error.problem}",
                                            _span(doc, node))]) from None
        except ValueError as error:  # e.g. a timestamp with a day out of range
            raise PlanlangError([Diagnostic("PL404", f"invalid value `{node.value}`: {error}",
                                            _span(doc, node))]) from None
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
        raise PlanlangError([Diagnostic("PL403", f"unsupported YAML tag `{node.tag}`",
                                        _span(doc, node), help="write plain lists and mappings")])
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, child, path + (i,), doc, budget, depth + 1)
                for i, child in enumerate(node.value)]
    if not isinstance(node, yaml.MappingNode):  # pragma: no cover - yaml has three node kinds
        raise PlanlangError([Diagnostic("PL403", "unsupported YAML node", _span(doc, node))])
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = _construct(loader, key_node, path + ("<key>",), doc, budget, depth + 1)
        if isinstance(key, (list, dict)):
            raise PlanlangError([Diagnostic("PL403", "a mapping key must be a plain value",
                                            _span(doc, key_node))])
        if key in result:
            first = doc.key_spans.get(path + (key,))
            from planlang.diagnostics import Label

            raise PlanlangError([Diagnostic(
                "PL405", f"duplicate key `{key}`", _span(doc, key_node),
                help="each key appears once in a mapping; merge the two entries",
                labels=(Label(first, "first given here"),) if first else ())])
        doc.key_spans[path + (key,)] = _span(doc, key_node)
        result[key] = _construct(loader, value_node, path + (key,), doc, budget, depth + 1)
    return result
