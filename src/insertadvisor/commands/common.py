"""What the commands share: common options and the question-driven answer options."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from insertadvisor.errors import InputError
from insertadvisor.model import Question

RulesOption = Annotated[
    Path | None,
    typer.Option("--rules", metavar="DIR", help="Rule-set folder (default: "
                 "$INSERTADVISOR_RULES, else the rules shipped with insertadvisor).",
                 show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
NoInputOption = Annotated[
    bool, typer.Option("--no-input", help="Never prompt; missing required answers are an error.")
]
NoColorOption = Annotated[bool, typer.Option("--no-color", help="Never use colour.")]
PlainOption = Annotated[bool, typer.Option(
    "--plain", help="Plain text: no boxes or rules, progress as whole lines (also "
                    "$INSERTADVISOR_PLAIN=1, and under TERM=dumb).")]


def with_question_options(questions: tuple[Question, ...], complete: bool = False) -> Callable[
        [Callable[..., Any]], Callable[..., Any]]:
    """Add one option per question to a command, from the questions' own definitions.

    The command receives them as `answers_given`: a dict of the raw values given.
    `complete`: give each option its values for shell completion (only when the shell
    asks: Typer inspects every completion function when it builds the command).
    """
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        base = inspect.signature(func, eval_str=True)
        fixed = [p for p in base.parameters.values() if p.name != "answers_given"]
        extra = []
        for q in questions:
            help_text = q.help + (f" One of: {', '.join(q.choices)}." if q.type == "choice"
                                  else "")
            option = typer.Option(None, q.flag, metavar=q.metavar, help=help_text,
                                  show_default=False, rich_help_panel="Answers",
                                  autocompletion=completions(q) if complete else None)
            # Every answer flag is read as a list, so that a single-value one given twice
            # is refused (Click would keep the last value, silently changing an answer).
            annotation = list[str] | None
            extra.append(inspect.Parameter(q.id, inspect.Parameter.KEYWORD_ONLY,
                                           default=option, annotation=annotation))

        def command(**kwargs: Any) -> Any:
            given = {q.id: _one_or_many(q, kwargs.pop(q.id)) for q in questions}
            return func(answers_given={k: v for k, v in given.items() if v not in (None, [])},
                        **kwargs)

        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in fixed] + extra
        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        command.__doc__ = func.__doc__
        command.__name__ = func.__name__
        return command

    return decorate


def _one_or_many(question: Question, values: list[str] | None) -> list[str] | str | None:
    """A set question's values; else its one value, or InputError if it was given more
    than once (`--age 40 --age 70`: which one the person meant is not ours to guess)."""
    if question.type == "set" or not values:
        return values
    if len(values) > 1:
        shown = ", ".join(values)
        raise InputError(f"{question.flag} was given {len(values)} times ({shown}); it takes "
                         f"one value: give it once")
    return values[0]


def completions(question: Question) -> Callable[[str], list[tuple[str, str]]]:
    """Shell completion of an answer option: its values (a choice's, a set's ids, or
    `unknown` where a number may be unknown) that start with what was typed, each with
    its label or prompt as the shell's description."""
    if question.type == "choice":
        offered = [(v, question.labels.get(v, "")) for v in question.values]
    elif question.type == "set":
        offered = [(i.id, i.short or i.prompt) for i in question.items]
    else:
        offered = [("unknown", "")] if question.unknown else []

    def complete(incomplete: str) -> list[tuple[str, str]]:
        typed = incomplete.lower()
        return [(value, " ".join(help_.split())) for value, help_ in offered
                if value.startswith(typed)]

    return complete
