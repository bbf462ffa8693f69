"""An interview in progress, kept on disk so that an interrupted one can be resumed.

After each answer the interview's state (the answers so far, the set items settled, what
was asked) is written to the user's data folder (Environment.data_dir), readable only by
them: the folder is 0700, the file 0600, written through a temporary file and a rename
so that Ctrl-C never leaves half a file. The next interactive run of the same stage
offers to carry on; a finished interview removes its file. Answers are validated again
when read (the rule set may have changed since): a file that no longer fits is dropped.

`write_private` is also how `--save-answers FILE` writes its answers file.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

from insertadvisor.environment import Environment
from insertadvisor.errors import FULL, InputError, OutputError, os_reason
from insertadvisor.model import Ruleset
from insertadvisor.userfiles import NotAFile, read_regular, write_private

VERSION = 1  # of the file's layout
# How long an interrupted interview is offered for. Its "no" to a warning sign is about
# that day: a person coming back days later may have a new red flag, and resuming would
# not ask about it again. Older ones (or ones dated in the future) are dropped.
MAX_AGE_SECONDS = 24 * 60 * 60


class Progress:
    """What an interview has gathered: answers, the set items settled (asked, or given),
    the question and item ids the person was asked, how many prompts were answered, and
    when it was last saved."""

    __slots__ = ("answered", "answers", "asked", "count", "saved_at", "stale")

    def __init__(self, answers: dict[str, Any], answered: set[str], asked: set[str], *,
                 count: int = 0, saved_at: float = 0.0, stale: bool = False) -> None:
        self.stale = stale  # kept too long to be offered (MAX_AGE_SECONDS): only said
        self.answers = answers
        self.answered = answered
        self.asked = asked
        self.count = count  # prompts answered
        self.saved_at = saved_at


def path_for(env: Environment, stage: str) -> Path:
    return env.data_dir / f"interview-{stage}.json"


def save(env: Environment, stage: str, progress: Progress) -> None:
    """Keep `progress`; a folder that cannot be written only means no resuming."""
    data = {"version": VERSION, "stage": stage, "saved_at": time.time(),
            "answers": progress.answers, "answered": sorted(progress.answered),
            "asked": sorted(progress.asked), "count": progress.count}
    with contextlib.suppress(OSError):
        write_private(path_for(env, stage), json.dumps(data, ensure_ascii=True))


def load(env: Environment, ruleset: Ruleset, stage: str) -> Progress | None:
    """The saved progress of `stage`, if any still fits the rule set's questions (`stale`,
    with no answers, if it was kept too long to be offered: it is removed)."""
    from insertadvisor.answers import AnswerError, parse_mapping

    target = path_for(env, stage)
    try:
        data = json.loads(read_regular(target))
    except FileNotFoundError:
        return None
    except NotAFile:  # a FIFO or a device planted there: never block on it, never remove it
        return None
    except (OSError, ValueError):
        clear(env, stage)
        return None
    questions = ruleset.questions[stage]
    ids = {q.id for q in questions} | {i.id for q in questions for i in q.items}
    try:
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise AnswerError("not a saved interview of this version")
        answers = parse_mapping(questions, data["answers"], "saved interview", stage=stage)
        answered = {str(i) for i in data["answered"]} & ids
        asked = {str(i) for i in data["asked"]} & ids
        saved_at = float(data["saved_at"])
        count = max(int(data["count"]), 0)
    except (AnswerError, KeyError, TypeError, ValueError):
        clear(env, stage)
        return None
    if not answers and not answered:
        return None
    if not -3600 < time.time() - saved_at <= MAX_AGE_SECONDS:  # (an hour for clock changes)
        clear(env, stage)
        return Progress({}, set(), set(), count=count, saved_at=saved_at, stale=True)
    return Progress(answers, answered, asked, count=count, saved_at=saved_at)


def clear(env: Environment, stage: str) -> None:
    with contextlib.suppress(OSError):
        path_for(env, stage).unlink(missing_ok=True)


def save_answers(path: Path, answers: dict[str, Any]) -> None:
    """`--save-answers FILE`: the answers as a JSON answers file that --answers reads."""
    text = json.dumps(answers, ensure_ascii=False, indent=2)
    try:
        write_private(path, text + "\n")
    except IsADirectoryError:
        raise InputError(f"--save-answers {path}: is a folder; give a file name") from None
    except OSError as exc:
        error = OutputError if exc.errno in FULL else InputError  # a full disk: not bad input
        raise error(f"--save-answers {path}: cannot write it ({os_reason(exc)})") from None


def check_target(path: Path, output: Path | None = None) -> None:
    """Refuse, before any question, a --save-answers that names a folder or the report."""
    text = os.fspath(path)
    if text.endswith(("/", os.sep)) or Path(text).is_dir():
        raise InputError(f"--save-answers {text}: is a folder; give a file name such as "
                         "answers.json")
    if output is not None and Path(text).resolve() == Path(output).resolve():
        raise InputError(f"--save-answers {text}: is also the --output report; give "
                         "another name")
