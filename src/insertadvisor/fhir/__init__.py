"""HL7 FHIR R4 in and out: the Questionnaire of a stage, its QuestionnaireResponse read as
answers, and a result as a Bundle (a QuestionnaireResponse and a GuidanceResponse).

Pure (no terminal) and built as plain dicts at run time: no FHIR library is imported, and
this package is imported only when FHIR is asked for. docs/fhir.md describes the mapping.
"""

from __future__ import annotations

from insertadvisor.fhir.bundle import bundle
from insertadvisor.fhir.questionnaire import questionnaire
from insertadvisor.fhir.response import response, response_answers

__all__ = ["bundle", "questionnaire", "response", "response_answers"]
