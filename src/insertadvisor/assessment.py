"""Build an assessment or a check-in from answers: the JSON contract of design.md.

The pipeline's order is fixed (the shape of the result is a contract); every decision
inside it comes from the rule set's tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from insertadvisor.engine import run_single, run_table
from insertadvisor.model import Rule, Ruleset, _Record, _record_fields

SCHEMA_VERSION = "1"


class Run(_Record):
    """What one pass of the pipeline decided, with the facts it saw.

    A @dataclass(slots=True) written out, as the model's records are (start-up time).
    """

    __slots__ = ("facts", "fired")
    facts: dict[str, Any]
    fired: list[Rule]  # in the order they fired, across every table

    def __init__(self, facts: dict[str, Any], fired: list[Rule]) -> None:
        self.facts = facts
        self.fired = fired


_record_fields(Run, "facts fired")


def facts_from(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as facts: lists become sets so membership tests are cheap."""
    return {k: frozenset(v) if isinstance(v, list) else v for k, v in answers.items()}


def _triage(ruleset: Ruleset, facts: dict[str, Any]) -> tuple[list[Rule], list[Rule]]:
    """Derive facts and collect referrals, most urgent first; set facts["triage"]."""
    derived = []
    for rule in ruleset.derived:
        facts[rule.id] = value = rule.test(facts)
        if value:
            derived.append(rule)
    referrals = run_table(ruleset.tables["referrals"], facts)
    rank = ruleset.rank
    referrals.sort(key=lambda r: rank[r.then["urgency"]])
    facts["triage"] = referrals[0].then["urgency"] if referrals else ruleset.levels[-1].id
    return derived, referrals


def run_assess(ruleset: Ruleset, answers: Mapping[str, Any]) -> Run:
    """Evaluate the assessment pipeline: derived facts, referrals, insert, features, advice."""
    facts = facts_from(answers)
    derived, referrals = _triage(ruleset, facts)
    tables = ruleset.tables
    insert = run_single(tables["insert"], facts)
    facts["insert"] = insert.then["type"]
    heel_lift = run_single(tables["heel_lift"], facts)
    facts["heel_lift"] = heel_lift.then["heel_lift"]
    features = run_table(tables["features"], facts)
    advice = run_table(tables["advice"], facts)
    return Run(facts, [*derived, *referrals, insert, heel_lift, *features, *advice])


def assess(ruleset: Ruleset, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The assessment for a complete, validated answer set."""
    run = run_assess(ruleset, answers)
    facts, by_table = run.facts, _by_table(run.fired)
    insert = by_table["insert"][0]
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "assessment",
        "triage": facts["triage"],
        "triage_message": ruleset.level(facts["triage"]).message,
        "insert": {
            "type": facts["insert"],
            "label": ruleset.insert_labels[facts["insert"]],
            "heel_lift": facts["heel_lift"],
            "features": [r.then["feature"] for r in by_table["features"]],
            "summary": insert.then["summary"],
        },
        "referrals": [
            {"urgency": r.then["urgency"], "to": r.then["to"], "reason": r.then["reason"],
             "rule": r.id}
            for r in by_table["referrals"]
        ],
        "advice": [_advice(r) for r in by_table["advice"]],
        "fired_rules": [fired_rule(r, facts) for r in run.fired],
        "answers": dict(answers),
        "ruleset": provenance(ruleset),
        "disclaimer": ruleset.disclaimer,
    }


def run_checkin(ruleset: Ruleset, answers: Mapping[str, Any]) -> Run:
    """Evaluate the check-in pipeline: actions (with triage and stop), then advice."""
    facts = facts_from(answers)
    actions = run_table(ruleset.tables["checkin"], facts)
    facts["triage"] = min((r.then["level"] for r in actions), key=ruleset.rank.__getitem__,
                          default=ruleset.levels[-1].id)
    facts["stop_wearing"] = any(r.then.get("stop", False) for r in actions)
    advice = run_table(ruleset.tables["checkin_advice"], facts)
    return Run(facts, [*actions, *advice])


def checkin(ruleset: Ruleset, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The check-in for a complete, validated answer set."""
    run = run_checkin(ruleset, answers)
    facts, by_table = run.facts, _by_table(run.fired)
    actions = by_table["checkin"]
    referrals = sorted((r for r in actions if "to" in r.then),
                       key=lambda r: ruleset.rank[r.then["level"]])
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "checkin",
        "triage": facts["triage"],
        "triage_message": ruleset.level(facts["triage"]).message,
        "stop_wearing": facts["stop_wearing"],
        "actions": [{"level": r.then["level"], "text": r.then["action"], "rule": r.id}
                    for r in actions],
        "referrals": [
            {"urgency": r.then["level"], "to": r.then["to"], "reason": r.then["action"],
             "rule": r.id}
            for r in referrals
        ],
        "advice": [_advice(r) for r in by_table["checkin_advice"]],
        "fired_rules": [fired_rule(r, facts) for r in run.fired],
        "answers": dict(answers),
        "ruleset": provenance(ruleset),
        "disclaimer": ruleset.disclaimer,
    }


def triage_so_far(ruleset: Ruleset, partial: Mapping[str, Any]) -> dict[str, Any]:
    """Triage and referrals from the answers given so far, the rest taken as unknown.

    Lets the prompts show an emergency the moment it is answered, with the same rules.
    """
    answers = {q.id: partial[q.id] if q.id in partial else _unknown(q.type, q.values)
               for q in ruleset.questions["assess"]}
    facts = facts_from(answers)
    _, referrals = _triage(ruleset, facts)
    level = ruleset.level(facts["triage"])
    return {"triage": level.id, "label": level.label, "message": level.message,
            "referrals": [{"to": r.then["to"], "reason": r.then["reason"]}
                          for r in referrals if r.then["urgency"] == level.id]}


def fired_rule(rule: Rule, facts: Mapping[str, Any]) -> dict[str, Any]:
    """A fired rule traced to its file, line, the facts that made it fire, and its source."""
    return {"id": rule.id, "file": rule.file, "line": rule.line,
            "because": rule.because(facts), "source": rule.source}


def provenance(ruleset: Ruleset) -> dict[str, str]:
    return {"name": ruleset.name, "version": ruleset.version, "sha256": ruleset.sha256}


def _by_table(fired: list[Rule]) -> dict[str, list[Rule]]:
    out: dict[str, list[Rule]] = {}
    for rule in fired:
        out.setdefault(rule.table, []).append(rule)
    for table in ("referrals", "features", "advice", "checkin", "checkin_advice"):
        out.setdefault(table, [])
    return out


def _unknown(qtype: str, values: tuple[str, ...]) -> Any:
    if qtype == "set":
        return []
    return "unknown" if "unknown" in values else None


def _advice(rule: Rule) -> dict[str, Any]:
    return {"text": rule.then["text"], "rule": rule.id, "topic": rule.then.get("topic", "")}
