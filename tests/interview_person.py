"""A person at the terminal, for in-process interview tests: reads what was asked (stderr
so far), works out which step of the rule set's interview it is, and answers it.

The expected prompts are derived from the rule set (its interview steps, prompts and
conditions), never from a list written in the tests.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from typing import Any, TextIO, cast

from insertadvisor.cli import run
from insertadvisor.conditions import evaluate
from insertadvisor.model import Ruleset, Step
from insertadvisor.pipeline import derive, facts_from

LEAD = re.compile(r"Question (\d+) of about (\d+)")
CONTINUE = "Answer the remaining questions too?"
OFFER = "Save a copy to show a doctor?"
RESUME = "Carry on where you left off?"


def flat(text: str) -> str:
    return " ".join(text.split())


def step_text(ruleset: Ruleset, stage: str, step: Step) -> str:
    """The words a step's prompt starts with (up to a placeholder), unwrapped."""
    if step.kind == "gate":
        text = step.prompt
    elif step.items:
        item = next(i for q in ruleset.questions[stage] for i in q.items if i.id == step.items[0])
        text = item.prompt
    else:
        text = ruleset.question(stage, step.id).prompt
    return flat(text.split("{")[0])


def item_texts(ruleset: Ruleset, stage: str) -> dict[str, str]:
    return {i.id: flat(i.prompt.split("{")[0]) for q in ruleset.questions[stage]
            for i in q.items}


class Person(io.TextIOBase):
    """stdin that answers what stderr shows. `replies` maps a step id (question, item or
    gate) to what is typed (a list: one per time it is asked); items and gates default to
    "n". `on_continue` is typed after an emergency, `on_offer` at the offer of a copy."""

    def __init__(self, ruleset: Ruleset, stage: str, replies: dict[str, Any],
                 on_continue: str = "y", on_offer: str = "", on_resume: str = "",
                 stop_after: str | None = None) -> None:
        self.ruleset = ruleset
        self.stage = stage
        self.replies = {k: list(v) if isinstance(v, list) else v for k, v in replies.items()}
        self.on_continue, self.on_offer, self.on_resume = on_continue, on_offer, on_resume
        self.stop_after = stop_after  # end of input once this id has been answered
        self.err = io.StringIO()
        self.seen = 0
        self.current = ""
        self.asked: list[str] = []  # ids, in the order their prompts appeared (with a lead)
        self.leads: list[tuple[int, int]] = []
        self.chunks: list[tuple[str, str]] = []  # (screen since the last answer, reply)
        texts = {s.id: step_text(ruleset, stage, s) for s in ruleset.interview[stage]
                 if s.kind == "gate" or not s.items}  # items: by their own prompts
        texts.update(item_texts(ruleset, stage))
        self.texts = sorted(texts.items(), key=lambda kv: -len(kv[1]))
        self.stopping = False

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        screen = self.err.getvalue()[self.seen:]
        self.seen = len(self.err.getvalue())
        reply = self.answer(screen)
        return "" if reply is None else reply + "\n"

    def answer(self, screen: str) -> str | None:
        """What the person types after `screen` (None: they stop)."""
        reply = self._reply(screen)
        self.chunks.append((screen, "" if reply is None else reply))
        return reply

    def _reply(self, screen: str) -> str | None:
        text = flat(screen)
        if self.stopping:
            return None
        if RESUME in text:
            return self.on_resume
        if CONTINUE in text:
            return self.on_continue
        if OFFER in text:
            return self.on_offer
        found = next((qid for qid, words in self.texts if words and words in text), None)
        if found is not None:
            self.current = found
        lead = LEAD.search(text)
        if lead:
            self.asked.append(self.current)
            self.leads.append((int(lead.group(1)), int(lead.group(2))))
        reply = self.replies.get(self.current)
        if isinstance(reply, list):
            reply = reply.pop(0) if len(reply) > 1 else reply[0]
        if reply is None:
            reply = "n"
        if self.stop_after is not None and self.current == self.stop_after:
            self.stopping = True
        return str(reply)


def interview(person: Person, args: list[str], environ: dict[str, str] | None = None
              ) -> tuple[int, str, str]:
    """Run the command with `person` at a simulated terminal: status, stdout, stderr."""
    from insertadvisor.environment import Environment

    out = io.StringIO()
    env = Environment(stdin=cast(TextIO, person), stdout=out, stderr=person.err, stdin_isatty=True,
                      stdout_isatty=False, stderr_isatty=True,
                      environ=dict(os.environ, NO_COLOR="1", **(environ or {})))
    status = run(args, env)
    return int(status), out.getvalue(), person.err.getvalue()


def expected_walk(ruleset: Ruleset, stage: str, answers: dict[str, Any],
                  yes: Callable[[str], bool] = lambda _: False) -> list[str]:
    """The step ids (gates, or their items one by one) a person is asked, from the rule
    set's steps and conditions, when `answers` are what they end up answering (no gate
    opened unless `yes(gate)`)."""
    questions = {q.id: q for q in ruleset.questions[stage]}
    full = {qid: answers.get(qid, q.empty()) for qid, q in questions.items()}
    facts = facts_from(full)
    derive(ruleset, stage, facts)
    walk = []
    for step in ruleset.interview[stage]:
        if step.kind == "skip" or (step.ask_when is not None
                                   and not evaluate(step.ask_when, facts)):
            continue
        direct = step.kind != "gate" or (step.direct_when is not None
                                         and evaluate(step.direct_when, facts))
        if step.items and direct:
            walk += list(step.items)
        else:
            walk.append(step.id)
            if step.kind == "gate" and yes(step.id):
                walk += list(step.items)
    return walk
