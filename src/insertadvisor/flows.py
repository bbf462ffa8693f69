"""What a run of `assess` or `checkin` does, without the command-line framework.

Collect the answers (answers file, then flags, then prompts on a terminal), call the
core, hand the result to a renderer. The Typer commands in commands/assess.py parse the
options and call these; a bare `insertadvisor assess` on a terminal calls them directly,
so its first question does not wait for the framework to load (docs/performance.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from insertadvisor.environment import Environment
from insertadvisor.model import Question, Ruleset


def load_rules(env: Environment, rules: Path | None) -> Ruleset:
    """The rule set chosen by --rules, else $INSERTADVISOR_RULES (read from `env`), else
    the packaged one."""
    from insertadvisor.loading import ENV_RULES, load_ruleset

    return load_ruleset(rules or env.environ.get(ENV_RULES) or None)


def write_json(obj: Any, stream: TextIO, *, compact: bool = False) -> None:
    """JSON with the json module: never wrapped, never coloured, one object per call."""
    if compact:
        stream.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        stream.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
    stream.flush()


def assess(env: Environment, *, given: dict[str, Any] | None = None,
           answers_file: str | None = None, json_out: bool = False, explain: bool = False,
           explain_all: bool = False, no_input: bool = False, rules: Path | None = None,
           output: Path | None = None, no_color: bool = False) -> None:
    """`insertadvisor assess`, once its options are known."""
    ruleset, collected = _prepare(env, "assess", rules, output, answers_file, given or {},
                                  no_input, no_color)
    from insertadvisor.assessment import assess as run_assessment

    result = run_assessment(ruleset, collected)
    if explain_all:
        from insertadvisor.explain import not_fired

        result["not_fired"] = not_fired(ruleset, "assess", collected)
    show(env, ruleset, result, json_out, explain or explain_all, output, no_color)


def checkin(env: Environment, *, given: dict[str, Any] | None = None,
            answers_file: str | None = None, json_out: bool = False, explain: bool = False,
            no_input: bool = False, rules: Path | None = None, output: Path | None = None,
            no_color: bool = False) -> None:
    """`insertadvisor checkin`, once its options are known."""
    ruleset, collected = _prepare(env, "checkin", rules, output, answers_file, given or {},
                                  no_input, no_color)
    from insertadvisor.assessment import checkin as run_checkin

    show(env, ruleset, run_checkin(ruleset, collected), json_out, explain, output, no_color)


def _prepare(env: Environment, stage: str, rules: Path | None, output: Path | None,
             answers_file: str | None, given: dict[str, Any], no_input: bool,
             no_color: bool) -> tuple[Ruleset, dict[str, Any]]:
    """Check --output first (before any question), load the rules, collect the answers."""
    check_output(output)
    ruleset = load_rules(env, rules)
    return ruleset, collect_answers(env, ruleset, stage, answers_file, given, no_input,
                                    no_color)


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
