"""`schema`: the JSON Schema of the answers and of the results, on stdout."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from insertadvisor.commands.common import RulesOption
from insertadvisor.environment import Environment
from insertadvisor.flows import load_rules, write_json


class Kind(StrEnum):
    answers = "answers"
    assessment = "assessment"
    checkin = "checkin"
    checkin_answers = "checkin-answers"


def register(app: typer.Typer) -> None:
    @app.command()
    def schema(
        ctx: typer.Context,
        kind: Annotated[Kind, typer.Argument(
            metavar="answers|assessment|checkin|checkin-answers", show_default=False,
            help="Which object: the answers (of --answers and batch records), an assessment "
                 "(assess --json, batch lines), a check-in, or a check-in's answers.")],
        rules: RulesOption = None,
    ) -> None:
        """Print the JSON Schema (draft 2020-12) of the answers or of a result.

        \b
        Example:
          insertadvisor schema assessment > assessment.schema.json

        Generated from the rule set's own question definitions, so the allowed values are
        exactly the ones the command accepts. Results may gain fields within schema
        version 1; the answers object is closed (unknown keys are rejected).
        """
        from insertadvisor.schema import schema as make_schema

        env: Environment = ctx.obj
        write_json(make_schema(load_rules(env, rules), kind.value), env.stdout)
