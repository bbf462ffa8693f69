"""JSON Schema (draft 2020-12) of the answers and of the results, from the rule set.

Generated, not written by hand: the answers' keys, types, ranges and ids come from the
rule set's questions (the same definitions the flags, prompts and loaders use); the
result's shape follows assessment.py, its levels come from the rule set and its insert
types from model.INSERT_TYPES. Pure: no I/O.

Objects of the results allow extra properties, because schema version 1 may
gain fields; every field that exists today is required. The answers object is closed:
unknown keys are rejected, as the answers file and batch loaders reject them.
"""

from __future__ import annotations

from typing import Any

from insertadvisor.assessment import SCHEMA_VERSION
from insertadvisor.model import INSERT_TYPES, Question, Ruleset

DRAFT = "https://json-schema.org/draft/2020-12/schema"
KINDS = ("answers", "assessment", "checkin", "checkin-answers")


def question_schema(question: Question) -> dict[str, Any]:
    """The JSON Schema of one answer, in its canonical (output) form."""
    out: dict[str, Any] = {"description": question.help}
    if question.type == "set":
        out |= {"type": "array", "uniqueItems": True,
                "items": {"enum": list(question.choices)}}
        return out
    if question.type == "choice":
        return out | {"enum": list(question.values)}
    out["type"] = "integer" if question.type == "integer" else "number"
    if question.min is not None:
        out["minimum"] = _number(question.min)
    if question.max is not None:
        out["maximum"] = _number(question.max)
    if question.unknown:
        out["type"] = [out["type"], "null"]
        out["description"] += " null means unknown."
    if question.unit:
        out["description"] += f" Unit: {question.unit}."
    return out


def answers_schema(ruleset: Ruleset, stage: str = "assess", *,
                   complete: bool = False) -> dict[str, Any]:
    """The answers object of a stage: what --answers and batch read (`complete=False`,
    only the required keys required) or the `answers` of a result (every key present)."""
    questions = ruleset.questions[stage]
    required = [q.id for q in questions if complete or q.required]
    return {
        "type": "object",
        "properties": {q.id: question_schema(q) for q in questions},
        "required": required,
        "additionalProperties": False,
    }


def _levels(ruleset: Ruleset) -> dict[str, Any]:
    return {"enum": [level.id for level in ruleset.levels]}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties,
            "required": [name for name in properties if name not in optional]}


_TEXT: dict[str, Any] = {"type": "string"}
_RULE_ID: dict[str, Any] = {"type": "string", "minLength": 1}


def _common(ruleset: Ruleset, kind: str, stage: str) -> dict[str, Any]:
    """The envelope every result shares."""
    referral = _object({"urgency": _levels(ruleset), "to": _TEXT, "reason": _TEXT,
                        "rule": _RULE_ID})
    fired = _object({"id": _RULE_ID, "file": _TEXT, "line": {"type": "integer", "minimum": 1},
                     "because": _TEXT, "source": _TEXT})
    advice = _object({"text": _TEXT, "rule": _RULE_ID, "topic": _TEXT})
    not_fired = _object({"id": _RULE_ID, "file": _TEXT, "line": {"type": "integer"},
                         "failed": _TEXT})
    return {
        "schema_version": {"const": SCHEMA_VERSION},
        "kind": {"const": kind},
        "triage": _levels(ruleset),
        "triage_message": _TEXT,
        "referrals": {"type": "array", "items": referral},
        "advice": {"type": "array", "items": advice},
        "fired_rules": {"type": "array", "items": fired},
        "answers": answers_schema(ruleset, stage, complete=True),
        "ruleset": _object({"name": _TEXT, "version": _TEXT,
                            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}),
        "disclaimer": _TEXT,
        "not_fired": {"type": "array", "items": not_fired,
                      "description": "Only with --explain-all: the rules that did not fire."},
    }


def assessment_schema(ruleset: Ruleset) -> dict[str, Any]:
    common = _common(ruleset, "assessment", "assess")
    insert = _object({
        "type": {"enum": list(INSERT_TYPES)},
        "label": _TEXT,
        "heel_lift": {"type": "boolean"},
        "features": {"type": "array", "items": _TEXT},
        "summary": _TEXT,
    })
    properties = {name: common[name] for name in
                  ("schema_version", "kind", "triage", "triage_message")}
    properties["insert"] = insert
    properties |= {name: value for name, value in common.items() if name not in properties}
    return _object(properties, optional=("not_fired",))


def checkin_schema(ruleset: Ruleset) -> dict[str, Any]:
    common = _common(ruleset, "checkin", "checkin")
    action = _object({"level": _levels(ruleset), "text": _TEXT, "rule": _RULE_ID})
    properties = {name: common[name] for name in
                  ("schema_version", "kind", "triage", "triage_message")}
    properties["stop_wearing"] = {"type": "boolean"}
    properties["actions"] = {"type": "array", "items": action}
    properties |= {name: value for name, value in common.items() if name not in properties}
    return _object(properties, optional=("not_fired",))


def schema(ruleset: Ruleset, kind: str) -> dict[str, Any]:
    """The complete, standalone JSON Schema document of `kind` (one of KINDS)."""
    titles = {
        "answers": ("insertadvisor answers",
                    "One person's answers: the keys of --answers files and batch records."),
        "assessment": ("insertadvisor assessment",
                       "The result of `insertadvisor assess --json` and of each batch line."),
        "checkin": ("insertadvisor check-in", "The result of `insertadvisor checkin --json`."),
        "checkin-answers": ("insertadvisor check-in answers",
                            "The keys of a `checkin --answers` file."),
    }
    if kind == "answers":
        body = answers_schema(ruleset, "assess")
    elif kind == "assessment":
        body = assessment_schema(ruleset)
    elif kind == "checkin":
        body = checkin_schema(ruleset)
    elif kind == "checkin-answers":
        body = answers_schema(ruleset, "checkin")
    else:
        raise ValueError(f"unknown schema kind {kind!r}; known: {', '.join(KINDS)}")
    title, description = titles[kind]
    return {"$schema": DRAFT, "title": title,
            "description": f"{description} Schema version {SCHEMA_VERSION}, rule set "
                           f"{ruleset.name} {ruleset.version}.", **body}


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
