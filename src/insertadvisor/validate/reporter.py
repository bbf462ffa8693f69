"""Collecting the problems of a rule set, each located as `file:line:column`."""

from __future__ import annotations

from typing import Any

from insertadvisor.conditions.grammar import Grammar, Report
from insertadvisor.errors import Problem, did_you_mean
from insertadvisor.rules_io.located import key_pos, kind, pos, value_pos


class Doc:
    """One rule file: its path as shown in messages, its name in outputs, its data."""

    __slots__ = ("data", "display", "path")

    def __init__(self, path: str, display: str, data: Any) -> None:
        self.path = path
        self.display = display  # e.g. rules/triage.yaml
        self.data = data


class Reporter:
    """Problems found so far (each reported once), and the ids claimed so far.

    `incomplete`: some files could not be read, so what is missing from the rule set as a
    whole is not reported (it may be in those files).
    """

    def __init__(self, *, incomplete: bool = False) -> None:
        self.problems: list[Problem] = []
        self._seen: set[tuple[str, int, int, str]] = set()
        self.ids: dict[str, tuple[str, int, int]] = {}
        self.incomplete = incomplete

    def problem(self, doc: Doc, where: tuple[int, int], message: str) -> None:
        key = (doc.path, where[0], where[1], message)
        if key not in self._seen:  # a shared table's rule is read once per stage
            self._seen.add(key)
            self.problems.append(Problem(doc.path, where[0], where[1], message))

    def at_key(self, doc: Doc, mapping: Any, key: Any, message: str) -> None:
        self.problem(doc, key_pos(mapping, key), message)

    def at_value(self, doc: Doc, mapping: Any, key: Any, message: str) -> None:
        self.problem(doc, value_pos(mapping, key), message)

    def grammar(self, doc: Doc) -> Grammar:
        """The condition grammar, reporting into this file."""
        report: Report = lambda where, message: self.problem(doc, where, message)  # noqa: E731
        return Grammar(report, incomplete=self.incomplete)

    def mapping(self, doc: Doc, value: Any, where: tuple[int, int], what: str,
                allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> bool:
        """Check that `value` is a mapping with only `allowed` keys and all `required` ones."""
        if not isinstance(value, dict):
            self.problem(doc, where, f"{what} must be a mapping, not {kind(value)}")
            return False
        meant = set()
        for key in value:
            if key not in allowed:
                hint = did_you_mean(key, allowed)
                meant.add(hint[len(" (did you mean `"):-len("`?)")] if hint else None)
                self.at_key(doc, value, key, f"unknown key `{key}` in {what}{hint}")
        for key in required:
            if key not in value and key not in meant:  # a misspelt key is reported once
                self.problem(doc, pos(value), f"{what} is missing `{key}`")
        return True

    def items(self, doc: Doc, mapping: Any, key: str, what: str) -> list[Any]:
        """The list at `mapping[key]` (absent: empty), reporting anything else."""
        value = mapping.get(key, [])
        if not isinstance(value, list):
            self.at_value(doc, mapping, key, f"`{key}` of {what} must be a list")
            return []
        return value

    def text(self, doc: Doc, mapping: Any, key: str, what: str, required: bool = True) -> str:
        value = mapping.get(key)
        if value is None:
            if required and key in mapping:
                self.at_value(doc, mapping, key, f"`{key}` of {what} must not be empty")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.at_value(doc, mapping, key, f"`{key}` of {what} must be text, not "
                                             f"{kind(value)}")
            return ""
        return value.strip()

    def printable(self, doc: Doc, mapping: Any, key: str, value: str, what: str) -> bool:
        """Whether a text shown on one line of output (a name in `file:line: message`)
        holds no control, format or line-separator character, which could split the line
        or disguise it; report it if it does."""
        bad = [c for c in dict.fromkeys(value) if not c.isprintable() and c != " "]
        if bad:
            shown = ", ".join(repr(c) for c in bad)
            self.at_value(doc, mapping, key, f"{what} must be printable text on one line; "
                          f"it holds {shown}: remove {'it' if len(bad) == 1 else 'them'}")
        return not bad

    def flag(self, doc: Doc, mapping: Any, key: str) -> bool:
        """An optional true/false key."""
        if key in mapping and not isinstance(mapping[key], bool):
            self.at_value(doc, mapping, key, f"`{key}` must be true or false")
        return mapping.get(key) is True

    def claim_id(self, doc: Doc, mapping: Any, what: str,
                 ids: dict[str, tuple[str, int, int]] | None = None) -> str:
        """The entry's id, reported if it is missing, not text or already used."""
        value = mapping.get("id")
        if not isinstance(value, str) or not value:
            if "id" in mapping:
                hint = f'; quote it: id: "{value}"' if isinstance(value, (int, float)) else ""
                self.at_value(doc, mapping, "id", f"the id of {what} must be text, not "
                                                  f"{kind(value)}{hint}")
            return ""
        if not _plain_id(value):
            self.at_value(doc, mapping, "id", f"the id `{value!r}` of {what} may hold only "
                          "letters, digits, `_`, `-` and `.`")
            return ""
        registry = self.ids if ids is None else ids
        where = value_pos(mapping, "id")
        if value in registry:
            first = registry[value]
            self.problem(doc, where, f"duplicate id `{value}` (first defined at "
                                     f"{first[0]}:{first[1]}:{first[2]})")
        else:
            registry[value] = (doc.path, *where)
        return value


def _plain_id(value: str) -> bool:
    # Ids appear in messages, JSON and file:line output: no spaces, no control or bidi
    # characters that could split or disguise a line.
    return value.isascii() and all(c.isalnum() or c in "_-." for c in value)
