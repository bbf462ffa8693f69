"""Asking a person for the answers they did not give, on stderr, one question at a time.

The core questions come first (each with a "don't know" choice and a hint), then the
red-flag screen (one yes/no question per symptom, in the order of questions.yaml), then
the optional questions (Enter skips). A wrong answer is asked again with the reason.
After each "yes" in the screen the caller is told, so an emergency can be shown at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from insertadvisor.answers import AnswerError, parse_answer
from insertadvisor.errors import ExitStatus, InsertAdvisorError
from insertadvisor.model import Item, Question

YES = ("y", "yes")
NO = ("n", "no")


class EndOfInput(InsertAdvisorError):
    """Standard input ended (Ctrl-D) while a question was waiting for an answer.

    The person stopped the run, as with Ctrl-C: exit 130 with one line, no traceback.
    """

    exit_status = ExitStatus.INTERRUPTED

    def __init__(self) -> None:
        super().__init__("stopped: input ended before every question was answered")


class Asker:
    """Reads answers from `stdin`, writing questions and reasons to `out` (stderr)."""

    def __init__(self, stdin: TextIO, out: TextIO, colour: bool = False,
                 width: int = 80) -> None:
        self.stdin, self.out, self.colour = stdin, out, colour
        self.width = max(width, 20)  # lines are wrapped here, not cut mid-word by the terminal

    def say(self, text: str = "", style: str = "") -> None:
        codes = {"bold": "1", "dim": "2", "red": "1;31", "yellow": "33", "green": "32"}
        on, off = (f"\x1b[{codes[style]}m", "\x1b[0m") if self.colour and style in codes \
            else ("", "")
        for line in self._wrap(text):
            self.out.write(f"{on}{line}{off}\n")
        self.out.flush()

    def _wrap(self, text: str, room: int = 0) -> list[str]:
        import textwrap

        indent = text[:len(text) - len(text.lstrip(" "))]
        return textwrap.wrap(text.lstrip(" "), self.width - room, initial_indent=indent,
                             subsequent_indent=indent, break_on_hyphens=False) or [""]

    def read(self, prompt: str = "> ") -> str:
        *head, last = self._wrap(prompt.rstrip(), room=10)  # room to type the answer
        for line in head:
            self.out.write(line + "\n")
        self.out.write(last + " ")
        self.out.flush()
        try:
            line = self.stdin.readline()
        except KeyboardInterrupt:
            self.out.write("\n")  # end the prompt's line: "interrupted" goes on its own line
            self.out.flush()
            raise
        if not line:
            self.out.write("\n")
            self.out.flush()
            raise EndOfInput
        return line.strip()

    def choice(self, question: Question, optional: bool = False) -> str | None:
        """One of the question's values, by number or by name; None if skipped."""
        options = list(question.values)
        self._heading(question, optional)
        for number, value in enumerate(options, 1):
            self.say(f"  {number}) {question.labels.get(value, value)}")
        while True:
            raw = self.read(f"Choose 1-{len(options)}: ")
            if optional and raw == "":
                return None
            if raw.isdigit() and 1 <= int(raw) <= len(options):
                return options[int(raw) - 1]
            try:
                return str(parse_answer(question, raw, ""))
            except AnswerError as exc:
                self.say(f"  {exc}; or type a number from 1 to {len(options)}.", "yellow")

    def number(self, question: Question, optional: bool = False) -> Any:
        """A number (or unknown, where allowed); None if skipped."""
        self._heading(question, optional)
        unit = f" ({question.unit})" if question.unit else ""
        while True:
            raw = self.read(f"Answer{unit}: ")
            if optional and raw == "":
                return None
            try:
                return parse_answer(question, raw, "")
            except AnswerError as exc:
                self.say(f"  {exc}", "yellow")

    def _heading(self, question: Question, optional: bool) -> None:
        self.say(question.prompt + (" (Enter skips)" if optional else ""), "bold")
        if question.hint:
            self.say(f"  {question.hint}", "dim")

    def yes_no(self, item: Item) -> bool:
        while True:
            raw = self.read(f"{item.prompt} [y/n]: ").lower()
            if raw in YES:
                return True
            if raw in NO:
                return False
            self.say("  Please answer y (yes) or n (no).", "yellow")


def ask_missing(questions: tuple[Question, ...], given: dict[str, Any], asker: Asker,
                on_yes: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """Ask every question not in `given`; return all answers collected.

    `on_yes(answers)` runs after each "yes" in a screen and returns False to stop asking
    (the person chose to act on an emergency at once).
    """
    answers = dict(given)
    for group in ("core", "screen", "optional"):
        for question in (q for q in questions if q.group == group and q.id not in answers):
            if question.type == "set":
                if not _screen(question, answers, asker, on_yes):
                    return answers
            else:
                optional = group == "optional"
                ask = asker.choice if question.type == "choice" else asker.number
                value = ask(question, optional)
                if value is not None or not optional:
                    answers[question.id] = value
            asker.say()
    return answers


def _screen(question: Question, answers: dict[str, Any], asker: Asker,
            on_yes: Callable[[dict[str, Any]], bool]) -> bool:
    asker.say(question.prompt, "bold")
    chosen: list[str] = []
    answers[question.id] = chosen
    for item in question.items:
        if asker.yes_no(item):
            chosen.append(item.id)
            if not on_yes(answers):
                return False
    asker.say()
    return True
