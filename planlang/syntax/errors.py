"""Friendly syntax errors by example (Lark's `match_examples`): malformed snippet → message.

Each entry maps a handful of malformed snippets to one stable code and message. When a parse fails,
the parser state at the failure is compared with the state each snippet fails in; the first match
gives the message. tests/test_syntax_errors.py keeps every snippet mapping to its own entry.
"""

from __future__ import annotations

import attrs
from lark import Lark


@attrs.frozen
class SyntaxExample:
    code: str
    message: str
    help: str
    snippets: tuple[str, ...]


SYNTAX_EXAMPLES: dict[str, SyntaxExample] = {
    "currency-without-amount": SyntaxExample(
        "PL110",
        "a price needs an amount after its currency",
        "write the amount after the currency, e.g. `€ 130` or `EUR 130`",
        (
            "plan Start: € per month\n",
            "plans A:\n  channels: 3 included, then € per channel\n",
        ),
    ),
    "plan-missing-colon": SyntaxExample(
        "PL111",
        "expected `:` after the plan name",
        "write the plan as `plan Start: € 130 per month`",
        (
            "plan Start € 130 per month\n",
            "plan Start EUR 130 per month\n",
        ),
    ),
    "fee-without-period": SyntaxExample(
        "PL112",
        "a plan's fee needs its period",
        "write the period after the fee, e.g. `€ 130 per month`",
        (
            "plan Start: € 130\n",
            "plan Start: € 130\n  sla Priority\n",
        ),
    ),
    "item-missing-colon": SyntaxExample(
        "PL113",
        "expected `:` after the item name",
        "write an item rule as `channels: 3 included, then € 40 per channel`",
        (
            "plan A: € 1 per month\n  channels 3 included\n",
            "plans A:\n  channels 3 included\n",
        ),
    ),
    "block-not-indented": SyntaxExample(
        "PL114",
        "this block needs indented lines",
        "indent the lines that belong to the block above, e.g. two spaces",
        (
            "catalog x\ncurrency EUR\n",
            "plans A:\nchannels: 3 included\n",
            "sla Advanced:\nrefund 30% of the plan fee when uptime is 99% or below\n",
            "quota sessions\n",
            "ladder Cellular: Small, Medium\n",
            "billing calendar\n",
        ),
    ),
    "refund-without-percent": SyntaxExample(
        "PL115",
        "a refund and its uptime band are percentages",
        "write them with `%`, e.g. `refund 30% of the plan fee when uptime is 99.0% or below`",
        (
            "sla X:\n  refund 30 of the plan fee when uptime is 99.0% or below\n",
            "sla X:\n  refund 30% of the plan fee when uptime is 99.0 or below\n",
            "sla X:\n  refund 30% of the plan fee when uptime is from 99 to 99.5%\n",
        ),
    ),
    "unknown-top-level": SyntaxExample(
        "PL116",
        "expected a definition: `catalog`, `let`, `unit`, `meter`, `plan`, `plans`, `sla`, "
        "`change`, `quota`, `ladder` or `billing calendar`",
        "every top-level line starts one of these definitions; indent lines that belong to a block",
        (
            "price Start € 130\n",
            "Start: € 130 per month\n",
            "channels: 3 included\n",
        ),
    ),
    "item-clause": SyntaxExample(
        "PL117",
        "expected an item clause: `N included`, `€ X per unit`, `up to N`, `at most N`, "
        "`not extendable`, `unlimited` or `capped by the customer`",
        "separate clauses with commas, e.g. `devices: 1,000 included, then € 2 per 100 devices`",
        (
            "plans A:\n  channels: included\n",
            "plans A:\n  channels: 3\n",
            "plans A:\n  channels: at 3\n",
            "plans A:\n  channels: 3 included then € 40 per channel\n",
        ),
    ),
    "meter-step": SyntaxExample(
        "PL118",
        "expected a meter step: `count`, `snapshots`, `usage`, `daily …`, `monthly …` or `round …`",
        "e.g. `meter channels: count including disabled, daily average, then monthly average, "
        "round up`",
        (
            "meter channels: average\n",
            "meter channels:\n",
            "meter channels: count, round\n",
        ),
    ),
    "unclosed-parenthesis": SyntaxExample(
        "PL119",
        "this parenthesis is never closed",
        "add the matching `)`",
        (
            "let x = (1 + 2\n",
            "let x = (€ 1 * (2 + 3)\n",
        ),
    ),
}


_FRIENDLY = {
    "NAME": "a name",
    "NUMBER": "a number",
    "PERCENT": "a percentage",
    "CURRENCY": "a currency",
    "_NL": "the end of the line",
    "_INDENT": "an indented block",
    "_DEDENT": "the end of the block",
    "ROUND_DIRECTION": "`up` or `down`",
    "MUL": "`×`",
    "$END": "the end of the file",
}


def friendly_terminal(parser: Lark, name: str) -> str | None:
    """A terminal's name as a reader understands it: `plan`, `:`, a number."""
    if name in _FRIENDLY:
        return _FRIENDLY[name]
    try:
        pattern = parser.get_terminal(name).pattern
    except KeyError:
        return None
    if pattern.type == "str":
        return f"`{pattern.value}`"
    return None
