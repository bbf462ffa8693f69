"""`rules check`: prove a rule set complete, consistent and safe, for every answer set.

The proof enumerates the answers over a finite partition of their domain (partition.py;
the DMN approach, not sampling), searched as a decision tree (search.py) over the
pipeline's own steps read with three values (threevalued.py). What is proved, per stage
(checks.py): first-hit and unique tables have no gap; unique tables have no overlap; every
rule can fire and every derived fact can be true; every invariant holds. Wording is
checked too (wording.py): every text, in every region, has its placeholders filled, and
holds what `text` invariants require. The proof covers every answer set a script may
send, which includes every path through the interview (an unasked question takes its
default, one of the values checked). Every counterexample is re-run through the engine.

Pure: no terminal, no YAML; commands/rules.py prints the report.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from insertadvisor.checker.budget import OverBudget, Watch
from insertadvisor.checker.checks import engine
from insertadvisor.checker.partition import number_points
from insertadvisor.checker.report import CheckReport, Finding, StageReport
from insertadvisor.checker.search import Prover
from insertadvisor.checker.wording import check_wording
from insertadvisor.model import Ruleset
from insertadvisor.pipeline import STAGES, TABLES

__all__ = ["CheckReport", "Finding", "OverBudget", "StageReport", "check", "gaps",
           "number_points", "violates"]


def check(ruleset: Ruleset, clock: Callable[[], float] = time.perf_counter, *,
          budget: float | None = None,
          progress: Callable[[int, float], None] | None = None) -> CheckReport:
    """Prove the rule set; every failure comes back as a Finding with a counterexample.

    `progress(nodes, seconds)` is called now and then once a second has passed; a proof
    not finished within `budget` seconds raises budget.OverBudget (exit 3)."""
    start = clock()
    watch = Watch(clock, budget, progress) if budget is not None or progress else None
    stages, findings = [], []
    # The search keeps every node it walks (other checks reuse them) and makes no cycles:
    # the cyclic collector would only rescan that growing heap, again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for stage in STAGES:
            report, found = Prover(ruleset, stage, watch).prove()
            stages.append(report)
            findings += found
    finally:
        if collecting:
            gc.enable()
    texts, wording = check_wording(ruleset)
    findings += wording
    tables = [(t.id, t.hit_policy, len(t.rules))
              for t in (ruleset.tables[tid] for tid in TABLES if tid in ruleset.tables)]
    return CheckReport(stages, tables, [i.id for i in ruleset.invariants], findings,
                       clock() - start, texts)


def gaps(ruleset: Ruleset, stage: str = "assess") -> list[Finding]:
    """The gaps of a stage's tables (answers no rule of a first-hit or unique table
    applies to), each with answers that fall through: what a batch checks before its first
    record, so that a gap stops nothing half-way. Milliseconds on the default rules."""
    return Prover(ruleset, stage).prove(frozenset({"gap"}))[1]


def violates(ruleset: Ruleset, finding: Finding) -> bool:
    """Re-run the engine on a finding's answers: do they show the failure? (For tests, and
    for anyone who doubts a report.) A shadowed rule's answers show its condition holding
    while the rule does not fire; a derived fact that is never true has no answers."""
    answers = finding.counterexample
    if answers is None:
        return False
    if finding.kind == "shadowed":
        done = engine(ruleset, finding.stage, answers)
        rule = next(r for r in ruleset.all_rules() if r.id == finding.subject)
        return rule.test(done.facts) and rule not in done.fired.get(rule.table, [])
    checks = Prover(ruleset, finding.stage).checks.all()
    found = [c for c in checks if c.kind == finding.kind and c.subject == finding.subject]
    return any(c.confirm(answers) is None for c in found)
