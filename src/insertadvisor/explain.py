"""Why a rule did not fire: the first condition that failed, for `--explain-all`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from insertadvisor.assessment import run_assess, run_checkin
from insertadvisor.conditions import first_failure
from insertadvisor.model import Ruleset

TABLES = {"assess": ("referrals", "insert", "heel_lift", "features", "advice"),
          "checkin": ("checkin", "checkin_advice")}


def not_fired(ruleset: Ruleset, stage: str, answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every rule of the stage that did not fire, with the reason it did not."""
    run = run_assess(ruleset, answers) if stage == "assess" else run_checkin(ruleset, answers)
    fired = {rule.id for rule in run.fired}
    rules = [*ruleset.derived] if stage == "assess" else []
    for table_id in TABLES[stage]:
        rules += ruleset.tables[table_id].rules
    out = []
    for rule in rules:
        if rule.id in fired:
            continue
        failed = first_failure(rule.when, run.facts)
        if failed is None:  # it applied, but a first-hit table had already decided
            winner = next(r.id for r in run.fired if r.table == rule.table)
            failed = f"it applies, but `{winner}` comes first in table `{rule.table}`"
        out.append({"id": rule.id, "file": rule.file, "line": rule.line, "failed": failed})
    return out
