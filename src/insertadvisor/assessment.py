"""The results (the JSON contract, schema version "1"), built from a run of the pipeline.

Every text is worded for the person's region when the result is built: placeholders
such as `{gp}` take the region's words, and `{pain_duration}` the wording the rules chose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from insertadvisor.model import Region, Rule, Ruleset
from insertadvisor.pipeline import STAGES, Run, run

if TYPE_CHECKING:
    from insertadvisor.results import (
        Action,
        Advice,
        Assessment,
        Checkin,
        FiredRule,
        Provenance,
        Referral,
        Result,
    )

SCHEMA_VERSION = "1"
REGION = "region"  # the answer that names the region (a key of the JSON contract)


class Wording:
    """Fills the placeholders of a result's texts for one region and one run."""

    __slots__ = ("region", "values")

    def __init__(self, ruleset: Ruleset, answers: Mapping[str, Any],
                 facts: Mapping[str, Any]) -> None:
        self.region = region_of(ruleset, answers)
        self.values = {**self.region.fields,
                       **{k: facts[k] for k in _WORDING if facts.get(k) is not None}}

    def __call__(self, text: str) -> str:
        return text.format_map(self.values) if "{" in text else text


# The wording facts the pipeline adds ({pain_duration}), as pipeline.py declares them.
_WORDING = tuple(p.fact for s in STAGES.values() for p in s.products.values() if p.kind == "text")


def region_of(ruleset: Ruleset, answers: Mapping[str, Any]) -> Region:
    """The region a result is worded for: the answers', else the rule set's default."""
    chosen = answers.get(REGION)
    return ruleset.regions.get(chosen or ruleset.default_region) or \
        ruleset.regions[ruleset.default_region]


def assess(ruleset: Ruleset, answers: Mapping[str, Any]) -> Assessment:
    """The assessment for a complete, validated answer set."""
    return assessment(ruleset, run(ruleset, "assess", answers), answers)


def assessment(ruleset: Ruleset, done: Run, answers: Mapping[str, Any]) -> Assessment:
    facts, fired = done.facts, done.fired
    say = Wording(ruleset, answers, facts)
    insert = fired["insert"][0]
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "assessment",
        "triage": facts["triage"],
        "triage_message": say(ruleset.level(facts["triage"]).message),
        "region": say.region.id,
        "insert": {
            "type": facts["insert"],
            "label": say(ruleset.insert_labels[facts["insert"]]),
            "heel_lift": facts["heel_lift"],
            "features": [say(r.then["feature"]) for r in fired["features"]],
            "summary": say(insert.then["summary"]),
        },
        "referrals": [_referral(r, say) for r in done.listed("referrals", ruleset)],
        "advice": [_advice(r, say) for r in fired["advice"]],
        "fired_rules": [fired_rule(r, facts) for r in done.all_fired()],
        "answers": dict(answers),
        "ruleset": provenance(ruleset),
        "disclaimer": say(ruleset.disclaimer),
    }


def checkin(ruleset: Ruleset, answers: Mapping[str, Any]) -> Checkin:
    """The check-in for a complete, validated answer set."""
    return checkin_result(ruleset, run(ruleset, "checkin", answers), answers)


def checkin_result(ruleset: Ruleset, done: Run, answers: Mapping[str, Any]) -> Checkin:
    facts, fired = done.facts, done.fired
    say = Wording(ruleset, answers, facts)
    actions = done.listed("actions", ruleset)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "checkin",
        "triage": facts["triage"],
        "triage_message": say(ruleset.level(facts["triage"]).message),
        "region": say.region.id,
        "stop_wearing": facts["stop_wearing"],
        "actions": [_action(r, say) for r in actions],
        "referrals": [_referral(r, say) for r in actions if "to" in r.then],
        "advice": [_advice(r, say) for r in fired["checkin_advice"]],
        "fired_rules": [fired_rule(r, facts) for r in done.all_fired()],
        "answers": dict(answers),
        "ruleset": provenance(ruleset),
        "disclaimer": say(ruleset.disclaimer),
    }


def result(ruleset: Ruleset, stage: str, answers: Mapping[str, Any]) -> Result:
    """The result of a stage for a complete, validated answer set."""
    return assess(ruleset, answers) if stage == "assess" else checkin(ruleset, answers)


def triage_so_far(ruleset: Ruleset, partial: Mapping[str, Any]) -> dict[str, Any]:
    """Triage and its referrals from the answers given so far, the rest taken as not given.

    Lets the prompts show an emergency the moment it is answered, with the same rules.
    """
    answers = {q.id: partial[q.id] if q.id in partial else q.empty()
               for q in ruleset.questions["assess"]}
    done = run(ruleset, "assess", answers)  # (the wording of every reason is needed)
    say = Wording(ruleset, answers, done.facts)
    level = ruleset.level(done.facts["triage"])
    return {"triage": level.id, "label": level.label, "message": say(level.message),
            "referrals": [_referral(r, say) for r in done.listed("referrals", ruleset)
                          if r.then["urgency"] == level.id]}


def fired_rule(rule: Rule, facts: Mapping[str, Any]) -> FiredRule:
    """A fired rule traced to its file, line, the facts that made it fire, and its source."""
    return {"id": rule.id, "file": rule.file, "line": rule.line,
            "because": rule.because(facts), "source": rule.source}


def provenance(ruleset: Ruleset) -> Provenance:
    return {"name": ruleset.name, "version": ruleset.version, "sha256": ruleset.sha256}


def _referral(rule: Rule, say: Wording) -> Referral:
    then = rule.then
    level = then.get("urgency") or then["level"]
    return {"urgency": level, "to": say(then["to"]),
            "reason": say(then.get("reason") or then["action"]), "rule": rule.id}


def _action(rule: Rule, say: Wording) -> Action:
    then = rule.then
    return {"level": then.get("level") or then["urgency"],
            "text": say(then.get("action") or then["reason"]), "rule": rule.id}


def _advice(rule: Rule, say: Wording) -> Advice:
    return {"text": say(rule.then["text"]), "rule": rule.id, "topic": rule.then["topic"]}
