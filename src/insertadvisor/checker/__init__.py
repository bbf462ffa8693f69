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
    return _on_a_thread_of_its_own(lambda stop: _check(ruleset, clock, budget, progress, stop))


def _on_a_thread_of_its_own(work: Callable[[Callable[[], bool]], CheckReport]) -> CheckReport:
    """Run the proof on a fresh thread and wait for it (its exceptions are raised here);
    on Ctrl-C, ask it to stop (`work` is given how to ask), wait for it to unwind, and
    raise KeyboardInterrupt.

    Why: CPython 3.11 keeps a thread's frames in 16 KB chunks and frees a chunk as soon as
    the first frame in it returns. A search whose depth swings across a chunk boundary
    maps and unmaps memory at every swing: called from the command line, 48,000 times
    on the default rules, a quarter of `rules check`'s time. A fresh thread's frames start
    at the start of a chunk, as in a short script, and the swings stay inside one."""
    import threading

    done: list[CheckReport] = []
    failed: list[BaseException] = []
    stop, finished = threading.Event(), threading.Event()

    def run() -> None:
        try:
            done.append(work(stop.is_set))
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            failed.append(exc)
        finally:
            finished.set()

    # a daemon too: whatever happens, the process never waits for a proof to finish
    threading.Thread(target=run, name="rules-check", daemon=True).start()
    try:
        finished.wait()  # (not join(): in 3.11 a join interrupted once never waits again)
    except KeyboardInterrupt:
        stop.set()  # the search stops within EVERY nodes, and its tree is freed as it unwinds
        finished.wait()
        raise
    if failed:
        raise failed[0]
    return done[0]


def _check(ruleset: Ruleset, clock: Callable[[], float], budget: float | None,
           progress: Callable[[int, float], None] | None,
           stop: Callable[[], bool] | None = None) -> CheckReport:
    start = clock()
    watch = Watch(clock, budget, progress, stop)
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
