"""The identifiers of the FHIR resources: canonical URLs, code systems, link ids.

Everything is named from the rule set's own ids, under one URN per rule set (docs/fhir.md):

    urn:insertadvisor:<rule set name>:questionnaire:<stage>   the Questionnaire (+ version)
    urn:insertadvisor:<rule set name>:id                      question and item ids
    urn:insertadvisor:<rule set name>:value:<question id>     the values of a choice
    urn:insertadvisor:<rule set name>:value:triage            the levels (triage, urgency)
    urn:insertadvisor:<rule set name>:value:insert            the insert types

No external terminology (SNOMED CT, LOINC) is claimed: the codes are this tool's own ids,
exactly as the JSON contract spells them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from insertadvisor.model import Question, Ruleset

PREFIX = "urn:insertadvisor"
# The rule set itself, as a GuidanceResponse's module: by name and version, and by hash.
RULESET_SYSTEM = f"{PREFIX}:ruleset"
RULESET_SHA256_SYSTEM = f"{PREFIX}:ruleset-sha256"
# Said on an item whose enableWhen shows it more often than the interview asks it.
APPROXIMATE = f"{PREFIX}:extension:enable-when-approximate"
# Core R4 extensions and code systems (hl7.org/fhir/R4/extensibility-registry.html).
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"

def base(ruleset: Ruleset) -> str:
    """The URN every identifier of this rule set starts with."""
    return f"{PREFIX}:{quote(ruleset.name, safe='-._~')}"


def questionnaire_url(ruleset: Ruleset, stage: str) -> str:
    return f"{base(ruleset)}:questionnaire:{stage}"


def canonical(ruleset: Ruleset, stage: str) -> str:
    """The questionnaire with its version, as a QuestionnaireResponse names it."""
    return f"{questionnaire_url(ruleset, stage)}|{ruleset.version}"


def id_system(ruleset: Ruleset) -> str:
    return f"{base(ruleset)}:id"


def value_system(ruleset: Ruleset, field: str) -> str:
    """The code system of a choice question's values, or of `triage` or `insert`."""
    return f"{base(ruleset)}:value:{field}"


def value_coding(ruleset: Ruleset, question: Question, value: str,
                 display: str | None = None) -> dict[str, Any]:
    """A choice's value as a Coding of the question's value system."""
    coding = {"system": value_system(ruleset, question.id), "code": value}
    if display is not None:
        coding["display"] = display
    return coding


def link(question_id: str, item_id: str | None = None) -> str:
    """The linkId of a question, or of one item of a set question (`symptoms.fever`)."""
    return question_id if item_id is None else f"{question_id}.{item_id}"


def gate_link(name: str) -> str:
    return f"gate:{name}"


def help_link(link_id: str) -> str:
    return f"{link_id}:help"


def group_link(question_id: str, run: int) -> str:
    """The group holding the `run`th run of a set's items in the interview (from 1)."""
    return question_id if run == 1 else f"{question_id}:{run}"
