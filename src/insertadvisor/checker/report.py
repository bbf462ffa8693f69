"""What `rules check` found: per stage, the partition it searched and what failed."""

from __future__ import annotations

from typing import Any


class Finding:
    """One failure of the proof, with answers that show it (None for a rule that never
    fires and has no example at all, or for a finding about wording)."""

    __slots__ = ("counterexample", "file", "kind", "line", "message", "parts", "stage",
                 "subject")

    def __init__(self, kind: str, file: str, line: int, subject: str, message: str,
                 counterexample: dict[str, Any] | None = None, stage: str = "assess",
                 parts: tuple[str, ...] = ()) -> None:
        # gap | overlap | shadowed | invariant | monotone | never_true | never_applies | text
        self.kind = kind
        self.file = file
        self.line = line
        self.subject = subject  # the table, rule, derived fact or invariant concerned
        self.message = message
        self.counterexample = counterexample
        self.stage = stage
        self.parts = parts or (subject,)  # never_applies: the invariant ids concerned


class StageReport:
    __slots__ = ("checks", "classes", "combinations", "nodes", "partition", "points", "stage")

    def __init__(self, stage: str, partition: dict[str, int], points: dict[str, list[Any]],
                 classes: dict[str, list[list[str]]], combinations: int, nodes: int,
                 checks: int) -> None:
        self.stage = stage
        self.partition = partition  # variable -> number of parts
        self.points = points  # choice or number fact -> the representative values
        self.classes = classes  # set fact -> its classes of alike items
        self.combinations = combinations  # product of the parts: answer classes covered
        self.nodes = nodes  # decision-tree nodes the search visited
        self.checks = checks


class CheckReport:
    __slots__ = ("findings", "invariants", "seconds", "stages", "tables", "texts")

    def __init__(self, stages: list[StageReport], tables: list[tuple[str, str, int]],
                 invariants: list[str], findings: list[Finding], seconds: float,
                 texts: int) -> None:
        self.stages = stages
        self.tables = tables  # (id, hit policy, number of rules)
        self.invariants = invariants
        self.findings = findings
        self.seconds = seconds
        self.texts = texts  # texts checked for placeholders, in every region

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def combinations(self) -> int:
        return sum(s.combinations for s in self.stages)
