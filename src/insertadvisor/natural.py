"""Natural answers: "3 months", "about 8mm", "0,5 cm", "not sure", "?".

What a person types at a prompt becomes the canonical text that `answers.parse_answer`
then validates, so parse_answer stays the one validator: this module converts, it never
judges a range or a type. The words (units, fillers, "not sure", "help") are data,
rules/units.yaml, read by `load_units` from the mapping a YAML or JSON loader gives.

A prompt uses it in this order:

1. `classify_reply(text, units)`: "help" (show the hint again), "unsure" (a red-flag
   question counts it as yes, and says so; a foot question records "unknown"), or None.
2. `read_quantity(text, question.unit, units)`: a Quantity, whose `text` goes to
   parse_answer and whose `echo` ("3 months = 13 weeks") is shown; or None, when the
   text is not a quantity this module reads, and parse_answer gets the text as typed
   (and gives its own message: "1,000", "a year and a half", "3 parsecs", "1e3").

Reading a quantity: case is ignored, as are surrounding spaces, full stops at the end,
fillers before the number ("about", "~") and the space between number and unit ("10mm").
A number is digits with at most one decimal point or comma ("8.5", "0,5", ".5"); a
comma followed by exactly three digits ("1,000") is refused, since it may be a
thousands separator; "1.000" is one, as parse_answer has always read it. A sign is
kept: "-3 months" is -13 weeks, and parse_answer says that is out of range.

Rounding: a number in the canonical unit (bare, or with the canonical unit's word) is
recorded exactly as typed. A converted one is rounded to `places` decimal places (one by
default), halves away from zero, trailing zeros dropped; the echo says "about" exactly
when rounding changed the value. The echo shows the recorded text, so what is echoed is
what is recorded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Literal

Reply = Literal["help", "unsure"]

_TOP_KEYS = ("units", "fillers", "unsure", "help")
_UNIT_KEYS = ("factor", "names", "words")
_NUMBER = re.compile(r"[+-]?([0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")
_MAX_DIGITS = 40  # longer numbers are left to parse_answer (and str() of huge ints fails)
# What keyboards and phones type for an apostrophe: curly quotes (phones, word
# processors), the modifier letter, the accents and prime some layouts put on that key,
# and the full-width form of East Asian input methods.
APOSTROPHES = "\u2019\u2018\u201b\u02bc\u0060\u00b4\u2032\uff07"
_APOSTROPHES = str.maketrans(dict.fromkeys(APOSTROPHES, "'"))


class Unit:
    """One unit of a group: `factor` canonical units make one of it (1 cm = 10 mm)."""

    __slots__ = ("factor", "key", "names", "words")

    def __init__(self, key: str, factor: Fraction, names: tuple[str, str],
                 words: tuple[str, ...]) -> None:
        self.key = key
        self.factor = factor
        self.names = names  # singular, plural: as written in the data, for the echo
        self.words = words  # normalised: what may follow a number

    def name(self, value: Fraction) -> str:
        """The singular name for exactly 1 (or -1), the plural otherwise."""
        return self.names[0] if abs(value) == 1 else self.names[1]


class UnitGroup:
    """The units one question's `unit` accepts; `canonical` (factor 1) records the value."""

    __slots__ = ("by_word", "canonical", "units")

    def __init__(self, canonical: Unit, units: Mapping[str, Unit],
                 by_word: Mapping[str, Unit]) -> None:
        self.canonical = canonical
        self.units = units  # by key, in the data's order
        self.by_word = by_word  # normalised word -> unit


class Units:
    """The loaded units.yaml: unit groups by canonical unit, and the reply words."""

    __slots__ = ("fillers", "groups", "help", "unsure")

    def __init__(self, groups: Mapping[str, UnitGroup], fillers: tuple[str, ...],
                 unsure: frozenset[str], help: frozenset[str]) -> None:
        self.groups = groups
        self.fillers = fillers  # normalised, longest first
        self.unsure = unsure
        self.help = help


class Quantity:
    """A number read from natural text, in the question's canonical unit."""

    __slots__ = ("echo", "text", "value")

    def __init__(self, value: Fraction, text: str, echo: str) -> None:
        self.value = value  # the recorded value, exact
        self.text = text  # the same as canonical decimal text for parse_answer: "13", "8.5"
        self.echo = echo  # "3 months = 13 weeks"; "" when nothing was converted

    def __eq__(self, other: object) -> bool:  # a value: equal when all three are
        return isinstance(other, Quantity) and \
            (self.value, self.text, self.echo) == (other.value, other.text, other.echo)

    __hash__ = None  # type: ignore[assignment]  # compared, never a key

    def __repr__(self) -> str:
        return f"Quantity({self.value!r}, {self.text!r}, {self.echo!r})"


def load_units(data: Mapping[str, Any]) -> Units:
    """Validate units data (the mapping of units.yaml); raise ValueError naming the bad key."""
    if not isinstance(data, Mapping):
        raise ValueError(f"units data: expected a mapping with keys {', '.join(_TOP_KEYS)}, "
                         f"got {type(data).__name__}")
    for key in data:
        if key not in _TOP_KEYS:
            raise ValueError(f"units data: unknown key {key!r}; keys are {', '.join(_TOP_KEYS)}")
    if "units" not in data:
        raise ValueError("units data: missing key `units`")
    groups = _mapping(data["units"], "units")
    loaded = {name: _group(body, f"units.{name}") for name, body in groups.items()}
    fillers = _words(data.get("fillers", []), "fillers", stop=False)
    unsure = _words(data.get("unsure", []), "unsure")
    help_words = _words(data.get("help", []), "help")
    both = [w for w in unsure if w in help_words]
    if both:
        raise ValueError(f"unsure and help: {both[0]!r} is in both; a reply can mean only one")
    return Units(groups=MappingProxyType(loaded),
                 fillers=tuple(sorted(set(fillers), key=lambda w: (-len(w), w))),
                 unsure=frozenset(unsure), help=frozenset(help_words))


def read_quantity(text: str, unit: str, units: Units, *, places: int = 1) -> Quantity | None:
    """`text` ("3 months", "about 8mm", "0,5") in `unit` (a question's unit), or None.

    A bare number is in `unit`; a `unit` with no group in `units` reads bare numbers only.
    Converted values are rounded to `places` decimals (see the module's docstring).
    """
    if places < 0:
        raise ValueError(f"places: expected 0 or more, got {places}")
    rest = _skip_fillers(_normal(text), units.fillers)
    match = _NUMBER.match(rest)
    if match is None:
        return None
    typed, digits = match.group(0), match.group(1)
    _, comma, decimals = digits.partition(",")
    if (comma and len(decimals) == 3) or sum(c.isdigit() for c in digits) > _MAX_DIGITS:
        return None
    word = rest[match.end():].strip()
    number = Fraction(Decimal(digits.replace(",", ".")))
    if typed.startswith("-"):
        number = -number
    group = units.groups.get(unit)
    chosen = None
    if word:
        chosen = group.by_word.get(word) if group is not None else None
        if chosen is None:
            return None
    if chosen is None or group is None or chosen.factor == 1:
        return Quantity(number, _decimal_text(number), "")
    exact = number * chosen.factor
    recorded = _round(exact, places)
    shown = _decimal_text(recorded)
    about = "" if recorded == exact else "about "
    echo = f"{typed} {chosen.name(number)} = {about}{shown} {group.canonical.name(recorded)}"
    return Quantity(recorded, shown, echo)


def classify_reply(text: str, units: Units) -> Reply | None:
    """A whole reply: "help" (show the hint again: "?"), "unsure" ("not sure"), or None."""
    reply = _normal(text)
    if reply in units.help:
        return "help"
    if reply in units.unsure:
        return "unsure"
    return None


def _normal(text: str, *, stop: bool = True) -> str:
    """Casefolded, APOSTROPHES read as ', spaces collapsed; no final full stops if `stop`."""
    folded = " ".join(text.translate(_APOSTROPHES).casefold().split())
    return folded.rstrip(".").rstrip() if stop else folded


def _skip_fillers(text: str, fillers: tuple[str, ...]) -> str:
    """`text` without the fillers at its start; a filler is not followed by a letter."""
    skipped = True
    while skipped:
        skipped = False
        for filler in fillers:  # longest first: "approx." before "approx"
            if text.startswith(filler) and not text[len(filler):len(filler) + 1].isalpha():
                text, skipped = text[len(filler):].lstrip(), True
                break
    return text


def _round(value: Fraction, places: int) -> Fraction:
    """`value` to `places` decimal places, halves away from zero."""
    scale = 10**places
    scaled = abs(value) * scale
    whole = math.floor(scaled)
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole if value >= 0 else -whole, scale)


def _decimal_text(value: Fraction) -> str:
    """A finite decimal as plain text, no exponent and no trailing zeros: "13", "-1.25"."""
    rest, twos, fives = value.denominator, 0, 0
    while rest % 2 == 0:
        rest, twos = rest // 2, twos + 1
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    if rest != 1:
        raise ValueError(f"{value} is not a finite decimal")
    places = max(twos, fives)
    whole, part = divmod(abs(value.numerator) * 10**places // value.denominator, 10**places)
    sign = "-" if value < 0 else ""
    return f"{sign}{whole}.{part:0{places}d}" if places else f"{sign}{whole}"


def _mapping(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError(f"{where}: expected a non-empty mapping, got {_show(raw)}")
    for key in raw:
        if not isinstance(key, str) or not key.strip():
            raise ValueError(f"{where}: expected names as keys, got {key!r}")
    return raw


def _group(raw: Any, where: str) -> UnitGroup:
    body = _mapping(raw, where)
    units = {key: _unit(key, value, f"{where}.{key}") for key, value in body.items()}
    canonical = [u for u in units.values() if u.factor == 1]
    if len(canonical) != 1:
        found = ", ".join(u.key for u in canonical) or "none"
        raise ValueError(f"{where}: exactly one unit must have factor 1 (the unit answers are "
                         f"recorded in); found {found}")
    by_word: dict[str, Unit] = {}
    for unit in units.values():
        for word in unit.words:
            other = by_word.setdefault(word, unit)
            if other is not unit:
                raise ValueError(f"{where}.{unit.key}.words: {word!r} is also a word of "
                                 f"{other.key}; a word belongs to one unit")
    return UnitGroup(canonical=canonical[0], units=MappingProxyType(units),
                     by_word=MappingProxyType(by_word))


def _unit(key: str, raw: Any, where: str) -> Unit:
    body = _mapping(raw, where)
    for name in body:
        if name not in _UNIT_KEYS:
            raise ValueError(f"{where}: unknown key {name!r}; keys are {', '.join(_UNIT_KEYS)}")
    for name in _UNIT_KEYS:
        if name not in body:
            raise ValueError(f"{where}: missing key `{name}`")
    names = body["names"]
    if not (isinstance(names, list) and len(names) == 2
            and all(isinstance(n, str) and n.strip() for n in names)):
        raise ValueError(f"{where}.names: expected [singular, plural], got {_show(names)}")
    words = _words(body["words"], f"{where}.words")
    if not words:
        raise ValueError(f"{where}.words: expected at least one word")
    return Unit(key=key, factor=_factor(body["factor"], f"{where}.factor"),
                names=(names[0].strip(), names[1].strip()), words=tuple(dict.fromkeys(words)))


def _factor(raw: Any, where: str) -> Fraction:
    value: Fraction | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = Fraction(raw)
    elif isinstance(raw, float) and math.isfinite(raw):
        value = Fraction(repr(raw))  # 25.4 as written: 127/5, not the nearest binary float
    elif isinstance(raw, str):
        try:
            value = Fraction(raw.strip())
        except (ValueError, ZeroDivisionError):
            value = None
    if value is None or value <= 0:
        raise ValueError(f"{where}: expected a positive number or a fraction such as 1/7, "
                         f"got {_show(raw)}")
    return value


def _words(raw: Any, where: str, *, stop: bool = True) -> list[str]:
    """A list of words, normalised as replies are (fillers keep their full stops)."""
    if not isinstance(raw, list):
        raise ValueError(f"{where}: expected a list of words, got {_show(raw)}")
    words = []
    for item in raw:
        word = _normal(item, stop=stop) if isinstance(item, str) else ""
        if not word:
            raise ValueError(f"{where}: expected a word, got {_show(item)}")
        if any(c.isdigit() for c in word):
            raise ValueError(f"{where}: {item!r} has a digit; words cannot hold numbers")
        words.append(word)
    return words


def _show(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "..."
