"""Hostile inputs and the oracle that judges planlang's answer to them.

Shared by the CI fuzz tests (tests/test_fuzz_hostile.py, small fixed counts) and the long fuzzing
session (bench/fuzz.py, up to millions of inputs). Every generator takes a `random.Random`, so an
input is reproduced from its target, seed and index alone.

The kinds of input (issue 11): values of account files, JSON Lines records, `subscribers_from`
lines and scenarios that are deep (1,000–100,000 levels), huge (5,000-digit numbers, exponents
beyond any context), not text (invalid UTF-8, lone surrogates), full of control characters (BEL,
ESC sequences, DEL, U+FFFE, bidi overrides), oddly broken (BOMs, CR-only line ends), misreadable
(commas in amounts, YAML 1.1 integers, one key spelt two ways) or explosive (alias bombs); plan
files with 5,000-digit numbers in every number position and look-alike or invisible characters in
names; and, run as real processes (see bench/fuzz.py and the tests): inputs from pipes and FIFOs,
output to symlinks, FIFOs and special files, SIGTERM and SIGINT in the middle of a batch,
non-UTF-8 standard output.

The oracle (`judge`): the exit status is 0, 1 or 2; nothing prints a traceback or lets an
exception escape; every failure names a PLxxx code; no temporary file is left behind; no input
file is modified; rendered text reaches the terminal without raw control characters; the run ends
within its time budget (and, in a child process, within its memory limit).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import random
import re
import sys
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CATALOG = {
    "flespi": REPO / "catalogs" / "flespi.plan",
    "edge": REPO / "catalogs" / "edge-device.plan",
    "coediting": REPO / "catalogs" / "coediting.plan",
    "soracom-air": REPO / "catalogs" / "soracom-air.plan",
    "soracom-flux": REPO / "catalogs" / "soracom-flux.plan",
}
CODE = re.compile(r"\[(PL\d{3})\]")

# ---- hostile values ------------------------------------------------------------------------------

DEPTHS = (1_000, 3_000, 100_000)
HUGE_DIGITS = 5_000
#: Characters that must never reach a terminal raw: C0 controls but tab and line feed, DEL, C1
#: controls, bidi overrides and isolates, the BOM's reversed twin and the non-characters.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
LOOKALIKES = {  # a Latin letter and its look-alikes
    "a": ["\u0430", "\u03b1"], "e": ["\u0435"], "o": ["\u043e", "\u03bf", "0"],
    "p": ["\u0440"], "c": ["\u0441"], "x": ["\u0445"], "i": ["\u0456", "\u0131"],
    "S": ["\u0405"], "P": ["\u0420", "\u03a1"], "T": ["\u0422", "\u03a4"], "F": ["\u03dc"],
}
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u00a0", "\u202e",
             "\u2066", "\u3000"]
ESCAPES = ["\x1b[31mred\x1b[0m", "\x1b]0;pwned\x07", "\x1b[2J", "\x07", "\x08\x08\x08", "\r"]


def huge_digits(rng: random.Random, digits: int = HUGE_DIGITS) -> str:
    """A number of `digits` digits (as text: Python refuses to print an int of over 4,300)."""
    body = "".join(f"{rng.randrange(10 ** 9):09d}" for _ in range(digits // 9 + 1))
    return str(rng.randint(1, 9)) + body[:digits - 1]


def depth(rng: random.Random) -> int:
    """1,000 or 3,000 mostly; 100,000 one time in ten (slow to refuse before issue 11's fix)."""
    return rng.choices(DEPTHS, (9, 9, 2))[0]


def deep_json(depth: int, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


#: JSON fragments standing for a value, by kind. Each is a function of the rng.
JSON_VALUES: dict[str, list[Callable[[random.Random], str]]] = {
    "deep": [lambda r: deep_json(depth(r), r)],
    "huge-number": [
        lambda r: huge_digits(r),
        lambda r: "-" + huge_digits(r),
        lambda r: huge_digits(r) + "." + huge_digits(r, 50),
        lambda r: f'"{huge_digits(r)} GB"',
        lambda r: f'"{huge_digits(r)}"',
        lambda r: f'"0.{"0" * HUGE_DIGITS}1 MB"',
    ],
    "huge-exponent": [
        lambda r: r.choice(["1.5e-99999999999999999999", "1e999999999", "1E+2147483648",
                            "-0.0e-999999999999", "9.99e99999999999999999999999",
                            "1e-425000000", "1.0e+1000000"]),
        lambda r: f'"{r.choice(["1e99999999999", "1.5e-99999999999999999999", "1E+2147483648"])}'
                  f'{r.choice(["", " GB", " MB"])}"',
    ],
    "surrogate": [lambda r: r.choice(['"\\ud800"', '"a\\udfffb"', '"\\ud800 GB"',
                                      '"\\udbff\\udbff"', '"\\ud83d"'])],
    "control": [
        lambda r: json.dumps(r.choice(ESCAPES)),                      # escaped: valid JSON
        lambda r: '"' + r.choice(ESCAPES) + '"',                      # raw: invalid JSON
        lambda r: '"' + r.choice(["\x7f", "\ufffe", "\uffff", "\x85", "\u2028"]) + '"',
        lambda r: json.dumps("Start" + r.choice(["\x7f", "\ufffe", "\x00"]), ensure_ascii=False),
    ],
    "commas": [lambda r: json.dumps(r.choice(["10,5 GB", "1,0,0,0 GB", ",5 GB", "1,,000 GB",
                                              "1,000 GB", "1,000.5 MB", "1.000,5 MB", "12,34",
                                              "1,000,000", "1 000 GB", "1,00 GB"]))],
    "yaml11": [lambda r: json.dumps(r.choice(["010", "0x10", "0o10", "1:30", "0b101", "1_000",
                                              "+12", ".5", "1e3", "010 GB", "0x10 GB"]))],
    "lookalike": [lambda r: json.dumps(lookalike("Start", r), ensure_ascii=r.random() < 0.5)],
}


def lookalike(name: str, rng: random.Random) -> str:
    """`name` with one letter replaced by a look-alike, or an invisible character inserted."""
    spots = [i for i, ch in enumerate(name) if ch in LOOKALIKES]
    if spots and rng.random() < 0.5:
        i = rng.choice(spots)
        return name[:i] + rng.choice(LOOKALIKES[name[i]]) + name[i + 1:]
    i = rng.randrange(len(name) + 1)
    return name[:i] + rng.choice(INVISIBLE) + name[i:]


#: How often a kind is drawn relative to the others in bench/fuzz.py (1 when not listed): an alias
#: bomb takes ~10 s to refuse before issue 11's fix, 100,000-deep values seconds.
KIND_WEIGHTS = {"alias-bomb": 0.05, "deep": 0.5, "huge-number": 0.5}


# ---- seeds: working accounts as data -------------------------------------------------------------

def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, (date, Decimal)):
        return str(value)
    return value


def _trimmed(value: Any, keep: int) -> Any:
    if isinstance(value, dict):
        return {k: _trimmed(v, keep) for k, v in list(value.items())[:max(keep, 3)]}
    if isinstance(value, list):
        return [_trimmed(v, keep) for v in value[:keep]]
    return value


@cache
def seed_record(example: str, keep: int = 0) -> str:
    """An example account as one JSON line (JSON text, so callers get a fresh copy each time);
    with `keep`, every list and mapping below the top cut to its first `keep` entries (at least
    three keys): the same shapes, billed in a fraction of the time."""
    from planlang.inputs.documents import load_document
    from planlang.source import Source

    path = REPO / "examples" / example
    data = _plain(load_document(Source(str(path), path.read_text(encoding="utf-8"))).data)
    if keep:
        data = {k: _trimmed(v, keep) for k, v in data.items()}
    return json.dumps(data, ensure_ascii=False)


#: The JSON Lines seeds: (catalog key, example file, period).
JSONL_SEEDS = [("flespi", "flespi-account.yaml", "2026-11"),
               ("edge", "edge-device-account.yaml", "2026-01..2026-04"),
               ("coediting", "coediting-account.yaml", "2026-03")]


def _paths(data: Any, path: tuple = ()) -> Iterable[tuple]:
    yield path
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, path + (i,))


HOLE = "\u0000HOLE\u0000"


def _put(data: Any, path: tuple, value: Any) -> None:
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = value


def _dict_paths(data: Any) -> list[tuple]:
    return [p for p in _paths(data) if isinstance(_get(data, p), dict)]


def _get(data: Any, path: tuple) -> Any:
    for step in path:
        data = data[step]
    return data


JSONL_KINDS = ("deep", "huge-number", "huge-exponent", "surrogate", "control", "commas", "yaml11",
               "lookalike", "duplicate-key", "invalid-utf8", "bom", "cr-only")


def hostile_record(rng: random.Random, kind: str, seed_json: str) -> bytes:
    """One JSON line (without its line break): the seed account with one hostile `kind` of value,
    sometimes together with a second, plain error (an unknown key), which sends the line to the
    located loader too."""
    data = json.loads(seed_json)
    if kind in JSON_VALUES:
        path = rng.choice([p for p in _paths(data) if p])
        if kind == "lookalike" and rng.random() < 0.7:
            path = ("plan",)
        _put(data, path, HOLE)
        if rng.random() < 0.3:
            _put(data, rng.choice(_dict_paths(data)) + ("usgae",), 1)
        text = json.dumps(data, ensure_ascii=False)
        return text.replace(json.dumps(HOLE, ensure_ascii=False),
                            rng.choice(JSON_VALUES[kind])(rng)).encode("utf-8", "surrogatepass")
    if kind == "duplicate-key":
        return duplicate_key_record(rng, data)
    text = json.dumps(data, ensure_ascii=False).encode("utf-8")
    if kind == "invalid-utf8":
        bad = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf",
                          b"\xe2\x82", b"\x80"])
        at = rng.randrange(len(text) + 1)
        return text[:at] + bad + text[at:]
    if kind == "bom":
        at = rng.choice([0, 0, 1, rng.randrange(len(text) + 1)])
        return text[:at] + b"\xef\xbb\xbf" * rng.randint(1, 2) + text[at:]
    if kind == "cr-only":
        return text + b"\r" + text  # two records on one "line" for a reader that splits on \n only
    raise ValueError(kind)


def duplicate_key_record(rng: random.Random, data: dict) -> bytes:
    """The same key twice, spelt differently: a day as `2026-11-05` and `20261105`, a key and its
    escaped spelling, or simply repeated."""
    text = json.dumps(data, ensure_ascii=False)
    days = re.findall(r'"(20\d\d)-(\d\d)-(\d\d)": ', text)
    choice = rng.random()
    if days and choice < 0.6:
        y, m, d = rng.choice(days)
        twin = rng.choice([f"{y}{m}{d}", f"{y}-{m}-{d}T00:00:00Z", f"{y}-{int(m)}-{int(d)}",
                           f"{y}-{m}-{d} ", f"{y}-{m}-{d}"])
        original = f'"{y}-{m}-{d}": '
        at = text.index(original)
        value_end = text.find(",", at)
        value_end = value_end if value_end != -1 else text.find("}", at)
        value = text[at + len(original):value_end]
        return (text[:at] + f'"{twin}": {value}, ' + text[at:]).encode("utf-8")
    key = rng.choice(["plan", "account", "usage"]) if choice < 0.9 else "plan"
    spelt = rng.choice([key, "\\u" + format(ord(key[0]), "04x") + key[1:], key.upper()])
    value = json.dumps(rng.choice(["Pro", "Free", "Start", 1]))
    return (text[:-1] + f', "{spelt}": {value}}}').encode("utf-8")


#: How often each JSON Lines seed is drawn: flespi bills in ~20 ms an account (its billing calendar
#: keeps it on the interpreter), the others in 1–3 ms.
JSONL_WEIGHTS = (1, 5, 4)


def jsonl_file(rng: random.Random, kind: str, hostile: int = 1) -> tuple[str, str, bytes, list[str]]:
    """(catalog key, period, file bytes, good account names): `hostile` lines of one kind, each
    between good accounts (on the same catalog, billed in a few milliseconds)."""
    catalog, example, period = rng.choices(JSONL_SEEDS, JSONL_WEIGHTS)[0]
    seed = seed_record(example, keep=2)
    plan = json.loads(seed)["plan"]
    end = b"\r\n" if rng.random() < 0.2 else b"\n"
    names = [f"good-{i}" for i in range(hostile + 1)]
    lines = []
    for i in range(hostile):
        lines.append(json.dumps({"account": names[i], "plan": plan}).encode())
        lines.append(hostile_record(rng, kind, seed))
    lines.append(json.dumps({"account": names[-1], "plan": plan}).encode())
    return catalog, period, end.join(lines) + end, names


# ---- YAML account and scenario text --------------------------------------------------------------

YAML_KINDS = ("control", "deep", "surrogate", "huge-number", "huge-exponent", "yaml11", "commas",
              "duplicate-key", "alias-bomb", "bom", "cr-only", "invalid-utf8", "lookalike")
_YAML_VALUE = re.compile(r"(:\s+|-\s+)([^\s#{\[][^#\n]*?)(\s*(?:#.*)?)$")
#: A count or an amount in an account or scenario: `count: 3`, `amount: 14`, `2026-11-01: 3000 MB`.
_NUMBER_VALUE = re.compile(r"((?:count|amount|disabled|20\d\d-\d\d-\d\d):\s*)"
                           r"(\d[\d.]*(?: [A-Za-z]+)?)(?=[,}\s])")


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The classic billion laughs: `width ** levels` strings from a few hundred bytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijklmnopqrstuvwxyz"
    for i in range(1, levels):
        lines.append(f"{names[i]}: &{names[i]} [" + ",".join([f"*{names[i - 1]}"] * width) + "]")
    return "\n".join(lines) + "\n"


def yaml_value(rng: random.Random, kind: str) -> str:
    if kind == "control":
        return rng.choice(["a\x07b", "x\x1b[2Jy", "\x7f", "\ufffe", "Start\x85", "\x0c", "\x1b]0;t\x07",
                           '"\\x1b[31mred"', '"\\u0007"'])
    if kind == "deep":
        d = depth(rng)
        return rng.choice(["[" * d + "]" * d, "{a: " * d + "1" + "}" * d])
    if kind == "surrogate":
        return rng.choice(['"\\ud800"', '"x\\udfffy"', '"\\ud800 GB"'])
    if kind == "huge-number":
        return rng.choice([huge_digits(rng), huge_digits(rng) + " GB", "-" + huge_digits(rng),
                           "0." + "0" * HUGE_DIGITS + "1"])
    if kind == "huge-exponent":
        return rng.choice(["1.5e-99999999999999999999", "1e999999999", "1E+2147483648 GB",
                           "1.0e+1000000"])
    if kind == "yaml11":
        return rng.choice(["010", "0x10", "0o10", "1:30", "0b101", "1_000", "+12", "0777",
                           "190:20:30", "010 GB", "yes", "on", "~"])
    if kind == "commas":
        return rng.choice(["10,5 GB", "1,0,0,0 GB", ",5 GB", "1,,000", "1,000 GB", "1.000,5 MB",
                           "1,00 GB"])
    if kind == "lookalike":
        return lookalike(rng.choice(["Start", "Free", "Pro", "Cellular-Small"]), rng)
    raise ValueError(kind)


def hostile_yaml(rng: random.Random, kind: str, text: str) -> str | bytes:
    """A YAML account or scenario text with one hostile `kind` of thing in it."""
    lines = text.split("\n")
    numbers = list(_NUMBER_VALUE.finditer(text))
    if kind in ("yaml11", "commas") and numbers and rng.random() < 0.8:
        m = rng.choice(numbers)  # where a count or an amount goes
        return text[:m.start(2)] + yaml_value(rng, kind) + text[m.end(2):]
    if kind in ("control", "deep", "surrogate", "huge-number", "huge-exponent", "yaml11",
                "commas", "lookalike"):
        spots = [i for i, ln in enumerate(lines) if _YAML_VALUE.search(ln)]
        i = rng.choice(spots)
        m = _YAML_VALUE.search(lines[i])
        assert m is not None
        lines[i] = lines[i][:m.start(2)] + yaml_value(rng, kind) + m.group(3)
        return "\n".join(lines)
    if kind == "duplicate-key":
        return yaml_duplicate_key(rng, lines)
    if kind == "alias-bomb":
        return alias_bomb() + text if rng.random() < 0.5 else (
            text.rstrip("\n") + "\n" + alias_bomb().replace("\n", "\n").replace("a: &a", "zz: &a"))
    if kind == "bom":
        at = rng.choice([0, len(lines) // 2])
        lines[at] = "\ufeff" * rng.randint(1, 2) + lines[at]
        return "\n".join(lines)
    if kind == "cr-only":
        return "\r".join(lines)
    if kind == "invalid-utf8":
        raw = text.encode("utf-8")
        at = rng.randrange(len(raw) + 1)
        return raw[:at] + rng.choice([b"\xff", b"\xc3(", b"\xed\xa0\x80"]) + raw[at:]
    raise ValueError(kind)


def yaml_duplicate_key(rng: random.Random, lines: list[str]) -> str:
    """A key repeated in another spelling: a date key and its quoted twin, `plan` and `"plan"`."""
    dated = [i for i, ln in enumerate(lines) if re.match(r"^\s+20\d\d-\d\d-\d\d(T[\d:]+Z)?:", ln)]
    if dated and rng.random() < 0.7:
        i = rng.choice(dated)
        m = re.match(r"^(\s+)(20\d\d)-(\d\d)-(\d\d)((?:T[\d:]+Z)?):(.*)$", lines[i])
        assert m is not None
        ind, y, mo, d, t, rest = m.groups()
        twin = rng.choice([f'"{y}-{mo}-{d}{t}"', f"'{y}-{mo}-{d}{t}'", f"{y}-{mo}-{d}{t}",
                           f"? {y}-{mo}-{d}{t}\n{ind}"])
        lines.insert(i + 1, f"{ind}{twin}:{rest}")
        return "\n".join(lines)
    top = [i for i, ln in enumerate(lines) if re.match(r"^(account|plan):", ln)]
    if not top:
        return "\n".join(lines)
    i = rng.choice(top)
    key, _, rest = lines[i].partition(":")
    lines.insert(i + 1, f'{rng.choice([chr(34) + key + chr(34), repr(key), key])}:{rest}')
    return "\n".join(lines)


# ---- subscribers_from lines (soracom-air) --------------------------------------------------------

SUBSCRIBER_KINDS = ("deep", "huge-number", "huge-exponent", "surrogate", "control", "invalid-utf8",
                    "duplicate-key", "bom", "cr-only", "commas")


def hostile_subscriber_lines(rng: random.Random, kind: str, lines: list[str]) -> bytes:
    """The example's sims.jsonl lines with one line made hostile."""
    i = rng.randrange(len(lines))
    seed = lines[i]
    if kind == "duplicate-key":
        data = json.loads(seed)
        key = rng.choice(sorted(data))
        bad = seed[:-1] + f', {json.dumps(key)}: {json.dumps(data[key])}}}'
        raw = bad.encode("utf-8")
    else:
        raw = hostile_record(rng, kind, seed)
    out = [ln.encode("utf-8") for ln in lines]
    out[i] = raw
    return b"\n".join(out) + b"\n"


# ---- plans ---------------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w])")
#: The number positions outside expressions, where a 5,000-digit number once escaped PL236.
_NUMBER_POSITIONS = (r"slack (\d+)%", r"refund (\d+)%", r"invoice on day (\d+)",
                     r"per (\d[\d,]*) \w", r"for (\d+) months", r"(\d[\d,]*) included")
PLAN_KINDS = ("huge-number", "lookalike-name", "invisible-name", "cr-only", "escape-name",
              "comma-amount")


def huge_at_every_position(text: str) -> list[str]:
    """The catalog once for each number position outside expressions, holding 5,000 digits."""
    out = []
    for pattern in _NUMBER_POSITIONS:
        for m in re.finditer(pattern, text):
            out.append(text[:m.start(1)] + "7" * HUGE_DIGITS + text[m.end(1):])
    return out


def hostile_plan(rng: random.Random, kind: str, text: str) -> str:
    """A catalog's text with one hostile change: a 5,000-digit number in one number position (a
    price, a slack or refund %, an invoice day, per-N units, `for N months`), a look-alike or
    invisible character in a plan name, CR-only line ends, an escape sequence in a name, or a
    decimal comma in an amount."""
    if kind == "huge-number":
        special = [m for pattern in _NUMBER_POSITIONS for m in re.finditer(pattern, text)]
        if special and rng.random() < 0.5:  # slack %, refund %, invoice day, per N, N months
            m = rng.choice(special)
            digits = rng.choice([HUGE_DIGITS, 400])
            return text[:m.start(1)] + huge_digits(rng, digits) + text[m.end(1):]
        spots = [m for m in _NUMBER.finditer(text)
                 if not text[text.rfind("\n", 0, m.start()) + 1:m.start()].lstrip().startswith("#")]
        m = rng.choice(spots)
        digits = rng.choice([HUGE_DIGITS, HUGE_DIGITS, 400, 40])
        return text[:m.start()] + huge_digits(rng, digits) + text[m.end():]
    if kind in ("lookalike-name", "invisible-name", "escape-name"):
        names = [m for m in re.finditer(r"^plan ([^:\n]+):", text, re.M)]
        m = rng.choice(names)
        name = m.group(1)
        if kind == "lookalike-name":
            new = lookalike(name, rng) if any(ch in LOOKALIKES for ch in name) else name + "\u0430"
        elif kind == "invisible-name":
            i = rng.randrange(len(name) + 1)
            new = name[:i] + rng.choice(INVISIBLE) + name[i:]
        else:
            new = name + rng.choice(ESCAPES)
        return text[:m.start(1)] + new + text[m.end(1):]
    if kind == "cr-only":
        return text.replace("\n", "\r")
    if kind == "comma-amount":
        spots = list(re.finditer(r"([€$]) ?(\d+)(?:\.(\d+))?", text))
        m = rng.choice(spots)
        frac = m.group(3) or "0"
        return text[:m.start(2)] + f"{m.group(2)},{frac}" + text[m.end():]
    raise ValueError(kind)


# ---- the oracle ----------------------------------------------------------------------------------

def fingerprint(paths: Iterable[Path]) -> dict[str, str]:
    """The content hash of each file (inputs must come out of a run unchanged)."""
    out = {}
    for path in paths:
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink():
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


SIGNALLED = (130, 143, -2, -15)  # a batch stopped by SIGINT or SIGTERM
FAILED_SCENARIO = re.compile(r"^\d+ passed, [1-9]\d* failed$", re.M)


def judge(status: Any, out: str, err: str, *, folder: Path | None = None,
          before: dict[str, str] | None = None, elapsed: float = 0.0,
          budget: float | None = None, allowed: tuple = (0, 1, 2),
          failed_scenario: bool = False) -> list[str]:
    """What is wrong with a run's answer: an empty list when it kept every promise.

    With `failed_scenario`, a status of 1 without a code is right when a scenario failed
    (`planlang test` says so on standard output). Each finding is a short kind and summary:
    `status`, `traceback`, `no-code`, `temp-file`, `input-modified`, `raw-control`, `slow`."""
    found = []
    both = out + err
    if isinstance(status, str):  # an exception escaped planlang.drivers.cli.main
        found.append("traceback: " + status)
    elif "Traceback (most recent call last)" in both:
        found.append("traceback: " + _last_line(both))
    elif status not in allowed:
        found.append(f"status: exit status {status!r}")
    elif (status not in (0, None, *SIGNALLED) and not CODE.search(err)
          and not (failed_scenario and FAILED_SCENARIO.search(out))):
        found.append("no-code: failed without a PLxxx code: " + _last_line(err))
    if RAW_CONTROL.search(err):
        ch = RAW_CONTROL.search(err).group()  # type: ignore[union-attr]
        found.append(f"raw-control: U+{ord(ch):04X} reaches standard error raw")
    if folder is not None:
        left = sorted(p.name for p in folder.iterdir() if p.name.startswith("."))
        if left:
            found.append(f"temp-file: left behind: {left[:3]}")
    if before:
        after = fingerprint(Path(p) for p in before)
        changed = sorted(p for p in before if after.get(p) != before[p])
        if changed:
            found.append(f"input-modified: {[Path(p).name for p in changed]}")
    if budget is not None and elapsed > budget:
        found.append(f"slow: {elapsed:.1f}s (budget {budget:.0f}s)")
    return found


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:160] if lines else ""


# ---- running planlang in this process, fast ------------------------------------------------------

@cache
def _catalog(path: str, mtime: float):
    from planlang.compile import load_catalog

    return load_catalog(path)


def cached_load_catalog(path):
    """planlang.compile.load_catalog, remembered per file: a fuzzing run bills thousands of inputs
    against the same few catalogs."""
    p = Path(path)
    try:
        mtime = p.stat().st_mtime
    except OSError:
        from planlang.compile import load_catalog

        return load_catalog(path)
    return _catalog(str(p.resolve()), mtime)


class Captured:
    """Standard output and error for an in-process run: strict UTF-8 byte streams, as a real
    UTF-8 terminal or pipe would be, so text that cannot be written (a lone surrogate) fails here
    as it would there."""

    def __init__(self):
        self.out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", newline="")
        self.err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", newline="")

    def text(self) -> tuple[str, str]:
        for stream in (self.out, self.err):
            with contextlib.suppress(UnicodeError):
                stream.flush()
        return (self.out.buffer.getvalue().decode("utf-8", "replace"),  # type: ignore[attr-defined]
                self.err.buffer.getvalue().decode("utf-8", "replace"))  # type: ignore[attr-defined]


def run_inprocess(argv: list[str], cwd: Path | None = None) -> tuple[Any, str, str, float]:
    """planlang.drivers.cli.main(argv) with catalogs cached, standard streams captured and the working
    folder set: (status or the escaping exception, stdout, stderr, seconds)."""
    from planlang.drivers import cli

    captured = Captured()
    previous = os.getcwd()
    started = time.monotonic()
    loader = cli.load_catalog
    cli.load_catalog = cached_load_catalog  # type: ignore[assignment]
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(captured.out), contextlib.redirect_stderr(captured.err):
            try:
                status: Any = cli.main(argv)
            except SystemExit as exit:
                status = exit.code if isinstance(exit.code, int) else 2
            except Exception as error:  # noqa: BLE001 - every escape is a finding
                import traceback

                status = f"{type(error).__name__}: {str(error)[:120]}"
                trace = traceback.format_exc()[-3000:]
                captured.err.write(trace.encode("utf-8", "backslashreplace").decode("utf-8"))
    finally:
        cli.load_catalog = loader  # type: ignore[assignment]
        os.chdir(previous)
    out, err = captured.text()
    return status, out, err, time.monotonic() - started


# ---- cases: one hostile input, run through the command line and judged ---------------------------

class Case:
    """One hostile input as run: what was run, the input (to save and reproduce), the findings."""

    def __init__(self, target: str, kind: str, argv: list[str], data: bytes, suffix: str):
        self.target, self.kind, self.argv, self.data, self.suffix = target, kind, argv, data, suffix
        self.findings: list[str] = []
        self.status: Any = None
        self.codes: list[str] = []
        self.elapsed = 0.0
        self.inputs = 1  # hostile inputs in this run (a batch file may hold several)

    def command(self) -> str:
        """The command line, the hostile input file written INPUT (as saved by bench/fuzz.py)."""
        hostile = {"accounts.jsonl", "account.yaml", "b-hostile.yaml", "sims.jsonl"}
        words = [("INPUT" if Path(a).name in hostile or (self.target == "scenario"
                                                          and a.endswith(".scenario.yaml"))
                  else a) for a in self.argv]
        return "planlang " + " ".join(a if a and " " not in a else repr(a) for a in words)


#: Values that are not numbers a person meant, in any reading: an account that holds one where an
#: amount or a count goes must be refused, never billed (issue 11 items 9 and 10).
NOT_A_NUMBER = ("10,5 GB", "1,0,0,0 GB", ",5 GB", "1,,000", "1,,000 GB", "1.000,5 MB", "1,00 GB",
                "12,34", "0x10", "0o10", "1:30", "0b101", "190:20:30", "0x10 GB")
#: Values with one sensible decimal reading: billed, they must bill as that reading.
DECIMAL_READING = {"010": "10", "0777": "777", "010 GB": "10 GB", "1,000 GB": "1000 GB",
                   "1,000,000": "1000000"}


def _fresh(folder: Path) -> Path:
    import shutil

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def _run_case(case: Case, folder: Path, inputs: list[Path], budget: float | None,
              lost: tuple[Path, list[str]] | None = None) -> Case:
    """Run the case's command line in this process and judge it."""
    before = fingerprint(inputs)
    status, out, err, elapsed = run_inprocess(case.argv, cwd=folder)
    case.status, case.elapsed = status, elapsed
    case.codes = CODE.findall(err)
    case.findings = judge(status, out, err, folder=folder, before=before, elapsed=elapsed,
                          budget=None if budget is None else budget * case.inputs,
                          failed_scenario=case.target == "scenario")
    if lost is not None and status in (0, 1):
        out_file, names = lost
        written = out_file.read_text(encoding="utf-8", errors="replace") if out_file.exists() else out
        missing = [n for n in names if f'"{n}"' not in written and f"{n}," not in written]
        if missing:
            case.findings.append(f"lost: good accounts not billed: {missing}")
    return case


def case_jsonl(rng: random.Random, kind: str, work: Path, budget: float | None = None,
               hostile: int = 1) -> Case:
    """A JSON Lines batch of `hostile` lines of one kind, each between good accounts: the good
    ones must be billed, the hostile ones billed or refused with a code, nothing may escape."""
    folder = _fresh(work / "jsonl")
    catalog, period, data, names = jsonl_file(rng, kind, hostile)
    accounts = folder / "accounts.jsonl"
    accounts.write_bytes(data)
    out = folder / "out.jsonl"
    fmt = rng.choice([[], [], ["--format", "csv"], ["--explain"]])
    argv = ["bill", str(CATALOG[catalog]), "--accounts", str(accounts), "--period", period,
            "--out", str(out), *fmt]
    case = Case("jsonl", kind, argv, data, ".jsonl")
    case.inputs = hostile
    case = _run_case(case, folder, [accounts, CATALOG[catalog]], budget, lost=(out, names))
    seed_name = json.loads(seed_record(dict((c, e) for c, e, _ in JSONL_SEEDS)[catalog]))["account"]
    written = out.read_text(encoding="utf-8", errors="replace") if out.exists() else ""
    if kind == "duplicate-key" and f'"{seed_name}"' in written:
        case.findings.append("duplicate: a record with a key given twice (spelt two ways) was billed")
    if kind in ("commas", "yaml11") and case.status == 0:
        for value in NOT_A_NUMBER:
            if json.dumps(value).encode() in data:
                case.findings.append(f"misread: `{value}` was billed, not refused")
    return case


def account_seeds() -> dict[str, tuple[str, str, str]]:
    """example file -> (text, catalog path, period)."""
    from test_fuzz_io import catalog_and_period

    out = {}
    for path in sorted((REPO / "examples").glob("*.yaml")):
        catalog, period = catalog_and_period(f"examples/{path.name}")
        if "soracom-air" in catalog:
            continue  # its subscribers are fuzzed by case_subscribers
        out[path.name] = (path.read_text(encoding="utf-8"), str(REPO / catalog), period)
    return out


def case_account(rng: random.Random, kind: str, work: Path, budget: float | None = None) -> Case:
    """A YAML account file with one hostile thing, billed alone (`--account`) or in a folder beside
    a good account (`--accounts DIR`: one bad file must not cost the others their bills)."""
    folder = _fresh(work / "account")
    seeds = account_seeds()
    name = rng.choice(sorted(seeds))
    text, catalog, period = seeds[name]
    hostile = hostile_yaml(rng, kind, text)
    data = hostile if isinstance(hostile, bytes) else hostile.encode("utf-8", "surrogatepass")
    if rng.random() < 0.25:
        accounts = _fresh(folder / "in")
        (accounts / "a-good.yaml").write_text(text.replace("\naccount: ", "\naccount: good-"),
                                              encoding="utf-8")
        (accounts / "b-hostile.yaml").write_bytes(data)
        out = folder / "out.jsonl"
        argv = ["bill", catalog, "--accounts", str(accounts), "--period", period, "--out", str(out)]
        good = re.search(r"^account: (\S+)", text, re.M)
        return _run_case(Case("account", kind, argv, data, ".yaml"), folder,
                         [accounts / "a-good.yaml", accounts / "b-hostile.yaml", Path(catalog)],
                         budget, lost=(out, [f"good-{good.group(1)}"] if good else []))
    path = folder / "account.yaml"
    path.write_bytes(data)
    fmt = rng.choice([[], ["--format", "json"], ["--explain"]])
    argv = ["bill", catalog, "--account", str(path), "--period", period, *fmt]
    case = _run_case(Case("account", kind, argv, data, ".yaml"), folder, [path, Path(catalog)],
                     budget)
    if kind == "duplicate-key" and case.status == 0 and data != text.encode("utf-8"):
        case.findings.append("duplicate: an account with a key given twice (spelt two ways) "
                             "was billed")
    if kind in ("commas", "yaml11") and case.status == 0:
        misread = _misread(text, hostile, argv, path, folder)
        if misread:
            case.findings.append(misread)
    return case


#: Keys whose values are text (names, plans, statuses, labels): a value there is not a figure.
_TEXT_KEYS = {"account", "plan", "name", "policy", "by", "user", "status", "to", "from_plan",
              "country", "imsi", "scenario", "catalog", "reason", "id", "group", "tier", "item",
              "subject", "request", "element", "kind", "outcome", "message", "rule", "sla"}


def _as_figure(hostile: str, value: str) -> bool:
    """Whether `value` was put where the file holds a figure, not where it holds text (billing an
    account named `1,000 GB`, or a plan label `010`, as written is right)."""
    for match in re.finditer(r"([\w\-:.\"']+):\s" + re.escape(value) + r"\s*(?:$|[,}#])", hostile,
                             re.MULTILINE):
        line_start = hostile.rfind("\n", 0, match.start()) + 1
        if "#" in hostile[line_start:match.start()]:
            continue  # in a comment
        if match.group(1).strip("\"'") not in _TEXT_KEYS:
            return True
    return False


def _misread(text: str, hostile: str | bytes, argv: list[str], path: Path, folder: Path) -> str:
    """A billed account holding a value that is not a number must have been refused; one with a
    decimal reading must bill as that reading."""
    if not isinstance(hostile, str):
        return ""
    for value in NOT_A_NUMBER:
        if _as_figure(hostile, value) and f": {value}" not in text:
            return f"misread: `{value}` was billed, not refused"
    for value, reading in DECIMAL_READING.items():
        if _as_figure(hostile, value) and f": {value}" not in text:
            _, billed, _, _ = run_inprocess(argv, cwd=folder)
            path.write_text(hostile.replace(f": {value}", f": {reading}"), encoding="utf-8")
            _, meant, _, _ = run_inprocess(argv, cwd=folder)
            if billed != meant:
                return f"misread: `{value}` was billed, not as `{reading}`"
    return ""


def case_scenario(rng: random.Random, kind: str, work: Path, budget: float | None = None) -> Case:
    from test_fuzz_io import prepare_tree, scenario_seeds, write_scenario

    root = work / "tree"
    if not (root / "catalogs").exists():
        prepare_tree(root)
    seed = rng.choice(scenario_seeds())
    text = (REPO / seed).read_text(encoding="utf-8")
    hostile = hostile_yaml(rng, kind, text)
    path = Path(write_scenario(root, seed, "x"))
    data = hostile if isinstance(hostile, bytes) else hostile.encode("utf-8", "surrogatepass")
    path.write_bytes(data)
    try:
        return _run_case(Case("scenario", kind, ["test", str(path)], data, ".scenario.yaml"),
                         path.parent, [path], budget)
    finally:
        path.unlink()


@lru_cache(maxsize=1)
def soracom_seed() -> tuple[str, list[str]]:
    """The Soracom Air example as an account naming `sims.jsonl`, and that file's lines: its SIM
    three times (three IMSIs)."""
    from planlang.inputs.documents import load_document
    from planlang.source import Source

    path = REPO / "examples" / "soracom-air-account.yaml"
    data = _plain(load_document(Source(str(path), path.read_text(encoding="utf-8"))).data)
    sim, vpg = data["subscribers"]
    lines = [json.dumps({**sim, "imsi": f"29505091000000{i}"}, ensure_ascii=False)
             for i in (1, 2, 3)]
    account = dict(data)
    account["subscribers"] = [vpg]
    account["subscribers_from"] = "sims.jsonl"
    return json.dumps(account, ensure_ascii=False), lines


_FIGURE_KEY = re.compile(r"amount|value|count|\d{4}-\d\d-\d\d.*")  # where a line holds figures


def _not_a_number_as_figure(data: bytes) -> bool:
    """Whether a value of NOT_A_NUMBER stands where a subscriber line holds a figure (an amount,
    a day's or an instant's value); elsewhere (a label, a name) it is text, and billing it is right."""
    def walk(value, key: str) -> bool:
        if isinstance(value, dict):
            return any(walk(v, str(k)) for k, v in value.items())
        if isinstance(value, list):
            return any(walk(v, key) for v in value)
        return value in NOT_A_NUMBER and bool(_FIGURE_KEY.fullmatch(key))

    for line in data.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if walk(record, ""):
            return True
    return False


def case_subscribers(rng: random.Random, kind: str, work: Path,
                     budget: float | None = None) -> Case:
    folder = _fresh(work / "subscribers")
    account_text, lines = soracom_seed()
    account = folder / "account.json"
    account.write_text(account_text, encoding="utf-8")
    data = hostile_subscriber_lines(rng, kind, lines)
    sims = folder / "sims.jsonl"
    sims.write_bytes(data)
    fmt = rng.choice([["--format", "csv", "--out", str(folder / "out.csv")], ["--format", "json"],
                      ["--format", "csv"]])
    argv = ["bill", str(CATALOG["soracom-air"]), "--account", str(account), "--period", "2026-11",
            *fmt]
    case = _run_case(Case("subscribers", kind, argv, data, ".jsonl"), folder,
                     [account, sims, CATALOG["soracom-air"]], budget)
    if kind == "duplicate-key" and case.status == 0:
        case.findings.append("duplicate: a subscriber line with a key given twice was billed")
    if kind == "commas" and case.status == 0 and _not_a_number_as_figure(data):
        case.findings.append("misread: a subscriber amount that is not a number was billed")
    return case


# ---- plans ---------------------------------------------------------------------------------------

def mentions(text: str, ch: str) -> bool:
    """Whether a message names the character `ch`: itself, its code point, or its name."""
    import unicodedata

    name = unicodedata.name(ch, "").lower()
    return (ch in text or f"u+{ord(ch):04x}" in text.lower() or (bool(name) and name in text.lower())
            or repr(ch)[1:-1] in text)


def case_plan(rng: random.Random, kind: str, budget: float | None = None,
              given: tuple[str, str] | None = None) -> Case:
    """A catalog with one hostile change, checked; when it checks clean, its example account is
    billed by both evaluators, as `planlang bill` and a batch would (code generation included)."""
    from planlang.compile import compile_source
    from planlang.diagnostics import render_all
    from planlang.source import Source

    key = rng.choice(["flespi", "edge", "coediting", "soracom-flux"])
    text = CATALOG[key].read_text(encoding="utf-8")
    if given is not None:  # (catalog key, text) made by the caller
        key, hostile = given
    else:
        hostile = hostile_plan(rng, kind, text)
    data = hostile.encode("utf-8", "surrogatepass")
    case = Case("plan", kind, ["check", "INPUT"], data, ".plan")
    started = time.monotonic()
    try:
        compiled = compile_source(Source(f"{key}.plan", hostile))
        rendered = render_all(compiled.diagnostics)
        rendered.encode("utf-8")
        case.codes = [d.code for d in compiled.diagnostics]
        errors = [d for d in compiled.diagnostics if d.is_error]
        if compiled.catalog is None and not errors:
            case.findings.append("no-code: no catalog and no error says why")
        if RAW_CONTROL.search(rendered):
            ch = RAW_CONTROL.search(rendered).group()  # type: ignore[union-attr]
            case.findings.append(f"raw-control: U+{ord(ch):04X} reaches the terminal raw")
        odd = [ch for ch in hostile if ch in INVISIBLE or ch in "".join(sum(LOOKALIKES.values(), []))
               and ch not in text]
        if errors and odd and kind in ("lookalike-name", "invisible-name"):
            first = errors[0]
            if not mentions(first.message + " " + (first.help or ""), odd[0]):
                case.findings.append(f"unclear: `{first.message}` does not name the "
                                     f"U+{ord(odd[0]):04X} in the plan name")
        if kind == "cr-only" and errors:
            case.findings.append(f"unclear: CR-only line ends give `{errors[0].message}`")
        if compiled.catalog is not None and not errors:
            _bill_example(key, compiled.catalog)
        case.status = 1 if errors else 0
    except Exception as error:  # noqa: BLE001 - every escape is a finding
        import traceback

        case.status = f"{type(error).__name__}"
        case.findings.append(f"traceback: {type(error).__name__}: {str(error)[:120]}"
                             + "\n" + traceback.format_exc()[-1500:])
    case.elapsed = time.monotonic() - started
    if budget is not None and case.elapsed > budget:
        case.findings.append(f"slow: {case.elapsed:.1f}s (budget {budget:.0f}s)")
    return case


EXAMPLE_OF = {"flespi": ("flespi-account.yaml", "2026-11"),
              "edge": ("edge-device-account.yaml", "2026-01..2026-04"),
              "coediting": ("coediting-account.yaml", "2026-03"),
              "soracom-flux": ("soracom-flux-account.yaml", "2026-02..2026-03")}


def _bill_example(key: str, catalog) -> None:
    """Bill the catalog's example account with the compiled path and the interpreter; a refusal
    (PlanlangError) is an answer, any other exception a finding (raised)."""
    from planlang.diagnostics import PlanlangError
    from planlang.drivers.batch import bill_one
    from planlang.drivers.cli import parse_periods

    example, period = EXAMPLE_OF[key]
    data = json.loads(seed_record(example))
    periods = [str(p) for p in parse_periods(period)]
    for months in ({tuple(periods), tuple(periods[:1])}):  # a runner is made per set of months
        for explain in (False, True):
            with contextlib.suppress(PlanlangError):
                bill_one(catalog, json.loads(json.dumps(data)), list(months), explain)


# ---- real processes: pipes, FIFOs, special outputs, signals, encodings ---------------------------

MEMORY = 1_500_000_000  # bytes of address space for a planlang child process
PROCESS_KINDS = ("stdin-pipe", "dev-fd", "fifo-accounts", "fifo-account", "fifo-plan",
                 "out-symlink", "out-dangling-symlink", "out-fifo", "out-device", "out-input",
                 "out-catalog", "out-mode", "out-long-name", "sigterm", "sigint", "sigterm-workers",
                 "sigint-workers", "encoding", "workers")
def session_processes(sid: int) -> list[int]:
    """The processes still alive in session `sid` (a child started with start_new_session)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != b"Z" and int(fields[4]) == sid and int(entry) != sid:
            found.append(int(entry))
    return found


class Run:
    def __init__(self):
        self.status: Any = None
        self.out = b""
        self.err = b""
        self.elapsed = 0.0
        self.timed_out = False
        self.orphans: list[int] = []


def run_process(argv: list[str], cwd: Path, *, stdin: bytes | None = None,
                env: dict[str, str] | None = None, timeout: float = 30.0, tty_stderr: bool = False,
                pass_fds: tuple[int, ...] = (), feed: Callable[[], None] | None = None,
                signal_after: tuple[int, float] | None = None,
                signal_when: Callable[[], bool] | None = None, memory: int = MEMORY) -> Run:
    """Run `planlang ARGV` as a real process in its own session, with RLIMIT_AS `memory`, stderr
    on a pseudo-terminal if asked (the progress bar shows only there), `feed` run in a thread
    (a FIFO's writer), `signal_after` = (signal, seconds): sent that long after `signal_when()`
    first holds (polled; e.g. the batch's temporary output file exists). Afterwards, any
    process of its session still alive is an orphan: reported, then killed."""
    import resource
    import signal
    import subprocess
    import tempfile
    import threading

    run = Run()
    master = slave = None
    if tty_stderr:
        import pty

        master, slave = pty.openpty()
    err_chunks: list[bytes] = []

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "planlang.drivers.cli", *argv], cwd=cwd,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out_file, stderr=slave if slave is not None else err_file,
            env={**os.environ, "COLUMNS": "100", **(env or {})}, start_new_session=True,
            pass_fds=pass_fds, preexec_fn=limits)
        if slave is not None:
            os.close(slave)

            def drain() -> None:
                while True:
                    try:
                        chunk = os.read(master, 65536)  # type: ignore[arg-type]
                    except OSError:
                        return
                    if not chunk:
                        return
                    err_chunks.append(chunk)

            threading.Thread(target=drain, daemon=True).start()
        if feed is not None:
            threading.Thread(target=feed, daemon=True).start()
        if stdin is not None:
            def write_stdin() -> None:
                with contextlib.suppress(OSError):
                    proc.stdin.write(stdin)  # type: ignore[union-attr]
                    proc.stdin.close()  # type: ignore[union-attr]
            threading.Thread(target=write_stdin, daemon=True).start()
        if signal_after is not None:
            deadline = time.monotonic() + timeout / 2
            while (signal_when is not None and not signal_when() and proc.poll() is None
                   and time.monotonic() < deadline):
                time.sleep(0.01)
            time.sleep(signal_after[1])
            if proc.poll() is None:
                proc.send_signal(signal_after[0])
        try:
            run.status = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            run.timed_out = True
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            run.status = proc.wait()
        run.elapsed = time.monotonic() - started
        deadline = time.monotonic() + 5
        while session_processes(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        run.orphans = session_processes(proc.pid)
        for pid in run.orphans:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        out_file.seek(0)
        err_file.seek(0)
        run.out = out_file.read()
        run.err = err_file.read() + b"".join(err_chunks)
        if master is not None:
            with contextlib.suppress(OSError):
                os.close(master)
    return run


def good_jsonl(count: int, start: int = 0) -> bytes:
    """`count` small Cellular accounts (edge-device), billed in about a millisecond each."""
    return b"".join(json.dumps({"account": f"acct-{i}", "plan": "Cellular-Small", "usage": {
        "data": {"daily": {"2026-01-20": f"{i % 50} GB"}}}}).encode() + b"\n"
        for i in range(start, start + count))


def _fifo_writer(path: Path, data: bytes, seconds: float = 20.0) -> Callable[[], None]:
    """A writer that opens the FIFO without blocking forever (no reader yet: it retries), writes
    `data` and closes: exactly one reader gets the data."""
    import errno

    def feed() -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as error:
                if error.errno in (errno.ENXIO, errno.ENOENT):
                    time.sleep(0.02)
                    continue
                return
            os.set_blocking(fd, True)
            with contextlib.suppress(OSError):
                os.write(fd, data)
            os.close(fd)
            return
    return feed


def _fifo_reader(path: Path, into: list[bytes], seconds: float = 20.0) -> Callable[[], None]:
    def feed() -> None:
        deadline = time.monotonic() + seconds
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            while time.monotonic() < deadline:
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    time.sleep(0.02)
                    continue
                if chunk:
                    into.append(chunk)
                else:
                    time.sleep(0.02)
        finally:
            os.close(fd)
    return feed


def _writing(folder: Path) -> bool:
    """Whether a batch has begun writing its temporary output file in `folder`."""
    for path in folder.iterdir():
        with contextlib.suppress(OSError):
            if path.name.startswith(".out") and path.stat().st_size > 0:
                return True
    return False


def case_process(rng: random.Random, kind: str, work: Path, budget: float | None = None,
                 timeout: float = 30.0) -> Case:
    """One real `planlang` process, judged: see PROCESS_KINDS."""
    import signal
    import stat

    folder = _fresh(work / "process")
    edge = str(CATALOG["edge"])
    count = rng.randint(2, 30)
    data = good_jsonl(count)
    names = [f"acct-{i}" for i in range(count)]
    inputs = [CATALOG["edge"]]
    run_kw: dict[str, Any] = {"timeout": timeout}
    expect_bills = None
    out_path: Path | None = None
    check_out: Callable[[], list[str]] = lambda: []
    allowed: tuple = (0, 1, 2)
    period = "2026-01"
    if kind == "stdin-pipe":
        argv = ["bill", edge, "--accounts", "/dev/stdin", "--period", period]
        run_kw.update(stdin=data, tty_stderr=True)
        expect_bills = names
    elif kind == "dev-fd":
        read, write = os.pipe()
        os.set_inheritable(read, True)

        def feed(fd: int = write, payload: bytes = data) -> None:
            with contextlib.suppress(OSError):
                os.write(fd, payload)
            os.close(fd)
        argv = ["bill", edge, "--accounts", f"/dev/fd/{read}", "--period", period]
        run_kw.update(pass_fds=(read,), feed=feed, tty_stderr=True)
        expect_bills = names
    elif kind in ("fifo-accounts", "fifo-account"):
        fifo = folder / ("accounts.jsonl" if kind == "fifo-accounts" else "account.yaml")
        os.mkfifo(fifo)
        if kind == "fifo-accounts":
            argv = ["bill", edge, "--accounts", str(fifo), "--period", period]
            expect_bills = names
            payload = data
        else:
            argv = ["bill", edge, "--account", str(fifo), "--period", period, "--format", "json"]
            payload = b"account: acct-0\nplan: Cellular-Small\n"
            expect_bills = ["acct-0"]
        run_kw.update(feed=_fifo_writer(fifo, payload), tty_stderr=True)
    elif kind == "fifo-plan":
        plans = folder / "plans"
        plans.mkdir()
        (plans / "ok.plan").write_text(CATALOG["edge"].read_text(encoding="utf-8"), encoding="utf-8")
        os.mkfifo(plans / "stuck.plan")  # nothing ever writes to it
        argv = ["check", str(plans)]
    elif kind.startswith("out-"):
        accounts = folder / "accounts.jsonl"
        accounts.write_bytes(data)
        inputs.append(accounts)
        out_path = folder / "out.jsonl"
        argv = ["bill", edge, "--accounts", str(accounts), "--period", period]
        single = rng.random() < 0.4
        if single:
            account = folder / "account.yaml"
            account.write_text("account: acct-0\nplan: Cellular-Small\n", encoding="utf-8")
            inputs.append(account)
            argv = ["bill", edge, "--account", str(account), "--period", period, "--format",
                    "json"]
        if kind in ("out-symlink", "out-dangling-symlink"):
            target = folder / "target.jsonl"
            if kind == "out-symlink":
                target.write_text("old\n", encoding="utf-8")
            out_path.symlink_to(target)

            def check_out(path: Path = out_path, target: Path = target) -> list[str]:
                if not path.is_symlink():
                    return ["special-out: the symlink at --out was replaced by a regular file"]
                return []
        elif kind == "out-fifo":
            os.mkfifo(out_path)
            received: list[bytes] = []
            run_kw["feed"] = _fifo_reader(out_path, received, seconds=timeout)

            def check_out(path: Path = out_path) -> list[str]:
                if not stat.S_ISFIFO(os.lstat(path).st_mode):
                    return ["special-out: the FIFO at --out was replaced by a regular file"]
                return []
        elif kind == "out-device":
            if os.geteuid() != 0:
                out_path.write_text("", encoding="utf-8")
            else:
                os.mknod(out_path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a /dev/null twin

            def check_out(path: Path = out_path) -> list[str]:
                if os.geteuid() == 0 and not stat.S_ISCHR(os.lstat(path).st_mode):
                    return ["special-out: the device node at --out was replaced by a regular file"]
                return []
        elif kind in ("out-input", "out-catalog"):
            catalog_copy = folder / "edge.plan"
            catalog_copy.write_text(CATALOG["edge"].read_text(encoding="utf-8"), encoding="utf-8")
            argv[1] = str(catalog_copy)
            inputs.append(catalog_copy)
            out_path = catalog_copy if kind == "out-catalog" else (
                account if single else accounts)
        elif kind == "out-mode":
            mode = rng.choice([0o664, 0o644, 0o600, 0o666])
            existed = rng.random() < 0.5
            if existed:
                out_path.write_text("old\n", encoding="utf-8")
                os.chmod(out_path, mode)
            umask = rng.choice([0o022, 0o002, 0o077])
            run_kw["env"] = {}
            argv = ["--umask-probe"] if False else argv
            expected = mode if existed else 0o666 & ~umask
            run_kw["umask"] = umask

            def check_out(path: Path = out_path, expected: int = expected) -> list[str]:
                if path.exists():
                    got = stat.S_IMODE(os.stat(path).st_mode)
                    if got != expected:
                        return [f"mode: --out written with mode {got:o}, not {expected:o}"]
                return []
        elif kind == "out-long-name":
            out_path = folder / ("b" * 250 + ".out")  # 254 characters: a valid name

            def check_out(path: Path = out_path) -> list[str]:
                return [] if path.exists() else ["long-name: a valid 254-character --out name "
                                                 "was not written"]
        argv += ["--out", str(out_path)]
    elif kind.startswith(("sigterm", "sigint")):
        big = folder / "accounts.jsonl"
        big.write_bytes(good_jsonl(20_000))  # ~20 s of billing: the signal comes mid-batch
        inputs.append(big)
        out_path = folder / "out.jsonl"
        argv = ["bill", edge, "--accounts", str(big), "--period", period, "--out", str(out_path)]
        if kind.endswith("workers"):
            argv += ["--workers", "2", "--chunk-size", "100"]
        sig = signal.SIGTERM if kind.startswith("sigterm") else signal.SIGINT
        run_kw["signal_after"] = (sig, rng.uniform(0.0, 0.3))
        run_kw["signal_when"] = lambda: _writing(folder)
        allowed = (0, 1, 2, *SIGNALLED)
    elif kind == "encoding":
        encoding = rng.choice(["latin-1", "ascii", "cp1252"])
        env = rng.choice([{"PYTHONIOENCODING": encoding},
                          {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0",
                           "PYTHONIOENCODING": encoding}])
        run_kw["env"] = env
        account = folder / "account.yaml"
        account.write_text("account: acct-é\nplan: Cellular-Small\n", encoding="utf-8")
        inputs.append(account)
        choice = rng.randrange(4)
        if choice == 0:
            argv = ["bill", str(CATALOG["flespi"]), "--account", str(REPO / "examples" /
                    "flespi-account.yaml"), "--period", "2026-11", "--explain"]
        elif choice == 1:
            argv = ["bill", edge, "--accounts", str(folder), "--period", period, "--format", "csv"]
        elif choice == 2:
            argv = ["bill", str(CATALOG["soracom-air"]), "--account", str(REPO / "examples" /
                    "soracom-air-account.yaml"), "--period", "2026-11", "--format", "csv"]
        else:
            argv = ["bill", str(CATALOG["flespi"]), "--account", str(account), "--period",
                    "2026-11"]
    elif kind == "workers":
        accounts = folder / "accounts.jsonl"
        accounts.write_bytes(good_jsonl(2))
        inputs.append(accounts)
        workers = rng.choice(["2147483647", "2147483648", str(10 ** 30), "1000", "0", "-1",
                              "2.5", "1e3", "9" * 5000])
        argv = ["bill", edge, "--accounts", str(accounts), "--period", period, "--workers",
                workers]
    else:
        raise ValueError(kind)
    before = fingerprint(p for p in inputs if p != out_path) if out_path is not None else \
        fingerprint(inputs)
    if kind in ("out-input", "out-catalog"):
        before = fingerprint(inputs)
    umask = run_kw.pop("umask", None)
    old_umask = os.umask(umask) if umask is not None else None
    try:
        run = run_process(argv, folder, **run_kw)
    finally:
        if old_umask is not None:
            os.umask(old_umask)
    case = Case("processes", kind, argv, data, ".jsonl")
    out = run.out.decode("utf-8", "replace")
    err = run.err.decode("utf-8", "replace")
    case.status, case.elapsed = run.status, run.elapsed
    case.codes = CODE.findall(err)
    if run.timed_out:
        case.findings.append(f"hang: no answer in {timeout:.0f}s")
    tty = run_kw.get("tty_stderr")
    case.findings += [f for f in judge(run.status, out, err, folder=folder, before=before,
                                       elapsed=run.elapsed, budget=budget, allowed=allowed)
                      if not (tty and f.startswith("raw-control"))]  # a progress bar draws
    if run.orphans:
        case.findings.append(f"orphan: {len(run.orphans)} process(es) alive after the batch ended")
    case.findings += check_out()
    if expect_bills is not None and run.status == 0 and not run.timed_out:
        written = out
        missing = [n for n in expect_bills if f'"{n}"' not in written]
        if missing:
            case.findings.append(f"lost: {len(missing)} of {len(expect_bills)} accounts not "
                                 "billed (exit 0)")
    return case


# ---- money at the bounds: every mode agrees, totals add up, the caller's context is not used ----

MONEY_PLAN = """catalog money
  currency {currency}
  billing period: calendar month

unit byte
unit MB = 1,000,000 bytes
unit GB = 1,000,000,000 bytes
unit TiB = 1,099,511,627,776 bytes

meter storage in {meter_unit}: usage, monthly sum

plan P: {sym} {fee} per month
  storage: {included} {included_unit} included, then {sym} {price} per {per}
"""
UNIT_BYTES = {"byte": 1, "MB": 10 ** 6, "GB": 10 ** 9, "TiB": 1_099_511_627_776}


def _grouped(value: Decimal) -> str:
    """A plan-file number: groups of three before the point."""
    sign, digits, exponent = value.as_tuple()
    text = f"{value:f}"
    whole, _, frac = text.partition(".")
    return f"{int(whole):,}" + (f".{frac}" if frac else "")


def _money_value(rng: random.Random, whole_digits: int, places: int) -> Decimal:
    digits = rng.choice([1, 2, 3, whole_digits, whole_digits])
    whole = rng.choice([10 ** digits - 1, rng.randrange(10 ** digits), 1, 0])
    frac = rng.choice([0, rng.randrange(10 ** places), 10 ** places - 1, 5 * 10 ** (places - 1)])
    return Decimal(whole) + Decimal(frac).scaleb(-places)


def money_case(rng: random.Random) -> tuple[str, dict, Any]:
    """(plan text, account data, expected total as a Fraction of the currency): a fee, an amount
    included and a price per block, drawn up to the documented bounds (18 digits each side), and
    the month's usage; the expected total is computed here by hand (started blocks beyond the
    included amount, each line rounded half away from zero to the minor unit)."""
    from fractions import Fraction
    from math import ceil

    currency, sym, places = rng.choice([("EUR", "€", 2), ("USD", "$", 2), ("JPY", "JPY", 0)])
    fee = _money_value(rng, 15, places)
    price = _money_value(rng, 15, places + rng.choice([0, 0, 2]))
    if price == 0:
        price = Decimal(1)
    meter_unit = rng.choice(["GB", "TiB", "TiB", "MB", "byte"])
    included_unit = rng.choice(["GB", "MB", "TiB"])
    included = Decimal(rng.choice(["0", "1", "1.3", "10", "0.001", "999,999"]).replace(",", ""))
    per_n = rng.choice([None, 1, 10, 100, 1000])
    per_unit = rng.choice(["GB", "TiB", "MB"])
    per = (f"{per_n:,} " if per_n else "") + per_unit
    usage_unit = rng.choice(["GB", "MB", "byte"])
    if rng.random() < 0.4:  # exactly the amount included
        usage_unit = included_unit
        usage = included
    else:
        usage = rng.choice([Decimal(rng.randrange(10 ** rng.randint(1, 18))),
                            Decimal(10 ** rng.randint(1, 18) - 1), Decimal(0)])
    usage = usage.quantize(Decimal(1)) if usage_unit == "byte" else usage
    if rng.random() < 0.15:  # the largest price times the most blocks
        fee = price = Decimal("999999999999999999.99") if places else Decimal(10 ** 18 - 1)
        included, per_n, per_unit, usage, usage_unit = Decimal(0), None, "GB", Decimal(
            10 ** 18 - 1), "GB"
        per = "GB"
    plan = MONEY_PLAN.format(currency=currency, sym=sym, fee=_grouped(fee), meter_unit=meter_unit,
                             included=_grouped(included), included_unit=included_unit,
                             price=_grouped(price), per=per)
    account = {"account": "money", "plan": "P", "usage": {"storage": {"events": [
        {"on": "2026-11-05", "amount": f"{usage:f} {usage_unit}"}]}}}
    over = (Fraction(usage) * UNIT_BYTES[usage_unit]
            - Fraction(included) * UNIT_BYTES[included_unit])
    block = (per_n or 1) * UNIT_BYTES[per_unit]
    blocks = ceil(over / block) if over > 0 else 0
    quantum = Fraction(1, 10 ** places)

    def rounded(value: Fraction) -> Fraction:  # half away from zero (values here are >= 0)
        units = value / quantum
        return (int(units) + (1 if units - int(units) >= Fraction(1, 2) else 0)) * quantum

    expected = rounded(Fraction(fee)) + rounded(blocks * Fraction(price))
    return plan, account, expected


def case_money(rng: random.Random, budget: float | None = None) -> Case:
    """Bill a money_case with the interpreter and the compiled path, in the default decimal
    context and in a caller's odd one: one total, the hand computation's, equal to the sum of its
    lines (issue 11 items 6, 7, 8)."""
    import decimal
    from fractions import Fraction

    from planlang.compile import compile_source
    from planlang.drivers.batch import bill_one
    from planlang.engine.results import to_data
    from planlang.source import Source

    plan, account, expected = money_case(rng)
    case = Case("money", "bounds", ["bill", "INPUT", "--account", json.dumps(account),
                                    "--period", "2026-11"], plan.encode(), ".plan")
    started = time.monotonic()
    try:
        compiled = compile_source(Source("money.plan", plan))
        if compiled.catalog is None or any(d.is_error for d in compiled.diagnostics):
            case.status = 1
            case.codes = [d.code for d in compiled.diagnostics]
            return case
        catalog = compiled.catalog
        results = {}
        for mode, explain in (("interpreter", True), ("compiled", False)):
            results[mode] = to_data(bill_one(catalog, json.loads(json.dumps(account)),
                                             ["2026-11"], explain)[0])
            with decimal.localcontext(prec=rng.choice([3, 6, 12]),
                                      rounding=rng.choice([decimal.ROUND_DOWN,
                                                           decimal.ROUND_HALF_EVEN])):
                odd = to_data(bill_one(catalog, json.loads(json.dumps(account)), ["2026-11"],
                                       explain)[0])
            if (odd["total"], [li["amount"] for li in odd["lines"]]) != (
                    results[mode]["total"], [li["amount"] for li in results[mode]["lines"]]):
                case.findings.append(f"context: the {mode} bills {odd['total']} in the caller's "
                                     f"decimal context, {results[mode]['total']} otherwise")
        for mode, data in results.items():
            total = Fraction(Decimal(data["total"]))
            lines = sum((Fraction(Decimal(li["amount"])) for li in data["lines"]), Fraction(0))
            if total != lines:
                case.findings.append(f"sum: the {mode}'s total {data['total']} is not the sum of "
                                     f"its lines ({float(lines)!r})")
            if total != expected:
                case.findings.append(f"exact: the {mode} bills {data['total']}, by hand "
                                     f"{Decimal(expected.numerator) / Decimal(expected.denominator):f}")
        if results["interpreter"]["total"] != results["compiled"]["total"]:
            case.findings.append(f"modes: the interpreter bills {results['interpreter']['total']}"
                                 f", the compiled path {results['compiled']['total']}")
        case.status = 0
    except Exception as error:  # noqa: BLE001 - every escape is a finding
        case.status = type(error).__name__
        case.findings.append(f"traceback: {type(error).__name__}: {str(error)[:160]}")
    case.elapsed = time.monotonic() - started
    if budget is not None and case.elapsed > budget:
        case.findings.append(f"slow: {case.elapsed:.1f}s (budget {budget:.0f}s)")
    return case
