"""The rule engine: evaluate a table's rules against facts, by the table's hit policy.

collect: every rule that applies, in the order written (`otherwise` only if none did);
first:   the applicable rule with the lowest priority number;
unique:  exactly one rule may apply.
A first or unique table that finds no rule (or a unique table that finds two) is a
broken rule set, which `rules check` proves cannot happen for the default rules.
"""

from __future__ import annotations

from insertadvisor.conditions import Facts
from insertadvisor.errors import Problem, RulesetError
from insertadvisor.model import Rule, Table


def run_table(table: Table, facts: Facts) -> list[Rule]:
    """The rules of `table` that fire for `facts`."""
    if table.hit_policy == "collect":
        fired = [rule for test, rule in table.checks if test(facts)]
        if not fired and table.otherwise is not None:
            fired.append(table.otherwise)
        return fired
    if table.hit_policy == "first":
        for test, rule in table.checks:
            if test(facts):
                return [rule]
        if table.otherwise is not None:
            return [table.otherwise]
        raise _broken(table, "no rule applies to these answers")
    fired = [rule for rule in table.regular if rule.test(facts)]
    if len(fired) != 1:
        names = ", ".join(r.id for r in fired) or "none"
        raise _broken(table, f"a unique table needs exactly one rule to apply; applied: {names}")
    return fired


def run_single(table: Table, facts: Facts) -> Rule:
    """The one rule of a first or unique table that decides."""
    return run_table(table, facts)[0]


def _broken(table: Table, message: str) -> RulesetError:
    return RulesetError([Problem(table.file, table.line, 1, f"table `{table.id}`: {message}; "
                                 "run `insertadvisor rules check` to find the gap")])
