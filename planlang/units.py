"""Units and dimensions: `unit GB = 1,000 MB` makes GB a unit of the MB dimension, 1,000 times MB.

A quantity is held as an exact Fraction in its dimension's base unit. Count meters get a unit of
their own name (`channels`), so adding channels to GB is a type error. A unit is found by its
name, its plural (`channel` → `channels`) or its singular (`hours` → `hour`).
"""

from __future__ import annotations

from fractions import Fraction

import attrs


@attrs.frozen
class Unit:
    name: str
    dimension: str
    factor: Fraction  # how many base units of the dimension one of this unit is

    def to_base(self, value: Fraction) -> Fraction:
        return value * self.factor

    def from_base(self, value: Fraction) -> Fraction:
        return value / self.factor


def name_forms(word: str) -> list[str]:
    """The spellings a unit word may stand for: itself, plural, singular."""
    forms = [word, word + "s", word + "es"]
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("s"):
        forms.append(word[:-1])
    return forms


def lookup(units: dict[str, Unit], word: str) -> Unit | None:
    for form in name_forms(word):
        if form in units:
            return units[form]
    return None
