"""`batch`: many assessments, JSONL (or CSV) answers in, JSONL results out, streaming."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Annotated, Any, TextIO

import typer

from insertadvisor.commands.common import PlainOption, RulesOption
from insertadvisor.environment import MIN_COLUMNS, Environment
from insertadvisor.flows import load_rules
from insertadvisor.model import Question, Ruleset


class Progress:
    """Progress on stderr (a terminal), then a one-line summary: records, errors, seconds.

    On a terminal that can redraw, one line redrawn in place (`\\r`), at most a few times
    a second, with the rate and, for a file, how much is done and the time left. Plain
    (--plain, $INSERTADVISOR_PLAIN, TERM=dumb: a screen reader, a log, an old terminal):
    whole lines only, never `\\r` or escape codes, one every PLAIN_EVERY seconds.

    A redrawn line must fit the terminal's width (`columns`), or it wraps and each `\\r`
    returns only to its last row, leaving a trail: the bar goes first, then the end of
    the line; below MIN_COLUMNS progress is written as whole lines, as when plain.
    """

    REDRAW_EVERY = 0.2  # seconds between redraws of the line in place
    PLAIN_EVERY = 5.0  # seconds between whole lines

    def __init__(self, stream: TextIO, source: IO[Any] | None, total: int | None,
                 plain: bool = False, clock: Callable[[], float] = time.monotonic,
                 columns: int = 80) -> None:
        self.stream, self.total, self.clock = stream, total, clock
        self.plain = plain or columns < MIN_COLUMNS
        self.width = columns - 1  # the last column: some terminals wrap on writing it
        raw = getattr(source, "buffer", source)
        self.tell = getattr(raw, "tell", None) if total else None
        self.started = self.shown = clock()
        self.drawn = False

    def __call__(self, records: int) -> None:
        now = self.clock()
        if now - self.shown < (self.PLAIN_EVERY if self.plain else self.REDRAW_EVERY):
            return
        self.shown = now
        text = self.line(records, now - self.started)
        if self.plain:
            self.stream.write(f"insertadvisor batch: {text}\n")
        else:
            self.stream.write("\r" + self._fitted(text) + "\x1b[K")
            self.drawn = True
        self.stream.flush()

    def _fitted(self, text: str) -> str:
        """The line within the width: without the bar, then without its last parts."""
        while len(text) > self.width and "  " in text:
            text = text.split("  ", 1)[1] if text.startswith("[") else text.rsplit("  ", 1)[0]
        return text[:self.width]

    def line(self, records: int, elapsed: float) -> str:
        """`[####....]  40%  8,192 records  4,100/s  about 3 s left` (the bar: not plain)."""
        rate = records / elapsed if elapsed > 0 else 0.0
        parts = [f"{records:,} records", f"{rate:,.0f}/s"]
        done = self._done()
        if done is not None and done > 0:
            parts.insert(0, f"{done:4.0%}".strip())
            parts.append(f"about {_duration(elapsed * (1 - done) / done)} left")
            if not self.plain:
                filled = int(done * 20)
                parts.insert(0, f"[{'#' * filled}{'.' * (20 - filled)}]")
        return "  ".join(parts) if not self.plain else ", ".join(parts)

    def _done(self) -> float | None:
        if self.tell is None or not self.total:
            return None
        try:
            return min(float(self.tell()) / self.total, 1.0)
        except (OSError, ValueError):
            return None

    def finish(self, records: int | None = None, rejected: int = 0) -> None:
        """Clear the line; with the records done (the batch ended), say what it did."""
        if self.drawn:
            self.stream.write("\r\x1b[K")
        if records is not None:
            seconds = self.clock() - self.started
            self.stream.write(f"insertadvisor batch: {records:,} record"
                              f"{'' if records == 1 else 's'}, {rejected:,} error"
                              f"{'' if rejected == 1 else 's'}, {seconds:.1f} s\n")
        self.stream.flush()


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(round(seconds), 1)} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def _open(name: str, env: Environment) -> tuple[IO[Any], int | None]:
    """The input stream (bytes, JSONL and CSV alike) and its size when it is a file."""
    from insertadvisor.errors import InputError, reading

    if name == "-":
        return getattr(env.stdin, "buffer", None) or env.stdin, None  # in tests: text
    if os.path.isdir(name):
        raise InputError(f"batch {name}: is a folder; give a JSONL or CSV file")
    with reading(f"batch {name}"):
        handle = open(name, "rb")  # noqa: SIM115 - closed by the caller
        return handle, os.fstat(handle.fileno()).st_size


def refuse_same_file(source: IO[Any], out: IO[Any], where: str) -> None:
    """Refuse an output that is the input file itself (`batch FILE >> FILE`), which would
    read its own results: by device and inode, whatever the names. Before any reading."""
    import stat

    from insertadvisor.errors import InputError

    try:
        given, written = os.fstat(source.fileno()), os.fstat(out.fileno())
    except (AttributeError, OSError, ValueError):  # not files (in-memory streams): no risk
        return
    if stat.S_ISREG(given.st_mode) and (given.st_dev, given.st_ino) == \
            (written.st_dev, written.st_ino):
        raise InputError(f"{where}: the output goes to the same file as the input, so the "
                         "batch would read its own results; write them to another file")


# The command's help; {required} names the chosen rule set's required questions.
HELP = """Assess many records: one answers object per line in, one JSON result per line out.

\b
Examples:
  insertadvisor batch answers.jsonl > results.jsonl
  insertadvisor batch --format csv < answers.csv > results.jsonl

Each input line is a JSON object with the keys of `insertadvisor schema answers`;
{required}. Each output line is the compact `assess --json` object, or {"kind":
"error", "line": N, "error": "..."} for a rejected record; a bad record never stops the
batch, and the exit status is 2 at the end if any was rejected; a rule set with a gap is
refused before the first record (exit 3). CSV input (--format csv,
or a .csv file) has a header row of answer keys, with symptoms separated by ";". A file
whose header has ";" and no "," is read as spreadsheets in comma-decimal locales write
it: cells separated by ";", numbers with a decimal comma (2,5), symptoms quoted. A JSON
line may also be a FHIR QuestionnaireResponse to `insertadvisor schema questionnaire
--format fhir`; with --format fhir each result line is a FHIR Bundle (docs/fhir.md), and
rejected records keep their error lines."""


def required_keys(questions: Sequence[Question]) -> str:
    """'a, b and c are required', from the rule set's questions (one definition of them)."""
    keys = [q.id for q in questions if q.required]
    if not keys:
        return "none is required"
    named = keys[0] if len(keys) == 1 else f"{', '.join(keys[:-1])} and {keys[-1]}"
    return f"{named} {'is' if len(keys) == 1 else 'are'} required"


def register(app: typer.Typer, questions: Sequence[Question], *,
             loaded: tuple[Path, Ruleset] | None = None) -> None:
    """`batch`, its help naming the required keys of `questions`; `loaded`: the folder
    and rule set they come from, used again by the run (the files read once)."""
    @app.command(help=HELP.replace("{required}", required_keys(questions)))
    def batch(
        ctx: typer.Context,
        file: Annotated[str, typer.Argument(metavar="[FILE|-]", show_default=False,
                                            help="JSONL (or CSV) answers; - or nothing for "
                                                 "stdin.")] = "-",
        fmt: Annotated[str | None, typer.Option(
            "--format", metavar="jsonl|csv|fhir", show_default=False,
            help="Input format (default: csv for a .csv file, else jsonl); fhir reads JSON "
                 "lines and writes one FHIR R4 Bundle per result line.")] = None,
        rules: RulesOption = None,
        no_progress: Annotated[bool, typer.Option(
            "--no-progress", help="No progress display (it is shown only when stderr is a "
                                  "terminal).")] = False,
        plain: PlainOption = False,
    ) -> None:
        from insertadvisor.batch import FORMATS, run_batch  # jsonl, csv, fhir
        from insertadvisor.errors import InputError

        env: Environment = ctx.obj
        env.plain_asked = plain
        chosen = (fmt or ("csv" if file.lower().endswith(".csv") else "jsonl")).lower()
        if chosen not in FORMATS:
            raise InputError(f"--format {fmt}: not a known format; use jsonl or csv (answers "
                             "in, JSON lines out), or fhir (FHIR Bundles out)")
        ruleset = load_rules(env, rules, loaded)
        refuse_gaps(ruleset)
        if file == "-" and env.stdin_isatty:
            env.stderr.write(f"insertadvisor batch: reading {chosen.upper()} answers from the "
                             "terminal; end with Ctrl-D (give a FILE to read one)\n")
        source, size = _open(file, env)
        where = f"batch {'stdin' if file == '-' else file}"
        progress = None
        tally = None
        try:
            refuse_same_file(source, env.stdout, where)
            if env.stderr_isatty and not no_progress:
                progress = Progress(env.stderr, source, size, plain=env.plain,
                                    columns=env.columns())
            tally = run_batch(ruleset, source, env.stdout, chosen, progress, where=where,
                              line_buffered=bool(env.stdout_isatty or (file == "-" and
                                                                      env.stdin_isatty)))
        finally:
            if progress is not None:  # the summary only when the batch ran to its end
                progress.finish(*((tally.records, tally.rejected) if tally else ()))
            if file != "-":
                source.close()
        if tally.gap is not None:
            from insertadvisor.errors import Problem, RulesetError

            gap = tally.gap
            raise RulesetError([Problem(gap.file, gap.line, gap.column, (
                f"{gap.message} ({tally.gaps:,} of {tally.records:,} records; the others "
                "were answered)"))])
        if tally.rejected:
            raise InputError(f"batch: {tally.rejected:,} of {tally.records:,} records rejected "
                             "(see their error lines in the output)")


def refuse_gaps(ruleset: Any) -> None:
    """Before the first record: a rule set with a gap (answers no rule of a table applies
    to) is refused as a whole (exit 3, each gap located, with answers that fall through),
    instead of failing the records that fall into it one by one."""
    import json

    from insertadvisor.checker import gaps
    from insertadvisor.errors import Problem, RulesetError

    found = gaps(ruleset)
    if found:
        raise RulesetError([Problem(f.file, f.line, 1, (
            f"{f.message}, e.g. for {json.dumps(f.counterexample, ensure_ascii=False)}; run "
            "`insertadvisor rules check` (no record was read)")) for f in found])
