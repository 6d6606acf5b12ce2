"""Hypothesis strategies shared by the fuzz tests: plan text from the grammar, mutated catalogs,
and flespi accounts as plain data (what a YAML account file holds)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

from planlang.syntax.parse import PlanIndenter, grammar_text

# ---- plan text from the grammar ----------------------------------------------------------------


@lru_cache(maxsize=1)
def fresh_parser() -> Lark:
    """The grammar with planlang.syntax.parse.parser()'s options, built without Lark's cache: a parser
    loaded from the cache has no `.grammar`, which hypothesis.extra.lark needs."""
    return Lark(grammar_text(), parser="lalr", postlex=PlanIndenter(), propagate_positions=True,
                maybe_placeholders=False, strict=True)


def _keywords(parser: Lark) -> dict[str, st.SearchStrategy[str]]:
    """Keyword and punctuation terminals followed by a space, so `not extendable` is not
    generated as the single name `notextendable`."""
    out = {}
    for terminal in parser.terminals:
        if terminal.pattern.type == "str" and not terminal.name.startswith("_"):
            out[terminal.name] = st.just(terminal.pattern.value + " ")
    return out


def grammar_text_raw() -> st.SearchStrategy[str]:
    """Text from the grammar as hypothesis draws it: any Unicode name and digit characters.

    The grammar declares _INDENT and _DEDENT for the Indenter, which makes them from the
    indentation after each _NL; here they are empty and the _NL strategy draws the indentation.
    """
    return from_lark(fresh_parser(), explicit={"_INDENT": st.just(""), "_DEDENT": st.just("")})


def grammar_text_readable() -> st.SearchStrategy[str]:
    """Text from the grammar with ASCII names and numbers, spaced keywords and plausible
    indentation: much of it parses, so the builder and the checker see it too."""
    explicit = _keywords(fresh_parser())
    explicit.update({
        "_INDENT": st.just(""),
        "_DEDENT": st.just(""),
        "__IGNORE_0": st.sampled_from([" ", "  "]),
        "_NL": st.sampled_from(["\n", "\n  ", "\n    ", "\n  ", "  # note\n"]),
        "NAME": st.sampled_from(["channels", "devices", "storage", "sms", "MB", "GB", "month",
                                 "Start", "Pro", "Free", "Priority", "average", "sum",
                                 "minute", "up", "x"]).map(lambda s: s + " "),
        "NUMBER": st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,2})?|[0-9]{1,3}(,[0-9]{3}){1,2}",
                                fullmatch=True).map(lambda s: s + " "),
        "PERCENT": st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,2})?%", fullmatch=True),
        "CURRENCY": st.sampled_from(["€", "$", "EUR ", "USD ", "CHF ", "JPY "]),
    })
    return from_lark(fresh_parser(), explicit=explicit, alphabet=st.characters(codec="ascii"))


# ---- mutated catalog text ----------------------------------------------------------------------

_LINE_OPS = ("delete", "duplicate", "swap", "indent", "dedent")
_TOKEN_OPS = ("delete", "duplicate", "swap", "replace")
_REPLACEMENTS = ["", ":", ",", "(", ")", "€", "%", "0", "-1", "1e9", "999999999999999999999",
                 "then", "per", "included", "not", "at most", "up to", "plan", "plans", "sla",
                 "\t", "  ", "\n", "#", "×", "/", "0.000000001", "ä", "\u00a0", "\ufeff"]


@st.composite
def mutated(draw, text: str, max_mutations: int = 4) -> str:
    """`text` with a few lines deleted, duplicated, swapped or re-indented and a few tokens
    deleted, duplicated, swapped or replaced."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, max_mutations))):
        if draw(st.booleans()):
            op = draw(st.sampled_from(_LINE_OPS))
            i = draw(st.integers(0, len(lines) - 1))
            if op == "delete" and len(lines) > 1:
                del lines[i]
            elif op == "duplicate":
                lines.insert(i, lines[i])
            elif op == "swap":
                j = draw(st.integers(0, len(lines) - 1))
                lines[i], lines[j] = lines[j], lines[i]
            elif op == "indent":
                lines[i] = " " * draw(st.integers(1, 5)) + lines[i]
            else:
                lines[i] = lines[i].lstrip()
        else:
            i = draw(st.integers(0, len(lines) - 1))
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            tokens = lines[i].split()
            if not tokens:
                continue
            op = draw(st.sampled_from(_TOKEN_OPS))
            k = draw(st.integers(0, len(tokens) - 1))
            if op == "delete":
                del tokens[k]
            elif op == "duplicate":
                tokens.insert(k, tokens[k])
            elif op == "swap":
                m = draw(st.integers(0, len(tokens) - 1))
                tokens[k], tokens[m] = tokens[m], tokens[k]
            else:
                tokens[k] = draw(st.sampled_from(_REPLACEMENTS))
            lines[i] = indent + " ".join(tokens)
    return "\n".join(lines)


# ---- flespi accounts as data -------------------------------------------------------------------

NOVEMBER = [dt.date(2026, 11, d) for d in range(1, 31)]
COUNTED = ["channels", "streams", "devices", "plugins", "geofences", "calculator_devices"]
CREATABLE = COUNTED + ["calculators", "subaccounts", "tokens", "webhooks", "containers", "cdns"]

days = st.sampled_from(NOVEMBER)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d") if moment.time() == dt.time() else (
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


# Element intervals may start before the period and end after it; midnight is written as a day.
instants = st.builds(
    lambda d, h, m: dt.datetime(d.year, d.month, d.day, h, m),
    st.dates(dt.date(2026, 9, 1), dt.date(2027, 1, 31)),
    st.sampled_from([0, 0, 0, 6, 12, 23]), st.sampled_from([0, 0, 30, 59]))
moments = instants.map(_iso)


@st.composite
def intervals(draw):
    start = draw(instants)
    count = draw(st.integers(0, 3000))
    interval = {"from": _iso(start), "count": count}
    if draw(st.booleans()):
        interval["disabled"] = draw(st.integers(0, count))
    if draw(st.booleans()):
        hours = draw(st.integers(1, 24 * 90))
        interval["to"] = _iso(start + dt.timedelta(hours=hours))
    return interval


def _amount(value: int, unit: str | None):
    return value if unit is None else f"{value} {unit}"


storage_value = st.one_of(
    st.builds(_amount, st.integers(0, 50_000), st.sampled_from([None, "MB"])),
    st.builds(_amount, st.integers(0, 50), st.just("GB")),
    st.decimals(0, 50_000, places=3).map(lambda d: f"{d} MB"),
)

meter_usage = st.fixed_dictionaries({}, optional={
    **{name: st.fixed_dictionaries({"intervals": st.lists(intervals(), max_size=4)})
       for name in COUNTED},
    "storage": st.fixed_dictionaries({"daily": st.dictionaries(
        days.map(dt.date.isoformat), storage_value, max_size=30)}),
    "sms": st.fixed_dictionaries({"events": st.lists(st.fixed_dictionaries({
        "on": moments, "amount": st.integers(0, 500)}), max_size=6)}),
    "custom_engineering": st.fixed_dictionaries({"events": st.lists(st.fixed_dictionaries({
        "on": days.map(dt.date.isoformat),
        "amount": st.sampled_from(["1 hour", "2 hours", "0.5 hours", 3])}), max_size=4)}),
})

requests = st.lists(st.fixed_dictionaries({
    "on": st.one_of(days.map(dt.date.isoformat), moments),
    "create": st.sampled_from(CREATABLE),
    "count": st.integers(1, 6000),
}), max_size=5)

uptime = st.decimals(90, 100, places=2).map(lambda d: f"{d}%")


def accounts(plan_names) -> st.SearchStrategy[dict]:
    """A flespi account, as the plain data an account file holds."""
    return st.fixed_dictionaries(
        {"account": st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True),
         "plan": st.sampled_from(list(plan_names))},
        optional={"usage": meter_usage, "requests": requests,
                  "uptime": st.fixed_dictionaries({"2026-11": uptime})},
    )
