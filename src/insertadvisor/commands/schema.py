"""`schema`: the JSON Schema of the answers and of the results, or the FHIR Questionnaire of
a stage, on stdout."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from insertadvisor.commands.common import RulesOption
from insertadvisor.environment import Environment
from insertadvisor.flows import load_rules, write_json
from insertadvisor.model import Ruleset


class Kind(StrEnum):
    answers = "answers"
    assessment = "assessment"
    checkin = "checkin"
    checkin_answers = "checkin-answers"
    questionnaire = "questionnaire"
    checkin_questionnaire = "checkin-questionnaire"


class Format(StrEnum):
    json_schema = "json-schema"
    fhir = "fhir"


# The FHIR Questionnaires, by the stage they ask; every other kind is a JSON Schema.
QUESTIONNAIRES = {Kind.questionnaire: "assess", Kind.checkin_questionnaire: "checkin"}


def register(app: typer.Typer) -> None:
    @app.command()
    def schema(
        ctx: typer.Context,
        kind: Annotated[Kind, typer.Argument(
            metavar="answers|assessment|checkin|checkin-answers|questionnaire|"
                    "checkin-questionnaire", show_default=False,
            help="Which object: the answers (of --answers and batch records), an assessment "
                 "(assess --json, batch lines), a check-in, a check-in's answers, or the "
                 "questions of assess or of checkin as a FHIR Questionnaire.")],
        fmt: Annotated[Format | None, typer.Option(
            "--format", metavar="json-schema|fhir", show_default=False,
            help="json-schema (the default, and the only format of the answers and "
                 "results) or fhir (a FHIR R4 Questionnaire: the only format, and the "
                 "default, of the questionnaires).")] = None,
        region: Annotated[str | None, typer.Option(
            "--region", metavar="CHOICE", show_default=False,
            help="The region a questionnaire is worded for (default: $INSERTADVISOR_REGION, "
                 "the saved choice, the locale's country, else the rule set's default).")]
            = None,
        rules: RulesOption = None,
    ) -> None:
        """Print the JSON Schema (draft 2020-12) of the answers or of a result, or the FHIR
        R4 Questionnaire of the questions.

        \b
        Examples:
          insertadvisor schema assessment > assessment.schema.json
          insertadvisor schema questionnaire --format fhir --region UK > questionnaire.json

        Generated from the rule set's own question definitions, so the allowed values are
        exactly the ones the command accepts. Results may gain fields within schema
        version 1; the answers object is closed (unknown keys are rejected). A
        QuestionnaireResponse to the questionnaire is accepted by `--answers` and batch
        (docs/fhir.md).
        """
        env: Environment = ctx.obj
        stage = QUESTIONNAIRES.get(kind)
        _check_format(kind, fmt, region, stage)
        ruleset = load_rules(env, rules)
        if stage is None:
            from insertadvisor.schema import schema as make_schema

            write_json(make_schema(ruleset, kind.value), env.stdout)
            return
        from insertadvisor.fhir import questionnaire

        chosen = _region(env, ruleset, stage, region)
        write_json(questionnaire(ruleset, stage, chosen), env.stdout)


def _check_format(kind: Kind, fmt: Format | None, region: str | None,
                  stage: str | None) -> None:
    from insertadvisor.errors import InputError

    if stage is None:
        if fmt == Format.fhir:
            raise InputError(f"--format fhir: `schema {kind.value}` is a JSON Schema only; "
                             "the questions as FHIR are `schema questionnaire --format fhir`, "
                             "and a result as FHIR is `assess --output FILE.fhir.json`")
        if region is not None:
            raise InputError(f"--region: `schema {kind.value}` is the same in every region; "
                             "--region words a questionnaire")
    elif fmt == Format.json_schema:
        raise InputError(f"--format json-schema: the {kind.value} exists as a FHIR "
                         "Questionnaire only; use --format fhir (the answers' JSON Schema "
                         "is `schema answers`)")


def _region(env: Environment, ruleset: Ruleset, stage: str, given: str | None) -> str:
    """--region (checked as the answer is), else the region a result would be worded for."""
    from insertadvisor.assessment import REGION
    from insertadvisor.regions import resolve_region

    answers: dict[str, Any] = {}
    if given is not None:
        question = next((q for q in ruleset.questions[stage] if q.id == REGION), None)
        if question is not None:
            from insertadvisor.answers import parse_answer

            return str(parse_answer(question, given, "--region", stage=stage))
        if given not in ruleset.regions:
            from insertadvisor.errors import InputError, did_you_mean

            raise InputError(f"--region: {given!r} is not a region of this rule set"
                             f"{did_you_mean(given, ruleset.regions)}; use one of "
                             f"{', '.join(ruleset.regions)}")
        return given
    resolve_region(env, ruleset, stage, answers, prompting=False)
    return str(answers.get(REGION) or ruleset.default_region)
