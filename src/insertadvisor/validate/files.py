"""Merging a rule set's files into one: which top-level keys exist, which may be spread over
several files (lists), and which must be written once."""

from __future__ import annotations

from typing import Any

from insertadvisor.rules_io.located import located
from insertadvisor.validate.reporter import Doc, Reporter

# The words a person may type at a prompt (units.yaml, read by insertadvisor.natural).
WORD_KEYS = ("units", "fillers", "unsure", "help")
TOP_KEYS = ("name", "version", "description", "disclaimer", "levels", "insert_labels",
            "report", "sources", "regions", "default_region", "questions", "interview",
            "derived", "tables", "invariants", "tests", *WORD_KEYS)
REQUIRED_TOP = ("name", "version", "disclaimer", "levels", "insert_labels", "report",
                "sources", "regions", "default_region", "questions", "interview", "tables")
LIST_KEYS = ("sources", "regions", "questions", "derived", "tables", "invariants")

Entry = tuple[Doc, Any, tuple[int, int]]  # a list item, its file and its position


class Merged:
    """The rule set's top-level keys: single values with the file that holds them, and
    list items with the file and position of each."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.origin: dict[str, Doc] = {}
        self.lists: dict[str, list[Entry]] = {key: [] for key in LIST_KEYS}

    def has(self, key: str) -> bool:
        return key in self.values or bool(self.lists.get(key))


def merge(docs: list[Doc], out: Reporter) -> Merged:
    merged = Merged()
    for doc in docs:
        if doc.data is None:
            continue
        if not out.mapping(doc, doc.data, (1, 1), "a rule file", TOP_KEYS):
            continue
        for key, value in doc.data.items():
            if key not in TOP_KEYS:
                continue
            if key in LIST_KEYS:
                if not isinstance(value, list):
                    out.at_value(doc, doc.data, key, f"`{key}` must be a list")
                    continue
                merged.lists[key] += [(doc, item, where) for item, where in located(value)]
                merged.origin.setdefault(key, doc)
            elif key in merged.values:
                out.at_key(doc, doc.data, key,
                           f"`{key}` is already defined in {merged.origin[key].path}")
            else:
                merged.values[key], merged.origin[key] = value, doc
    for key in REQUIRED_TOP:
        if not merged.has(key) and not out.incomplete and docs:
            out.problem(docs[0], (1, 1), f"the rule set defines no `{key}` in any file")
    return merged
