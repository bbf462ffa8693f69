"""`batch`: many assessments, JSONL (or CSV) answers in, JSONL results out, streaming."""

from __future__ import annotations

import os
from typing import IO, Annotated, Any, TextIO

import typer

from insertadvisor.commands.common import RulesOption
from insertadvisor.environment import Environment
from insertadvisor.flows import load_rules


class Progress:
    """A one-line progress display on stderr, redrawn only every few thousand records."""

    def __init__(self, stream: TextIO, source: IO[Any] | None, total: int | None) -> None:
        self.stream, self.total = stream, total
        raw = getattr(source, "buffer", source)
        self.tell = getattr(raw, "tell", None) if total else None
        self.drawn = False

    def __call__(self, records: int) -> None:
        text = f"insertadvisor batch: {records:,} records"
        if self.tell is not None and self.total:
            try:
                done = min(self.tell() / self.total, 1.0)
            except (OSError, ValueError):
                done = None
            if done is not None:
                filled = int(done * 20)
                text = f"[{'#' * filled}{'.' * (20 - filled)}] {done:4.0%}  {records:,} records"
        self.stream.write("\r" + text + "\x1b[K")
        self.stream.flush()
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


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


def register(app: typer.Typer) -> None:
    @app.command()
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
    ) -> None:
        """Assess many records: one answers object per line in, one JSON result per line out.

        \b
        Examples:
          insertadvisor batch answers.jsonl > results.jsonl
          insertadvisor batch --format csv < answers.csv > results.jsonl

        Each input line is a JSON object with the keys of `insertadvisor schema answers`;
        arch, overpronation, leg_length_diff_mm and pain_weeks are required. Each output
        line is the compact `assess --json` object, or {"kind": "error", "line": N,
        "error": "..."} for a rejected record; a bad record never stops the batch, and the
        exit status is 2 at the end if any was rejected. CSV input (--format csv, or a
        .csv file) has a header row of answer keys, with symptoms separated by ";".
        A JSON line may also be a FHIR QuestionnaireResponse to `insertadvisor schema
        questionnaire --format fhir`; with --format fhir each result line is a FHIR
        Bundle (docs/fhir.md), and rejected records keep their error lines.
        """
        from insertadvisor.batch import FORMATS, run_batch  # jsonl, csv, fhir
        from insertadvisor.errors import InputError

        env: Environment = ctx.obj
        chosen = (fmt or ("csv" if file.lower().endswith(".csv") else "jsonl")).lower()
        if chosen not in FORMATS:
            raise InputError(f"--format {fmt}: not a known format; use jsonl or csv (answers "
                             "in, JSON lines out), or fhir (FHIR Bundles out)")
        ruleset = load_rules(env, rules)
        if file == "-" and env.stdin_isatty:
            env.stderr.write(f"insertadvisor batch: reading {chosen.upper()} answers from the "
                             "terminal; end with Ctrl-D (give a FILE to read one)\n")
        source, size = _open(file, env)
        where = f"batch {'stdin' if file == '-' else file}"
        progress = None
        try:
            refuse_same_file(source, env.stdout, where)
            if env.stderr_isatty and not no_progress:
                progress = Progress(env.stderr, source, size)
            tally = run_batch(ruleset, source, env.stdout, chosen, progress, where=where,
                              line_buffered=bool(env.stdout_isatty or (file == "-" and
                                                                      env.stdin_isatty)))
        finally:
            if progress is not None:
                progress.finish()
            if file != "-":
                source.close()
        if tally.rejected:
            raise InputError(f"batch: {tally.rejected:,} of {tally.records:,} records rejected "
                             "(see their error lines in the output)")
