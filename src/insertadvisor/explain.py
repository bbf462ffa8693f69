"""Why a rule did not fire: the first condition that failed, for `--explain-all`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from insertadvisor.conditions import first_failure
from insertadvisor.model import Ruleset
from insertadvisor.pipeline import STAGES, run

if TYPE_CHECKING:
    from insertadvisor.results import NotFired


def not_fired(ruleset: Ruleset, stage: str, answers: Mapping[str, Any]) -> list[NotFired]:
    """Every rule of the stage that did not fire, in the order the pipeline runs them,
    with the reason it did not."""
    done = run(ruleset, stage, answers)
    fired = {rule.id for rule in done.all_fired()}
    tables = ruleset.stage_tables[stage]
    rules = [*ruleset.derived[stage], *(r for t in STAGES[stage].tables for r in tables[t].rules)]
    out: list[NotFired] = []
    for rule in rules:
        if rule.id in fired:
            continue
        failed = first_failure(rule.when, done.facts)
        if failed is None:  # it applied, but a first-hit table had already decided
            winner = done.fired[rule.table][0].id
            failed = f"it applies, but `{winner}` comes first in table `{rule.table}`"
        out.append({"id": rule.id, "file": rule.file, "line": rule.line, "failed": failed})
    return out
