"""The search: a decision tree over the partition, pruned by three-valued evaluation.

The next answer to choose is one that an unsettled check still depends on; a branch stops
as soon as every open check is settled. An invariant that reads facts the pipeline adds
(triage, insert, ...) is also settled by cases over the values those facts may take at a
node: the rules relate them (a heel lift only comes with an insert), which three values
alone cannot see. Every example found is re-run through the real engine before it counts.
"""

from __future__ import annotations

import math
from typing import Any

from insertadvisor.checker.budget import Watch
from insertadvisor.checker.checks import WITNESS_KINDS, Check, Checks, group_of
from insertadvisor.checker.partition import Var, build_vars, facts_read
from insertadvisor.checker.report import Finding, StageReport
from insertadvisor.checker.threevalued import Evaluator, State, Walk
from insertadvisor.conditions import show_value
from insertadvisor.model import Ruleset
from insertadvisor.pipeline import Fired

SPLIT = 2  # a value answer with more possible values than this is halved (Prover._parts)


class Prover:
    def __init__(self, ruleset: Ruleset, stage: str, watch: Watch | None = None) -> None:
        self.ruleset = ruleset
        self.watch = watch  # ticked at every node walked (progress, time budget)
        self.stage = stage
        self.vars = build_vars(ruleset, stage)
        self.ev = Evaluator(self.vars)
        self.walk = Walk(ruleset, stage, self.ev, self.vars, facts_read(ruleset, stage))
        self.questions = ruleset.questions[stage]
        self.nodes = 0
        self.checks = Checks(ruleset, stage, self.ev, self.walk, self.twin)
        self._plans: dict[Check, tuple[tuple[str, ...], tuple[str, ...]] | tuple[()]] = {}
        # the facts a case split may fix: derived facts and the single values steps add
        self.intermediate = [r.id for r in self.walk.derived] + [
            f for f, p in self.walk.stage.products.items()
            if not isinstance(p, Fired) and p.kind != "text"]

    # ---- states

    def initial(self) -> State:
        values: dict[str, tuple[Any, ...]] = {}
        present: dict[str, frozenset[str]] = {}
        for q in self.questions:
            if q.type == "set":
                present[q.id] = frozenset()
        for var in self.vars:
            if var.kind == "value":
                values[var.fact] = tuple(var.domain)
        return State(values, present, dict(present))

    def narrow(self, state: State, var: Var, value: Any) -> State:
        """The node with `var` narrowed: a value answer to the values `value` (a tuple),
        a set class to the choice `value` (items present, items absent)."""
        values = dict(state.values)
        present, absent = dict(state.present), dict(state.absent)
        if var.kind == "value":
            values[var.fact] = value
        else:
            present[var.fact] = present[var.fact] | value[0]
            absent[var.fact] = absent[var.fact] | value[1]
        return State(values, present, absent)

    def twin(self, state: State, fact: str, item: str, present: bool) -> State:
        """The node with one item of a set forced present or absent, walked (kept with
        the node, so checks that need the same twin share it)."""
        key = ("+" if present else "-", fact, item)
        cached = state.variants.get(key)
        if cached:
            return cached[0]
        values = dict(state.values)
        have, lack = dict(state.present), dict(state.absent)
        if present:
            have[fact], lack[fact] = have[fact] | {item}, lack[fact] - {item}
        else:
            lack[fact], have[fact] = lack[fact] | {item}, have[fact] - {item}
        made = State(values, have, lack)
        self.walk.run(made, state)
        state.variants[key] = [made]
        return made

    def answers(self, state: State) -> dict[str, Any]:
        """A complete answer set from a node: unchosen answers take their first part."""
        return state.answers(self.questions)

    # ---- the search

    def search(self, state: State, checks: list[Check], parent: State | None = None) -> None:
        self.nodes += 1
        self.walk.run(state, parent)
        self._below(state, checks)

    def _below(self, state: State, checks: list[Check]) -> None:
        """Settle `checks` for every answer set below a node whose facts are computed."""
        open_checks: list[Check] = []
        branch: Var | None = None
        for check in checks:
            if check.done:
                continue
            verdict, why = check.status(state)
            if verdict is None and check.kind == "invariant":
                verdict = self._split(check, state)
            if verdict == "hit" and not self._hit(check, state):
                verdict = None if self._complete(state) is False else "ok"
            if verdict is None:
                open_checks.append(check)
                branch = branch or why
        if not open_checks:
            return
        if branch is None or self._assigned(state, branch):
            branch = next((v for v in self.vars if not self._assigned(state, v)), None)
            if branch is None:  # every answer chosen: the engine's verdict stands
                return
        parts = self._parts(state, branch)
        if all(c.eager for c in open_checks):
            # Any example will do: go first where a check already holds. With n
            # thresholds, the first hit is then a large part of the domain, whose one
            # engine run confirms many rules at once (Checks.share).
            children = [self._child(state, branch, key, part) for key, part in parts]
            children.sort(key=lambda child: not any(c.status(child)[0] == "hit"
                                                    for c in open_checks))
            for child in children:
                self._below(child, open_checks)
            return
        for key, part in parts:
            self._below(self._child(state, branch, key, part), open_checks)

    def _child(self, state: State, var: Var, key: tuple[str, Any], part: Any) -> State:
        """A node's child with `var` narrowed to `part`, walked (once: the searches of
        every check share the tree)."""
        child = state.children.get(key)
        if child is None:
            child = state.children[key] = self.narrow(state, var, part)
            self.nodes += 1
            if self.watch is not None:
                self.watch.tick()
            self.walk.run(child, state, narrower=True)
        return child

    def _parts(self, state: State, var: Var) -> list[tuple[tuple[str, Any], Any]]:
        """How a node is split on `var`: a set class by its choices; a number or choice
        answer by its possible values, or, when it has more than SPLIT of them, into two
        halves (in order, so examples are still the first answers that show a finding).
        Halving keeps a node's rules mostly decided by its parent: with n thresholds on
        one answer a search walks about 2n nodes, and a rule that must be able to fire
        reaches its answers in about log n steps instead of going through n siblings."""
        if var.kind != "value":
            return [((var.name, i), v) for i, v in enumerate(var.domain)]
        possible = state.values[var.fact]
        if len(possible) <= SPLIT:
            return [((var.name, i), (v,)) for i, v in enumerate(possible)]
        half = len(possible) // 2
        return [((var.name, "low"), possible[:half]), ((var.name, "high"), possible[half:])]

    def _split(self, check: Check, state: State) -> str | None:
        """Settle an undecided check by cases over the values the intermediate facts may
        take here. Sound: the real value is always one of the cases."""
        plan = self._plans.get(check)
        if plan is None:
            plan = self._plans[check] = self._plan(check)
        if not plan:
            return None
        facts, walked = plan
        verdicts = {check.status(v)[0] for v in self._variants(state, facts, walked)}
        return verdicts.pop() if len(verdicts) == 1 else None

    def _plan(self, check: Check) -> tuple[tuple[str, ...], tuple[str, ...]] | tuple[()]:
        """How a check is split into cases (the same at every node): the facts to fix, and
        those of them whose fixing is followed down the pipeline; () if splitting cannot
        help it."""
        facts = tuple(f for f in self.intermediate if f in check.reads)
        # Fixing a fact is followed down the pipeline only when the check reads something
        # computed after it: most splits are over triage alone, read by nothing later.
        order = self.walk.order
        reach = max((order.get(f, -1) for f in check.reads), default=-1)
        walked = tuple(f for f in facts if order[f] < reach)
        if not walked and check.repeated.isdisjoint(facts):
            # Cases that fix facts each read by one leaf only, and change nothing else,
            # cannot settle what three values left open: Kleene's logic is exact for a
            # condition that reads a value once (tests/test_checker_incremental.py).
            return ()
        return facts, walked

    def _variants(self, state: State, facts: tuple[str, ...],
                  walked: tuple[str, ...]) -> list[State]:
        """The node split into cases, one per combination of possible values of `facts`
        (in the order the pipeline computes them) that the rules can produce together;
        fixing a fact of `walked` is followed by the pipeline after it."""
        key = (*facts, "|", *walked)
        if key in state.variants:
            return state.variants[key]
        out: list[State] = []
        todo = [state]
        while todo:
            current = todo.pop()
            fact = next((f for f in facts if len(current.values[f]) > 1), None)
            if fact is None:
                out.append(current)
                continue
            for value in current.values[fact]:
                if fact not in walked:
                    todo.append(current.fixed(fact, value))
                    continue
                case = current.pin(fact, value)
                self.walk.run(case, current)
                if not case.impossible:
                    todo.append(case)
        state.variants[key] = out
        return out

    def _assigned(self, state: State, var: Var) -> bool:
        if var.kind == "value":
            return len(state.values[var.fact]) == 1
        return bool(var.items & (state.present[var.fact] | state.absent[var.fact]))

    def _hit(self, check: Check, state: State) -> bool:
        """Record a hit once the real engine confirms it (a table with a gap can stop the
        pipeline before the three-valued view expects; such a hit is not claimed)."""
        answers = self.answers(state)
        if check.confirm(answers) is not None:
            return False
        check.example = answers
        check.done = True
        if check.kind in WITNESS_KINDS:  # the engine's run shows others can fire or apply
            self.checks.share(answers)
        return True

    def _complete(self, state: State) -> bool:
        return all(self._assigned(state, v) for v in self.vars)

    # ---- the proof

    def prove(self, kinds: frozenset[str] | None = None) -> tuple[StageReport, list[Finding]]:
        """The proof; with `kinds`, of those checks only (`{"gap"}` before a batch)."""
        checks = [c for c in self.checks.all() if kinds is None or c.kind in kinds]
        # One search per check: each branches only on what it depends on. (One search for
        # all of them would branch on every answer any of them reads, everywhere.) The
        # root, and the case splits made at it, are shared.
        root = self.initial()
        self.nodes += 1
        self.walk.run(root)
        for check in checks:
            self._below(root, [check])
        failed: dict[tuple[str, str], Check] = {}  # one finding per invariant, not per part
        parts: dict[str, list[Check]] = {}  # invariant as written -> its `applies` checks
        for c in checks:
            if c.kind == "applies":
                parts.setdefault(group_of(c.subject), []).append(c)
            elif c.done if c.kind not in WITNESS_KINDS else not c.done:
                failed.setdefault((c.kind, c.subject), c)
        findings = [self._finding(c) for c in failed.values()]
        findings += [self._never_applies(group, found) for group, found in parts.items()
                     if not all(c.done for c in found)]
        partition = {v.name: len(v.domain) for v in self.vars}
        points = {v.fact: list(v.domain) for v in self.vars if v.kind == "value"}
        classes: dict[str, list[list[str]]] = {}
        for q in self.questions:
            if q.type == "set":
                classes[q.id] = [[i for i in q.choices if i in v.items]
                                 for v in self.vars if v.fact == q.id]
        report = StageReport(self.stage, partition, points, classes,
                             math.prod(partition.values()), self.nodes, len(checks))
        return report, findings

    def _finding(self, check: Check) -> Finding:
        example = check.example
        message = check.message
        if check.kind == "invariant" and example is not None:
            facts = self.checks.run(example).facts
            shown = ", ".join(f"{k} = {show_value(facts.get(k))}"
                              for k in self.walk.stage.products if k in facts
                              and not isinstance(facts.get(k), frozenset))
            message = f"{message} got {shown}"
        elif check.kind == "overlap" and example is not None:
            facts = self.checks.run(example).facts
            table = self.ruleset.tables[check.subject]
            message += f" ({', '.join(r.id for r in table.regular if r.test(facts))})"
        elif check.kind == "witness":
            example = self._shadow_example(check)
            if example is not None:
                done = self.checks.run(example)
                winners = done.fired.get(_table_of(self.ruleset, check.subject) or "") or []
                winner = winners[0].id if winners else "another rule"
                message += f"; for example, its condition holds here but `{winner}` applies first"
        kind = check.kind
        if kind == "witness":
            derived = {r.id for r in self.walk.derived}
            kind = "never_true" if check.subject in derived else "shadowed"
        return Finding(kind, check.file, check.line, check.subject, message, example,
                       self.stage)

    def _never_applies(self, group: str, parts: list[Check]) -> Finding:
        """One finding per invariant as written: its `when` is never true, or (`alone`)
        never true with some items alone, whose levels are then never checked."""
        missed = [c for c in parts if not c.done]
        first = missed[0]
        message = first.message
        if ":" in first.subject:  # the parts of an `alone` invariant, one per item
            items = ", ".join(f"`{c.subject.partition(':')[2]}`" for c in missed)
            message = f"invariant `{group}` never applies in {self.stage} " + (
                "with any one item alone: no answers make its `when` true, so it proves "
                "nothing" if len(missed) == len(parts) else
                f"with {items} alone: its `when` rules {'it' if len(missed) == 1 else 'them'}"
                f" out, so the level listed for {'it' if len(missed) == 1 else 'them'} is "
                "never checked") + "; correct its `when`"
        return Finding("never_applies", first.file, first.line, group, message, None,
                       self.stage, parts=tuple(c.subject for c in missed))

    def _shadow_example(self, check: Check) -> dict[str, Any] | None:
        """For a rule that never fires in a first-hit table: answers where its condition
        holds (so an earlier rule must have won), if there are any."""
        tid = _table_of(self.ruleset, check.subject)
        table = self.ruleset.stage_tables[self.stage].get(tid) if tid else None
        if table is None or table.hit_policy != "first":
            return None
        rule = next(r for r in table.rules if r.id == check.subject)
        found: list[dict[str, Any]] = []

        def status(state: State) -> tuple[str | None, Var | None]:
            value, why = self.ev.eval(rule.when, state)
            return ("hit", None) if value else ("ok", None) if value is False else (None, why)

        def confirm(answers: dict[str, Any]) -> str | None:
            found.append(answers)
            return None

        probe = Check("witness", rule.id, rule.file, rule.line, status, confirm, "")
        self.search(self.initial(), [probe])
        return found[0] if found else None


def _table_of(ruleset: Ruleset, rule_id: str) -> str | None:
    return next((t.id for t in ruleset.tables.values() for r in t.rules if r.id == rule_id),
                None)
