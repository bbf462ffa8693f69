"""What `rules check` proves, one Check each, and how a found example is confirmed by the
real engine (pipeline.run) before it is reported.

A check's `status(state)` says, for every answer set below a node of the search: "ok"
(nothing to report), "hit" (every one of them is what it looks for), or None (not yet
known) with a variable to choose next. Violation checks report their first hit; witness
checks (a rule that must be able to fire, an invariant that must be able to apply) report
when they never hit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from insertadvisor.checker.partition import Var
from insertadvisor.checker.threevalued import Evaluator, State, Walk
from insertadvisor.conditions import Node, describe, evaluate, leaves
from insertadvisor.model import Invariant, Rule, Ruleset, Table
from insertadvisor.pipeline import Run, run

Status = Callable[[State], tuple[str | None, Var | None]]
Confirm = Callable[[dict[str, Any]], str | None]  # None if confirmed, else why not
# Checks that fail when they never hit: a rule or derived fact that can never be true, an
# invariant whose `when` can never be true (it would hold vacuously, proving nothing).
WITNESS_KINDS = frozenset({"witness", "applies"})


class Check:
    __slots__ = ("confirm", "done", "eager", "example", "file", "kind", "line", "message",
                 "reads", "repeated", "status", "subject")

    def __init__(self, kind: str, subject: str, file: str, line: int, status: Status,
                 confirm: Confirm, message: str, reads: frozenset[str] = frozenset(),
                 repeated: frozenset[str] = frozenset()) -> None:
        self.kind = kind  # gap | overlap | invariant | witness | applies | monotone
        self.subject = subject
        self.file = file
        self.line = line
        self.status = status
        self.confirm = confirm
        self.message = message
        self.reads = reads  # facts its conditions read (for case splits)
        self.repeated = repeated  # those read by more than one of its leaves
        self.example: dict[str, Any] | None = None
        self.done = False
        # any example will do (a witness's is never shown): the search goes first where it
        # already holds (with n thresholds, a large part whose one run confirms many)
        self.eager = False


def engine(ruleset: Ruleset, stage: str, answers: dict[str, Any]) -> Run:
    """The real engine on an example, stopping (not raising) at a table with a gap."""
    return run(ruleset, stage, answers, tolerant=True)


def _first_blame(*pairs: tuple[bool | None, Var | None]) -> Var | None:
    return next((why for value, why in pairs if value is None and why is not None), None)


class Checks:
    """Builds the checks of one stage."""

    def __init__(self, ruleset: Ruleset, stage: str, ev: Evaluator, walk: Walk,
                 twin: Callable[[State, str, str, bool], State]) -> None:
        self.ruleset = ruleset
        self.stage = stage
        self.ev = ev
        self.walk = walk
        self.twin = twin  # a node with one item of a set forced present or absent
        self.seen: dict[int, tuple[list[Any], int, int]] = {}  # see firsts()
        self.witness_of: dict[int, Check] = {}  # id of a rule -> its check that it can fire
        self.applies_to_share: list[tuple[Node, Check]] = []  # see applies()
        self._last: tuple[dict[str, Any], Run] | None = None  # the last engine run
        self._places: dict[str, dict[int, int]] = {}  # see _place()

    def firsts(self, statuses: list[Any]) -> tuple[int, int]:
        """The places of the first rule that holds and of the first undecided one (the
        length if none) in one list of a table's statuses, worked out once per list."""
        found = self.seen.get(id(statuses))
        if found is None or found[0] is not statuses:
            values = [v for _, v in statuses]
            true_at = values.index(True) if True in values else len(values)
            none_at = values.index(None) if None in values else len(values)
            found = self.seen[id(statuses)] = (statuses, true_at, none_at)
        return found[1], found[2]

    def run(self, answers: dict[str, Any]) -> Run:
        """The engine on an example (the last run is kept: a hit is confirmed and then
        shared from one run)."""
        if self._last is not None and self._last[0] is answers:
            return self._last[1]
        done = engine(self.ruleset, self.stage, answers)
        self._last = (answers, done)
        return done

    def _place(self, table: Table, rule: Rule) -> int:
        """A regular rule's place in its table (the places are listed once per table)."""
        places = self._places.get(table.id)
        if places is None:
            places = self._places[table.id] = {id(r): i for i, r in enumerate(table.regular)}
        return places[id(rule)]

    def share(self, answers: dict[str, Any]) -> None:
        """Every rule and derived fact the engine fired on these answers can fire: their
        witnesses are done, with these answers (n thresholds take about log n runs of the
        engine instead of n)."""
        done = self.run(answers)
        for rules in done.fired.values():
            for rule in rules:
                found = self.witness_of.get(id(rule))
                if found is not None and not found.done:
                    found.example, found.done = answers, True
        if done.stopped:
            return
        # and every invariant whose `when` holds here applies
        for when, check in self.applies_to_share:
            if not check.done and evaluate(when, done.facts):
                check.example, check.done = answers, True

    def all(self) -> list[Check]:
        out = [self.derived(rule) for rule in self.walk.derived]
        for table in self.walk.tables:
            if table.hit_policy != "collect":
                out.append(self.gap(table))
            if table.hit_policy == "unique":
                out.append(self.overlap(table))
            out += [self.fires(table, rule) for rule in table.rules]
        for inv in self.ruleset.invariants:
            if inv.applies_to != self.stage:
                continue
            if inv.kind in ("expect", "monotone"):
                out.append(self.applies(inv))
            if inv.kind == "expect":
                # `when: {any: [a, b]}` holds exactly when `when: a` and `when: b` both
                # do: one search each is far smaller than one over both at once.
                whens = inv.when[1] if inv.when[0] == "any" else (inv.when,)
                out += [self.invariant(inv, when) for when in whens]
            elif inv.kind == "monotone":
                out += self.monotone(inv)
        return out

    # -- witnesses: every derived fact can be true, every rule can fire --------------

    def derived(self, rule: Rule) -> Check:
        def status(state: State) -> tuple[str | None, Var | None]:
            value, why = self.ev.eval(rule.when, state)
            return ("hit", None) if value else ("ok", None) if value is False else (None, why)

        def confirm(answers: dict[str, Any]) -> str | None:
            return None if self.run(answers).facts.get(rule.id) else "it was false"

        return self._witness(rule, Check(
            "witness", rule.id, rule.file, rule.line, status, confirm,
            f"derived fact `{rule.id}` can never be true: {describe(rule.when)}"))

    def _witness(self, rule: Rule, check: Check) -> Check:
        check.eager = True
        self.witness_of[id(rule)] = check
        return check

    def fires(self, table: Table, rule: Rule) -> Check:
        first = table.hit_policy == "first"
        # A table's statuses are always in the same order: the rule's place is found
        # once, and what comes before it is read from a summary kept per list of
        # statuses (shared by every node where it is unchanged), so a status costs the
        # same whatever the table's size (`rules check` with thousands of thresholds).
        # the otherwise rule comes last, after the regular ones
        index = len(table.regular) if rule is table.otherwise else self._place(table, rule)

        def status(state: State) -> tuple[str | None, Var | None]:
            statuses = state.fired[table.id]
            value = statuses[index][1]
            true_at, none_at = self.firsts(statuses) if first else (index, index)
            if value is False or true_at < index:
                return "ok", None
            if value is True and none_at >= index:
                return "hit", None
            earlier = [r for r, v in statuses[:index] if v is None] if first else []
            return None, self.walk.blame(state, [*earlier, rule]) or \
                self.walk.blame(state, [r for r, _ in statuses])

        def confirm(answers: dict[str, Any]) -> str | None:
            return None if rule in self.run(answers).fired.get(table.id, []) else \
                "it did not fire"

        why = "it can never apply" if not first else \
            "earlier rules always apply first, or its condition can never hold"
        if rule is table.otherwise:
            why = "another rule of the table always applies"
        return self._witness(rule, Check(
            "witness", rule.id, rule.file, rule.line, status, confirm,
            f"rule `{rule.id}` of table `{table.id}` never fires in {self.stage}: {why}"))

    # -- tables: no gap, no overlap --------------------------------------------------

    def gap(self, table: Table) -> Check:
        def status(state: State) -> tuple[str | None, Var | None]:
            values = [v for _, v in state.fired[table.id]]
            if True in values:
                return "ok", None
            if None not in values:
                return "hit", None
            return None, self.walk.blame(state, [r for r, _ in state.fired[table.id]])

        def confirm(answers: dict[str, Any]) -> str | None:
            done = self.run(answers)
            stopped_here = done.stopped is not None and table.id not in done.fired
            return None if stopped_here and not any(r.test(done.facts) for r in table.regular) \
                else "a rule applied"

        return Check("gap", table.id, table.file, table.line, status, confirm,
                     f"table `{table.id}` ({table.hit_policy}) has a gap: no rule applies")

    def overlap(self, table: Table) -> Check:
        def status(state: State) -> tuple[str | None, Var | None]:
            values = [v for _, v in state.fired[table.id]]
            if values.count(True) >= 2:
                return "hit", None
            if values.count(True) + values.count(None) <= 1:
                return "ok", None
            return None, self.walk.blame(state, [r for r, v in state.fired[table.id]
                                                 if v is None])

        def confirm(answers: dict[str, Any]) -> str | None:
            facts = self.run(answers).facts
            applied = [r.id for r in table.regular if r.test(facts)]
            return None if len(applied) >= 2 else "fewer than two rules applied"

        return Check("overlap", table.id, table.file, table.line, status, confirm,
                     f"table `{table.id}` (unique) has an overlap: more than one rule "
                     "applies")

    # -- invariants ------------------------------------------------------------------

    def applies(self, inv: Invariant) -> Check:
        """A witness: some answers make the invariant's `when` true (its whole `when`, not
        each part of an `any`). An invariant that never applies holds for no reason."""
        when = inv.when

        def status(state: State) -> tuple[str | None, Var | None]:
            value, why = self.ev.eval(when, state)
            return ("hit", None) if value else ("ok", None) if value is False else (None, why)

        def confirm(answers: dict[str, Any]) -> str | None:
            done = self.run(answers)
            if done.stopped:
                # A table with a gap stopped the run first: that gap is the finding (an
                # unconfirmed hit would send the search through every answer set).
                return None
            return None if evaluate(when, done.facts) else "its when was false"

        check = Check("applies", inv.id, inv.file, inv.line, status, confirm,
                      f"invariant `{group_of(inv.id)}` never applies in {self.stage}: no "
                      f"answers make its `when` true ({describe(when)}), so it proves "
                      "nothing; correct its `when`")
        self.applies_to_share.append((when, check))
        return check

    def invariant(self, inv: Invariant, part: Node) -> Check:
        """The invariant, for the answers where `part` of its `when` holds."""
        read = [leaf[1] for node in (part, inv.expect) for leaf in leaves(node)]

        def status(state: State) -> tuple[str | None, Var | None]:
            when = self.ev.eval(part, state)
            if when[0] is False:
                return "ok", None
            expect = self.ev.eval(inv.expect, state)
            if expect[0] is True:
                return "ok", None
            if when[0] and expect[0] is False:
                return "hit", None
            return None, _first_blame(when, expect)

        def confirm(answers: dict[str, Any]) -> str | None:
            done = self.run(answers)
            if done.stopped:
                return done.stopped
            if evaluate(part, done.facts) and not evaluate(inv.expect, done.facts):
                return None
            return "the invariant held"

        return Check("invariant", inv.id, inv.file, inv.line, status, confirm,
                     f"invariant `{inv.id}` fails: when {describe(inv.when)}, expected "
                     f"{describe(inv.expect)}, but",
                     reads=frozenset(read), repeated=frozenset(f for f in read
                                                               if read.count(f) > 1))

    def monotone(self, inv: Invariant) -> list[Check]:
        """Adding an item of the set never makes triage less urgent than a rule that fired:
        for each rule that sets triage and each item its condition reads negatively (only
        those can turn it off), unless the invariant excepts the pair."""
        out = []
        triage = self.walk.stage.products["triage"]
        for tid in triage.tables:
            table = self.ruleset.stage_tables[self.stage].get(tid)
            for rule in table.rules if table else ():
                turned_off = negative_items(rule.when, inv.fact, self.walk.derived)
                for item in turned_off:
                    if item not in inv.exceptions.get(rule.id, ()):
                        out.append(self._adding(inv, rule, item))
        return out

    def _adding(self, inv: Invariant, rule: Rule, item: str) -> Check:
        fact = inv.fact
        level = self.ruleset.rank[rule.then.get("urgency") or rule.then["level"]]
        rank = self.ruleset.rank

        def status(state: State) -> tuple[str | None, Var | None]:
            if item in state.present[fact]:
                return "ok", None
            applies, why_when = self.ev.eval(inv.when, state)
            if applies is False:
                return "ok", None
            without, with_it = self.twin(state, fact, item, False), \
                self.twin(state, fact, item, True)
            fires, why = self.ev.eval(rule.when, without)
            if fires is False:
                return "ok", None
            levels = [rank[v] for v in with_it.values["triage"]]
            if max(levels) <= level:
                return "ok", None
            if fires and min(levels) > level and applies:
                return "hit", None
            return None, why_when or why or self.ev.blame_of(with_it, "triage")

        def confirm(answers: dict[str, Any]) -> str | None:
            base = {**answers, fact: [i for i in answers[fact] if i != item]}
            added = {**answers, fact: [*base[fact], item]}
            before, after = self.run(base), self.run(added)
            if before.stopped or after.stopped:
                return before.stopped or after.stopped
            if rule in before.fired[rule.table] and rank[after.facts["triage"]] > level \
                    and evaluate(inv.when, before.facts):
                return None
            return "triage did not drop"

        return Check("monotone", inv.id, inv.file, inv.line, status,
                     confirm, f"invariant `{inv.id}` fails: `{rule.id}` fires, but adding "
                     f"`{item}` to {fact} makes triage less urgent than "
                     f"{rule.then.get('urgency') or rule.then['level']}")


def group_of(invariant_id: str) -> str:
    """The invariant as written: `alone` makes one invariant per item, `id:item` (an id
    holds no `:`, so the part before it is the invariant's own id)."""
    return invariant_id.partition(":")[0]


def negative_items(node: Node, fact: str, derived: tuple[Rule, ...],
                   negated: bool = False) -> list[str]:
    """The items of set `fact` whose presence can make `node` false: those it reads
    under a negation (or through `has_none`), directly or through derived facts."""
    definitions = {rule.id: rule.when for rule in derived}
    out: dict[str, None] = {}

    def visit(n: Node, neg: bool, seen: frozenset[str]) -> None:
        op = n[0]
        if op in ("all", "any"):
            for child in n[1]:
                visit(child, neg, seen)
        elif op == "not":
            visit(n[1], not neg, seen)
        elif op in ("always", "otherwise"):
            return
        elif n[1] == fact:
            items = n[2] if isinstance(n[2], tuple) else (n[2],)
            if (op == "has_none") != neg:
                out.update(dict.fromkeys(items))
        elif n[1] in definitions and n[1] not in seen:
            # a derived fact: tested true (eq true / ne false) keeps its polarity
            flips = (op == "eq") != (n[2] is True)
            visit(definitions[n[1]], neg != flips, seen | {n[1]})

    visit(node, negated, frozenset())
    return list(out)
