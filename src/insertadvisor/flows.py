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

from insertadvisor.assessment import REGION
from insertadvisor.environment import MIN_COLUMNS, Environment, holds_unicode
from insertadvisor.errors import InsertAdvisorError, OutputError, os_reason
from insertadvisor.model import Ruleset

if TYPE_CHECKING:
    from insertadvisor.results import Result


def load_rules(env: Environment, rules: Path | str | None,
               loaded: tuple[Path, Ruleset] | None = None) -> Ruleset:
    """The rule set chosen by --rules, else $INSERTADVISOR_RULES, else the packaged one.

    `loaded`: the folder and rule set the command's options were built from, in this run;
    used when it is the folder chosen, so the files are read and hashed once per run (and
    the answers are checked against the very rule set whose flags were parsed)."""
    folder = env.rules_dir(rules)
    if loaded is not None and loaded[0] == folder:
        return loaded[1]
    from insertadvisor.loading import load_ruleset

    return load_ruleset(folder, cache=env.cache_dir)


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
              no_color: bool = False, save_answers: Path | None = None,
              loaded: tuple[Path, Ruleset] | None = None) -> None:
    """`insertadvisor assess` or `checkin`, once its options are known (`loaded`: see
    load_rules)."""
    check_output(output, answers_file, env)
    if save_answers is not None:
        from insertadvisor.resume import check_target

        check_target(save_answers, output)
    ruleset = load_rules(env, rules, loaded)
    collected, asked = collect_answers(env, ruleset, stage, answers_file, given or {},
                                       no_input, no_color)
    if save_answers is not None:  # before the result: the answers are kept whatever follows
        from insertadvisor.resume import save_answers as write_answers

        write_answers(save_answers, collected)
    from insertadvisor.assessment import result as make_result

    result = make_result(ruleset, stage, collected)
    if explain_all:
        from insertadvisor.explain import not_fired

        result["not_fired"] = not_fired(ruleset, stage, collected)
    show(env, ruleset, result, json_out, explain or explain_all, output, no_color, asked)
    if asked is not None and output is None:
        offer_copy(env, ruleset, result, asked, no_color)


def assess(env: Environment, **options: Any) -> None:
    run_stage(env, "assess", **options)


def checkin(env: Environment, **options: Any) -> None:
    run_stage(env, "checkin", **options)


def collect_answers(env: Environment, ruleset: Ruleset, stage: str, answers_file: str | None,
                    given: dict[str, Any], no_input: bool, no_color: bool
                    ) -> tuple[dict[str, Any], frozenset[str] | None]:
    """Answers from the file, then the flags over it (a set's items are added to the
    file's), then prompts for the rest. With them, which questions and items have an
    answer (given or asked; None when nothing was asked): the others were not asked."""
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
    asked: frozenset[str] | None = None
    if prompting:
        answers, asked = _ask(env, ruleset, stage, answers, answered, no_color, ask_region)
    if ask_region:
        from insertadvisor.regions import remember_region

        remember_region(env, ruleset, answers)
    return complete(questions, answers), asked


def _ask(env: Environment, ruleset: Ruleset, stage: str, answers: dict[str, Any],
         answered: set[str], no_color: bool, ask_region: bool
         ) -> tuple[dict[str, Any], frozenset[str]]:
    """The interview, resumed if one was interrupted; its answers, kept after each one
    until it ends; and the ids that have an answer."""
    from insertadvisor import resume
    from insertadvisor.assessment import triage_so_far
    from insertadvisor.interview import Interview
    from insertadvisor.prompts import EndOfInput

    asker = _asker(env, ruleset, no_color)
    saved = resume.load(env, ruleset, stage)
    if saved is not None and saved.stale:
        asker.say(f"The answers you started on {_when(saved)} are not from the last day, so "
                  "every question is asked again: a warning sign may be new.", "dim")
        asker.say()
        saved = None
    asked_before: set[str] = set()
    done = 0
    if saved is not None:
        if _resume(asker, saved):
            answers = _merged(ruleset.questions[stage], saved.answers, answers)
            answered = answered | saved.answered
            asked_before, done = saved.asked, saved.count
        else:
            resume.clear(env, stage)
    given = {*answers, *answered}
    defaults: dict[str, str] = {}
    if ask_region:
        from insertadvisor.regions import locale_region

        local = locale_region(env, ruleset)
        if local is not None:
            defaults[REGION] = local
    on_yes, shown = _emergency(ruleset, stage, asker)
    interview = Interview(ruleset, stage, asker, on_yes=on_yes, ended_ok=lambda: bool(shown),
                          on_answer=lambda progress: resume.save(env, stage, progress),
                          defaults=defaults, asked=asked_before, done=done)
    if done == 0:
        asker.say("(Type back to return to the previous question"
                  f"{', ? for help' if asker.units is not None else ''}; Ctrl-C stops, "
                  "and your answers so far are kept for next time.)", "dim")
        asker.say()
    try:
        result = interview.run(answers, answered)
    except EndOfInput:
        if not shown:
            raise
        # An emergency was shown, but the result still needs an answer: say it again
        now = triage_so_far(ruleset, interview.answers)
        raise EndOfInput(f"{now['label'].upper()}: {now['message']}") from None
    resume.clear(env, stage)
    return result, frozenset(given | interview.asked | interview.answered)


def _asker(env: Environment, ruleset: Ruleset, no_color: bool) -> Any:
    from insertadvisor.prompts import Asker

    units = None
    if ruleset.words:
        from insertadvisor.natural import load_units

        units = load_units(ruleset.words)  # (validated with the rule set: cannot fail here)
    return Asker(env.stdin, env.stderr, env.colour_for(env.stderr_isatty, no_color),
                 width=env.columns(), units=units, words=ruleset.report.headings,
                 terminal=_real_terminal(env))


def _real_terminal(env: Environment) -> bool:
    """stdin and stderr are a terminal the process can watch (not a test's stand-in)."""
    import os

    try:
        return os.isatty(env.stdin.fileno()) and os.isatty(env.stderr.fileno())
    except (AttributeError, ValueError, OSError):
        return False


def _when(saved: Any) -> str:
    import time

    return time.strftime("%d %B at %H:%M", time.localtime(saved.saved_at)).lstrip("0")


def _resume(asker: Any, saved: Any) -> bool:
    when = _when(saved)
    count = f"{saved.count} question{'s' if saved.count != 1 else ''}"
    asker.say(f"You stopped answering on {when}, after {count}.", "bold")
    go_on = bool(asker.confirm("Carry on where you left off?", True))
    asker.say()
    return go_on


def _merged(questions: tuple[Any, ...], saved: dict[str, Any],
            now: dict[str, Any]) -> dict[str, Any]:
    """The saved answers under those given now; a set's items from both."""
    merged = {**saved, **now}
    for question in questions:
        if question.type == "set" and question.id in saved and question.id in now:
            both = {*saved[question.id], *now[question.id]}
            merged[question.id] = [i for i in question.choices if i in both]
    return merged


def _emergency(ruleset: Ruleset, stage: str, asker: Any) -> tuple[Any, set[str]]:
    """After each "yes": show the most urgent level at once, the first time it is
    reached, and ask whether to answer the rest (False: stop asking); and the levels
    shown so far."""
    from insertadvisor.assessment import triage_so_far

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
        # Ctrl-D takes the default, No: the emergency result is shown
        go_on = bool(asker.confirm("Answer the remaining questions too?", False))
        asker.say()
        return go_on

    return on_yes, shown


def offer_copy(env: Environment, ruleset: Ruleset, result: Result, asked: frozenset[str],
               no_color: bool) -> None:
    """At the end of an interview: offer a copy of the report, to show a doctor, in the
    current folder, named with the date (HTML or text)."""
    from insertadvisor.prompts import EndOfInput

    asker = _asker(env, ruleset, no_color)
    asker.say()
    try:
        raw = asker.read("Save a copy to show a doctor? h = web page, t = text, Enter = no:"
                         ).lower()
    except EndOfInput:
        return
    suffix = {"h": ".html", "html": ".html", "t": ".txt", "text": ".txt",
              "txt": ".txt"}.get(raw)
    if suffix is None:
        return
    from insertadvisor.render.export import write_report

    try:
        path = _copy_name(Path.cwd(), result["kind"], suffix)
    except OSError as exc:  # the current folder was removed or cannot be read
        raise OutputError(f"the copy for a doctor was not saved: the current folder cannot "
                          f"be used ({os_reason(exc)}); the result above is complete: run "
                          "again from another folder, or with --output FILE") from None
    try:
        write_report(path, result, ruleset, asked=asked)
    except InsertAdvisorError as exc:  # said as --output's, but no --output was given
        reason = str(exc).removeprefix(f"--output {path}: ")
        raise OutputError(f"the copy for a doctor was not saved: {path}: {reason}; the "
                          "result above is complete: run again from another folder, or "
                          "with --output FILE") from None
    asker.say(f"Saved: {path}", "green")


def _copy_name(folder: Path, kind: str, suffix: str) -> Path:
    """insertadvisor-assessment-2025-06-01.html, or -2, -3 ... if that exists."""
    import os
    from datetime import date

    stem = f"insertadvisor-{kind}-{date.today().isoformat()}"
    path, number = folder / f"{stem}{suffix}", 1
    while os.path.lexists(path):  # a link there, even a dangling one, is not written over
        number += 1
        path = folder / f"{stem}-{number}{suffix}"
    return path


def check_output(output: Path | None, answers_file: str | None, env: Environment) -> None:
    """Refuse an --output that cannot be written (a wrong suffix, the answers file itself)
    before any question is asked, not after."""
    if output is not None:
        from insertadvisor.render.export import check_output_target

        check_output_target(output, answers_file, env.stdin)


def show(env: Environment, ruleset: Ruleset, result: Result, json_out: bool,
         explain: bool, output: Path | None, no_color: bool,
         asked: frozenset[str] | None = None) -> None:
    """Write the result to stdout (JSON or a report) and, if asked, to --output."""
    if output is not None:
        from insertadvisor.render.export import write_report

        write_report(output, result, ruleset, explain=explain, asked=asked)
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
