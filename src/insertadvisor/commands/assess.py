"""`assess` and `checkin` on the command line: their options, parsed by Typer.

What they then do lives in insertadvisor.flows, which needs no Typer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from insertadvisor.commands.common import (
    JsonOption,
    NoColorOption,
    NoInputOption,
    PlainOption,
    RulesOption,
    with_question_options,
)
from insertadvisor.model import Question, Ruleset

AnswersOption = Annotated[
    str | None,
    typer.Option("--answers", metavar="FILE|-", show_default=False,
                 help="Answers from a YAML or JSON file, or a FHIR QuestionnaireResponse "
                 "(- for stdin); flags override it."),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", metavar="FILE", show_default=False,
                 help="Also write the report to FILE: .html, .svg, .md, .txt or .json; "
                      ".fhir.json writes a FHIR R4 Bundle."),
]
SaveAnswersOption = Annotated[
    Path | None,
    typer.Option("--save-answers", metavar="FILE", show_default=False,
                 help="Also write the answers to FILE (JSON), for --answers to read back."),
]
ExplainOption = Annotated[
    bool, typer.Option("--explain", help="Show the rules that fired and why.")
]
ExplainAllOption = Annotated[
    bool, typer.Option("--explain-all", help="Also show the rules that did not fire, and why not.")
]


ASSESS_HELP = """Assess back pain and foot inserts: who to see, which insert, and self-care.

\b
Examples:
  insertadvisor assess                  (asks the questions, on a terminal)
  insertadvisor assess --arch flat --overpronation yes --leg-length-diff 0 --pain-weeks 3
  insertadvisor assess --answers me.yaml --json --output report.html
  insertadvisor assess --save-answers me.json   (asks, and keeps the answers)

Asks for any answer not given as a flag or in --answers (on a terminal);
otherwise {required} are needed. Flags override the file's answers; a repeatable
flag adds to the file's list.
"""

CHECKIN_HELP = """Check in after starting to wear inserts: carry on, adjust, or stop and see
someone.

\b
Examples:
  insertadvisor checkin                 (asks the questions, on a terminal)
  insertadvisor checkin --weeks-wearing 3 --effect arch_discomfort --json

Asks for any answer not given (on a terminal); otherwise {required} are needed.
Flags override the file's answers; a repeatable flag adds to the file's list.
"""


def required_flags(questions: tuple[Question, ...]) -> str:
    """The flags a script must give, in words: `--a, --b and --c`."""
    flags = [q.flag for q in questions if q.required]
    return " and ".join([", ".join(flags[:-1]), flags[-1]]) if len(flags) > 1 else \
        "".join(flags) or "no answers"


def register(app: typer.Typer, questions: dict[str, tuple[Question, ...]],
             complete: bool = False, loaded: tuple[Path, Ruleset] | None = None,
             only: str | None = None) -> None:
    """`complete`: the shell is asking for completions; the answer options offer their
    values. `loaded`: the folder and rule set the questions come from, for the command to
    run with rather than load again (flows.load_rules). `only`: "assess" or "checkin",
    the one command to register (the one being run: Typer builds every option of every
    command registered); None: both."""
    if only in (None, "assess"):
        _register_assess(app, questions, complete, loaded)
    if only in (None, "checkin"):
        _register_checkin(app, questions, complete, loaded)


def _register_assess(app: typer.Typer, questions: dict[str, tuple[Question, ...]],
                     complete: bool, loaded: tuple[Path, Ruleset] | None) -> None:
    @app.command(help=ASSESS_HELP.format(required=required_flags(questions["assess"])))
    @with_question_options(questions["assess"], complete)
    def assess(
        ctx: typer.Context,
        answers_given: dict[str, Any],
        answers: AnswersOption = None,
        json_out: JsonOption = False,
        explain: ExplainOption = False,
        explain_all: ExplainAllOption = False,
        no_input: NoInputOption = False,
        rules: RulesOption = None,
        output: OutputOption = None,
        save_answers: SaveAnswersOption = None,
        no_color: NoColorOption = False,
        plain: PlainOption = False,
    ) -> None:
        from insertadvisor import flows

        ctx.obj.plain_asked = plain
        flows.run_stage(ctx.obj, "assess", given=answers_given, answers_file=answers,
                        json_out=json_out, explain=explain, explain_all=explain_all,
                        no_input=no_input, rules=rules, output=output, no_color=no_color,
                        save_answers=save_answers, loaded=loaded)



def _register_checkin(app: typer.Typer, questions: dict[str, tuple[Question, ...]],
                      complete: bool, loaded: tuple[Path, Ruleset] | None) -> None:
    @app.command(help=CHECKIN_HELP.format(required=required_flags(questions["checkin"])))
    @with_question_options(questions["checkin"], complete)
    def checkin(
        ctx: typer.Context,
        answers_given: dict[str, Any],
        answers: AnswersOption = None,
        json_out: JsonOption = False,
        explain: ExplainOption = False,
        no_input: NoInputOption = False,
        rules: RulesOption = None,
        output: OutputOption = None,
        save_answers: SaveAnswersOption = None,
        no_color: NoColorOption = False,
        plain: PlainOption = False,
    ) -> None:
        from insertadvisor import flows

        ctx.obj.plain_asked = plain
        flows.run_stage(ctx.obj, "checkin", given=answers_given, answers_file=answers,
                        json_out=json_out, explain=explain, no_input=no_input,
                        rules=rules, output=output, no_color=no_color,
                        save_answers=save_answers, loaded=loaded)
