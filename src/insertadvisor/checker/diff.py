"""`rules diff`: what changed for people between two rule sets, for every answer set.

Both rule sets are walked side by side over their joint partition (joint.py), with the
machinery `rules check` proves with: each pipeline read with three values over partly
chosen answers (threevalued.py), node by node, each walked incrementally from its parent.
Compared, per stage, is every outcome pipeline.STAGES adds that a person acts on: the
triage level (MostUrgent), each single decision (Chosen: the insert type, the heel lift),
each flag a rule raises (AnyTrue: stop_wearing), and each referral or action (a Fired list
ranked by level), rule by rule: given or not, and at which level.

For each outcome, one search counts, below each node, the share of its cells where the
two sets' outcomes differ, per (old, new) pair: a node is settled where both are known
(one value each) or where agree.py shows they surely agree. Shares are memoised on what
is still open below a node, so paths to the same open problem are counted once. A
difference is one (old, new) pair of one outcome: its cells, and one example, re-run
through both real engines (pipeline.run), which must give the stated values.

The open problem below a node (its memo key, `_open`) is what can still change the
outcome: a triage's rivals, a choice's candidates, one referral's rule, each with what is
known of the facts it reads, following open derived facts and earlier steps. Each
outcome's tree walks only the pipeline's steps up to its own. Policy version 1 against
version 2: about 21,000 nodes, most of them for the triage and the insert (which reads
the triage).

A set that differs in some referral differs in the set of referrals; comparing rule by
rule is the same comparison, made small enough to search, and says which one. A rule id is
the identity of a referral: a renamed rule shows as one removed and one added, unless
`renames` pairs the two ids.

Pure: no terminal, no YAML; commands/rules.py prints the report.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from insertadvisor.checker.agree import Agreement
from insertadvisor.checker.checks import engine
from insertadvisor.checker.joint import Joint, QuestionChange
from insertadvisor.checker.partition import Var
from insertadvisor.checker.threevalued import Evaluator, State, Walk, _reads
from insertadvisor.conditions import CHOICE_OPS, leaves
from insertadvisor.model import Rule, Ruleset
from insertadvisor.pipeline import GAP, STAGES, AnyTrue, Chosen, Fired, MostUrgent, Product, Run

LESS, MORE, NEITHER = "less_urgent", "more_urgent", "neither"

__all__ = ["LESS", "MORE", "NEITHER", "DiffReport", "Difference", "diff"]


class Difference:
    """One change of one outcome (old value -> new value): every cell of the joint
    partition where it happens (its region), how many, and one example."""

    __slots__ = ("cells", "direction", "example", "new", "old", "old_example", "rules",
                 "stage", "subject", "what")

    def __init__(self, stage: str, what: str, subject: str, old: Any, new: Any,
                 direction: str) -> None:
        self.stage = stage
        self.what = what  # triage | insert | heel_lift | stop_wearing | referrals | actions
        self.subject = subject  # the fact, or the referral's rule id ("old -> new" if renamed)
        self.old = old  # the value; for a referral: {"rule", "urgency", "to"} or None
        self.new = new
        self.direction = direction  # less_urgent | more_urgent | neither
        self.cells = 0
        self.example: dict[str, Any] = {}  # answers for the new rule set
        self.old_example: dict[str, Any] = {}  # the same answers, as the old set's
        # the rules that fire in one set only for the example (before the outcome)
        self.rules: dict[str, list[str]] = {"old_only": [], "new_only": []}


class StageSummary:
    __slots__ = ("cells", "nodes", "stage")

    def __init__(self, stage: str, cells: int, nodes: int) -> None:
        self.stage = stage
        self.cells = cells  # the cells of the joint partition
        self.nodes = nodes  # decision-tree nodes walked


class DiffReport:
    __slots__ = ("differences", "new", "old", "questions", "renames", "seconds", "stages")

    def __init__(self, old: Ruleset, new: Ruleset, questions: list[QuestionChange],
                 differences: list[Difference], stages: list[StageSummary],
                 renames: dict[str, str], seconds: float) -> None:
        self.old = old
        self.new = new
        self.questions = questions
        self.differences = differences  # worst first: less urgent, then more, then neither
        self.stages = stages
        self.renames = renames
        self.seconds = seconds

    @property
    def same(self) -> bool:
        return not self.differences and not self.questions



def diff(old: Ruleset, new: Ruleset, renames: dict[str, str] | None = None,
         clock: Callable[[], float] = time.perf_counter) -> DiffReport:
    """Compare two rule sets over every answer set; see the module's docstring."""
    start = clock()
    renames = dict(renames or {})
    _check_renames(old, new, renames)
    questions: list[QuestionChange] = []
    differences: list[Difference] = []
    stages: list[StageSummary] = []
    collecting = gc.isenabled()
    gc.disable()  # as in `rules check`: the kept nodes make no cycles worth scanning for
    try:
        for stage in STAGES:
            search = Search(old, new, stage, renames)
            questions += search.joint.changes
            differences += search.run()
            stages.append(StageSummary(stage, search.joint.total, search.nodes))
    finally:
        if collecting:
            gc.enable()
    differences.sort(key=lambda d: _worst_first(d, new))
    return DiffReport(old, new, questions, differences, stages, renames, clock() - start)


def _check_renames(old: Ruleset, new: Ruleset, renames: dict[str, str]) -> None:
    old_ids = {r.id for r in old.all_rules()}
    new_ids = {r.id for r in new.all_rules()}
    for a, b in renames.items():
        if a not in old_ids:
            raise ValueError(f"`{a}` is not a rule of the old rule set")
        if b not in new_ids:
            raise ValueError(f"`{b}` is not a rule of the new rule set")


# -- what is compared ---------------------------------------------------------------------


class Outcome:
    """One compared outcome: its possible values at a node, on each side, and its value
    from a run of the real engine."""

    __slots__ = ("fact", "key", "product", "rules", "subject", "what")

    def __init__(self, product: Product, rules: tuple[Rule | None, Rule | None] = (None, None),
                 subject: str = "") -> None:
        self.product = product
        self.fact = product.fact
        self.what = product.fact
        self.rules = rules  # a referral or action: its rule in the old and the new set
        self.subject = subject or product.fact
        known = next((r for r in rules if r is not None), None)
        # a referral's level output (`urgency`, `level`), by its table
        self.key = product.by_level.get(known.table, "") if isinstance(product, Fired) \
            and known is not None else ""

    def possible(self, side: int, state: State) -> tuple[Any, ...]:
        if not isinstance(self.product, Fired):
            return state.values[self.fact]
        rule = self.rules[side]
        if rule is None:
            return (None,)
        level = _level(self.product, rule)
        if rule.id in state.present[self.fact]:
            return (level,)
        if rule.id in state.absent[self.fact]:
            return (None,)
        return (level, None)

    def blame(self, side: int, state: State, ev: Evaluator) -> Var | None:
        rule = self.rules[side]
        if rule is not None:
            found = ev.first_open(state, [rule])
            if found is not None:
                return found
        return ev.blame_of(state, self.fact)

    def value(self, side: int, done: Run) -> Any:
        if not isinstance(self.product, Fired):
            return done.facts.get(self.fact, GAP)
        rule = self.rules[side]
        if rule is None or rule.id not in done.facts.get(self.fact, frozenset()):
            return None
        return _level(self.product, rule)

    def shown(self, side: int, value: Any) -> Any:
        """A value as the report gives it: a referral as its rule, level and destination."""
        rule = self.rules[side]
        if not isinstance(self.product, Fired):
            return value
        if value is None or rule is None:
            return None
        return {"rule": rule.id, "urgency": value, "to": rule.then.get("to")}

    def direction(self, old: Any, new: Any, ruleset: Ruleset) -> str:
        product = self.product
        least = ruleset.levels[-1].id
        if GAP in (old, new):
            return NEITHER  # a table with a gap decided nothing
        if isinstance(product, MostUrgent):
            return LESS if ruleset.rank[new] > ruleset.rank[old] else MORE
        if isinstance(product, AnyTrue):
            return LESS if old and not new else MORE
        if isinstance(product, Fired):
            # a referral no longer given, or given later, asks for less care
            old_rank = ruleset.rank[old] if old is not None else len(ruleset.levels)
            new_rank = ruleset.rank[new] if new is not None else len(ruleset.levels)
            if (old or least) == least and (new or least) == least:
                return NEITHER  # a self-care action given or not: no referral involved
            return LESS if new_rank > old_rank else MORE
        return NEITHER


def _level(product: Fired, rule: Rule) -> str:
    key = product.by_level[rule.table]
    return str(rule.then.get(key))


def outcomes(old: Ruleset, new: Ruleset, stage: str, renames: dict[str, str]) -> list[Outcome]:
    """What a stage's pipeline decides that a person acts on (pipeline.STAGES), in order."""
    out: list[Outcome] = []
    for product in STAGES[stage].products.values():
        if isinstance(product, (MostUrgent, AnyTrue)) or \
                (isinstance(product, Chosen) and product.kind in ("insert_type", "bool")):
            out.append(Outcome(product))
        elif isinstance(product, Fired) and product.by_level:
            out += _rule_outcomes(old, new, stage, product, renames)
    return out


def _rule_outcomes(old: Ruleset, new: Ruleset, stage: str, product: Fired,
                   renames: dict[str, str]) -> list[Outcome]:
    def rules_of(ruleset: Ruleset) -> dict[str, Rule]:
        tables = ruleset.stage_tables[stage]
        return {r.id: r for t in product.tables if t in tables for r in tables[t].rules}

    before, after = rules_of(old), rules_of(new)
    back = {b: a for a, b in renames.items()}
    out = []
    for rid, rule in after.items():
        was = back.get(rid, rid)
        subject = f"{was} -> {rid}" if was != rid else rid
        out.append(Outcome(product, (before.get(was), rule), subject))
    for rid, rule in before.items():
        if renames.get(rid, rid) not in after:
            out.append(Outcome(product, (rule, None), rid))
    return out


# -- the search ---------------------------------------------------------------------------


class Node:
    """A node of the decision tree: each side's walked state, and what has been chosen."""

    __slots__ = ("children", "path", "states")

    def __init__(self, states: tuple[State, State], path: dict[str, int]) -> None:
        self.states = states
        self.path = path  # variable name -> the index of the part chosen
        self.children: dict[tuple[str, int], Node] = {}


Counts = dict[tuple[Any, Any], tuple[Fraction, Node]]  # change -> (share, an example)


class Search:
    """Both rule sets over one stage's joint domain; one search per outcome, over a
    shared tree of walked nodes."""

    def __init__(self, old: Ruleset, new: Ruleset, stage: str, renames: dict[str, str]) -> None:
        self.stage = stage
        self.joint = Joint(old, new, stage)
        self.sides = (self.joint.old, self.joint.new)
        self.evs = (Evaluator(self.sides[0].vars), Evaluator(self.sides[1].vars))
        self.walks = tuple(Walk(s.ruleset, stage, ev, s.vars)
                           for s, ev in zip(self.sides, self.evs, strict=True))
        self.agreement = Agreement(self.sides, self.evs, stage, renames)
        # a referral whose rule is the same in both sets (same level, a condition written
        # alike over facts that mean the same) cannot differ: not searched at all
        self.outcomes = [o for o in outcomes(old, new, stage, renames)
                         if not (isinstance(o.product, Fired) and
                                 self.agreement.referral(o.rules, o.key, None))]
        self.nodes = 0
        self._derived = tuple({r.id: r for r in w.derived} for w in self.walks)
        self._read_order: dict[int, tuple[tuple[str, Any], ...]] = {}
        self._steps: int | None = None
        self._first: list[Var] = []
        self._reads: tuple[list[tuple[str, Any]], ...] = ([], [])

    def run(self) -> list[Difference]:
        found: dict[tuple[str, Any, Any], Difference] = {}
        total = self.joint.total
        roots: dict[int, Node] = {}  # one tree per number of steps walked
        for outcome in self.outcomes:
            self._reads = tuple(self._relevant(side, outcome) for side in (0, 1))
            # walk only the steps up to the outcome's own: the rest cannot change it
            self._steps = len(self._reads[1])
            self._first = self._one_sided(outcome)
            root = roots.get(self._steps)
            if root is None:
                root = roots[self._steps] = Node((self._initial(0), self._initial(1)), {})
                self.nodes += 1
            for change, (share, node) in self._count(root, outcome, {}).items():
                self._record(found, outcome, change, share * total, node)
        return list(found.values())

    def _one_sided(self, outcome: Outcome) -> list[Var]:
        """The answers only one set reads (a new red flag, say) that the rules an outcome
        depends on read: chosen first for a choice that reads the triage (the insert, the
        heel lift). Below the branch where one is given, that set's choice is often settled;
        below the other, its rules are false and drop out, and what is left is shared by
        every such branch (memo). Chosen later, each would be tried again under every open
        part of the rest (measured on v1 against v2: the insert 22,000 nodes to 8,000; the
        triage itself does better without: 8,000 against 26,000)."""
        if not isinstance(outcome.product, Chosen):
            return []
        out = []
        for var in self.joint.vars:
            owners = [side for side in (0, 1) if var.name in self.sides[side].names]
            if len(owners) != 1:
                continue
            side = owners[0]
            rules = [*self.walks[side].derived,
                     *(r for _, t in self._reads[side] for r in t.regular)]
            wanted = {(var.fact, i) for i in var.items} if var.kind == "set" else \
                {(var.fact, None)}
            if any(wanted & self.walks[side].reads[id(r)] for r in rules):
                out.append(var)
        return out

    def _relevant(self, side: int, outcome: Outcome) -> list[tuple[str, Any]]:
        """The steps an outcome depends on (the stage's tables up to its own), as the
        tables and rules whose state below a node decides it."""
        last = max(self.walks[side].stage.tables.index(t) for t in outcome.product.tables)
        return [(t.id, t) for t in self.walks[side].tables[:last + 1]]

    # ---- states

    def _initial(self, side: int) -> State:
        values = {v.fact: tuple(v.domain) for v in self.sides[side].vars if v.kind == "value"}
        present: dict[str, frozenset[str]] = {
            q.id: frozenset() for q in self.sides[side].questions if q.type == "set"}
        state = State(values, present, dict(present))
        self.walks[side].run(state, steps=self._steps)
        return state

    def _child(self, node: Node, var: Var, index: int) -> Node:
        child = node.children.get((var.name, index))
        if child is not None:
            return child
        value = var.domain[index]
        states = []
        for side, state in enumerate(node.states):
            if var.name not in self.sides[side].names:
                states.append(state)  # a variable this side does not read: same state
                continue
            made = _assign(state, var, value)
            self.walks[side].run(made, state, self._steps)
            states.append(made)
        child = node.children[var.name, index] = Node((states[0], states[1]),
                                                      {**node.path, var.name: index})
        self.nodes += 1
        return child

    # ---- settling one outcome

    def _count(self, node: Node, outcome: Outcome, memo: dict[Any, Counts]) -> Counts:
        """For each change of the outcome below a node: the share of the node's cells
        where it happens, and a node of it.

        Shares, not cells: the share depends only on what is still open below the node
        (the undecided rules and what they read), so nodes reached by different paths to
        the same open problem share one answer (`memo`). A plain decision tree would
        repeat it on every path: exponentially many where an outcome is decided by many
        rules, each false in several ways."""
        values = [outcome.possible(side, state) for side, state in enumerate(node.states)]
        if len(values[0]) == 1 and len(values[1]) == 1:
            if values[0][0] == values[1][0]:
                return {}
            return {(values[0][0], values[1][0]): (Fraction(1), node)}
        culprits = self._culprits(node, outcome)
        if culprits is None:
            return {}
        key = (self._open(0, node.states[0], outcome.product, outcome.rules[0]),
               self._open(1, node.states[1], outcome.product, outcome.rules[1]))
        known = memo.get(key)
        if known is not None:
            return known
        var = self._branch(node, outcome, values, culprits)
        size = len(var.domain)
        out: Counts = {}
        for index in range(size):
            for change, (share, example) in self._count(self._child(node, var, index),
                                                        outcome, memo).items():
                before = out.get(change)
                out[change] = (share / size, example) if before is None else \
                    (before[0] + share / size, before[1])
        memo[key] = out
        return out

    def _open(self, side: int, state: State, product: Product, rule: Rule | None = None,
              cutoff: int | None = None) -> tuple[Any, ...]:
        """What is still open below a node for one side's outcome: the rules that can
        still change it, each with what is known of the facts it reads (and, for a fact
        an earlier rule or step decides that is itself still open, what is open of it).
        Two nodes with the same open problem have the same share of each change."""
        fired = state.fired
        if isinstance(product, Fired):
            if rule is None:
                return ()
            status = next((v for r, v in fired[rule.table] if r is rule), None)
            return (status,) if status is not None else (None, self._residual(
                side, state, [rule]))
        if isinstance(product, MostUrgent):
            values, rivals = product.possible(fired, self.sides[side].ruleset)
            if cutoff is not None:  # a reader that only tells levels up to `cutoff` apart
                rank = self.sides[side].ruleset.rank
                rivals = [r for r in rivals
                          if rank[r.then[product.keys[r.table]]] <= cutoff]
                # the level surely given matters only if the reader can tell it apart
                best = values[-1]
                values = (best if rank[best] <= cutoff else None,)
            return (values[-1], tuple(r.id for r in rivals),
                    self._residual(side, state, rivals))
        if isinstance(product, AnyTrue):
            values, undecided = product.possible(fired, self.sides[side].ruleset)
            return (values, self._residual(side, state, undecided))
        assert isinstance(product, Chosen)
        table = product.tables[0]
        candidates = [(r, v) for r, v in fired[table] if v is not False]
        if self.sides[side].ruleset.tables[table].hit_policy == "first":
            first = next((i for i, (_, v) in enumerate(candidates) if v), None)
            candidates = candidates if first is None else candidates[:first + 1]
        return (tuple((r.id, v) for r, v in candidates),
                self._residual(side, state, [r for r, v in candidates if v is None]))

    def _residual(self, side: int, state: State, rules: list[Rule]) -> tuple[Any, ...]:
        walk = self.walks[side]
        products = walk.stage.products
        derived = self._derived[side]
        out: list[Any] = []
        seen: set[str] = set()
        todo = list(rules)
        while todo:
            rule = todo.pop()
            if rule.id in seen:
                continue
            seen.add(rule.id)
            if rule.when == ("otherwise",):
                # it holds when no other rule of its table does: what is open of it is
                # what is open of them (skipped, two nodes with different tables open
                # below would share one memo entry)
                todo += [r for r, v in state.fired[rule.table] if v is None and r is not rule]
                continue
            reads = self._sorted_reads(side, rule)
            out.append((rule.id, _known(state, reads)))
            for fact in dict.fromkeys(f for f, _ in reads):
                if fact in derived and len(state.values[fact]) > 1:
                    todo.append(derived[fact])
                elif fact in products and fact not in seen:
                    seen.add(fact)
                    product = products[fact]
                    out.append((fact, self._open(side, state, product,
                                                 cutoff=self._cutoff(side, rule, fact))
                                if not isinstance(product, Fired) else
                                tuple(tuple(v for _, v in state.fired[t])
                                      for t in product.tables)))
        # in the order met: the same open problem is always met in the same order
        return tuple(out)

    def _cutoff(self, side: int, rule: Rule, fact: str) -> int | None:
        """For a condition that tests a level only for being one of some levels: the
        least urgent of them (whether a rule below it fires cannot change the test)."""
        ruleset = self.sides[side].ruleset
        mentioned: list[Any] = []
        for leaf in leaves(rule.when):
            if leaf[1] != fact:
                continue
            if leaf[0] not in CHOICE_OPS:
                return None
            mentioned += leaf[2] if isinstance(leaf[2], tuple) else [leaf[2]]
        ranks = [ruleset.rank[m] for m in mentioned if m in ruleset.rank]
        return max(ranks) if ranks and len(ranks) == len(mentioned) else None

    def _sorted_reads(self, side: int, rule: Rule) -> tuple[tuple[str, Any], ...]:
        """What a rule reads, in a fixed order (so that signatures compare)."""
        found = self._read_order.get(id(rule))
        if found is None:
            reads = self.walks[side].reads.get(id(rule)) or _reads(rule.when)
            found = self._read_order[id(rule)] = tuple(sorted(reads, key=repr))
        return found

    def _culprits(self, node: Node, outcome: Outcome) -> list[tuple[int, Rule]] | None:
        """None where both sides surely agree below the node (agree.py), else the
        undecided rules without an agreeing partner."""
        if isinstance(outcome.product, Fired):
            if self.agreement.referral(outcome.rules, outcome.key, node.states):
                return None
            return [(s, r) for s, r in enumerate(outcome.rules) if r is not None]
        return self.agreement.outcome(outcome.product, node.states)

    def _branch(self, node: Node, outcome: Outcome, values: list[tuple[Any, ...]],
                culprits: list[tuple[int, Rule]]) -> Var:
        """An answer an unpaired undecided rule reads, else one an undecided side's
        outcome depends on, else its first unchosen one."""
        for var in self._first:
            if var.name not in node.path:
                return var
        for side, rule in culprits:
            why = self.evs[side].first_open(node.states[side], [rule])
            if why is not None and why.name not in node.path:
                return why
        open_sides = [s for s in (0, 1) if len(values[s]) > 1]
        for side in open_sides:
            why = outcome.blame(side, node.states[side], self.evs[side])
            if why is not None and why.name not in node.path:
                return why
        for side in open_sides:
            for var in self.sides[side].vars:
                if var.name not in node.path:
                    return var
        raise AssertionError("every answer is chosen but an outcome is undecided")

    # ---- regions

    def _record(self, found: dict[tuple[str, Any, Any], Difference], outcome: Outcome,
                change: tuple[Any, Any], cells: Fraction, node: Node) -> None:
        old_answers = self._answers(0, node.states[0])
        new_answers = self._answers(1, node.states[1])
        runs = (engine(self.sides[0].ruleset, self.stage, old_answers),
                engine(self.sides[1].ruleset, self.stage, new_answers))
        got = (outcome.value(0, runs[0]), outcome.value(1, runs[1]))
        if got != change:  # the engines must agree with the search, or nothing is claimed
            raise AssertionError(f"rules diff: {self.stage} {outcome.subject}: the search "
                                 f"found {change} but the engines give {got} for "
                                 f"{new_answers}")
        old, new = outcome.shown(0, change[0]), outcome.shown(1, change[1])
        direction = outcome.direction(change[0], change[1], self.sides[1].ruleset)
        difference = Difference(self.stage, outcome.what, outcome.subject, old, new, direction)
        assert cells.denominator == 1
        difference.cells = int(cells)
        difference.example, difference.old_example = new_answers, old_answers
        fired = [{r.id for tid, _ in self._reads[side] for r in runs[side].fired.get(tid, ())}
                 for side in (0, 1)]
        difference.rules = {"old_only": sorted(fired[0] - fired[1]),
                            "new_only": sorted(fired[1] - fired[0])}
        found[(outcome.subject, repr(old), repr(new))] = difference

    def _answers(self, side: int, state: State) -> dict[str, Any]:
        """A complete answers object for one side: unchosen answers take their first part."""
        return state.answers(self.sides[side].questions)


def _assign(state: State, var: Var, value: Any) -> State:
    values = dict(state.values)
    present, absent = dict(state.present), dict(state.absent)
    if var.kind == "value":
        values[var.fact] = (value,)
    else:
        present[var.fact] = present[var.fact] | value[0]
        absent[var.fact] = absent[var.fact] | value[1]
    return State(values, present, absent)


def _known(state: State, reads: tuple[tuple[str, Any], ...]) -> tuple[Any, ...]:
    """What is known at a node of the facts a condition reads."""
    return tuple(state.values[fact] if item is None else
                 (item in state.present[fact], item in state.absent[fact])
                 for fact, item in reads)


def _worst_first(d: Difference, ruleset: Ruleset) -> tuple[Any, ...]:
    """Less urgent first, then more urgent, then the rest; within each, the triage first
    (the biggest change of level first), then stop_wearing, then referrals and actions
    (the most urgent first); then by stage, then by cells covered (most first)."""
    direction = {LESS: 0, MORE: 1, NEITHER: 2}[d.direction]
    product = STAGES[d.stage].products[d.what]
    stage = list(STAGES).index(d.stage)
    rank = ruleset.rank
    if isinstance(product, MostUrgent):
        jump = -abs(rank.get(d.new, 0) - rank.get(d.old, 0))
        return (direction, 0, jump, rank.get(d.old, 0), stage, -d.cells)
    if isinstance(product, Fired):
        given = d.old if d.direction == LESS else d.new
        level = rank.get(given["urgency"], 0) if isinstance(given, dict) else 0
        return (direction, 2, level, 0, stage, -d.cells)
    return (direction, 1, 0, 0, stage, -d.cells)
