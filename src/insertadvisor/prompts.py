"""Asking a person one question at a time, on stderr: the terminal side of an interview.

What a person may type besides an answer is rule data (units.yaml, read by natural.py):
a length or a duration with its unit ("3 months", "8mm", "0,5 cm") is converted to the
question's unit and the conversion said back ("3 months = 13 weeks"); "not sure" is
"unknown" where a question has that value, and counts as "yes" on a yes/no warning sign
(the prompt says so at once, in the rule set's words); "?" or "help" shows the hint
again. `back` goes to the previous question (interview.py does the going). A rule set
without those words (no units.yaml) reads plain answers only.

A wrong answer is asked again with the reason, and so is a line the terminal sent in
another encoding than UTF-8. While waiting for an answer on a terminal, the prompt is
drawn again after Ctrl-Z and `fg` (SIGCONT) and after the window is resized (SIGWINCH),
wrapped to the new width.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from insertadvisor.answers import AnswerError, parse_answer
from insertadvisor.errors import ExitStatus, InsertAdvisorError
from insertadvisor.model import Question

YES = ("y", "yes")
NO = ("n", "no")
BACK = ("back", "go back")  # no question has these among its values (checked in tests)
UNREADABLE = ("  That answer could not be read as text (your terminal sent characters that "
              "are not UTF-8); please type it again.")
MAX_WIDTH = 200

Say = Callable[[str], str]


class EndOfInput(InsertAdvisorError):
    """Standard input ended (Ctrl-D) while a question was waiting for an answer.

    The person stopped the run, as with Ctrl-C: exit 130 with one line, no traceback.
    """

    exit_status = ExitStatus.INTERRUPTED

    def __init__(self, still: str = "") -> None:
        # `still`: what the person must not miss, said again on the last line (an
        # emergency shown earlier, when the result cannot be given)
        super().__init__("stopped: input ended before every question was answered"
                         + (f"; {still}" if still else ""))


class GoBack(Exception):
    """The person typed `back`: the interview returns to the previous question."""


class Asker:
    """Reads answers from `stdin`, writing questions and reasons to `out` (stderr).

    `units` (natural.Units) reads natural answers; `words` are the rule set's report
    words (`unsure_yes`: what "not sure" means on a warning sign); `terminal` says `out`
    is a real terminal, so the prompt is redrawn after a resize or Ctrl-Z and fg.
    """

    def __init__(self, stdin: TextIO, out: TextIO, colour: bool = False, width: int = 80,
                 *, units: Any = None, words: dict[str, str] | None = None,
                 terminal: bool = False) -> None:
        self.stdin, self.out, self.colour = stdin, out, colour
        self.width = max(width, 20)  # lines are wrapped here, not cut mid-word by the terminal
        self.units = units
        self.words = words or {}
        self.terminal = terminal
        self._block: list[tuple[str, str]] = []  # said since the last answer: redrawn

    # -- writing and reading ----------------------------------------------------------------

    def say(self, text: str = "", style: str = "") -> None:
        self._block.append((text, style))
        self._write(text, style)

    def _write(self, text: str, style: str) -> None:
        codes = {"bold": "1", "dim": "2", "red": "1;31", "yellow": "33", "green": "32"}
        on, off = (f"\x1b[{codes[style]}m", "\x1b[0m") if self.colour and style in codes \
            else ("", "")
        for line in self._wrap(text):
            self.out.write(f"{on}{line}{off}\n")
        self.out.flush()

    def _wrap(self, text: str, room: int = 0) -> list[str]:
        import textwrap

        indent = text[:len(text) - len(text.lstrip(" "))]
        hang = indent + "  " if text.lstrip(" ").startswith("- ") else indent  # a list item
        return textwrap.wrap(text.lstrip(" "), self.width - room, initial_indent=indent,
                             subsequent_indent=hang, break_on_hyphens=False,
                             break_long_words=False) or [""]  # a path stays whole

    def _prompt(self, prompt: str) -> None:
        *head, last = self._wrap(prompt.rstrip(), room=10)  # room to type the answer
        for line in head:
            self.out.write(line + "\n")
        self.out.write(last + " ")
        self.out.flush()

    def read(self, prompt: str = "> ") -> str:
        """One line typed after `prompt`, stripped; raise EndOfInput at its end."""
        while True:
            try:
                # The handlers go in before the prompt is drawn: a Ctrl-Z typed the moment
                # the prompt appears is still followed by a redraw at fg.
                with self._redrawn(prompt) as reading:
                    self._prompt(prompt)
                    reading()
                    line = self.stdin.readline()
            except KeyboardInterrupt:
                self.out.write("\n")  # end the prompt's line: "interrupted" goes on its own line
                self.out.flush()
                raise
            except UnicodeDecodeError:  # a strict UTF-8 stdin, and a Latin-1 byte typed
                line = "\ud800"
            if not line:
                self.out.write("\n")
                self.out.flush()
                raise EndOfInput
            if any("\ud800" <= c <= "\udfff" for c in line):  # undecodable (surrogateescape)
                self._write(UNREADABLE, "yellow")
                continue
            self._block.clear()
            return line.strip()

    @contextlib.contextmanager
    def _redrawn(self, prompt: str) -> Iterator[Callable[[], None]]:
        """While reading on a terminal: after fg or a resize, draw the question again.

        The caller draws the prompt, then calls the function given (reading starts). A
        signal that comes while the prompt is being drawn is kept until then: a redraw
        inside a write would be a reentrant call on the stream (RuntimeError).
        """
        if not self.terminal:
            yield lambda: None
            return
        import signal

        state = {"reading": False, "pending": False}

        def draw() -> None:
            self.out.write("\n")
            for text, style in self._block:
                self._write(text, style)
            self._prompt(prompt)

        def redraw(signum: int, frame: Any) -> None:
            if signum == getattr(signal, "SIGWINCH", None):
                width = self._measure()
                if width == self.width:
                    return
                self.width = width
            if state["reading"]:
                draw()
            else:
                state["pending"] = True

        def reading() -> None:
            state["reading"] = True
            if state["pending"]:
                state["pending"] = False
                draw()

        previous = {}
        for name in ("SIGCONT", "SIGWINCH"):
            number = getattr(signal, name, None)
            if number is None:
                continue
            try:
                previous[number] = signal.signal(number, redraw)
            except (ValueError, OSError):  # not the main thread: no redrawing, no harm
                break
        try:
            yield reading
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def _measure(self) -> int:
        try:
            columns = os.get_terminal_size(self.out.fileno()).columns
        except (AttributeError, ValueError, OSError):
            return self.width
        return min(max(columns, 20), MAX_WIDTH) if columns > 0 else self.width

    def reply(self, prompt: str, show_help: Callable[[], None]) -> str:
        """A reply that is not a request for help; `back` raises GoBack."""
        while True:
            raw = self.read(prompt)
            if raw.casefold() in BACK:
                raise GoBack
            if self.classify(raw) == "help":
                show_help()
                continue
            return raw

    def classify(self, raw: str) -> str | None:
        """"help", "unsure" or None, from the rule set's words (none without them)."""
        if self.units is None:
            return None
        from insertadvisor.natural import classify_reply

        return classify_reply(raw, self.units)

    # -- the kinds of question ------------------------------------------------------------

    def choice(self, question: Question, say: Say, optional: bool = False, *,
               lead: str = "", default: str | None = None) -> str | None:
        """One of the question's values, by number or by name; None if skipped.

        `default` is what Enter chooses (said in the prompt); without one, Enter skips an
        optional question.
        """
        options = list(question.values)

        def show_options() -> None:
            for number, value in enumerate(options, 1):
                self.say(f"  {number}) {say(question.labels.get(value, value))}")

        def show_help() -> None:
            self._hint(question, say, again=True)
            show_options()
            self.say(f"  Type a number from 1 to {len(options)}{self._extras()}.", "dim")

        enter = f" (Enter: {say(question.labels.get(default, default))})" if default else ""
        self._heading(question, say, optional and not default, lead, enter)
        show_options()
        while True:
            raw = self.reply(f"Choose 1-{len(options)}: ", show_help)
            if optional and raw == "":
                return default
            if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= len(options):
                return options[int(raw) - 1]
            if self.classify(raw) == "unsure" and "unknown" in options:
                self.say(f"  {say(question.labels.get('unknown', 'unknown'))}", "dim")
                return "unknown"
            try:
                return str(parse_answer(question, raw, ""))
            except AnswerError as exc:
                self.say(f"  {exc}; or type a number from 1 to {len(options)}.", "yellow")

    def number(self, question: Question, say: Say, optional: bool = False, *,
               lead: str = "") -> Any:
        """A number (or unknown, where allowed), in natural units; None if skipped."""
        unit = f" ({question.unit})" if question.unit else ""

        def show_help() -> None:
            self._hint(question, say, again=True)
            shown = f" in {question.unit}" if question.unit else ""
            self.say(f"  Type a number{shown}{self._units_hint(question)}"
                     f"{' or not sure' if question.unknown else ''}{self._extras()}.", "dim")

        self._heading(question, say, optional, lead)
        while True:
            raw = self.reply(f"Answer{unit}: ", show_help)
            if optional and raw == "":
                return None
            text, echo = self._natural(question, raw)
            try:
                value = parse_answer(question, text, "")
            except AnswerError as exc:
                self.say(f"  {echo + ': ' if echo else ''}{exc}", "yellow")
                continue
            if echo:
                self.say(f"  {echo}", "green")
            elif value is None and text != raw.strip():
                self.say(f"  {say(self.words.get('unknown', 'unknown'))}", "dim")
            return value

    def _natural(self, question: Question, raw: str) -> tuple[str, str]:
        """The text for parse_answer and the conversion to say back ("" if none)."""
        if self.units is None:
            return raw, ""
        if self.classify(raw) == "unsure":
            return "unknown", ""
        from insertadvisor.natural import read_quantity

        places = 0 if question.type == "integer" else 1
        quantity = read_quantity(raw, question.unit, self.units, places=places)
        return (raw, "") if quantity is None else (quantity.text, quantity.echo)

    def yes_no(self, text: str, *, hint: str = "", unsure_is_yes: bool = False) -> bool:
        """y or n; with `unsure_is_yes` (a warning sign) "not sure" is yes, said at once."""
        def show_help() -> None:
            if hint:
                self.say(f"  {hint}", "dim")
            unsure = f" If you are not sure, say so: {self.words['unsure_yes']}" \
                if unsure_is_yes and self.units is not None and "unsure_yes" in self.words \
                else ""
            self.say(f"  Answer y (yes) or n (no).{unsure}{self._extras()}", "dim")

        while True:
            raw = self.reply(f"{text} [y/n]: ", show_help).lower()
            if raw in YES:
                return True
            if raw in NO:
                return False
            if unsure_is_yes and self.classify(raw) == "unsure":
                self.say(f"  {self.words.get('unsure_yes', 'yes')}", "yellow")
                return True
            self.say("  Please answer y (yes) or n (no).", "yellow")

    def confirm(self, text: str, default: bool) -> bool:
        """A yes/no question with a default (Enter); end of input takes the default."""
        options = "[Y/n]" if default else "[y/N]"
        while True:
            try:
                raw = self.read(f"{text} {options}: ").lower()
            except EndOfInput:
                return default
            if raw == "":
                return default
            if raw in YES or raw in NO:
                return raw in YES
            self.say("  Please answer y (yes) or n (no).", "yellow")

    # -- pieces ---------------------------------------------------------------------------

    def _heading(self, question: Question, say: Say, optional: bool, lead: str,
                 enter: str = "") -> None:
        if lead:
            self.say(lead, "dim")
        self.say(say(question.prompt) + (" (Enter skips)" if optional else "") + enter,
                 "bold")
        self._hint(question, say)

    def _hint(self, question: Question, say: Say, again: bool = False) -> None:
        if question.hint:
            self.say(f"  {say(question.hint)}", "dim")
        elif again:
            self.say(f"  {say(question.prompt)}", "dim")

    def _extras(self) -> str:
        return ", or back for the previous question"

    def _units_hint(self, question: Question) -> str:
        group = self.units.groups.get(question.unit) if self.units is not None else None
        if group is None or len(group.units) < 2:
            return ""
        names = [u.names[1] for u in group.units.values() if u is not group.canonical]
        return f" (or in {', '.join(names)})"
