"""Asking a person for the answers they did not give, on stderr, one question at a time.

The order, the gates and the conditions are the rule set's interview (questions.yaml):
a step asks a question, one item of a set (yes/no), or a gate (one yes/no standing for a
group of items, which expands on yes). A step whose `ask_when` is false is skipped (its
answer keeps its default); a gate whose `direct_when` is true asks its items one by one.
A wrong answer is asked again with the reason. After each "yes" the caller is told, so an
emergency can be shown at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from insertadvisor.answers import AnswerError, parse_answer
from insertadvisor.errors import ExitStatus, InsertAdvisorError
from insertadvisor.model import Item, Question, Ruleset, Step
from insertadvisor.pipeline import derive, facts_from

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

    def choice(self, question: Question, say: Callable[[str], str],
               optional: bool = False) -> str | None:
        """One of the question's values, by number or by name; None if skipped."""
        options = list(question.values)
        self._heading(question, say, optional)
        for number, value in enumerate(options, 1):
            self.say(f"  {number}) {say(question.labels.get(value, value))}")
        while True:
            raw = self.read(f"Choose 1-{len(options)}: ")
            if optional and raw == "":
                return None
            if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= len(options):
                return options[int(raw) - 1]
            try:
                return str(parse_answer(question, raw, ""))
            except AnswerError as exc:
                self.say(f"  {exc}; or type a number from 1 to {len(options)}.", "yellow")

    def number(self, question: Question, say: Callable[[str], str],
               optional: bool = False) -> Any:
        """A number (or unknown, where allowed); None if skipped."""
        self._heading(question, say, optional)
        unit = f" ({question.unit})" if question.unit else ""
        while True:
            raw = self.read(f"Answer{unit}: ")
            if optional and raw == "":
                return None
            try:
                return parse_answer(question, raw, "")
            except AnswerError as exc:
                self.say(f"  {exc}", "yellow")

    def _heading(self, question: Question, say: Callable[[str], str], optional: bool) -> None:
        self.say(say(question.prompt) + (" (Enter skips)" if optional else ""), "bold")
        if question.hint:
            self.say(f"  {say(question.hint)}", "dim")

    def yes_no(self, text: str) -> bool:
        while True:
            raw = self.read(f"{text} [y/n]: ").lower()
            if raw in YES:
                return True
            if raw in NO:
                return False
            self.say("  Please answer y (yes) or n (no).", "yellow")


class Interview:
    """Walks a stage's interview, asking what `given` does not already answer.

    `answered` names the set items already answered (by a flag, say) that are not
    asked again; a set given whole (in an answers file) answers all its items.
    `on_yes(answers)` runs after each "yes" to an item and returns False to stop asking
    (the person chose to act on an emergency at once).
    """

    def __init__(self, ruleset: Ruleset, stage: str, asker: Asker,
                 say: Callable[[str], str], on_yes: Callable[[dict[str, Any]], bool]) -> None:
        self.ruleset = ruleset
        self.stage = stage
        self.asker = asker
        self.say = say
        self.on_yes = on_yes
        self.questions = {q.id: q for q in ruleset.questions[stage]}
        self.items = {i.id: i for q in self.questions.values() for i in q.items}

    def run(self, given: dict[str, Any], answered: set[str]) -> dict[str, Any]:
        answers = dict(given)
        for q in self.questions.values():
            if q.type == "set":
                answers[q.id] = list(answers.get(q.id) or [])
        for step in self.ruleset.interview[self.stage]:
            if not self._wanted(step, answers, answered):
                continue
            if not self._ask(step, answers, answered):
                break
        return answers

    def facts(self, answers: dict[str, Any]) -> dict[str, Any]:
        """The answers so far (the rest at their defaults), with the derived facts."""
        full = {qid: answers[qid] if qid in answers else q.empty()
                for qid, q in self.questions.items()}
        facts = facts_from(full)
        derive(self.ruleset, self.stage, facts)
        return facts

    def _wanted(self, step: Step, answers: dict[str, Any], answered: set[str]) -> bool:
        if step.items and all(i in answered for i in step.items):
            return False
        if not step.items and step.id in answers:
            return False
        return step.ask_when is None or _holds(step.ask_when, self.facts(answers))

    def _ask(self, step: Step, answers: dict[str, Any], answered: set[str]) -> bool:
        """Ask one step; False when the person chose to stop."""
        asker = self.asker
        if step.kind == "question" and not step.items:
            question = self.questions[step.id]
            optional = not question.required
            ask = asker.choice if question.type == "choice" else asker.number
            value = ask(question, self.say, optional)
            if value is not None or not optional:
                answers[question.id] = value
            asker.say()
            return True
        chosen: list[str] = answers[step.question]
        open_items = [self.items[i] for i in step.items if i not in answered]
        direct = step.kind != "gate" or (step.direct_when is not None and _holds(
            step.direct_when, self.facts(answers)))
        if not direct:
            asker.say(self.say(step.prompt), "bold")
            for item in open_items:
                asker.say(f"  - {self.say(item.short)}")
            if not asker.yes_no(""):
                answered.update(i.id for i in open_items)
                asker.say()
                return True
        for item in open_items:
            answered.add(item.id)
            if self._item(item):
                chosen.append(item.id)
                chosen.sort(key=list(self.items).index)
                if not self.on_yes(answers):
                    return False
        asker.say()
        return True

    def _item(self, item: Item) -> bool:
        if item.hint:
            self.asker.say(f"  {self.say(item.hint)}", "dim")
        return self.asker.yes_no(self.say(item.prompt))


def _holds(node: Any, facts: dict[str, Any]) -> bool:
    from insertadvisor.conditions import evaluate

    return evaluate(node, facts)
