"""Hit policies: which rules of a table fire, for known facts and for partly known ones.

collect: every rule that applies, in the order written (`otherwise` only if none did);
first:   the applicable rule with the lowest priority number;
unique:  exactly one rule may apply.
A first or unique table that finds no rule (or a unique table that finds two) is a
broken rule set, which `rules check` proves cannot happen for the default rules.

`run_table` is what the engine runs; `statuses` and `winners` are the same policies over
three values (true, false, not yet known), which is how `rules check` reads them.
"""

from __future__ import annotations

from insertadvisor.conditions import Facts
from insertadvisor.errors import Problem, RulesetError
from insertadvisor.model import Rule, Table

Tri = bool | None  # true, false, or not yet known
Status = tuple[Rule, Tri]


def run_table(table: Table, facts: Facts) -> list[Rule]:
    """The rules of `table` that fire for `facts`."""
    if table.hit_policy == "collect":
        checks = table.checks
        if table.guarded or table.ranged:  # only the rules whose guard holds can apply
            positions = list(table.unguarded)
            for (op, fact), by_value in table.guarded.items():
                if op == "eq":
                    positions += by_value.get(facts[fact], ())
                else:
                    for item in facts[fact]:
                        positions += by_value.get(item, ())
            for fact, index in table.ranged.items():
                positions += index.holding(facts[fact])
            positions.sort()
            fired = [checks[i][1] for i in positions if checks[i][0](facts)]
        else:
            fired = [rule for test, rule in checks if test(facts)]
        if not fired and table.otherwise is not None:
            fired.append(table.otherwise)
        return fired
    if table.hit_policy == "first":
        for test, rule in table.checks:
            if test(facts):
                return [rule]
        if table.otherwise is not None:
            return [table.otherwise]
        raise broken(table, "no rule applies to these answers")
    fired = [rule for rule in table.regular if rule.test(facts)]
    if len(fired) != 1:
        names = ", ".join(r.id for r in fired) or "none"
        raise broken(table, f"a unique table needs exactly one rule to apply; applied: {names}")
    return fired


def broken(table: Table, message: str) -> RulesetError:
    return RulesetError([Problem(table.file, table.line, 1, f"table `{table.id}`: {message}; "
                                 "run `insertadvisor rules check` to find the gap")])


def with_otherwise(table: Table, regular: list[Status]) -> list[Status]:
    """The statuses of a table's regular rules, with its `otherwise` rule's added: it
    applies when no other rule does."""
    if table.otherwise is None:
        return regular
    values = [v for _, v in regular]
    other: Tri = False if True in values else None if None in values else True
    return [*regular, (table.otherwise, other)]


def fires(table: Table, statuses: list[Status]) -> list[Status]:
    """Whether each rule fires (not only applies): for a first-hit table, a rule that
    applies fires only if no earlier rule does."""
    if table.hit_policy != "first":
        return statuses
    out: list[Status] = []
    earlier: Tri = False  # whether some earlier rule applies
    for rule, value in statuses:
        if earlier is True:
            out.append((rule, False))
            continue
        out.append((rule, value if earlier is False else (None if value is not False
                                                          else False)))
        earlier = True if value is True else (None if None in (value, earlier) else False)
    return out


def winners(table: Table, statuses: list[Status]) -> tuple[list[Rule], bool]:
    """For a first or unique table: the rules that may decide, and whether the table may
    find none (a gap) or, if unique, more than one."""
    if table.hit_policy == "first":
        possible = []
        for rule, value in statuses:
            if value is not False:
                possible.append(rule)
            if value is True:
                return possible, False
        return possible, True
    sure = sum(1 for _, v in statuses if v)
    maybe = sum(1 for _, v in statuses if v is None)
    return [r for r, v in statuses if v is not False], sure == 0 or sure + maybe > 1
