"""When two rule sets surely agree on an outcome below a node of `rules diff`'s search.

Waiting until both sides' outcome is known (one value each) would make the search decide
the whole outcome everywhere: for a triage over dozens of red flags, a tree of millions
of nodes, most of it where nothing changed. Rules the two sets share settle it sooner:

- two conditions **agree** when, for every answer set below the node, they have the
  same value: both already known and equal, or written alike (same operators, same
  leaves) over facts that mean the same in both sets (a question both ask, a derived
  fact defined alike, or a fact already known and equal at the node);
- the triage (the most urgent level fired) agrees when both sides' surely fired levels
  are equal and every rule that could still raise it has a partner in the other set
  (same id, or paired by `renames`) at the same level whose condition agrees;
- a first-hit or unique choice agrees when the rules that may still decide, in order,
  pair up with the same output and agreeing conditions;
- a flag (stop_wearing) agrees when the undecided rules that raise it pair up so;
- one referral agrees when its two rules have the same level and agreeing conditions.

Each test is sound (it only says "agree" when every answer below does); where it cannot
tell, the search goes on, branching first on what the unpaired rules read.
"""

from __future__ import annotations

from typing import Any

from insertadvisor.checker.joint import Side
from insertadvisor.checker.threevalued import Evaluator, State
from insertadvisor.conditions import CHOICE_OPS, Node
from insertadvisor.engine import Status
from insertadvisor.model import Rule
from insertadvisor.pipeline import STAGES, AnyTrue, Chosen, Fired, MostUrgent, Product

Culprits = list[tuple[int, Rule]]  # (side, rule): undecided rules without an agreeing partner


class Agreement:
    """Agreement of conditions and outcomes between the old (0) and new (1) side."""

    def __init__(self, sides: tuple[Side, Side], evs: tuple[Evaluator, Evaluator],
                 stage: str, renames: dict[str, str]) -> None:
        self.sides = sides
        self.evs = evs
        old_q = {q.id: q for q in sides[0].questions}
        new_q = {q.id: q for q in sides[1].questions}
        # a question whose type changed is two questions: not the same fact
        self.shared = {qid for qid, q in new_q.items() if qid in old_q
                       and _family(old_q[qid].type) == _family(q.type)}
        self.derived = tuple({r.id: r for r in s.ruleset.derived[stage]} for s in sides)
        self.forward = dict(renames)
        self.back = {b: a for a, b in renames.items()}
        self._static: dict[str, bool] = {}
        self._partners: dict[tuple[int, int], Rule | None] = {}
        self.products = STAGES[stage].products
        self.stage = stage

    # ---- facts and conditions

    def same_fact(self, fact: str) -> bool:
        """Whether a fact means the same in both sets for every answer set."""
        if fact in self.shared:
            return True
        found = self._static.get(fact)
        if found is None:
            self._static[fact] = False  # a cycle cannot make a fact its own proof
            old, new = self.derived[0].get(fact), self.derived[1].get(fact)
            found = old is not None and new is not None and self.alike(old.when, new.when)
            self._static[fact] = found
        return found

    def alike(self, a: Node, b: Node) -> bool:
        """Written alike over facts that mean the same: equal for every answer set."""
        if a[0] != b[0]:
            return False
        if a[0] in ("all", "any"):
            return len(a[1]) == len(b[1]) and all(
                self.alike(x, y) for x, y in zip(a[1], b[1], strict=True))
        if a[0] == "not":
            return self.alike(a[1], b[1])
        if a[0] == "always":
            return True
        if a[0] == "otherwise":
            return False  # it holds when no other rule of its table does: see agree()
        return a == b and self.same_fact(a[1])

    def agree(self, a: Node, b: Node, states: tuple[State, State]) -> bool:
        """Whether two conditions have the same value for every answer set below a node.

        Never for an `otherwise`: whether it holds depends on every other rule of its
        table (the evaluator calls it true), so alike in words is not alike in value."""
        if "otherwise" in (a[0], b[0]):
            return False
        va = self.evs[0].eval(a, states[0])[0]
        if va is not None and va == self.evs[1].eval(b, states[1])[0]:
            return True
        if a[0] != b[0]:
            return False
        if a[0] in ("all", "any"):
            return len(a[1]) == len(b[1]) and all(
                self.agree(x, y, states) for x, y in zip(a[1], b[1], strict=True))
        if a[0] == "not":
            return self.agree(a[1], b[1], states)
        if a[0] in ("always", "otherwise"):
            return True
        return a == b and (self.same_fact(a[1]) or self._same_product(a, states))

    def _same_product(self, leaf: Node, states: tuple[State, State]) -> bool:
        """Whether a fact an earlier step added (the triage, the insert) surely agrees, as
        far as the leaf can tell: a test of a level for being one of some levels cannot
        tell apart levels less urgent than all of them."""
        product = self.products.get(leaf[1])
        if product is None or isinstance(product, Fired):
            return False
        if isinstance(product, MostUrgent) and leaf[0] in CHOICE_OPS:
            mentioned = frozenset(leaf[2] if isinstance(leaf[2], tuple) else (leaf[2],))
            return self._most_urgent(product, states, mentioned) is None
        return self.outcome(product, states) is None

    def partner(self, side: int, rule: Rule) -> Rule | None:
        """The rule of the other set that stands for this one (same table and id)."""
        key = (side, id(rule))
        if key in self._partners:
            return self._partners[key]
        found = self._partner(side, rule)
        self._partners[key] = found
        return found

    def _partner(self, side: int, rule: Rule) -> Rule | None:
        other = self.sides[1 - side].ruleset
        rid = self.forward.get(rule.id, rule.id) if side == 0 else self.back.get(rule.id,
                                                                                 rule.id)
        table = other.stage_tables[self.stage].get(rule.table)
        if table is None:
            return None
        return next((r for r in table.rules if r.id == rid), None)

    def rules_agree(self, side: int, rule: Rule, other: Rule | None, key: str,
                    states: tuple[State, State]) -> bool:
        if other is None or rule.then.get(key) != other.then.get(key):
            return False
        pair = (rule, other) if side == 0 else (other, rule)
        return self.agree(pair[0].when, pair[1].when, states)

    # ---- outcomes: None when they surely agree, else the rules to decide first

    def outcome(self, product: Product, states: tuple[State, State]) -> Culprits | None:
        if isinstance(product, MostUrgent):
            return self._most_urgent(product, states)
        if isinstance(product, AnyTrue):
            return self._any_true(product, states)
        if isinstance(product, Chosen):
            return self._chosen(product, states)
        return []  # anything else is compared only where both sides know it

    def _most_urgent(self, product: MostUrgent, states: tuple[State, State],
                     mentioned: frozenset[str] | None = None) -> Culprits | None:
        """With `mentioned`: agreement only on which of those levels it is, if any."""
        names: list[str | None] = []
        rivals: list[list[tuple[Rule, str]]] = []
        for side, state in enumerate(states):
            rank = self.sides[side].ruleset.rank
            least = len(self.sides[side].ruleset.levels) - 1
            cutoff = least if mentioned is None else \
                max((rank[m] for m in mentioned if m in rank), default=-1)
            ranked = [(rank[r.then[key]], r, v, key) for table, key in product.keys.items()
                      for r, v in state.fired[table]]
            best = min((level for level, _, v, _ in ranked if v), default=least)
            names.append(self.sides[side].ruleset.levels[best].id if best <= cutoff else None)
            rivals.append([(r, key) for level, r, v, key in ranked
                           if v is None and level < best and level <= cutoff])
        culprits = [(side, rule) for side in (0, 1) for rule, key in rivals[side]
                    if not self.rules_agree(side, rule, self.partner(side, rule), key, states)]
        if names[0] == names[1] and not culprits:
            return None
        found = culprits or [(side, rule) for side in (0, 1) for rule, _ in rivals[side]]
        # the most urgent first: once one fires, every rule below it stops mattering
        rank = self.sides[1].ruleset.rank
        return sorted(found, key=lambda c: rank.get(
            c[1].then[product.keys[c[1].table]], len(rank)))

    def _any_true(self, product: AnyTrue, states: tuple[State, State]) -> Culprits | None:
        saying = [[(r, v) for t in product.tables for r, v in state.fired[t]
                   if r.then.get(product.key, False)] for state in states]
        sure = [any(v for _, v in s) for s in saying]
        if sure[0] and sure[1]:
            return None
        undecided = [(side, r) for side in (0, 1) for r, v in saying[side] if v is None]
        culprits = [(side, r) for side, r in undecided
                    if not self.rules_agree(side, r, self.partner(side, r), product.key,
                                            states)]
        if not sure[0] and not sure[1] and not culprits:
            return None
        return culprits or undecided

    def _chosen(self, product: Chosen, states: tuple[State, State]) -> Culprits | None:
        table = product.tables[0]
        lists = [_candidates(self.sides[side].ruleset.tables[table].hit_policy,
                             state.fired[table]) for side, state in enumerate(states)]
        undecided = [(side, r) for side in (0, 1) for r, v in lists[side] if v is None]
        if len(lists[0]) != len(lists[1]):
            return undecided
        for (a, _), (b, _) in zip(lists[0], lists[1], strict=True):
            # an `otherwise` after rules that all pair up agrees: it holds when none of them do
            fallback = a.when == b.when == ("otherwise",)
            if a.then.get(product.key) != b.then.get(product.key) or \
                    not (fallback or self.agree(a.when, b.when, states)):
                return undecided
        return None

    def referral(self, rules: tuple[Rule | None, Rule | None], key: str,
                 states: tuple[State, State] | None) -> bool:
        """Whether one referral's two rules give it alike (statically, without states)."""
        a, b = rules
        if a is None or b is None or a.then.get(key) != b.then.get(key):
            return False
        if states is None:
            return self.alike(a.when, b.when)
        return self.agree(a.when, b.when, states)


def _candidates(policy: str, statuses: list[Status]) -> list[tuple[Rule, Any]]:
    """The rules that may still decide a first-hit or unique table, in order."""
    out = []
    for rule, value in statuses:
        if value is not False:
            out.append((rule, value))
            if value is True and policy == "first":
                break
    return out


def _family(kind: str) -> str:
    return "number" if kind in ("number", "integer") else kind
