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


def _open(name: str, fmt: str, env: Environment) -> tuple[IO[Any], int | None]:
    """The input stream (binary for JSONL, text for CSV) and its size when it is a file."""
    from insertadvisor.errors import InputError, reading

    if name == "-":
        binary = getattr(env.stdin, "buffer", None)
        if binary is None:  # an in-memory stdin (tests): already text
            return env.stdin, None
        if fmt == "csv":
            import io

            return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace",
                                    newline=""), None
        return binary, None
    if os.path.isdir(name):
        raise InputError(f"batch {name}: is a folder; give a JSONL or CSV file")
    with reading(f"batch {name}"):
        if fmt == "csv":
            handle: IO[Any] = open(name, encoding="utf-8-sig", errors="replace",  # noqa: SIM115
                                   newline="")
        else:
            handle = open(name, "rb")  # noqa: SIM115 - closed by the caller
        return handle, os.fstat(handle.fileno()).st_size


def register(app: typer.Typer) -> None:
    @app.command()
    def batch(
        ctx: typer.Context,
        file: Annotated[str, typer.Argument(metavar="[FILE|-]", show_default=False,
                                            help="JSONL (or CSV) answers; - or nothing for "
                                                 "stdin.")] = "-",
        fmt: Annotated[str | None, typer.Option(
            "--format", metavar="jsonl|csv", show_default=False,
            help="Input format (default: csv for a .csv file, else jsonl).")] = None,
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
        """
        from insertadvisor.batch import FORMATS, run_batch
        from insertadvisor.errors import InputError

        env: Environment = ctx.obj
        chosen = (fmt or ("csv" if file.lower().endswith(".csv") else "jsonl")).lower()
        if chosen not in FORMATS:
            raise InputError(f"--format {fmt}: not a known format; use {' or '.join(FORMATS)}")
        ruleset = load_rules(env, rules)
        if file == "-" and env.stdin_isatty:
            env.stderr.write(f"insertadvisor batch: reading {chosen.upper()} answers from the "
                             "terminal; end with Ctrl-D (give a FILE to read one)\n")
        source, size = _open(file, chosen, env)
        progress = Progress(env.stderr, source, size) \
            if env.stderr_isatty and not no_progress else None
        try:
            tally = run_batch(ruleset, source, env.stdout, chosen, progress)
        finally:
            if progress is not None:
                progress.finish()
            if file != "-":
                source.close()
            elif source is not env.stdin and hasattr(source, "detach") and chosen == "csv":
                source.detach()  # the CSV reader's wrapper: leave stdin itself open
        if tally.rejected:
            raise InputError(f"batch: {tally.rejected:,} of {tally.records:,} records rejected "
                             "(see their error lines in the output)")
