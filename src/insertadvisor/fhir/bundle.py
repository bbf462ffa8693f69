"""A result as a FHIR R4 `collection` Bundle: the QuestionnaireResponse of its answers and
a GuidanceResponse of what the rules decided.

The GuidanceResponse's module is the rule set (name and version, and its sha256); its
outputs (a contained Parameters) are the triage, the insert or the check-in's actions,
each referral and each advice, worded for the region as in the JSON; its notes are the
disclaimer and the evidence notes (the advice the report shows under the evidence). No
RiskAssessment: the tool gives no likelihoods. No external codes: levels and insert types
are the rule set's own ids (fhir/codes.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from insertadvisor.fhir import codes
from insertadvisor.fhir.response import response
from insertadvisor.model import Ruleset

if TYPE_CHECKING:
    from insertadvisor.results import Result

_STAGES = {"assessment": "assess", "checkin": "checkin"}
_OUTPUTS = "outputs"  # the id of the contained Parameters


def bundle(ruleset: Ruleset, result: Result) -> dict[str, Any]:
    """The Bundle of one result (of `assess` or `checkin`)."""
    stage = _STAGES[result["kind"]]
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": response(ruleset, stage, result["answers"])},
        {"resource": guidance(ruleset, result)},
    ]}


def guidance(ruleset: Ruleset, result: Result) -> dict[str, Any]:
    info = result["ruleset"]
    notes = [result["disclaimer"]] + [
        a["text"] for a in result["advice"]
        if ruleset.report.topics.get(a["topic"]) == "evidence"]
    return {
        "resourceType": "GuidanceResponse",
        "contained": [{"resourceType": "Parameters", "id": _OUTPUTS,
                       "parameter": _parameters(ruleset, result)}],
        "moduleCodeableConcept": {
            "coding": [
                {"system": codes.RULESET_SYSTEM, "version": info["version"],
                 "code": info["name"], "display": f"{info['name']} {info['version']}"},
                {"system": codes.RULESET_SHA256_SYSTEM, "code": info["sha256"]},
            ],
            "text": f"{info['name']} {info['version']} (sha256 {info['sha256']})",
        },
        "status": "success",
        "outputParameters": {"reference": f"#{_OUTPUTS}"},
        "note": [{"text": text} for text in notes],
    }


def _parameters(ruleset: Ruleset, result: Result) -> list[dict[str, Any]]:
    out = [{"name": "triage", "valueCoding": _level(ruleset, result["triage"])},
           _text("triage_message", result["triage_message"])]
    if result["kind"] == "assessment":
        insert = result["insert"]  # type: ignore[typeddict-item]
        out.append({"name": "insert", "part": [
            {"name": "type", "valueCoding": {
                "system": codes.value_system(ruleset, "insert"), "code": insert["type"],
                "display": insert["label"]}},
            {"name": "heel_lift", "valueBoolean": insert["heel_lift"]},
            *(_text("feature", f) for f in insert["features"]),
            _text("summary", insert["summary"]),
        ]})
    else:
        out.append({"name": "stop_wearing",
                    "valueBoolean": result["stop_wearing"]})  # type: ignore[typeddict-item]
        out += [{"name": "action", "part": [
            {"name": "level", "valueCoding": _level(ruleset, a["level"])},
            _text("text", a["text"]), _text("rule", a["rule"])]}
            for a in result["actions"]]  # type: ignore[typeddict-item]
    out += [{"name": "referral", "part": [
        {"name": "urgency", "valueCoding": _level(ruleset, r["urgency"])},
        _text("to", r["to"]), _text("reason", r["reason"]), _text("rule", r["rule"])]}
        for r in result["referrals"]]
    out += [{"name": "advice", "part": [
        _text("text", a["text"]), {"name": "topic", "valueCode": a["topic"]},
        _text("rule", a["rule"])]}
        for a in result["advice"]]
    return out


def _level(ruleset: Ruleset, level_id: str) -> dict[str, Any]:
    return {"system": codes.value_system(ruleset, "triage"), "code": level_id,
            "display": ruleset.level(level_id).label}


def _text(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "valueString": text}
