"""What every part of the checker shares: how names are listed and secondary labels made."""

from __future__ import annotations

from collections.abc import Collection
from itertools import islice

from planlang.diagnostics import Label
from planlang.source import Span

FEE_PERIODS = ("month",)  # the periods a fee is written per: the catalog's billing period
MAX_LISTED = 12  # names listed in a help line ("plans: A, B, …")


def listing(what: str, names: Collection[str]) -> str:
    """`plans: Free, Start, Pro`, at most MAX_LISTED names (then `…, 2,000 in all`)."""
    shown = list(islice(names, MAX_LISTED))
    more = f", … ({len(names):,} in all)" if len(names) > MAX_LISTED else ""
    return f"{what}: " + ", ".join(shown) + more


def label(span: Span | None, message: str) -> tuple[Label, ...]:
    """A secondary label, or none when the node has no position."""
    return (Label(span, message),) if span is not None else ()
