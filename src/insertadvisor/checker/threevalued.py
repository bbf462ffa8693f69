"""The pipeline over partly chosen answers: conditions with three values (true, false, not
yet known) and, for every fact a step adds, the values it may still take.

The walk follows pipeline.STAGES step by step, with the engine's own compiled tests for
leaves and each product's own `possible` for what a step adds, so what is proved is what
runs. Undecided values carry the variable to choose next (the "blame").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from insertadvisor.checker.partition import Var
from insertadvisor.conditions import SET_OPS, Node, compile_node
from insertadvisor.engine import Status, Tri, with_otherwise
from insertadvisor.model import Question, Rule, Ruleset, Table
from insertadvisor.pipeline import GAP, STAGES, Change, Fired, LevelTally, MostUrgent, Product


class State:
    """What is known at a node of the search: the values every fact may still take."""

    __slots__ = ("absent", "blame", "children", "fired", "impossible", "lazy", "pinned",
                 "present", "tallies", "values", "variants")

    def __init__(self, values: dict[str, tuple[Any, ...]], present: dict[str, frozenset[str]],
                 absent: dict[str, frozenset[str]], blame: dict[str, Var | None] | None = None,
                 fired: dict[str, list[Status]] | None = None,
                 pinned: dict[str, Any] | None = None) -> None:
        self.values = values  # fact -> the values it may still take
        self.present = present  # set fact -> items known present
        self.absent = absent  # set fact -> items known absent
        self.blame: dict[str, Var | None] = blame or {}  # undecided fact -> a var to choose
        self.fired: dict[str, list[Status]] = fired or {}  # table -> each rule's status
        self.pinned: dict[str, Any] = pinned or {}  # added facts fixed by a case split
        # undecided added fact -> the undecided rules that could change it (or how to list
        # them); its blame is worked out from them only if a condition asks (most nodes
        # never do)
        self.lazy: dict[str, Rules] = {}
        self.tallies: dict[str, LevelTally] = {}  # a MostUrgent fact -> its tally (pipeline.py)
        self.children: dict[tuple[str, int], State] = {}  # (var, value index) -> walked child
        self.impossible = False  # a pinned value the rules cannot produce here
        self.variants: dict[tuple[str, ...], list[State]] = {}  # case splits, by facts

    def answers(self, questions: Sequence[Question]) -> dict[str, Any]:
        """A complete answers object of this node: each answer not chosen yet takes the
        first value it may still take (what counterexamples and diff examples show)."""
        out: dict[str, Any] = {}
        for q in questions:
            if q.type == "set":
                chosen = self.present[q.id]
                out[q.id] = [i for i in q.choices if i in chosen]
            else:
                out[q.id] = self.values[q.id][0]
        return out

    def pin(self, fact: str, value: Any) -> State:
        """This node with one more added fact fixed to one of its possible values (what
        the pipeline computed before that fact is kept)."""
        made = State(dict(self.values), dict(self.present), dict(self.absent),
                     dict(self.blame), dict(self.fired), {**self.pinned, fact: value})
        made.lazy = dict(self.lazy)
        made.tallies = dict(self.tallies)
        return made

    def fixed(self, fact: str, value: Any) -> State:
        """This node with an added fact fixed and nothing computed again: what the
        pipeline adds after that fact keeps the parent's values (a sound superset), for a
        check that reads nothing downstream of it."""
        made = self.pin(fact, value)
        made.values[fact] = (value,)
        made.blame.pop(fact, None)
        made.lazy.pop(fact, None)
        return made


Judge = Callable[["State"], tuple[Tri, Var | None]]
Rules = Sequence[Rule] | Callable[[], Sequence[Rule]]


class Evaluator:
    """Evaluates conditions against a State, each compiled once into a closure (as the
    engine compiles its tests); leaves remember their results per set of possible values.

    The value of a leaf is the engine's own compiled test applied to each value its fact
    may take, so the two always agree."""

    def __init__(self, variables: list[Var]) -> None:
        self.var_of_value = {v.fact: v for v in variables if v.kind == "value"}
        self.set_vars = [v for v in variables if v.kind == "set"]
        self.compiled: dict[int, tuple[Node, Judge]] = {}  # id(node) -> (node, its judge)

    def blame_of(self, state: State, fact: str) -> Var | None:
        """A variable that would decide an undecided added fact."""
        if fact in state.blame:
            return state.blame[fact]
        rules = state.lazy.get(fact, ())
        why = self.first_open(state, rules() if callable(rules) else rules)
        state.blame[fact] = why
        return why

    def first_open(self, state: State, rules: Sequence[Rule]) -> Var | None:
        """A variable that would decide one of these rules (chosen afresh: what was best at
        an ancestor may not be best here)."""
        for rule in rules:
            if rule.when == ("otherwise",):
                continue
            value, why = self.eval(rule.when, state)
            if value is None and why is not None:
                return why
        return None

    def eval(self, node: Node, state: State) -> tuple[Tri, Var | None]:
        """(value, a variable to choose next when the value is not yet known)."""
        found = self.compiled.get(id(node))
        if found is None or found[0] is not node:
            found = self.compiled[id(node)] = (node, self._compile(node))
        return found[1](state)

    def _compile(self, node: Node) -> Judge:
        op = node[0]
        if op in ("all", "any"):
            return _combine(op == "any", tuple(self._compile(n) for n in node[1]))
        if op == "not":
            inner = self._compile(node[1])

            def negate(state: State) -> tuple[Tri, Var | None]:
                value, why = inner(state)
                return (None if value is None else not value), why

            return negate
        if op in ("always", "otherwise"):
            return lambda state: (True, None)
        if op in SET_OPS:
            return self._set_leaf(op, node[1], node[2])
        return self._value_leaf(node)

    def _value_leaf(self, node: Node) -> Judge:
        fact = node[1]
        test = compile_node(node)
        memo: dict[tuple[Any, ...], Tri] = {}
        var = self.var_of_value.get(fact)

        ordered = node[0] in ORDERED_OPS and var is not None

        def judge(state: State) -> tuple[Tri, Var | None]:
            possible = state.values[fact]
            if ordered and len(possible) > 2 and _number(possible[0]) \
                    and _number(possible[-1]):
                # A run of a number answer's points, in order (the search only halves
                # them): a comparison holds for all of them if it holds at both ends.
                ends = test({fact: possible[0]}), test({fact: possible[-1]})
                if ends[0] == ends[1]:
                    return ends[0], None
                return None, var
            value = memo.get(possible, _UNSEEN)
            if value is _UNSEEN:
                results = {test({fact: v}) for v in possible if v is not GAP}
                value = memo[possible] = True if results <= {True} else \
                    False if results == {False} else None
            if value is not None:
                return value, None
            return None, var or self.blame_of(state, fact)

        return judge

    def _set_leaf(self, op: str, fact: str, arg: Any) -> Judge:
        items = frozenset(arg) if isinstance(arg, tuple) else frozenset((arg,))
        candidates = [v for v in self.set_vars if v.fact == fact and v.items & items]
        every, negated = op == "has_all", op == "has_none"

        def judge(state: State) -> tuple[Tri, Var | None]:
            present, absent = state.present[fact], state.absent[fact]
            if every:
                value: Tri = True if items <= present else False if items & absent else None
            else:
                value = True if not items.isdisjoint(present) else \
                    False if items <= absent else None
                if negated and value is not None:
                    value = not value
            if value is not None:
                return value, None
            known = present | absent
            var = next((v for v in candidates if not v.items <= known), None)
            return None, var or self.blame_of(state, fact)

        return judge


_UNSEEN: Any = object()
ORDERED_OPS = frozenset({"lt", "lte", "gt", "gte"})


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _combine(stop: bool, parts: tuple[Judge, ...]) -> Judge:
    """`any` (stop at the first true part) or `all` (stop at the first false part)."""

    def judge(state: State) -> tuple[Tri, Var | None]:
        blame: Var | None = None
        unknown = False
        for part in parts:
            value, why = part(state)
            if value is stop:
                return stop, None
            if value is None:
                unknown = True
                # Choose the undecided part with the fewest answers first: a yes/no item
                # settles a whole `all` on one branch, where a number of a dozen parts
                # would multiply the tree before anything is settled.
                if blame is None or (why is not None and len(why.domain) < len(blame.domain)):
                    blame = why or blame
        return (None, blame) if unknown else (not stop, None)

    return judge


class Walk:
    """A stage's pipeline over a State: derived facts, then each table and what its step
    adds, as pipeline.run does with known answers.

    A child node differs from its parent in one answer (or one pinned fact), so `run`
    with the parent re-evaluates only the rules that read what changed, and what those
    change in turn: the rest keep their parent's status. This is what keeps a search of
    thousands of nodes over a hundred rules fast."""

    def __init__(self, ruleset: Ruleset, stage: str, evaluator: Evaluator,
                 variables: list[Var], needed: frozenset[str] | None = None) -> None:
        self.ruleset = ruleset
        # the sets of fired rules anything reads (None: all); the others are not worked
        # out at all (a long collect table would cost its length at every node)
        self.needed = needed
        self.stage = STAGES[stage]
        self.ev = evaluator
        self.derived = ruleset.derived[stage]
        self.tables: list[Table] = [ruleset.stage_tables[stage][s.table]
                                    for s in self.stage.steps]
        self.value_answers = tuple(v.fact for v in variables if v.kind == "value")
        self.set_answers = tuple(dict.fromkeys(v.fact for v in variables if v.kind == "set"))
        rules = [*self.derived, *(r for t in self.tables for r in t.regular)]
        self.reads = {id(r): _reads(r.when) for r in rules}
        self._derived_reads = [(r, self.reads[id(r)]) for r in self.derived]
        # table -> what a rule reads -> the positions of the rules that read it
        self.readers: dict[str, dict[tuple[str, Any], list[int]]] = {}
        for table in self.tables:
            index: dict[tuple[str, Any], list[int]] = {}
            for position, rule in enumerate(table.regular):
                for read in self.reads[id(rule)]:
                    index.setdefault(read, []).append(position)
            self.readers[table.id] = index
        self.table_reads = {table: frozenset(index) for table, index in self.readers.items()}
        # fact -> its place in the walk: derived facts in order, then each step's products
        # (answers come before all: -1)
        self.order = {r.id: i for i, r in enumerate(self.derived)}
        for number, step in enumerate(self.stage.steps):
            self.order.update((p.fact, len(self.derived) + number) for p in step.products)
        # facts some later step reads: only their changes need following
        self.read_facts = frozenset(fact for reads in self.reads.values() for fact, _ in reads)
        self.narrower = False  # see run()
        # a list of a table's statuses -> the places of its undecided rules
        self._open: dict[int, tuple[list[Status], list[int]]] = {}
        # a fired set of collect tables only -> how many rules it may hold: kept up to date
        # from what changed (Fired.moved) instead of read from every rule
        self._collected = {
            p.fact: sum(len(ruleset.stage_tables[stage][t].rules) for t in p.tables)
            for p in self.stage.products.values() if isinstance(p, Fired) and all(
                ruleset.stage_tables[stage][t].hit_policy == "collect" for t in p.tables)}
        # table -> how its statuses differ from the parent's (None: computed afresh)
        self._changes: dict[str, list[Change] | None] = {}

    def run(self, state: State, parent: State | None = None, steps: int | None = None, *,
            narrower: bool = False) -> None:
        """Compute every fact the pipeline adds at this node (from its parent's, where
        given: only what the difference can change is computed again); with `steps`,
        only the derived facts and that many first steps (the parent must be alike).
        `narrower`: the node's answers are a part of its parent's, so what the parent
        decided stands and only its undecided rules are evaluated again."""
        self.narrower = narrower
        self._changes = {}
        changed = None
        if parent is not None:
            changed = self._changed(state, parent)
            # A child's values are a copy of its parent's (search.narrow, State.pin): what
            # is not computed again below keeps the parent's value, blame and tally.
            state.blame, state.lazy = dict(parent.blame), dict(parent.lazy)
            state.tallies = dict(parent.tallies)
        for rule, reads in self._derived_reads:
            if changed is not None and reads.isdisjoint(changed) \
                    and rule.id not in state.pinned and self._fresh(state, parent, rule.id):
                continue
            value, why = self.ev.eval(rule.when, state)
            self._set(state, rule.id, (True,) if value else (False,) if value is False
                      else (True, False), why)
            self._note(state, parent, changed, rule.id)
        for number, (step, table) in enumerate(zip(self.stage.steps, self.tables, strict=True)):
            if steps is not None and number >= steps:
                break
            state.fired[table.id] = self._statuses(table, state, parent, changed)
            for product in step.products:
                since = self._since_parent(product)
                if isinstance(product, Fired):
                    self._fired(state, parent, changed, product, since)
                    continue
                if since == [] and product.fact not in state.pinned \
                        and self._fresh(state, parent, product.fact):
                    continue  # its tables' statuses are the parent's lists themselves
                if isinstance(product, MostUrgent):
                    values, undecided = self._most_urgent(state, parent, product, since)
                else:
                    values, undecided = product.possible(state.fired, self.ruleset)
                self._set(state, product.fact, values, None, undecided)
                self._note(state, parent, changed, product.fact)

    def _since_parent(self, product: Product) -> list[Change] | None:
        """How the statuses of a product's tables changed from the parent's (empty: they
        are the parent's lists themselves), or None where a table was worked out afresh
        (no parent, or a walk from nothing)."""
        found: list[Change] = []
        for table in product.tables:
            changes = self._changes.get(table)
            if changes is None:
                return None
            found += changes
        return found

    def _most_urgent(self, state: State, parent: State | None, product: MostUrgent,
                     since: list[Change] | None) -> tuple[tuple[Any, ...], Rules]:
        """Triage's possible levels, from the parent's tally and the rules whose status
        changed `since` it (the whole tables only where there is no parent to start
        from); the rules that could change it are listed only if a condition asks for
        its blame."""
        before = parent.tallies.get(product.fact) if parent is not None else None
        if before is None or since is None:
            tally = product.tally(state.fired, self.ruleset)
        else:
            tally = product.retally(before, since, self.ruleset)
        state.tallies[product.fact] = tally
        values = product.from_tally(tally, self.ruleset)
        fired, ruleset = state.fired, self.ruleset
        return values, lambda: product.rivals(fired, ruleset, values)

    def _changed(self, state: State, parent: State) -> set[tuple[str, Any]]:
        """What differs between a node and its parent: answers, items, pinned facts."""
        out: set[tuple[str, Any]] = set()
        for fact in self.value_answers:
            if state.values[fact] != parent.values[fact]:
                out.add((fact, None))
        for fact in self.set_answers:
            now = state.present[fact] | state.absent[fact]
            before = parent.present[fact] | parent.absent[fact]
            out.update((fact, item) for item in now ^ before)
        out.update((fact, None) for fact in state.pinned if fact not in parent.pinned)
        return out

    @staticmethod
    def _fresh(state: State, parent: State | None, fact: str) -> bool:
        """Whether the parent's blame for an undecided fact still names a variable to
        choose (the answer it named may be the one just chosen)."""
        why = parent.blame.get(fact) if parent is not None else None
        return why is None or not _assigned(state, why)

    def _note(self, state: State, parent: State | None, changed: set[tuple[str, Any]] | None,
              fact: str) -> None:
        if changed is not None and parent is not None and \
                state.values[fact] != parent.values.get(fact):
            changed.add((fact, None))

    def _statuses(self, table: Table, state: State, parent: State | None,
                  changed: set[tuple[str, Any]] | None) -> list[Status]:
        """Each rule of the table with whether its condition holds (for `otherwise`:
        whether no other rule holds); the parent's list itself when nothing it reads
        changed. What changed from the parent's list is noted for the step's products.

        Only the rules that read something that changed are evaluated again; at a
        narrower node, only those of them the parent left undecided (what it decided
        stands): with n thresholds on one answer, about n log n evaluations over the
        whole search instead of n per node."""
        before = parent.fired.get(table.id) if parent is not None else None
        if before is None or changed is None:
            self._changes[table.id] = None
            return self._noted(table, [(rule, self.ev.eval(rule.when, state)[0])
                                       for rule in table.regular])
        if self.table_reads[table.id].isdisjoint(changed):  # nothing it reads changed
            self._changes[table.id] = []
            return before
        known = self._open.get(id(before))
        undecided = known[1] if known is not None and known[0] is before else None
        if self.narrower and undecided is not None:
            positions = undecided
        else:
            readers = self.readers[table.id]
            positions = sorted({i for read in changed for i in readers.get(read, ())})
        fresh: list[Status] | None = None
        changes: list[Change] = []
        reads = self.reads
        for position in positions:
            rule, old = before[position]
            if reads[id(rule)].isdisjoint(changed):  # what it reads is as at the parent
                continue
            value = self.ev.eval(rule.when, state)[0]
            if value is not old:
                if fresh is None:
                    fresh = before[:len(table.regular)]
                fresh[position] = (rule, value)
                changes.append((rule, old, value))
        if fresh is None:
            self._changes[table.id] = []
            return before
        if undecided is None:
            return self._noted(table, fresh, changes, before)
        still = [i for i in undecided if fresh[i][1] is None]
        newly = [p for p in positions if fresh[p][1] is None and before[p][1] is not None]
        return self._noted(table, fresh, changes, before,
                           sorted({*still, *newly}) if newly else still)

    def _noted(self, table: Table, regular: list[Status], changes: list[Change] | None = None,
               before: list[Status] | None = None,
               undecided: list[int] | None = None) -> list[Status]:
        """The statuses with `otherwise` added, their undecided rules and what changed
        from `before` (the parent's) noted."""
        out = with_otherwise(table, regular)
        if undecided is None:
            undecided = [i for i, (_, v) in enumerate(regular) if v is None]
        self._open[id(out)] = (out, undecided)
        if changes is not None and before is not None and table.otherwise is not None \
                and out[-1][1] is not before[-1][1]:
            changes.append((table.otherwise, before[-1][1], out[-1][1]))
        self._changes[table.id] = changes
        return out

    def blame(self, state: State, rules: list[Rule]) -> Var | None:
        """A variable that would decide one of these undecided rules."""
        return self.ev.first_open(state, rules)

    def _set(self, state: State, fact: str, possible: tuple[Any, ...], why: Var | None,
             undecided: Rules | None = None) -> None:
        if fact in state.pinned:
            if state.pinned[fact] not in possible:
                state.impossible = True
            possible = (state.pinned[fact],)
        state.values[fact] = possible
        state.blame.pop(fact, None)
        state.lazy.pop(fact, None)
        if len(possible) > 1:
            if undecided is None:
                state.blame[fact] = why
            else:
                state.lazy[fact] = undecided

    def _fired(self, state: State, parent: State | None, changed: set[tuple[str, Any]] | None,
               product: Fired, since: list[Change] | None) -> None:
        """A set of fired rules: known present, known absent, the rest undecided (from
        the parent's sets and the rules that changed `since` them, where it can)."""
        fact = product.fact
        if self.needed is not None and fact not in self.needed:
            return
        if since == [] and self._fresh(state, parent, fact):
            return  # the parent's sets, copied with the node
        if since is not None and parent is not None and fact in parent.present \
                and fact in self._collected:
            present, absent = product.moved(parent.present[fact], parent.absent[fact], since)
            fired, ruleset = state.fired, self.ruleset
            undecided: Rules = lambda: product.possible_items(fired, ruleset)[2]  # noqa: E731
            some = len(present) + len(absent) < self._collected[fact]
        else:
            present, absent, undecided = product.possible_items(state.fired, self.ruleset)
            some = bool(undecided)
        state.present[fact], state.absent[fact] = present, absent
        state.blame.pop(fact, None)
        state.lazy.pop(fact, None)
        if some:
            state.lazy[fact] = undecided
        if changed is not None and parent is not None and fact in self.read_facts:
            changed.update((fact, i) for i in (present ^ parent.present[fact]) |
                           (absent ^ parent.absent[fact]))


def _assigned(state: State, var: Var) -> bool:
    if var.kind == "value":
        return len(state.values[var.fact]) == 1
    return bool(var.items & (state.present[var.fact] | state.absent[var.fact]))


def _reads(node: Node) -> frozenset[tuple[str, Any]]:
    """What a condition reads: (fact, None) for a value, (fact, item) for a set's items."""
    from insertadvisor.conditions import leaves

    out: set[tuple[str, Any]] = set()
    for leaf in leaves(node):
        if leaf[0] in SET_OPS:
            items = leaf[2] if isinstance(leaf[2], tuple) else (leaf[2],)
            out.update((leaf[1], item) for item in items)
        else:
            out.add((leaf[1], None))
    return frozenset(out)
