"""What a run of `assess` or `checkin` does, without the command-line framework.

Collect the answers (answers file, then flags, then prompts on a terminal), call the
core, hand the result to a renderer. The Typer commands in commands/assess.py parse the
options and call these; a bare `insertadvisor assess` on a terminal calls them directly,
so its first question does not wait for the framework to load (docs/performance.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from insertadvisor.environment import MIN_COLUMNS, Environment, holds_unicode
from insertadvisor.model import Ruleset

if TYPE_CHECKING:
    from insertadvisor.results import Result


def load_rules(env: Environment, rules: Path | str | None) -> Ruleset:
    """The rule set chosen by --rules, else $INSERTADVISOR_RULES, else the packaged one."""
    from insertadvisor.loading import load_ruleset

    return load_ruleset(env.rules_dir(rules), cache=env.cache_dir)


def write_json(obj: Any, stream: TextIO, *, compact: bool = False) -> None:
    """JSON with the json module: never wrapped, never coloured, one object per call; on a
    stream that cannot hold every character (an ASCII locale), with \\u escapes."""
    ascii_only = not holds_unicode(stream)
    if compact:
        stream.write(json.dumps(obj, ensure_ascii=ascii_only, separators=(",", ":")) + "\n")
    else:
        stream.write(json.dumps(obj, ensure_ascii=ascii_only, indent=2) + "\n")
    stream.flush()


def run_stage(env: Environment, stage: str, *, given: dict[str, Any] | None = None,
              answers_file: str | None = None, json_out: bool = False, explain: bool = False,
              explain_all: bool = False, no_input: bool = False,
              rules: Path | str | None = None, output: Path | None = None,
              no_color: bool = False) -> None:
    """`insertadvisor assess` or `checkin`, once its options are known."""
    check_output(output, answers_file, env)
    ruleset = load_rules(env, rules)
    collected = collect_answers(env, ruleset, stage, answers_file, given or {}, no_input,
                                no_color)
    from insertadvisor.assessment import result as make_result

    result = make_result(ruleset, stage, collected)
    if explain_all:
        from insertadvisor.explain import not_fired

        result["not_fired"] = not_fired(ruleset, stage, collected)
    show(env, ruleset, result, json_out, explain or explain_all, output, no_color)


def assess(env: Environment, **options: Any) -> None:
    run_stage(env, "assess", **options)


def checkin(env: Environment, **options: Any) -> None:
    run_stage(env, "checkin", **options)


def collect_answers(env: Environment, ruleset: Ruleset, stage: str, answers_file: str | None,
                    given: dict[str, Any], no_input: bool, no_color: bool) -> dict[str, Any]:
    """Answers from the file, then the flags over it (a set's items are added to the
    file's), then prompts for the rest."""
    from insertadvisor.answers import complete, is_fhir_resource, parse_answer, parse_mapping

    questions = ruleset.questions[stage]
    by_id = {q.id: q for q in questions}
    answers: dict[str, Any] = {}
    answered: set[str] = set()  # set items answered already: not asked again
    if answers_file is not None:
        from insertadvisor.answers_file import parse_text, read_source

        where = "stdin" if answers_file == "-" else answers_file
        raw = parse_text(read_source(answers_file, env.stdin), where)
        if is_fhir_resource(raw):  # a QuestionnaireResponse (FHIR imported only then)
            from insertadvisor.fhir import response_answers

            raw = response_answers(ruleset, stage, raw, f"--answers {where}")
        answers.update(parse_mapping(questions, raw, f"--answers {where}", stage=stage))
        answered.update(i.id for q in questions if q.type == "set" and q.id in answers
                        for i in q.items)
    for key, raw_value in given.items():
        question = by_id[key]
        value = parse_answer(question, raw_value, question.flag, stage=stage)
        if question.type == "set":
            answered.update(value)
            value = [i for i in question.choices if i in {*answers.get(key, []), *value}]
        answers[key] = value
    from insertadvisor.regions import resolve_region

    prompting = env.can_prompt(no_input) and answers_file != "-"
    ask_region = resolve_region(env, ruleset, stage, answers, prompting)
    if prompting:
        answers = _ask(env, ruleset, stage, answers, answered, no_color)
    if ask_region:
        from insertadvisor.regions import remember_region

        remember_region(env, ruleset, answers)
    return complete(questions, answers)


def _ask(env: Environment, ruleset: Ruleset, stage: str, answers: dict[str, Any],
         answered: set[str], no_color: bool) -> dict[str, Any]:
    from insertadvisor.assessment import Wording, triage_so_far
    from insertadvisor.prompts import Asker, EndOfInput, Interview

    asker = Asker(env.stdin, env.stderr, env.colour_for(env.stderr_isatty, no_color),
                  width=env.columns())
    shown: set[str] = set()

    def on_yes(so_far: dict[str, Any]) -> bool:
        if stage != "assess":
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

    def say(text: str) -> str:
        return Wording(ruleset, answers, {})(text)

    return Interview(ruleset, stage, asker, say, on_yes).run(answers, answered)


def check_output(output: Path | None, answers_file: str | None, env: Environment) -> None:
    """Refuse an --output that cannot be written (a wrong suffix, the answers file itself)
    before any question is asked, not after."""
    if output is not None:
        from insertadvisor.render.export import check_output_target

        check_output_target(output, answers_file, env.stdin)


def show(env: Environment, ruleset: Ruleset, result: Result, json_out: bool,
         explain: bool, output: Path | None, no_color: bool) -> None:
    """Write the result to stdout (JSON or a report) and, if asked, to --output."""
    if output is not None:
        from insertadvisor.render.export import write_report

        write_report(output, result, ruleset, explain=explain)
    if json_out:
        write_json(result, env.stdout)
        return
    from insertadvisor.report import build

    report = build(result, ruleset, explain=explain)
    width = env.columns()
    if env.stdout_isatty and width >= MIN_COLUMNS and not env.plain:
        from insertadvisor.render.rich_view import make_console, render

        colour = env.colour_for(env.stdout_isatty, no_color)
        render(make_console(env.stdout, colour, width), report, ruleset)
    else:
        from insertadvisor.render.text import WIDTH
        from insertadvisor.render.text import render as render_text

        # Plain output, and a terminal too narrow for boxes, end with the main action
        # again: the last line a short screen (or a screen reader) leaves is the one
        # that matters.
        env.stdout.write(render_text(report, min(width, WIDTH) if env.stdout_isatty
                                     else WIDTH, repeat_main=env.plain or env.stdout_isatty))
        env.stdout.flush()
