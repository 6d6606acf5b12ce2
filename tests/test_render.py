"""What reaches a terminal: user text is shown, never obeyed.

Names in plan and account files may hold escape sequences (ESC, other C0/C1 controls), bidirectional
overrides and invisible characters. The one diagnostics renderer and the bill table escape every one
of them (`\\x1b`, `\\u202e`) in messages, source lines, labels, help and file names; the underline
stays under the text it marks.
"""

from __future__ import annotations

import unicodedata

import pytest
from conftest import REPO, run_cli

from planlang.compile import compile_source
from planlang.diagnostics import Diagnostic, Label, escape, render, render_all
from planlang.source import Source

UNSAFE = ["\x1b", "\x07", "\x9b", "\x7f", "\u202e", "\u2066", "\u200b", "\ufeff", "\u2028"]


def terminal_safe(text: str) -> bool:
    """Only printable characters, line breaks between lines, and tabs."""
    return all(ch.isprintable() or ch in "\n\t" for ch in text)


@pytest.mark.parametrize("char", UNSAFE, ids=[f"U+{ord(c):04X}" for c in UNSAFE])
def test_every_part_of_a_diagnostic_is_escaped(char: str):
    text = f"plan A{char}[2J: € 1 per month\n"
    source = Source(f"dir{char}/x.plan", text)
    start = text.index(char)
    d = Diagnostic("PL999", f"unknown plan `A{char}`", source.span(start - 1, start + 4),
                   help=f"did you mean `B{char}`?",
                   labels=(Label(source.span(0, 4), f"note {char}"),))
    shown = render(d)
    assert terminal_safe(shown)
    assert escape(char) in shown and escape(char).startswith("\\")
    assert shown.count(escape(char)) == 5  # path, message, source line, label note, help


def test_the_underline_stays_under_the_escaped_text():
    text = "plan Start\x1b[31m: € 1 per month\n"
    source = Source("x.plan", text)
    start = text.index("\x1b")
    shown = render(Diagnostic("PL109", "m", source.span(start, start + 1), help="h")).splitlines()
    line, underline = shown[2], shown[3]
    column = line.index("\\x1b")
    assert underline.index("^") == column
    assert underline.count("^") == len("\\x1b")


def test_a_long_line_with_escapes_is_cut_around_its_span():
    text = "x" * 300 + "\x1b" + "y" * 300 + "\n"
    source = Source("x.plan", text)
    shown = render(Diagnostic("PL109", "m", source.span(300, 301))).splitlines()
    assert terminal_safe("\n".join(shown))
    assert shown[3].index("^") == shown[2].index("\\x1b")


def test_printable_text_is_unchanged():
    assert escape("Start · € 130 東京 Ünïcode") == "Start · € 130 東京 Ünïcode"


@pytest.mark.parametrize("char", ["\u043e", "\u200b", "\u202e", "\x1b", "\uff33"])
def test_a_character_planlang_cannot_read_is_named(char: str):
    compiled = compile_source(Source("x.plan", f"catalog demo\n  currency EUR\nplan S{char}: "
                                     "€ 1 per month\n"))
    (d,) = compiled.diagnostics
    assert d.code in ("PL109", "PL120")
    assert f"U+{ord(char):04X}" in d.message
    name = unicodedata.name(char, "")
    assert name in d.message
    assert d.span is not None and d.span.text == char
    assert terminal_safe(render_all(compiled.diagnostics))


def test_an_escape_in_an_account_name_reaches_the_table_escaped(tmp_path, capsys):
    account = tmp_path / "acme.yaml"
    account.write_text('account: "acme\\e[31m\\u202e"\nplan: Start\n', encoding="utf-8")
    status, out, err = run_cli(["bill", str(REPO / "catalogs" / "flespi.plan"), "--account",
                                str(account), "--period", "2026-11"], capsys)
    assert status == 0, err
    assert "account acme\\x1b[31m\\u202e ·" in out
    assert terminal_safe(out)


def test_a_plan_with_cr_line_ends_is_read_like_one_with_lf():
    text = (REPO / "catalogs" / "flespi.plan").read_text(encoding="utf-8")
    for ending in ("\r", "\r\n"):
        compiled = compile_source(Source("flespi.plan", text.replace("\n", ending)))
        assert compiled.diagnostics == ()
        assert compiled.catalog is not None


def test_cr_line_ends_give_the_lines_an_editor_shows():
    compiled = compile_source(Source("x.plan", "catalog demo\r  currency EUR\r\rplan A: € 1 "
                                     "per month\r  sla Gold\r"))
    (d,) = compiled.diagnostics
    assert (d.code, d.span.line, d.span.text) == ("PL213", 5, "Gold")


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\u2066"], ids=["U+202E", "U+200B", "U+2066"])
def test_the_scenario_report_escapes_names_and_values(tmp_path, capsys, char: str):
    """`planlang test` prints a scenario's name and its expected and actual values: a character
    the YAML reader lets through (a bidi override, a zero-width space) is shown escaped."""
    spec = tmp_path / "odd.scenario.yaml"
    spec.write_text(
        f"scenario: a name with{char}an odd character\n"
        f"catalog: {REPO / 'catalogs' / 'flespi.plan'}\n"
        f"account: {{account: acme{char}x, plan: Start}}\n"
        "periods:\n"
        f"  2026-11: {{total: \"1.00\", lines: [{{item: \"plan{char}fee\", amount: \"1.00\"}}]}}\n",
        encoding="utf-8")
    status, out, _ = run_cli(["test", str(spec)], capsys)
    assert status == 1 and out.startswith("FAIL")
    assert terminal_safe(out)
    assert f"with{escape(char)}an odd" in out and f"plan{escape(char)}fee" in out
