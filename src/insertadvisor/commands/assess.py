"""`assess` and `checkin`: collect answers, call the core, hand the result to a renderer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from insertadvisor.commands.common import (
    JsonOption,
    NoColorOption,
    NoInputOption,
    RulesOption,
    load_rules,
    with_question_options,
    write_json,
)
from insertadvisor.environment import Environment
from insertadvisor.model import Question, Ruleset

AnswersOption = Annotated[
    str | None,
    typer.Option("--answers", metavar="FILE|-", show_default=False,
                 help="Answers from a YAML or JSON file (- for stdin); flags override it."),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", metavar="FILE", show_default=False,
                 help="Also write the report to FILE: .html, .svg, .md, .txt or .json."),
]
ExplainOption = Annotated[
    bool, typer.Option("--explain", help="Show the rules that fired and why.")
]
ExplainAllOption = Annotated[
    bool, typer.Option("--explain-all", help="Also show the rules that did not fire, and why not.")
]


def collect_answers(env: Environment, ruleset: Ruleset, stage: str, answers_file: str | None,
                    given: dict[str, Any], no_input: bool, no_color: bool) -> dict[str, Any]:
    """Answers from the file, then the flags over it, then prompts for the rest."""
    from insertadvisor.answers import complete, parse_answer, parse_mapping

    questions = ruleset.questions[stage]
    answers: dict[str, Any] = {}
    if answers_file is not None:
        from insertadvisor.answers_file import parse_text, read_source

        where = "stdin" if answers_file == "-" else answers_file
        raw = parse_text(read_source(answers_file, env.stdin), where)
        answers.update(parse_mapping(questions, raw, f"--answers {where}"))
    by_id = {q.id: q for q in questions}
    for key, raw_value in given.items():
        if key in by_id:
            answers[key] = parse_answer(by_id[key], raw_value, by_id[key].flag)
    if env.can_prompt(no_input) and answers_file != "-":
        answers = _ask(env, ruleset, questions, answers, no_color)
    return complete(questions, answers)


def _ask(env: Environment, ruleset: Ruleset, questions: tuple[Question, ...],
         answers: dict[str, Any], no_color: bool) -> dict[str, Any]:
    from insertadvisor.assessment import triage_so_far
    from insertadvisor.prompts import Asker, EndOfInput, ask_missing

    asker = Asker(env.stdin, env.stderr, env.colour_for(env.stderr_isatty, no_color),
                  width=env.columns())
    shown: set[str] = set()

    def on_yes(so_far: dict[str, Any]) -> bool:
        if questions is not ruleset.questions["assess"]:
            return True
        now = triage_so_far(ruleset, so_far)
        top = ruleset.levels[0].id
        if now["triage"] != top or top in shown:
            return True
        shown.add(top)
        asker.say()
        asker.say(f"{now['label'].upper()}: {now['message']}", "red")
        for referral in now["referrals"]:
            asker.say(f"  {referral['reason']}", "red")
        asker.say()
        try:
            reply = asker.read("Answer the remaining questions too? [y/N]: ")
        except EndOfInput:  # Ctrl-D takes the default, No: the emergency result is shown
            return False
        return reply.lower() in ("y", "yes")

    return ask_missing(questions, answers, asker, on_yes)


def check_output(output: Path | None) -> None:
    """Refuse an --output suffix before any question is asked, not after."""
    if output is not None:
        from insertadvisor.render.export import check_suffix

        check_suffix(output)


def show(env: Environment, ruleset: Ruleset, result: dict[str, Any], json_out: bool,
         explain: bool, output: Path | None, no_color: bool) -> None:
    """Write the result to stdout (JSON or a report) and, if asked, to --output."""
    if output is not None:
        from insertadvisor.render.export import write_report

        write_report(output, result, ruleset, explain=explain)
    if json_out:
        write_json(result, env.stdout)
    elif env.stdout_isatty:
        from insertadvisor.render.rich_view import make_console, render

        colour = env.colour_for(env.stdout_isatty, no_color)
        render(make_console(env.stdout, colour), result, ruleset, explain=explain)
    else:
        from insertadvisor.render.text import render as render_text

        env.stdout.write(render_text(result, ruleset, explain=explain))
        env.stdout.flush()


def prepare(ctx: typer.Context, stage: str, rules: Path | None, output: Path | None,
            answers_file: str | None, given: dict[str, Any], no_input: bool,
            no_color: bool) -> tuple[Environment, Ruleset, dict[str, Any]]:
    """What assess and checkin share: check --output first (before any question), load
    the rules, collect the answers."""
    env: Environment = ctx.obj
    check_output(output)
    ruleset = load_rules(env, rules)
    return env, ruleset, collect_answers(env, ruleset, stage, answers_file, given, no_input,
                                         no_color)


def register(app: typer.Typer, questions: dict[str, tuple[Question, ...]]) -> None:
    @app.command()
    @with_question_options(questions["assess"])
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
        no_color: NoColorOption = False,
    ) -> None:
        """Assess back pain and foot inserts: who to see, which insert, and self-care.

        \b
        Examples:
          insertadvisor assess                  (asks the questions, on a terminal)
          insertadvisor assess --arch flat --overpronation yes --leg-length-diff 0 --pain-weeks 3
          insertadvisor assess --answers me.yaml --json --output report.html

        Asks for any answer not given as a flag or in --answers (on a terminal);
        otherwise --arch, --overpronation, --leg-length-diff and --pain-weeks are needed.
        """
        env, ruleset, collected = prepare(ctx, "assess", rules, output, answers, answers_given,
                                          no_input, no_color)
        from insertadvisor.assessment import assess as run_assessment

        result = run_assessment(ruleset, collected)
        if explain_all:
            from insertadvisor.explain import not_fired

            result["not_fired"] = not_fired(ruleset, "assess", collected)
        show(env, ruleset, result, json_out, explain or explain_all, output, no_color)

    @app.command()
    @with_question_options(questions["checkin"])
    def checkin(
        ctx: typer.Context,
        answers_given: dict[str, Any],
        answers: AnswersOption = None,
        json_out: JsonOption = False,
        explain: ExplainOption = False,
        no_input: NoInputOption = False,
        rules: RulesOption = None,
        output: OutputOption = None,
        no_color: NoColorOption = False,
    ) -> None:
        """Check in after starting to wear inserts: carry on, adjust, or stop and see someone.

        \b
        Examples:
          insertadvisor checkin                 (asks the questions, on a terminal)
          insertadvisor checkin --weeks-wearing 3 --effect arch_discomfort --json

        Asks for any answer not given (on a terminal); otherwise --weeks-wearing is needed.
        """
        env, ruleset, collected = prepare(ctx, "checkin", rules, output, answers, answers_given,
                                          no_input, no_color)
        from insertadvisor.assessment import checkin as run_checkin

        show(env, ruleset, run_checkin(ruleset, collected), json_out, explain, output,
             no_color)
