"""Walking a stage's interview: what to ask next, going back, and how far there is to go.

The order, the gates and the conditions are the rule set's interview (questions.yaml):
a step asks a question, one item of a set (yes/no), or a gate (one yes/no standing for a
group of items, which expands on yes). A step whose `ask_when` is false is skipped (its
answer keeps its default); a gate whose `direct_when` is true asks its items one by one.
After each "yes" to an item the caller is told (`on_yes`), so an emergency can be shown
at once, and after every answer (`on_answer`), so the answers so far can be kept.

An item asked through an `item` or `gate` step is a warning sign to the prompts: "not
sure" counts as yes (and at a gate, opens it). A set asked whole by a `question` step (the
check-in's effects: "Is your back pain better?") is a list of things noticed, where yes is
not the safe side: "not sure" there is asked again.
A question that is optional and has no default (skipping it leaves it unknown) and that
every interview asks (no `ask_when`) is asked once more when skipped, with its hint: the
policy's age question.

Each prompt is headed "Question N of about M", M counting the questions that can still be
asked as the answers stand (a gate is one question until it opens). `back` returns to the
previous prompt with the answers as they were before it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from insertadvisor.model import Item, Question, Ruleset, Step
from insertadvisor.pipeline import derive, facts_from
from insertadvisor.prompts import Asker, EndOfInput, GoBack
from insertadvisor.resume import Progress

# Where the walk is: the step, and the items of that step still to ask (None before the
# step has started).
Place = tuple[int, tuple[str, ...] | None]


class Interview:
    """Asks what the answers given do not hold, in the rule set's order.

    `answered` (to run) names the set items already answered (by a flag, say) that are
    not asked again; a set given whole (in an answers file) answers all its items.
    `on_yes(answers)` returns False to stop asking (the person chose to act on an
    emergency at once); once it has shown an emergency, `ended_ok()` is true, and input
    ending (Ctrl-D) then stops asking as that choice does, instead of stopping the run.
    `defaults` are what Enter chooses at a choice (the region of the locale). `asked` and
    `done` carry on a resumed interview: what it asked, and how many questions.
    """

    def __init__(self, ruleset: Ruleset, stage: str, asker: Asker, *,
                 on_yes: Callable[[dict[str, Any]], bool],
                 ended_ok: Callable[[], bool] = lambda: False,
                 on_answer: Callable[[Progress], None] | None = None,
                 defaults: dict[str, str] | None = None, asked: Collection[str] = (),
                 done: int = 0) -> None:
        self.ruleset = ruleset
        self.stage = stage
        self.asker = asker
        self.on_yes = on_yes
        self.ended_ok = ended_ok
        self.on_answer = on_answer
        self.defaults = defaults or {}
        self.questions = {q.id: q for q in ruleset.questions[stage]}
        self.items = {i.id: i for q in self.questions.values() for i in q.items}
        self.steps = ruleset.interview[stage]
        self.answers: dict[str, Any] = {}
        self.answered: set[str] = set()
        self.asked: set[str] = set(asked)  # question and item ids the person was asked
        self.done = done

    # -- the walk -------------------------------------------------------------------------

    def run(self, given: dict[str, Any], answered: Collection[str]) -> dict[str, Any]:
        self.answers = dict(given)
        for q in self.questions.values():
            if q.type == "set":
                self.answers[q.id] = list(self.answers.get(q.id) or [])
        self.answered = set(answered)
        history: list[tuple[Place, dict[str, Any], set[str], set[str]]] = []
        place: Place | None = (0, None)
        while place is not None:
            prompt = self._next(place)
            if prompt is None:
                break
            place = prompt
            history.append((place, self._copy(self.answers), set(self.answered),
                            set(self.asked)))
            try:
                place, go_on = self._ask(place, len(history))
            except EndOfInput:
                if not self.ended_ok():
                    raise
                # An emergency was shown: the result so far, as if they had chosen so
                _, self.answers, self.answered, self.asked = history.pop()
                self.asker.say()
                self.asker.say("Input ended: the result from your answers so far.", "bold")
                self._essentials()
                break
            except GoBack:
                current = history.pop()
                if history:
                    current = history.pop()
                else:
                    self.asker.say("  There is no earlier question to go back to." if not
                                   self.done else "  The answers from before you stopped "
                                   "are kept; to change them, start again (answer n when "
                                   "asked to carry on).", "yellow")
                place, answers, settled, asked = current
                self.answers, self.answered, self.asked = answers, settled, asked
                self.asker.say()
                continue
            if self.on_answer is not None:
                self.on_answer(self.progress(self.done + len(history)))
            if not go_on:
                self._essentials()
                break
        return self.answers

    def _essentials(self) -> None:
        """After an emergency, when the person stops: a required answer not given yet is
        unknown where that is an answer, and asked otherwise (a result needs it)."""
        for step in self.steps:
            question = self.questions.get(step.id) if not step.items else None
            if question is None or not question.required or question.id in self.answers:
                continue
            if question.type == "choice" and "unknown" in question.values:
                self.answers[question.id] = "unknown"
            elif question.type != "choice" and question.unknown:
                self.answers[question.id] = None
            else:
                self.asker.say("One more answer is needed for the result.", "bold")
                while True:
                    try:
                        self._question(step, question, "")
                        break
                    except GoBack:  # nothing to go back to: the result needs this answer
                        self.asker.say("  This answer is needed for the result.", "yellow")

    def progress(self, count: int) -> Progress:
        """The state to keep after `count` prompts were answered."""
        return Progress(self._copy(self.answers), set(self.answered), set(self.asked),
                        count=count)

    def _next(self, place: Place) -> Place | None:
        """The place of the next prompt from `place` on, or None at the end."""
        index, pending = place
        facts = self.facts(self.answers)
        while index < len(self.steps):
            step = self.steps[index]
            if pending is not None:
                if pending:
                    return index, pending
                index, pending = index + 1, None
                continue
            if not self._wanted(step, facts):
                index += 1
                continue
            if step.items and self._direct(step, facts):
                pending = tuple(i for i in step.items if i not in self.answered)
                continue
            return index, None
        return None

    def _ask(self, place: Place, number: int) -> tuple[Place | None, bool]:
        """Ask the prompt at `place`; the place after it, and False to stop asking."""
        index, pending = place
        step = self.steps[index]
        lead = self._lead(number, place)
        if pending:
            item = self.items[pending[0]]
            self.answered.add(item.id)
            self.asked.add(item.id)
            rest = (index, pending[1:])
            if self._item(item, lead, warning=step.kind != "question"):
                chosen: list[str] = self.answers[step.question]
                chosen.append(item.id)
                chosen.sort(key=list(self.items).index)
                self.asker.say()
                return rest, self.on_yes(self.answers)
            self.asker.say()
            return rest, True
        if not step.items:
            self._question(step, self.questions[step.id], lead)
            return (index + 1, None), True
        open_items = tuple(i for i in step.items if i not in self.answered)  # a gate
        self.asker.say(lead, "dim")
        self.asker.say(self.say(step.prompt), "bold")
        for item_id in open_items:
            self.asker.say(f"  - {self.say(self.items[item_id].short)}")
        opened = self.asker.yes_no("", unsure_is_yes=True)
        self.asker.say()
        if opened:
            return (index, open_items), True
        self.answered.update(open_items)
        self.asked.update(open_items)
        return (index + 1, None), True

    def _question(self, step: Step, question: Question, lead: str) -> None:
        optional = not question.required
        value = self._one(question, optional, lead)
        if value is None and optional and self._reasked(step, question):
            self.asker.say("  It helps to know this. Type your answer, or press Enter again "
                           "to skip.", "yellow")
            value = self._one(question, optional, "")
        if value is not None or not optional:
            self.answers[question.id] = value
        self.asked.add(question.id)
        self.asker.say()

    def _one(self, question: Question, optional: bool, lead: str) -> Any:
        if question.type == "choice":
            return self.asker.choice(question, self.say, optional, lead=lead,
                                     default=self.defaults.get(question.id))
        return self.asker.number(question, self.say, optional, lead=lead)

    def _item(self, item: Item, lead: str, warning: bool) -> bool:
        self.asker.say(lead, "dim")
        hint = self.say(item.hint) if item.hint else ""
        if hint:
            self.asker.say(f"  {hint}", "dim")
        return self.asker.yes_no(self.say(item.prompt), hint=hint, unsure_is_yes=warning)

    # -- what is asked, and how much is left ---------------------------------------------

    def _reasked(self, step: Step, question: Question) -> bool:
        """Skipping leaves it unknown, and every interview asks it: ask once more."""
        return question.default is None and step.ask_when is None and \
            question.id not in self.defaults

    def _lead(self, number: int, place: Place) -> str:
        done = self.done + number
        return f"Question {done} of about {done + self._left(place) - 1}"

    def _left(self, place: Place) -> int:
        """The prompts from `place` (included) to the end, as the answers stand."""
        index, pending = place
        facts = self.facts(self.answers)
        left = 0
        if pending is not None:
            left, index = len(pending), index + 1
        for step in self.steps[index:]:
            if not self._wanted(step, facts):
                continue
            if step.items and self._direct(step, facts):
                left += sum(1 for i in step.items if i not in self.answered)
            else:
                left += 1
        return left

    def _wanted(self, step: Step, facts: dict[str, Any]) -> bool:
        if step.items and all(i in self.answered for i in step.items):
            return False
        if not step.items and step.id in self.answers:
            return False
        return step.ask_when is None or _holds(step.ask_when, facts)

    def _direct(self, step: Step, facts: dict[str, Any]) -> bool:
        """Items asked one by one: an item step, a set question, or an open gate."""
        return step.kind != "gate" or (step.direct_when is not None
                                       and _holds(step.direct_when, facts))

    def facts(self, answers: dict[str, Any]) -> dict[str, Any]:
        """The answers so far (the rest at their defaults), with the derived facts."""
        full = {qid: answers[qid] if qid in answers else q.empty()
                for qid, q in self.questions.items()}
        facts = facts_from(full)
        derive(self.ruleset, self.stage, facts)
        return facts

    def say(self, text: str) -> str:
        """`text` with its placeholders filled for the region answered so far."""
        if "{" not in text:
            return text
        from insertadvisor.assessment import Wording

        return Wording(self.ruleset, self.answers, {})(text)

    @staticmethod
    def _copy(answers: dict[str, Any]) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, list) else v for k, v in answers.items()}


def _holds(node: Any, facts: dict[str, Any]) -> bool:
    from insertadvisor.conditions import evaluate

    return evaluate(node, facts)
